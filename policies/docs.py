"""The rule table of policies/README.md, from the pack (tests keep the README's copy current).

    python -m policies.docs            # prints the table
    python -m policies.docs --write    # replaces the table in policies/README.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .pack import ALL_POLICIES

README = Path(__file__).resolve().parent / "README.md"
HEADER = "| Rule | Level | Scope | Checked by | What it protects | Remediation |"


def rule_table() -> str:
    lines = [HEADER, "|---|---|---|---|---|---|"]
    for policy in ALL_POLICIES:
        cells = [f"`{policy.name}`", policy.enforcement_level.value, policy.rule.scope, ", ".join(policy.checked_by),
                 policy.description, policy.remediation_steps]
        lines.append("| " + " | ".join(_markdown(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _markdown(text: str) -> str:
    # `<cloud>` would be read as an HTML tag, `|` as a column.
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def write_readme(readme: Path = README) -> None:
    """Replace the table (the header line and every row after it) with the current one."""
    lines = readme.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADER))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    readme.write_text("".join(lines[:start]) + rule_table() + "".join(lines[end:]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies.docs", description="The rule table of policies/README.md.")
    parser.add_argument("--write", action="store_true", help="replace the table in policies/README.md")
    args = parser.parse_args(argv)
    if args.write:
        write_readme()
    else:
        print(rule_table(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
