"""Reading a stack's config, validating it, and planning it: `load_stack` → `StackPlan`.

Stages, each reporting every problem it finds: the cloud and environment (needed to pick
presets) → the typed model (pydantic) → credentials → the cloud's plan step, the cloud-neutral
cross-field rules and the connection budget. Nothing is registered until all of them pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from components.analytics.budget import own_server_problem, reserved_on_tracker_server
from components.analytics.rules import analytics_unset_values, with_placeholder_values
from components.cloud import CloudPlan, CloudSpec
from components.rasa.budget import BudgetError, ConnectionBudget, max_processes, plan_budget
from components.rasa.workload import ROLLING_SURGE
from components.registry import CLOUDS
from components.settings.errors import PROJECT, ConfigError, ConfigErrors, Problems
from infra.config_keys import check_config_keys
from infra.presets import deep_merge, preset_for
from infra.settings import rules, secrets
from infra.settings.messages import HIDDEN_FIELDS, allowed_keys, config_errors
from infra.settings.model import CLOUD_NAMES, ENVIRONMENTS, StackSettings


@dataclass(frozen=True)
class StackPlan:
    """A stack ready to deploy: its settings, its cloud, what the cloud's plan decided and the
    connection budget, all computed once before any resource exists."""

    settings: StackSettings
    cloud: CloudSpec
    cloud_plan: CloudPlan
    budget: ConnectionBudget


def load_stack(
    raw_config: dict[str, Any],
    secret_keys: set[str],
    stack: str,
    *,
    placeholder_for_missing_secrets: bool = False,
) -> StackPlan:
    """Validate and plan a stack's config (keys without the `rasa-platform:` prefix).

    `raw_config` maps top-level keys to values as Pulumi hands them over (objects may arrive as
    JSON text). `secret_keys` are the top-level keys Pulumi holds as secrets. The offline preview
    sets `placeholder_for_missing_secrets`, because secrets never live in the repo's stack files.
    Raises ConfigError (one line) or ConfigErrors (one line per problem).
    """
    values = {key: _decode(value) for key, value in raw_config.items()}
    spec = _cloud_and_environment(values)
    merged = deep_merge(preset_for(values["environment"], spec.name), values)
    merged["stack"] = stack
    try:
        settings = StackSettings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigErrors(config_errors(exc, merged, StackSettings)) from None

    problems = Problems()
    for other in CLOUDS:
        if other != spec.name and other in values:  # a section nobody would read: say so
            problems.add(other, "[section]", f"applies to cloud {other} only; this stack's cloud is {spec.name}")
    secrets.check_secrets_are_secret(values, secret_keys, spec, problems)
    missing = [(path, why) for path, value, why in secrets.required_secrets(settings, spec) if value is None]
    if missing and placeholder_for_missing_secrets:
        settings = secrets.with_placeholders(settings, [path for path, _ in missing])
    else:
        for path, why in missing:
            problems.add(".".join(path), None, secrets.missing_secret_message(path, why))
    unset = analytics_unset_values(settings)
    if unset and placeholder_for_missing_secrets:
        settings = with_placeholder_values(settings, unset)
    else:
        for path, why in unset:
            problems.add(".".join(path), None, why)

    _region_and_tags(settings, spec, problems)
    cloud_plan = spec.plan(settings, settings.cloud_section(spec.name), problems)
    rules.check(settings, spec, problems)
    budget = _budget(settings, cloud_plan, problems)
    _analytics_budget(settings, cloud_plan, problems)
    problems.raise_if_any()
    assert budget is not None
    return StackPlan(settings, spec, cloud_plan, budget)


def load_settings(raw_config: dict[str, Any], secret_keys: set[str], stack: str, **kwargs: Any) -> StackSettings:
    """`load_stack`'s settings alone (for callers that only need the validated values)."""
    return load_stack(raw_config, secret_keys, stack, **kwargs).settings


def _cloud_and_environment(values: dict[str, Any]) -> CloudSpec:
    problems = Problems()
    cloud, environment = values.get("cloud"), values.get("environment")
    if cloud is None:
        problems.add("cloud", None, f"is required; allowed: {', '.join(CLOUD_NAMES)}")
    elif cloud not in CLOUDS:
        problems.add("cloud", cloud, f"unknown cloud; allowed: {', '.join(CLOUD_NAMES)}")
    if environment is None:
        problems.add("environment", None, f"is required; allowed: {', '.join(ENVIRONMENTS)}")
    elif environment not in ENVIRONMENTS:
        problems.add("environment", environment, f"allowed: {', '.join(ENVIRONMENTS)}")
    for internal in ("stack", "placeholderSecrets", "placeholder_secrets", "placeholderValues", "placeholder_values"):
        if internal in values:  # set by the program, never by config
            problems.add(internal, values[internal], "unknown key; allowed keys here: " + ", ".join(allowed_keys(StackSettings, ())))
    problems.raise_if_any()
    return CLOUDS[cloud]


def _region_and_tags(settings: StackSettings, spec: CloudSpec, problems: Problems) -> None:
    """Every cloud's region list and tag rules, applied the same way (a cloud's plan adds the rest)."""
    if settings.region is not None:
        problems.require(settings.region in spec.regions, "region", settings.region,
                         f"not a region of {spec.title}; allowed: {', '.join(sorted(spec.regions))}")
    spec.tags.check(settings.tags, problems)


def _budget(settings: StackSettings, plan: CloudPlan, problems: Problems) -> Optional[ConnectionBudget]:
    """Rasa's pool sizes against the tracker database's connection limit (components/rasa/budget.py),
    after what Rasa Pro Services holds on the same server."""
    rasa = settings.rasa
    replicas = rasa.autoscaling.max_replicas if rasa.autoscaling.enabled else rasa.replicas
    processes = max_processes(replicas, ROLLING_SURGE, rasa.sanic_workers)
    ts = settings.tracker_store
    if ts.mode == "existing":
        key, limit, shown = "trackerStore.maxConnections", ts.max_connections, ts.max_connections
    else:
        key, limit = plan.tracker_store_size_key, plan.tracker_store_max_connections
        shown = limit if key == "trackerStore.maxConnections" else _value_at(settings, key)
    if limit is None:
        return None  # already reported (a missing or unknown size)
    try:
        reserved = reserved_on_tracker_server(settings)
        return plan_budget(limit, processes, reserved)
    except BudgetError as exc:
        lower = "rasa.autoscaling.maxReplicas or rasa.sanicWorkers" + (" (or analytics.replicas)" if reserved else "")
        problems.add(key, shown, f"connection budget: {exc}; lower {lower}, or use a database with more connections")
        return None


def _analytics_budget(settings: StackSettings, plan: CloudPlan, problems: Problems) -> None:
    """Rasa Pro Services' connections against its own server (analytics.database.mode managed)."""
    limit, key = plan.analytics_database_max_connections, plan.analytics_database_size_key
    if limit is None or not settings.analytics.enabled:
        return  # not managed, or its size is missing or unknown (reported by the cloud's plan)
    why = own_server_problem(settings, limit)
    if why:
        problems.add(key, _value_at(settings, key), why)


def _value_at(settings: StackSettings, key: str) -> Any:
    """The value at a stack key (e.g. aws.trackerStore.instanceClass), for the error line."""
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, secrets.field_name(type(value), part), None)
    return value


def load_stack_from_pulumi() -> StackPlan:
    """Read `rasa-platform:*` from the running Pulumi program's config."""
    everything: dict[str, Any] = {}
    everything.update(runtime_config.get_config_env())
    everything.update(runtime_config.CONFIG.get())
    check_config_keys(everything)  # `rasa-platfrom:tags` must not fall back to a default silently
    prefix = f"{PROJECT}:"
    raw = {k[len(prefix):]: v for k, v in everything.items() if k.startswith(prefix)}
    secret_keys = set(runtime_config._SECRET_KEYS.get()) | set(runtime_config.get_config_secret_keys_env())
    secrets_ = {k[len(prefix):] for k in secret_keys if k.startswith(prefix)}
    return load_stack(raw, secrets_, pulumi.get_stack())


def load_from_pulumi() -> StackSettings:
    return load_stack_from_pulumi().settings


def _decode(value: Any) -> Any:
    # Pulumi hands object and list values to the program as JSON text.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


__all__ = ["ConfigError", "ConfigErrors", "HIDDEN_FIELDS", "StackPlan", "load_from_pulumi", "load_settings", "load_stack",
           "load_stack_from_pulumi"]
