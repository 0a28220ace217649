"""The command line: `python -m infra.preview [--stack NAME | --all] [--out DIR] [--stacks-dir DIR]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from infra.preview.artifacts import DEFAULT_OUT, write_artifacts
from infra.preview.stackfile import REPO, STACKS_DIR, all_stacks
from infra.preview.summary import summary_rows


def _run_stack(*args, **kwargs):
    # Looked up on the package at call time, so `monkeypatch.setattr(infra.preview, "run_stack", ...)`
    # reaches the command line too.
    import infra.preview

    return infra.preview.run_stack(*args, **kwargs)


def main(argv: Optional[list[str]] = None) -> int:
    import infra.preview

    parser = argparse.ArgumentParser(prog="python -m infra.preview", description=infra.preview.__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--stack", action="append", help="stack name (stacks/Pulumi.NAME.yaml); repeatable")
    which.add_argument("--all", action="store_true", help="every stack in stacks/ (the default)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"artifact folder (default {DEFAULT_OUT.relative_to(REPO)})")
    parser.add_argument("--stacks-dir", type=Path, default=STACKS_DIR, help="where the stack files are (default stacks/)")
    args = parser.parse_args(argv)

    names = args.stack or all_stacks(args.stacks_dir)
    if not names:
        print("no stacks found in stacks/", file=sys.stderr)
        return 2
    worst = 0
    for name in names:
        preview = _run_stack(name, stacks_dir=args.stacks_dir)
        if preview.config_error:
            print(f"{name}: {preview.config_error}", file=sys.stderr)
            worst = max(worst, 2)
            continue
        target = write_artifacts(preview, args.out)
        print(f"\n== {name} → {target}")
        width = max(len(k) for k, _ in summary_rows(preview))
        for key, value in summary_rows(preview):
            print(f"  {key.ljust(width)}  {value}")
        for v in preview.policy.get("violations", []):
            if v.get("enforcement") == "mandatory":
                print(f"  MANDATORY {v['rule']}: {v.get('resource') or '(stack)'}: {v['message']}")
        worst = max(worst, preview.exit_code)
    return worst
