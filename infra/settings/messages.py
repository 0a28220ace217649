"""pydantic's validation errors → config error lines naming the key, the value and what is allowed."""

from __future__ import annotations

import re
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from components.settings.errors import ConfigError

# Fields the program sets itself; never shown as allowed keys.
HIDDEN_FIELDS = {"stack", "placeholder_secrets", "placeholder_values"}
# Keys earlier releases read, and what replaced them.
RETIRED_KEYS = {
    "vault.token": "no longer read: Rasa logs in to Vault with its service account (Kubernetes auth); "
                   "an external Vault's bootstrap takes vault.adminToken",
}
# An unknown key named like a credential: its value is never shown.
CREDENTIAL_NAME = re.compile(r"(token|password|secret|license|key)$", re.IGNORECASE)

_MESSAGES: dict[str, str] = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
}


def config_errors(exc: ValidationError, merged: dict[str, Any], model: type[BaseModel]) -> list[ConfigError]:
    """One ConfigError per pydantic error, in pydantic's order."""
    return [_one(error, merged, model) for error in exc.errors(include_url=False)]


def _one(error: Any, merged: dict[str, Any], model: type[BaseModel]) -> ConfigError:
    key = ".".join(str(part) for part in error["loc"])
    value = lookup(merged, error["loc"])
    kind = error["type"]
    if kind == "missing":
        return ConfigError(key, None, "is required")
    if kind == "extra_forbidden":
        if CREDENTIAL_NAME.search(str(error["loc"][-1])):
            value = "[secret]"
        if key in RETIRED_KEYS:
            return ConfigError(key, value, RETIRED_KEYS[key])
        allowed = allowed_keys(model, error["loc"][:-1])
        return ConfigError(key, value, f"unknown key; allowed keys here: {', '.join(allowed)}")
    if kind == "literal_error":
        return ConfigError(key, value, f"allowed: {error['ctx']['expected'].replace(chr(39), '')}")
    if kind in _MESSAGES:
        return ConfigError(key, value, _MESSAGES[kind])
    message = error["msg"].removeprefix("Value error, ")
    return ConfigError(key, value, message[0].lower() + message[1:])


def lookup(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, (list, tuple)) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def allowed_keys(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys a section at `loc` accepts (by their config names)."""
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        info = next((f for n, f in model.model_fields.items() if f.alias == part or n == part), None)
        if info is None:
            return []
        model = _unwrap_model(info.annotation)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return sorted(f.alias or n for n, f in model.model_fields.items() if n not in HIDDEN_FIELDS)


def _unwrap_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None
