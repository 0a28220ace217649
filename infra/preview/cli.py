"""The command line: `python -m infra.preview [--stack NAME | --all] [--out DIR] [--stacks-dir DIR]
[--policy-config FILE]`.

Usage problems (a stack named by its file, an unknown stack, no stacks at all, a bad policy
config file) are answered with one line each and exit 2 before any stack is previewed. A stack
whose file or config is bad prints its lines, gets no artifacts, and makes the exit code 2; the
other stacks are still previewed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Optional

from infra.preview.artifacts import DEFAULT_OUT, write_artifacts
from infra.preview.stackfile import REPO, STACKS_DIR, all_stacks, shown, stack_path
from infra.preview.summary import summary_rows

USAGE_ERROR = 2


class UsageError(Exception):
    """One or more lines to print before exiting 2."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


def _run_stack(*args: Any, **kwargs: Any):
    # Looked up on the package at call time, so `monkeypatch.setattr(infra.preview, "run_stack", ...)`
    # reaches the command line too.
    import infra.preview

    return infra.preview.run_stack(*args, **kwargs)


def parser() -> argparse.ArgumentParser:
    import infra.preview

    p = argparse.ArgumentParser(
        prog="python -m infra.preview",
        description=infra.preview.__doc__.split("\n\n")[0],
        epilog="Exit codes: 0 all good; 1 a mandatory policy failed; 2 a usage or config error.",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--stack", action="append", metavar="NAME",
                       help="stack name (the NAME of STACKS_DIR/Pulumi.NAME.yaml); repeatable")
    which.add_argument("--all", action="store_true", help="every stack in STACKS_DIR (the default)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help=f"artifact folder, one subfolder per stack (default {DEFAULT_OUT.relative_to(REPO)})")
    p.add_argument("--stacks-dir", type=Path, default=STACKS_DIR, metavar="STACKS_DIR",
                   help="where the stack files are (default stacks/)")
    p.add_argument("--policy-config", type=Path, metavar="FILE",
                   help="the policy pack's config file (as for `pulumi preview --policy-pack-config`)")
    return p


def stacks_to_preview(requested: Optional[list[str]], stacks_dir: Path) -> list[str]:
    available = all_stacks(stacks_dir)
    if not requested:
        if not available:
            raise UsageError(f"no stacks found in {shown(stacks_dir)} (looking for Pulumi.<stack>.yaml)")
        return available
    problems = [line for line in (_stack_argument_problem(arg, available, stacks_dir) for arg in requested) if line]
    if problems:
        raise UsageError(*problems)
    return list(dict.fromkeys(requested))  # each stack once, in the order asked


def _stack_argument_problem(arg: str, available: list[str], stacks_dir: Path) -> Optional[str]:
    if arg.endswith((".yaml", ".yml")):
        path = Path(arg)
        match = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", path.name)
        name = match.group(1) if match else path.stem
        hint = f"--stack {name}"
        if str(path.parent) != "." and path.parent.resolve() != Path(stacks_dir).resolve():
            hint += f" --stacks-dir {path.parent}"
        return f"--stack {arg}: pass the stack's name, not its file: {hint}"
    if "/" in arg:  # Pulumi's fully qualified org/project/stack
        return f"--stack {arg}: pass the stack's short name (its file is Pulumi.<name>.yaml): --stack {arg.rsplit('/', 1)[-1]}"
    if arg not in available:
        listed = ", ".join(available) if available else f"none (no stacks found in {shown(stacks_dir)})"
        return f"unknown stack {arg}: no {shown(stack_path(arg, stacks_dir))}; available: {listed}"
    return None


def load_policy_config(path: Path) -> dict[str, Any]:
    """The pack's config file through `policies.offline.load_config` (one line on any problem)."""
    try:
        from policies.offline import PolicyConfigError, load_config
    except ImportError:
        raise UsageError(f"--policy-config {path}: this policy pack cannot read a config file "
                         "(policies.offline.load_config is missing)") from None
    try:
        return load_config(path)
    except (PolicyConfigError, OSError) as exc:
        message = " ".join(str(exc).split()) if isinstance(exc, PolicyConfigError) else f"cannot read: {exc.strerror or exc}"
        raise UsageError(message if str(path) in message else f"{path}: {message}") from None


def main(argv: Optional[list[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        names = stacks_to_preview(args.stack, args.stacks_dir)
        policy_config = load_policy_config(args.policy_config) if args.policy_config else None
    except UsageError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return USAGE_ERROR
    worst = 0
    for name in names:
        preview = _run_stack(name, stacks_dir=args.stacks_dir, policy_config=policy_config)
        if preview.config_error:
            for line in preview.error_lines:
                print(line, file=sys.stderr)
            worst = max(worst, USAGE_ERROR)
            continue
        target = write_artifacts(preview, args.out)
        print(f"\n== {name} → {target}")
        rows = summary_rows(preview)
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"  {key.ljust(width)}  {value}")
        for v in preview.policy.get("violations", []):
            if v.get("enforcement") == "mandatory":
                print(f"  MANDATORY {v['rule']}: {v.get('resource') or '(stack)'}: {v['message']}")
        worst = max(worst, preview.exit_code)
    return worst
