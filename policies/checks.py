"""How a check package attaches checks to the declared rules.

A check package is a subpackage of `policies` (policies/aws/, policies/kubernetes/, later
policies/azure/ and policies/gcp/); each of its modules that decides rules holds one `CheckSet`
named `CHECKS`:

    CHECKS = CheckSet(__name__)
    CHECKS.resource("cache-transit-encryption", {REPLICATION_GROUP: _transit})
    CHECKS.stack("storage-versioning-enabled", _versioning, resource_types=(BUCKET, VERSIONING))

Resource checks are keyed by the type tokens they decide (`"<prefix>*"` matches every type with
that prefix); a stack check names the types it reads. A check package may also say where its
resources carry their environment (`environment_from`) and which of its types back a `managed`
service (`managed`). Attaching to a name no module of policies/rules declares, or with the wrong
scope, fails at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Iterable, Optional

from .common import EnvironmentReader, Findings, Provides, RuleContext, StackIndex
from .rules import RULES, PackError

ResourceCheck = Callable[[Any, RuleContext, Findings], None]
StackCheck = Callable[[StackIndex, RuleContext, Findings], None]

# The services of the platform's connection contracts (the service-origins annotation's keys).
SERVICES = ("tracker_store", "lock_store", "event_queue", "model_storage", "vault")


def type_matches(pattern: str, resource_type: str) -> bool:
    return resource_type.startswith(pattern[:-1]) if pattern.endswith("*") else resource_type == pattern


def check_for(table: Mapping[str, ResourceCheck], resource_type: str) -> Optional[ResourceCheck]:
    """The check of `table` for a resource type: its exact token, else the longest matching prefix."""
    if resource_type in table:
        return table[resource_type]
    prefixes = sorted((p for p in table if p.endswith("*") and type_matches(p, resource_type)), key=len)
    return table[prefixes[-1]] if prefixes else None


class CheckSet:
    """The checks, environment readers and managed-service types one module contributes."""

    def __init__(self, module: str):
        self.module = module
        self.package = module.split(".")[-2] if "." in module else module
        self.resource_checks: dict[str, dict[str, ResourceCheck]] = {}
        self.stack_checks: dict[str, list[tuple[StackCheck, tuple[str, ...]]]] = {}
        self.environment_readers: list[EnvironmentReader] = []
        self.managed_services: dict[str, list[Provides]] = {}

    def _declared(self, rule: str, scope: str) -> None:
        declared = RULES.get(rule)
        if declared is None:
            raise PackError(f"{self.module} attaches a check to {rule!r}, which no module of policies/rules declares")
        if declared.scope != scope:
            raise PackError(f"{self.module} attaches a {scope} check to {rule!r}, a {declared.scope} rule")

    def resource(self, rule: str, checks: Mapping[str, ResourceCheck]) -> None:
        self._declared(rule, "resource")
        table = self.resource_checks.setdefault(rule, {})
        for resource_type, check in checks.items():
            if resource_type in table:
                raise PackError(f"{self.module} attaches two checks for {resource_type} to {rule!r}")
            table[resource_type] = check

    def stack(self, rule: str, check: StackCheck, resource_types: Iterable[str]) -> None:
        self._declared(rule, "stack")
        types = tuple(resource_types)
        if not types:
            raise PackError(f"{self.module}: the stack check for {rule!r} names no resource type")
        self.stack_checks.setdefault(rule, []).append((check, types))

    def environment_from(self, reader: EnvironmentReader) -> None:
        self.environment_readers.append(reader)

    def managed(self, service: str, *provides: Provides) -> None:
        if service not in SERVICES:
            raise PackError(f"{self.module}: unknown service {service!r}; allowed: {', '.join(SERVICES)}")
        self.managed_services.setdefault(service, []).extend(provides)
