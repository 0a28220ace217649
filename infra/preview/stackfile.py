"""Reading a stack file the way Pulumi hands it to the program, and listing the stacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from infra.settings import PROJECT

REPO = Path(__file__).resolve().parents[2]
STACKS_DIR = REPO / "stacks"


def stack_path(name: str, stacks_dir: Path = STACKS_DIR) -> Path:
    return stacks_dir / f"Pulumi.{name}.yaml"


def all_stacks(stacks_dir: Path = STACKS_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml"))


def read_stack_file(path: Path) -> tuple[dict[str, Any], set[str]]:
    """Return (rasa-platform config without prefix, keys holding secrets).

    Secure values (`{secure: v1:...}`) cannot be decrypted without the Pulumi CLI: they are kept
    as placeholders and their keys marked secret, exactly the keys Pulumi would mark.
    """
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    raw: dict[str, Any] = {}
    secret_keys: set[str] = set()
    prefix = f"{PROJECT}:"
    for key, value in config.items():
        if not key.startswith(prefix):
            continue  # provider config such as aws:region belongs to the providers
        short = key[len(prefix):]
        cleaned, had_secret = _strip_secure(value)
        if had_secret:
            secret_keys.add(short)
        raw[short] = as_pulumi_string(cleaned)
    return raw, secret_keys


def as_pulumi_string(value: Any) -> str:
    """Pulumi passes objects and lists as JSON text and scalars as strings."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strip_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return "offline-preview-secure-value", True
    if isinstance(value, dict):
        found = False
        out = {}
        for k, v in value.items():
            out[k], s = _strip_secure(v)
            found |= s
        return out, found
    if isinstance(value, list):
        items = [_strip_secure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False
