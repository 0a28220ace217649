"""The pack: every declared rule (policies/rules) with the checks every check package attaches.

Check packages are found, not listed: every subpackage of this package except `rules` is one
(policies/aws/, policies/kubernetes/, ...), and each of its modules may hold a `CHECKS`. Adding
a cloud is adding its directory; no shared file changes. Discovery works under whatever name
the package is imported as (`policies` here, `rasa_platform_policies` when the CLI runs
`__main__.py`). A declared rule that no package checks, or two packages checking the same type
for one rule, fails at import.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType
from typing import Any, Iterable, Union

from pulumi_policy import (
    EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs,
    StackValidationPolicy,
)

from .checks import CheckSet, ResourceCheck, StackCheck, check_for
from .common import Findings, PackFacts, RuleContext, StackIndex
from .rules import RULES, PackError, Rule
from .thresholds import config_schema

PACK_NAME = "rasa-platform-policies"
# Every rule sets its own level; this only applies to a rule that forgets to.
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY
# Subpackages that are not check packages.
NOT_CHECK_PACKAGES = ("rules",)

Policy = Union[ResourceValidationPolicy, StackValidationPolicy]


def discover_check_sets(package: ModuleType) -> list[CheckSet]:
    """Every `CHECKS` of every module of every check package of `package`, in name order."""
    found: list[CheckSet] = []
    for sub in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not sub.ispkg or sub.name in NOT_CHECK_PACKAGES:
            continue
        check_package = importlib.import_module(f"{package.__name__}.{sub.name}")
        sets = []
        for module_info in sorted(pkgutil.iter_modules(check_package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{check_package.__name__}.{module_info.name}")
            if isinstance(getattr(module, "CHECKS", None), CheckSet):
                sets.append(module.CHECKS)
        if not sets:
            raise PackError(f"{check_package.__name__} is a subpackage of the pack but no module of it defines CHECKS")
        found += sets
    return found


def pack_facts(check_sets: Iterable[CheckSet]) -> PackFacts:
    check_sets = list(check_sets)
    managed: dict[str, tuple] = {}
    for s in check_sets:
        for service, provides in s.managed_services.items():
            managed[service] = managed.get(service, ()) + tuple(provides)
    return PackFacts(tuple(r for s in check_sets for r in s.environment_readers), managed)


def _resource_policy(rule: Rule, table: dict[str, ResourceCheck], facts: PackFacts) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        check = check_for(table, args.resource_type)
        if check is None:
            return
        with Findings(report_violation) as findings:
            check(args.props, RuleContext(args, facts), findings)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate, enforcement_level=rule.level,
        config_schema=config_schema(*rule.config) if rule.config else None, severity=rule.severity,
        remediation_steps=rule.remediation,
    )


def _stack_policy(rule: Rule, checks: list[StackCheck], facts: PackFacts) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        stack, ctx = StackIndex(args.resources), RuleContext(args, facts)
        with Findings(report_violation) as findings:
            for check in checks:
                check(stack, ctx, findings)

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate, enforcement_level=rule.level,
        config_schema=config_schema(*rule.config) if rule.config else None, severity=rule.severity,
        remediation_steps=rule.remediation,
    )


def build_policies(rules: Iterable[Rule], check_sets: list[CheckSet]) -> list[Policy]:
    """One engine policy per declared rule, in declaration order, deciding with every attached check.

    Besides the engine's attributes each policy carries `rule` (its declaration), `resource_types`
    (the type tokens its checks decide; `<prefix>*` for a prefix) and `checked_by` (the check packages).
    """
    facts = pack_facts(check_sets)
    policies: list[Policy] = []
    for rule in rules:
        attached = [s for s in check_sets if rule.name in s.resource_checks or rule.name in s.stack_checks]
        if not attached:
            raise PackError(f"rule {rule.name!r} is declared but no check package attaches a check to it")
        if rule.scope == "resource":
            table: dict[str, ResourceCheck] = {}
            for s in attached:
                for resource_type, check in s.resource_checks[rule.name].items():
                    if resource_type in table:
                        raise PackError(f"two check packages decide {resource_type} for {rule.name!r}")
                    table[resource_type] = check
            policy: Any = _resource_policy(rule, table, facts)
            types = tuple(table)
        else:
            pairs = [pair for s in attached for pair in s.stack_checks[rule.name]]
            policy = _stack_policy(rule, [check for check, _ in pairs], facts)
            types = tuple(dict.fromkeys(t for _, ts in pairs for t in ts))
        policy.rule = rule
        policy.resource_types = types
        policy.checked_by = tuple(dict.fromkeys(s.package for s in attached))
        policies.append(policy)
    return policies


CHECK_SETS = discover_check_sets(sys.modules[__package__])
ALL_POLICIES = build_policies(RULES.values(), CHECK_SETS)
REMEDIATION: dict[str, str] = {rule.name: rule.remediation for rule in RULES.values()}

__all__ = ["ALL_POLICIES", "CHECK_SETS", "DEFAULT_ENFORCEMENT", "PACK_NAME", "REMEDIATION", "build_policies",
           "discover_check_sets"]
