"""The rule table of policies/README.md, from the pack (tests keep the README's copy current).

    python -m policies.docs     # prints the table to paste into policies/README.md
"""

from __future__ import annotations

from .pack import ALL_POLICIES


def rule_table() -> str:
    lines = ["| Rule | Level | Scope | Checked by | What it protects | Remediation |", "|---|---|---|---|---|---|"]
    for policy in ALL_POLICIES:
        cells = [f"`{policy.name}`", policy.enforcement_level.value, policy.rule.scope, ", ".join(policy.checked_by),
                 policy.description, policy.remediation_steps]
        lines.append("| " + " | ".join(_markdown(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _markdown(text: str) -> str:
    # `<cloud>` would be read as an HTML tag, `|` as a column.
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


if __name__ == "__main__":
    print(rule_table(), end="")
