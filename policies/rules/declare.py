"""What a rule is: its name, scope, description, level, severity, remediation and config keys,
declared once and without any cloud's resource types (those belong to the checks, policies/<cloud>/).

A `resource` rule is run per resource by the engine; a `stack` rule once over the whole stack
(needed where one protection is spread over several resources, e.g. a bucket and its policy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal

from pulumi_policy import EnforcementLevel, Severity

from ..thresholds import CONFIG_PROPERTIES

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY
Scope = Literal["resource", "stack"]
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class PackError(Exception):
    """The pack is put together wrongly (a rule declared twice, a check for an undeclared rule, ...).
    Raised at import, so a broken pack never loads."""


@dataclass(frozen=True)
class Rule:
    name: str
    scope: Scope
    description: str
    remediation: str
    level: EnforcementLevel = MANDATORY
    severity: Severity = Severity.HIGH
    config: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if not _NAME.fullmatch(self.name):
            problems.append("the name is not kebab-case")
        if self.scope not in ("resource", "stack"):
            problems.append(f"scope {self.scope!r} is not resource or stack")
        if self.level not in (MANDATORY, ADVISORY):
            problems.append("the level must be mandatory or advisory")
        if not self.description.endswith("."):
            problems.append("the description must be a sentence")
        if not self.remediation.strip():
            problems.append("the remediation is empty")
        unknown = [k for k in self.config if k not in CONFIG_PROPERTIES]
        if unknown:
            problems.append(f"unknown config keys {unknown}; allowed: {', '.join(CONFIG_PROPERTIES)}")
        if problems:
            raise PackError(f"rule {self.name!r}: " + "; ".join(problems))


def resource_rule(name: str, description: str, remediation: str, **options) -> Rule:
    return Rule(name, "resource", description, remediation, **_options(options))


def stack_rule(name: str, description: str, remediation: str, **options) -> Rule:
    return Rule(name, "stack", description, remediation, **_options(options))


def _options(options: dict) -> dict:
    if "config" in options:
        options["config"] = tuple(options["config"])
    return options


def by_name(rules: Iterable[Rule]) -> dict[str, Rule]:
    """The rules by name, in declaration order; a name declared twice is an error."""
    out: dict[str, Rule] = {}
    for rule in rules:
        if rule.name in out:
            raise PackError(f"rule {rule.name!r} is declared twice")
        out[rule.name] = rule
    return out
