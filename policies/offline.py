"""Run the pack's rules over a recorded plan, without the Pulumi engine.

`infra.preview` records every resource the program registers under the mock engine and calls
`evaluate`. The engine's analyzer is mirrored: each resource rule runs per resource with
`ResourceValidationArgs`, each stack rule once with `StackValidationArgs` over `PolicyResource`
objects (parents and dependencies linked), props wrapped in pulumi_policy's unknown-checking proxy,
and a rule that meets an unknown value is reported as an advisory "cannot decide during preview"
instead of failing.

    from policies.offline import evaluate, load_config
    verdict = evaluate(resources, load_config("policy-config.json"))
    verdict["mandatoryFailures"]  # > 0: the preview must exit 1

`resources`: `[{"type", "name", "urn", "props", "parent", "dependencies"}]`, props the inputs with
camelCase keys, secrets replaced by "[secret]", unknowns by "[unknown]". Optional keys:
`propertyDependencies` ({prop: [urn]}), `provider` (the provider reference, `urn::id` or urn),
`protect` (bool).

`config`: what `load_config` returns, or the same shape written directly (policies/config.py):
`"all"`, rule names → level or `{"enforcementLevel", <config keys>}`, and thresholds for every
rule at the top level (`environment`, `minBackupDays`, ...). It is validated the same way.

The verdict:

    {"pack": str, "rulesEvaluated": [rule names not disabled],
     "violations": [{"rule", "enforcement", "resource", "type", "message", "remediation"}],
     "mandatoryFailures": int,
     "rules": [{"rule", "level", "status", "description",
                "failures": [{"resource", "type", "enforcement", "message", "remediation"}],
                "undecided": [same shape]}]}

`rules` holds every rule of the pack in the pack's order; `status` is `fail` (a violation, or
the rule crashed), `undecided` (no violation, but some check met a value unknown until the
update runs: reported as an advisory `cannot decide during preview: ...`), `pass`, `not-applicable`
(no resource of a type the rule checks is in the stack) or `disabled` (by the config). `level` is
the level after the config. `violations` lists every failure and undecided entry, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from inspect import isawaitable
from typing import Any, Callable, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from .checks import type_matches
from .common import OFFLINE_UNKNOWN, Undecided
from .config import ALL, LEVEL_KEY, PolicyConfigError, check_config, load_config
from .pack import ALL_POLICIES, DEFAULT_ENFORCEMENT, PACK_NAME, REMEDIATION

__all__ = ["evaluate", "load_config", "PolicyConfigError", "REMEDIATION", "PACK_NAME"]

_LEVELS = {level.value: level for level in EnforcementLevel}


def _engine_value(value: Any) -> Any:
    """The offline sentinel for unknowns → the engine's; everything else as is."""
    if isinstance(value, str):
        return UNKNOWN_STRING_VALUE if value == OFFLINE_UNKNOWN else value
    if isinstance(value, Mapping):
        return {k: _engine_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_engine_value(v) for v in value]
    return value


def _engine_props(props: Any) -> Any:
    return unknown_checking_proxy(_engine_value(dict(props or {})))


def _options(resource: Mapping[str, Any]) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(resource.get("protect", False)), ignore_changes=[], delete_before_replace=None, aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[], parent=resource.get("parent"),
    )


def _provider(resource: Mapping[str, Any], providers: Mapping[str, Mapping[str, Any]]) -> Optional[PolicyProviderResource]:
    ref = resource.get("provider")
    if not ref:
        return None
    for urn, p in providers.items():
        if ref == urn or str(ref).startswith(urn + "::"):
            return PolicyProviderResource(p["type"], _engine_props(p.get("props")), urn, p.get("name", ""))
    return None


def _policy_settings(config: Mapping[str, Any]) -> Callable[[Any], tuple[EnforcementLevel, dict]]:
    """(level, the rule's config) per policy, from a config normalised by `check_config`."""
    names = {p.name for p in ALL_POLICIES}
    thresholds = {k: v for k, v in config.items() if k != ALL and k not in names}

    def settings(policy: Any) -> tuple[EnforcementLevel, dict]:
        own = dict(config.get(policy.name) or {})
        level_name = own.pop(LEVEL_KEY, None) or config.get(ALL)
        level = (_LEVELS[level_name] if level_name else None) or policy.enforcement_level or DEFAULT_ENFORCEMENT
        if level == EnforcementLevel.REMEDIATE:  # the engine reports a remediate rule's violations as mandatory
            level = EnforcementLevel.MANDATORY
        return level, {**thresholds, **own}

    return settings


def _run(validate: Callable[[], Any]) -> None:
    result = validate()
    if isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def _applies(policy: Any, resources: list[dict]) -> bool:
    """Is a resource of a type the rule checks in the stack? (A policy that names no types checks all.)"""
    types = getattr(policy, "resource_types", None)
    if not types:
        return bool(resources)
    return any(type_matches(t, str(r.get("type", ""))) for r in resources for t in types)


def _status(failures: list, undecided: list, applies: bool) -> str:
    if failures:
        return "fail"
    if undecided:
        return "undecided"
    return "pass" if applies else "not-applicable"


def evaluate(resources: list[dict], config: Optional[Mapping[str, Any]] = None, *,
             stack_tags: Optional[Mapping[str, str]] = None) -> dict:
    """Evaluate every rule of the pack over `resources`; see the module docstring for the shapes.
    Raises `PolicyConfigError` for a config the pack does not accept."""
    settings = _policy_settings(check_config(config or {}, ALL_POLICIES, "the config given to evaluate"))
    tags = dict(stack_tags or {})
    by_urn = {r["urn"]: r for r in resources}
    providers = {r["urn"]: r for r in resources if str(r.get("type", "")).startswith("pulumi:providers:")}
    violations: list[dict] = []
    found: dict[str, dict[str, list[dict]]] = {}  # rule → "failures" / "undecided" → entries

    def record(policy: Any, level: EnforcementLevel, default_urn: Optional[str], message: str,
               urn: Optional[str] = None, kind: str = "failures") -> None:
        target = urn or default_urn
        violation = {"rule": policy.name, "enforcement": level.value, "resource": target,
                     "type": by_urn[target]["type"] if target in by_urn else None, "message": message,
                     "remediation": getattr(policy, "remediation_steps", None) or ""}
        violations.append(violation)
        found[policy.name][kind].append({k: v for k, v in violation.items() if k != "rule"})

    def guarded(policy: Any, level: EnforcementLevel, urn: Optional[str], call: Callable[[], Any]) -> None:
        try:
            _run(call)
        except UnknownValueError as e:
            # As the engine does: an unknown value makes the rule advisory for this resource/stack.
            reasons = "; ".join(e.reasons) if isinstance(e, Undecided) else e.message
            record(policy, EnforcementLevel.ADVISORY, urn, f"cannot decide during preview: {reasons}", kind="undecided")
        except _NotApplicableError:
            pass
        except Exception as e:  # noqa: BLE001  a broken rule must fail the verdict, not pass silently
            record(policy, EnforcementLevel.MANDATORY, urn, f"rule failed to run: {type(e).__name__}: {e}")

    # Stack rules see PolicyResource objects, parents and dependencies linked as the engine links them.
    policy_resources: dict[str, PolicyResource] = {}
    for r in resources:
        policy_resources[r["urn"]] = PolicyResource(
            r["type"], _engine_props(r.get("props")), r["urn"], r.get("name", ""), _options(r),
            _provider(r, providers), None, [], {},
        )
    for r in resources:
        resource = policy_resources[r["urn"]]
        parent = r.get("parent")
        resource.parent = policy_resources.get(parent) if parent else None
        resource.dependencies = [policy_resources[d] for d in r.get("dependencies") or [] if d in policy_resources]
        for prop, urns in (r.get("propertyDependencies") or {}).items():
            resource.property_dependencies[prop] = [policy_resources[d] for d in urns if d in policy_resources]

    rules: list[dict] = []
    for policy in ALL_POLICIES:
        level, policy_config = settings(policy)
        found[policy.name] = {"failures": [], "undecided": []}
        if level != EnforcementLevel.DISABLED:
            if isinstance(policy, ResourceValidationPolicy):
                for r in resources:
                    args = ResourceValidationArgs(
                        r["type"], _engine_props(r.get("props")), r["urn"], r.get("name", ""), _options(r),
                        _provider(r, providers), dict(policy_config), tags,
                    )
                    report = (lambda p, lv, u: lambda message, urn=None: record(p, lv, u, message))(policy, level, r["urn"])
                    guarded(policy, level, r["urn"], lambda: policy.validate(args, report))
            elif isinstance(policy, StackValidationPolicy):
                args = StackValidationArgs(list(policy_resources.values()), dict(policy_config), tags)
                report = (lambda p, lv: lambda message, urn=None: record(p, lv, None, message, urn))(policy, level)
                guarded(policy, level, None, lambda: policy.validate(args, report))
        outcome = found[policy.name]
        status = ("disabled" if level == EnforcementLevel.DISABLED
                  else _status(outcome["failures"], outcome["undecided"], _applies(policy, resources)))
        rules.append({"rule": policy.name, "level": level.value, "status": status,
                      "description": policy.description, **outcome})

    return {
        "pack": PACK_NAME,
        "rulesEvaluated": [r["rule"] for r in rules if r["status"] != "disabled"],
        "violations": violations,
        "mandatoryFailures": sum(1 for v in violations if v["enforcement"] == EnforcementLevel.MANDATORY.value),
        "rules": rules,
    }
