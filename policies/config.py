"""The pack's config: the file `pulumi preview --policy-pack policies --policy-pack-config FILE`
takes, validated the same way for the offline preview.

    {
      "all": "advisory",                                   # every rule's level (or {"enforcementLevel": ...})
      "database-backup-retention": {"enforcementLevel": "mandatory", "minBackupDaysProd": 30},
      "database-monitoring": "disabled",                   # a rule: a level, or its level and config keys
      "allowedRegions": ["eu-central-1"]                   # offline shorthand: a threshold for every rule
    }

A rule's own level wins over `all`. The top-level thresholds are the offline preview's shorthand;
the Pulumi CLI only knows `all` and rule names. JSON, or YAML (`.yaml`, `.yml`, or any other
suffix that is not JSON) when PyYAML is importable. Every problem is a `PolicyConfigError` whose
message is one line naming the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import json
import pathlib
from collections.abc import Mapping
from typing import Any, Iterable, Optional, Union

from pulumi_policy import EnforcementLevel

from .thresholds import CONFIG_PROPERTIES

try:
    import yaml
except ImportError:  # YAML is a convenience; JSON is what the CLI takes
    yaml = None  # type: ignore[assignment]

ALL = "all"
LEVEL_KEY = "enforcementLevel"
LEVELS = tuple(level.value for level in EnforcementLevel)


class PolicyConfigError(ValueError):
    """A bad policy config: one line, `policy config error: <source>: <key> = <value>: <problem>`."""

    def __init__(self, source: str, key: Optional[str], value: Any, problem: str):
        self.source, self.key, self.value, self.problem = source, key, value, problem
        where = f"{key} = {_shown(value)}: " if key is not None else ""
        super().__init__(f"policy config error: {source}: {where}{problem}")


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def load_config(path: Union[str, pathlib.Path]) -> dict:
    """The validated config of a policy config file (JSON or YAML), ready for `evaluate`."""
    from .pack import ALL_POLICIES

    path = pathlib.Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise PolicyConfigError(str(path), None, None, f"cannot be read: {e.strerror or e}") from None
    return check_config(_parse(str(path), path.suffix.lower(), text), ALL_POLICIES, str(path))


def _parse(source: str, suffix: str, text: str) -> Any:
    if suffix not in (".yaml", ".yml"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            if suffix == ".json" or yaml is None:
                raise PolicyConfigError(source, None, None,
                                        f"is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    if yaml is None:
        raise PolicyConfigError(source, None, None, "is YAML, but PyYAML is not installed: write it as JSON")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise PolicyConfigError(source, None, None,
                                f"is not valid YAML: {getattr(e, 'problem', None) or e}{at}") from None
    return {} if data is None else data


def check_config(config: Any, policies: Iterable[Any], source: str) -> dict:
    """`config` validated against the policies' published schemas, normalised: `all` a level name,
    every rule a mapping (its level under `enforcementLevel`), thresholds as given."""
    if not isinstance(config, Mapping):
        raise PolicyConfigError(source, "(top level)", config,
                                "must be a mapping of all, thresholds and rule names to their settings")
    by_name = {p.name: p for p in policies}
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key == ALL:
            level = value.get(LEVEL_KEY) if isinstance(value, Mapping) and set(value) == {LEVEL_KEY} else value
            out[ALL] = _level(source, ALL, level)
        elif key in by_name:
            out[key] = _rule_settings(source, by_name[key], value)
        elif key in CONFIG_PROPERTIES:
            out[key] = _threshold(source, key, CONFIG_PROPERTIES[key], value)
        else:
            close = difflib.get_close_matches(str(key), list(by_name) + list(CONFIG_PROPERTIES), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise PolicyConfigError(source, str(key), value,
                                    f"unknown rule or threshold{hint}; allowed: {ALL}, {', '.join(CONFIG_PROPERTIES)} "
                                    f"or one of the pack's {len(by_name)} rule names (policies/README.md lists them)")
    return out


def _level(source: str, key: str, value: Any) -> str:
    if value not in LEVELS:
        raise PolicyConfigError(source, key, value, f"allowed: {', '.join(LEVELS)}")
    return value


def _rule_settings(source: str, policy: Any, value: Any) -> dict:
    schema = dict(policy.config_schema.properties) if policy.config_schema is not None else {}
    allowed = ", ".join([LEVEL_KEY, *schema])
    if isinstance(value, str):
        return {LEVEL_KEY: _level(source, policy.name, value)}
    if not isinstance(value, Mapping):
        raise PolicyConfigError(source, policy.name, value,
                                f"must be a level ({', '.join(LEVELS)}) or a mapping of {allowed}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{policy.name}.{key}"
        if key == LEVEL_KEY:
            out[key] = _level(source, where, item)
        elif key in schema:
            out[key] = _threshold(source, where, schema[key], item)
        else:
            raise PolicyConfigError(source, where, item, f"unknown key; allowed: {allowed}")
    return out


def _threshold(source: str, key: str, schema: Mapping[str, Any], value: Any) -> Any:
    problem = _type_problem(schema, value)
    if problem:
        raise PolicyConfigError(source, key, value, problem)
    return value


def _type_problem(schema: Mapping[str, Any], value: Any) -> Optional[str]:
    kind = schema.get("type")
    if kind == "string":
        choices = schema.get("enum")
        if not isinstance(value, str) or (choices and value not in choices):
            return f"allowed: {', '.join(choices)}" if choices else "must be a string"
    elif kind == "integer":
        minimum = schema.get("minimum")
        whole = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
        if not whole or (minimum is not None and value < minimum):
            return "must be a whole number" + (f" >= {minimum}" if minimum is not None else "")
    elif kind == "array":
        strings = schema.get("items", {}).get("type") == "string"
        if not isinstance(value, list) or (strings and not all(isinstance(v, str) for v in value)):
            return "must be a list" + (" of strings" if strings else "")
    return None
