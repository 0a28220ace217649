"""Generate the README's reference tables from the code they describe.

    python -m infra.readme            # prints every generated block
    python -m infra.readme --write    # replaces the README's copies
    python -m infra.readme --check    # exit 1 naming every stale block (for CI)

Blocks: the settings reference (from the settings models and presets) and the policy rules (from
the policy pack). tests/test_readme.py fails when a copy is stale, so the README never drifts.
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

from components.registry import CLOUDS
from infra.presets import ENVIRONMENT_PRESETS
from infra.preview.estimate import creation_time_table
from infra.settings import PROJECT, StackSettings

README = Path(__file__).resolve().parent.parent / "README.md"
HIDDEN = {"stack", "placeholder_secrets", "placeholder_values"}


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " \\| ".join(str(a) for a in get_args(annotation))
    if origin is typing.Annotated:
        base, *meta = get_args(annotation)
        return _type_name(base)
    if origin in (Union, getattr(__import__("types"), "UnionType", Union)):
        names = [_type_name(a) for a in get_args(annotation) if a is not type(None)]
        return " \\| ".join(names)
    if origin in (tuple, list):
        return f"list of {_type_name(get_args(annotation)[0])}"
    if origin is dict:
        return "map"
    if annotation is SecretStr:
        return "secret"
    if isinstance(annotation, type):
        return {"str": "string", "int": "integer", "bool": "boolean"}.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    return str(value)


def _rows(model: type[BaseModel], prefix: str, presets: dict[str, dict[str, Any]]) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        if name in HIDDEN:
            continue
        key = f"{prefix}{info.alias or name}"
        annotation = info.annotation
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if nested is not None:
            sub = {env: (p.get(info.alias or name) or {}) for env, p in presets.items()}
            rows += _rows(nested, f"{key}.", sub)
            continue
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        per_env = [_show(presets[env].get(info.alias or name, "")) if (info.alias or name) in presets[env] else ""
                   for env in ("dev", "staging", "prod")]
        description = (info.description or "").replace("|", "\\|")
        rows.append(
            f"| `{key}` | {_type_name(annotation)} | {_show(default)} | " + " | ".join(per_env) + f" | {description} |"
        )
    return rows


def all_presets(environment: str) -> dict[str, Any]:
    """The generic preset plus every registered cloud's own section preset (they never overlap)."""
    preset = dict(ENVIRONMENT_PRESETS[environment])
    for spec in CLOUDS.values():
        if spec.presets.get(environment):
            preset[spec.name] = dict(spec.presets[environment])
    return preset


def reference_table() -> str:
    presets = {env: all_presets(env) for env in ("dev", "staging", "prod")}
    header = [
        f"Keys live under `{PROJECT}:` in `stacks/Pulumi.<stack>.yaml`. Preset columns show what the",
        "environment sets before the stack's own values (a cloud's section: that cloud's presets); an empty",
        "cell means the default. A cloud's section applies only to stacks of that `cloud`.",
        "",
        "| key | type / allowed | default | dev | staging | prod | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    return "\n".join(header + _rows(StackSettings, "", presets)) + "\n"


def policy_table() -> str:
    from policies.pack import ALL_POLICIES

    lines = [
        "| rule | level | what it protects |",
        "|---|---|---|",
    ]
    for policy in ALL_POLICIES:
        description = policy.description.replace("|", "\\|")
        lines.append(f"| `{policy.name}` | {policy.enforcement_level.value} | {description} |")
    return "\n".join(lines) + "\n"


def clouds_table() -> str:
    """One row per registered cloud (components/registry.py)."""
    lines = [
        "| cloud | managed here | `--remote-storage` | platform tag keys | regions |",
        "|---|---|---|---|---|",
    ]
    for spec in CLOUDS.values():
        managed = ", ".join(f"`{m}`" for m in sorted(spec.managed)) or "nothing yet (bring your own)"
        tags = f"`{spec.tags.stack_key}`, `{spec.tags.environment_key}` ({spec.tag_property})"
        lines.append(f"| `{spec.name}` ({spec.title}) | {managed} | `{spec.remote_storage}` | {tags} | {len(spec.regions)} |")
    return "\n".join(lines) + "\n"


BLOCKS = {
    "settings-reference": reference_table, "policy-rules": policy_table, "clouds": clouds_table,
    "creation-times": creation_time_table,  # the first-deploy estimate's table (infra/preview)
}


def markers(block: str) -> tuple[str, str]:
    return f"<!-- {block}:begin -->", f"<!-- {block}:end -->"


def current_block(text: str, block: str) -> str:
    begin, end = markers(block)
    return text.split(begin, 1)[1].split(end, 1)[0]


def missing_markers(text: str) -> list[str]:
    """Blocks without a begin marker followed by an end marker in `text`."""
    missing = []
    for block in BLOCKS:
        begin, end = markers(block)
        if begin not in text or end not in text.split(begin, 1)[1]:
            missing.append(block)
    return missing


def stale_blocks(text: str) -> list[str]:
    """Blocks whose copy in `text` differs from what the code generates (or has no markers)."""
    missing = missing_markers(text)
    return [block for block, render in BLOCKS.items()
            if block in missing or current_block(text, block).strip() != render().strip()]


def render_readme(text: str) -> str:
    """`text` with every generated block replaced by what the code generates."""
    for block, render in BLOCKS.items():
        begin, end = markers(block)
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{render()}{end}{tail}"
    return text


def write_readme(readme: Path = README) -> None:
    readme.write_text(render_readme(readme.read_text()))


def main(argv: typing.Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.readme",
        description="Generate the README's reference blocks (settings, policy rules) from the code. "
                    "Without an option, print them.",
        epilog="Exit codes: 0 done / current; 1 --check found stale blocks, or a block's markers are missing; "
               "2 a usage error.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="replace the README's generated blocks")
    action.add_argument("--check", action="store_true", help="exit 1 naming every stale block (for CI)")
    parser.add_argument("--readme", type=Path, default=README, metavar="FILE", help="the README (default README.md)")
    args = parser.parse_args(argv)
    if not (args.write or args.check):
        for render in BLOCKS.values():
            print(render())
        return 0
    try:
        text = args.readme.read_text()
    except OSError as exc:
        print(f"{args.readme}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 1
    missing = missing_markers(text)
    if missing:
        for block in missing:
            begin, end = markers(block)
            print(f"{args.readme}: block {block} has no {begin} ... {end} markers", file=sys.stderr)
        return 1
    stale = stale_blocks(text)
    if args.check:
        if stale:
            print(f"{args.readme}: stale generated blocks: {', '.join(stale)} "
                  "(run .venv/bin/python -m infra.readme --write)", file=sys.stderr)
            return 1
        print(f"{args.readme}: generated blocks are current")
        return 0
    if stale:
        args.readme.write_text(render_readme(text))
        print(f"{args.readme}: updated {', '.join(stale)}")
    else:
        print(f"{args.readme}: generated blocks are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
