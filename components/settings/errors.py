"""Config errors: one line naming the key, the value and what is allowed.

`ConfigError` subclasses `pulumi.RunError`, so `pulumi up` prints its message without a traceback.
`ConfigErrors` carries every problem of a stack at once, one line each. `Problems` collects them
while rules run, so a stack with three mistakes is told about all three.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import pulumi
from pydantic import SecretStr

PROJECT = "rasa-platform"


def show(value: Any) -> str:
    """A config value as the error line shows it: secrets masked, long values cut."""
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr) or (isinstance(value, dict) and "secure" in value):
        return "[secret]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


class ConfigError(pulumi.RunError):
    """A bad config value: `config error: rasa-platform:<key> = <value>: <what is allowed>`."""

    def __init__(self, key: str, value: Any, problem: str):
        self.key = key
        self.value = value
        self.problem = problem
        super().__init__(f"config error: {PROJECT}:{key} = {show(value)}: {problem}")

    @property
    def lines(self) -> list[str]:
        return [str(self)]


class ConfigErrors(ConfigError):
    """Several config errors of one stack; `str()` is one line per error, in the order found."""

    def __init__(self, errors: Iterable[ConfigError]):
        self.errors: list[ConfigError] = []
        for error in errors:
            self.errors.extend(error.errors if isinstance(error, ConfigErrors) else [error])
        if not self.errors:
            raise ValueError("ConfigErrors needs at least one error")
        first = self.errors[0]
        self.key, self.value, self.problem = first.key, first.value, first.problem
        pulumi.RunError.__init__(self, "\n".join(str(e) for e in self.errors))

    @property
    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]


class Problems:
    """Collects config errors while rules run; `raise_if_any` raises them all together."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    def add(self, key: str, value: Any, problem: str) -> None:
        self.errors.append(ConfigError(key, value, problem))

    def require(self, condition: bool, key: str, value: Any, problem: str) -> bool:
        """Record the error unless `condition` holds; returns the condition."""
        if not condition:
            self.add(key, value, problem)
        return condition

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ConfigErrors(self.errors) if len(self.errors) > 1 else self.errors[0]
