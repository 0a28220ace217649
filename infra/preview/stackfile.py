"""Reading a stack file the way Pulumi hands it to the program, and listing the stacks.

A file that is not a stack file (bad YAML, a duplicate key, no `config:` mapping) raises
`StackFileError`, one line naming the file (and line and column where YAML knows them). A key
under an unknown namespace raises the config error of infra/config_keys.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from infra.config_keys import check_config_keys, full_key
from infra.settings import PROJECT

REPO = Path(__file__).resolve().parents[2]
STACKS_DIR = REPO / "stacks"
SECURE_PLACEHOLDER = "offline-preview-secure-value"


class StackFileError(ValueError):
    """The file cannot be read as a stack file; `str()` is one line starting with the file."""


def shown(path: Path) -> str:
    """A path as messages show it: relative to the working directory when under it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def stack_path(name: str, stacks_dir: Path = STACKS_DIR) -> Path:
    return stacks_dir / f"Pulumi.{name}.yaml"


def all_stacks(stacks_dir: Path = STACKS_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in Path(stacks_dir).glob("Pulumi.*.yaml"))


def read_stack_file(path: Path) -> tuple[dict[str, Any], set[str]]:
    """Return (rasa-platform config without prefix, keys holding secrets).

    Keys without a namespace are the project's, as Pulumi reads them; provider keys (`aws:region`)
    belong to the providers and are not returned; any other namespace is an error.
    Secure values (`{secure: v1:...}`) cannot be decrypted without the Pulumi CLI: they are kept
    as placeholders and their keys marked secret, exactly the keys Pulumi would mark.
    """
    config = _config_mapping(path)
    keys = [str(key) for key in config]
    check_config_keys(keys)
    raw: dict[str, Any] = {}
    secret_keys: set[str] = set()
    prefix = f"{PROJECT}:"
    for key, value in zip(keys, config.values()):
        name = full_key(key)
        if not name.startswith(prefix):
            continue
        short = name[len(prefix):]
        if short in raw:
            raise StackFileError(f"{shown(path)}: config key {name} is set twice (as {short} and as {name})")
        cleaned, had_secret = _strip_secure(value)
        if had_secret:
            secret_keys.add(short)
        raw[short] = as_pulumi_string(cleaned)
    return raw, secret_keys


def _config_mapping(path: Path) -> dict[Any, Any]:
    where = shown(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StackFileError(f"{where}: cannot read: {exc.strerror or exc}") from None
    try:
        document = yaml.load(data, Loader=_StackLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        kind = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        problem = exc.problem or exc.context or "cannot parse"
        raise StackFileError(f"{at}: {kind}: {' '.join(problem.split())}") from None
    except yaml.YAMLError as exc:  # e.g. bytes that are not text
        raise StackFileError(f"{where}: YAML error: {' '.join(str(exc).split())}") from None
    if document is None:
        raise StackFileError(f"{where}: not a stack file: it is empty; expected a mapping with config:")
    if not isinstance(document, dict):
        raise StackFileError(f"{where}: not a stack file: the top level is a {_kind(document)}; expected a mapping with config:")
    config = document.get("config")
    if config is None:
        raise StackFileError(f"{where}: not a stack file: no config: mapping at the top level")
    if not isinstance(config, dict):
        raise StackFileError(f"{where}: not a stack file: config: is a {_kind(config)}; expected a mapping of config keys")
    return config


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "string" if isinstance(value, str) else "scalar"


class _StackLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys, as Pulumi's own YAML reader does (PyYAML
    would keep the last value silently)."""


def _mapping_without_duplicates(loader: _StackLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` merges, construct_mapping handles it
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = key in first_line
        except TypeError:  # an unhashable key: construct_mapping reports it
            break
        if seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key} (first at line {first_line[key] + 1})", key_node.start_mark,
            )
        first_line[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=True)


_StackLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def as_pulumi_string(value: Any) -> str:
    """Pulumi passes objects and lists as JSON text and scalars as strings."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strip_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECURE_PLACEHOLDER, True
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
