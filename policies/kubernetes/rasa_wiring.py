"""What Rasa Pro's own code needs from its ConfigMap and Deployment (`../shared/reference/rasa-pro.md`):
a shared lock store, a connection budget that fits, TLS to every service, Vault for the tracker
store's credentials, and every service either created here or declared existing."""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from pulumi_policy import PolicyResource

from ..checks import SERVICES, CheckSet
from ..common import Findings, Provides, RuleContext, StackIndex, as_number, get, is_unknown
from ..stack_keys import LOCK_STORE_TLS, from_setting
from .rasa import (
    BUDGET_ANNOTATION, NAME_LABEL, ORIGINS_ANNOTATION, find_rasa, load_endpoints, max_processes, rasa_env,
    workloads_with_configmap,
)
from .secrets import VAULT_REFERENCE_SOURCE
from .types import CONFIG_MAP, DEPLOYMENT, HELM_CHART, HELM_RELEASE, HPA, STATEFUL_SET

CHECKS = CheckSet(__name__)

# Rasa's defaults when SQL_POOL_SIZE / SQL_MAX_OVERFLOW are not set.
RASA_DEFAULT_POOL_SIZE = 50
RASA_DEFAULT_MAX_OVERFLOW = 100
BUDGET_SHARE = (4, 5)  # 80 % of the database's max_connections, as a fraction
VERIFYING_SSL_MODES = ("verify-full", "verify-ca")


# -- lock store -----------------------------------------------------------------------------------


def _lock_store(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in workloads_with_configmap(stack, need_deployment=True):
        endpoints = load_endpoints(w.configmap, f)
        if endpoints is None:
            continue
        lock = endpoints.get("lock_store")
        lock_type = lock.get("type") if isinstance(lock, dict) else None
        host = lock.get("host") if isinstance(lock, dict) else None
        if lock_type == "concurrent_redis" and host:
            continue
        processes = max_processes(stack, w.deployment)
        if is_unknown(processes):
            f.cannot_decide(f"how many Rasa processes '{w.name}' can run")
            continue
        if processes.total <= 1:
            continue
        if lock_type == "concurrent_redis":
            detail = ("has no host" + (" (concurrent_redis ignores url and connects to localhost)"
                                       if isinstance(lock, dict) and lock.get("url") else ""))
        else:
            detail = f"is {lock_type!r}" if lock is not None else "is missing (in-memory)"
        f.violation(f"{processes} Rasa processes can run, but the lock store {detail}: use type "
                    "concurrent_redis with host", w.configmap.urn)


CHECKS.stack("rasa-lock-store-shared", _lock_store, (CONFIG_MAP, DEPLOYMENT, HPA))


# -- connection budget ------------------------------------------------------------------------------


def _annotation(resource: PolicyResource, kind: str, key: str, f: Findings) -> Any:
    """An annotation the program must set: None (reported) when unknown or missing."""
    raw = get(resource.props, "metadata", "annotations", key)
    if is_unknown(raw):
        f.cannot_decide(f"{key} of '{resource.name}'")
        return None
    if raw is None:
        f.violation(f"Rasa {kind} '{resource.name}' has no {key} annotation", resource.urn)
    return raw


def _budget(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in find_rasa(stack):
        deployment = w.deployment
        if deployment is None:
            continue
        raw = _annotation(deployment, "Deployment", BUDGET_ANNOTATION, f)
        if raw is None:
            continue
        try:
            budget = json.loads(str(raw))
            numbers = {k: budget[k] for k in ("maxConnections", "maxProcesses", "poolSize", "maxOverflow")}
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in numbers.values()):
                raise ValueError("values must be non-negative integers")
        except (ValueError, KeyError, TypeError) as e:
            f.violation(f"{BUDGET_ANNOTATION} of '{deployment.name}' is not "
                        '{"maxConnections", "maxProcesses", "poolSize", "maxOverflow"} integers: ' + str(e),
                        deployment.urn)
            continue
        for env, key, default in (("SQL_POOL_SIZE", "poolSize", RASA_DEFAULT_POOL_SIZE),
                                  ("SQL_MAX_OVERFLOW", "maxOverflow", RASA_DEFAULT_MAX_OVERFLOW)):
            value = rasa_env(deployment, env)
            if is_unknown(value):
                f.cannot_decide(f"env {env} of '{deployment.name}'")
                continue
            actual = as_number(value) if value is not None else default
            f.check(actual == numbers[key],
                    f"env {env}={actual if value is not None else f'unset (Rasa default {default})'} differs from "
                    f"the budget's {key}={numbers[key]}", deployment.urn)
        total = numbers["maxProcesses"] * (numbers["poolSize"] + numbers["maxOverflow"])
        share_num, share_den = BUDGET_SHARE
        f.check(total * share_den < numbers["maxConnections"] * share_num,
                f"{numbers['maxProcesses']} processes × ({numbers['poolSize']} pool + {numbers['maxOverflow']} "
                f"overflow) = {total} connections, not under 80 % of max_connections {numbers['maxConnections']}",
                deployment.urn)
        processes = max_processes(stack, deployment)
        if is_unknown(processes):
            f.cannot_decide(f"how many Rasa processes '{deployment.name}' can run")
        else:
            f.check(numbers["maxProcesses"] >= processes.total,
                    f"the budget assumes {numbers['maxProcesses']} processes, but {processes}", deployment.urn)


CHECKS.stack("rasa-connection-budget", _budget, (DEPLOYMENT, HPA))


# -- event broker ---------------------------------------------------------------------------------


def _event_broker(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in workloads_with_configmap(stack, need_deployment=False):
        endpoints = load_endpoints(w.configmap, f)
        if endpoints is None:
            continue
        broker = endpoints.get("event_broker")
        if not isinstance(broker, dict) or str(broker.get("type", "")).lower() != "kafka":
            continue
        protocol = str(broker.get("security_protocol", "PLAINTEXT")).upper()
        f.check(protocol in ("SASL_SSL", "SSL"),
                f"event_broker.security_protocol must be SASL_SSL or SSL, not {protocol}", w.configmap.urn)
        check_hostname = broker.get("ssl_check_hostname")
        f.check(check_hostname is True,
                f"event_broker.ssl_check_hostname must be the boolean true (got {check_hostname!r}); Rasa's "
                "default false skips certificate hostname checks and breaks SASL_SSL producers", w.configmap.urn)


CHECKS.stack("rasa-event-broker-tls", _event_broker, (CONFIG_MAP,))


# -- TLS to the other services ---------------------------------------------------------------------


def _origins_of(configmap: PolicyResource) -> dict:
    """The service-origins annotation as a dict ({} when absent or unreadable: rasa-service-origins reports it)."""
    raw = get(configmap.props, "metadata", "annotations", ORIGINS_ANNOTATION)
    try:
        origins = json.loads(str(raw)) if isinstance(raw, str) and not is_unknown(raw) else {}
    except ValueError:
        return {}
    return origins if isinstance(origins, dict) else {}


def _services_tls(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in workloads_with_configmap(stack, need_deployment=False):
        endpoints = load_endpoints(w.configmap, f)
        if endpoints is None:
            continue
        lock = endpoints.get("lock_store")
        if isinstance(lock, dict) and str(lock.get("type", "")).lower() in ("redis", "concurrent_redis"):
            use_ssl = lock.get("use_ssl")
            message = f"lock_store.use_ssl must be the boolean true (got {use_ssl!r})"
            # components/existing.py renders an existing Redis's use_ssl from lockStore.tls.
            if use_ssl is False and _origins_of(w.configmap).get("lock_store") != "managed":
                message = from_setting(LOCK_STORE_TLS, False, message)
            f.check(use_ssl is True, message, w.configmap.urn)
        vault = endpoints.get("secrets_manager")
        if isinstance(vault, dict) and vault.get("url") is not None:
            f.check(str(vault["url"]).startswith("https://"),
                    f"secrets_manager.url must be https:// (got {vault['url']})", w.configmap.urn)
        tracker = endpoints.get("tracker_store")
        if w.deployment is None or not isinstance(tracker, dict) or tracker.get("type") != "sql":
            continue
        mode = rasa_env(w.deployment, "SQL_TRACKER_STORE_SSL_MODE")
        if is_unknown(mode):
            f.cannot_decide(f"env SQL_TRACKER_STORE_SSL_MODE of '{w.deployment.name}'")
            continue
        query_mode = get(tracker, "query", "sslmode")
        effective = query_mode if query_mode is not None else mode
        f.check(effective in VERIFYING_SSL_MODES,
                f"the tracker store connects with sslmode {effective or 'unset (libpq prefer: no verification)'}; "
                f"need one of {', '.join(VERIFYING_SSL_MODES)}", w.deployment.urn)


CHECKS.stack("rasa-services-tls", _services_tls, (CONFIG_MAP, DEPLOYMENT))


# -- tracker store --------------------------------------------------------------------------------


def _is_vault_ref(value: Any) -> bool:
    return (isinstance(value, dict) and value.get("source") == VAULT_REFERENCE_SOURCE
            and isinstance(value.get("secret_key"), str) and bool(value.get("secret_key")))


def _tracker_store(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in workloads_with_configmap(stack, need_deployment=False):
        endpoints = load_endpoints(w.configmap, f)
        if endpoints is None:
            continue
        urn = w.configmap.urn
        tracker = endpoints.get("tracker_store")
        if not isinstance(tracker, dict):
            f.violation("endpoints.yml has no tracker_store: conversations would live in memory only", urn)
            continue
        f.check(tracker.get("type") == "sql", f"tracker_store.type must be sql, not {tracker.get('type')!r}", urn)
        f.check(tracker.get("dialect") == "postgresql",
                f"tracker_store.dialect must be exactly 'postgresql' (got {tracker.get('dialect')!r}; "
                "'postgresql+psycopg2' skips Rasa's SSL and pool settings)", urn)
        iam = rasa_env(w.deployment, "RDS_SQL_DB_AWS_IAM_ENABLED") if w.deployment is not None else None
        if is_unknown(iam):
            f.cannot_decide("RDS_SQL_DB_AWS_IAM_ENABLED")
            continue
        if str(iam).lower() == "true":
            f.check("password" not in tracker, "tracker_store.password must be absent with IAM authentication", urn)
            f.check(bool(tracker.get("username")), "tracker_store.username is required with IAM authentication", urn)
            continue
        for key in ("username", "password"):
            f.check(_is_vault_ref(tracker.get(key)),
                    f"tracker_store.{key} must be a Vault reference {{source: {VAULT_REFERENCE_SOURCE}, "
                    f"secret_key: ...}}", urn)
        manager = endpoints.get("secrets_manager")
        in_file = isinstance(manager, dict) and manager.get("type") == "vault"
        if not in_file:
            env_manager = rasa_env(w.deployment, "SECRET_MANAGER") if w.deployment is not None else None
            if is_unknown(env_manager):
                f.cannot_decide("SECRET_MANAGER")
            else:
                f.check(env_manager == "vault",
                        "Vault references need a secrets_manager of type vault (endpoints.yml or env SECRET_MANAGER)", urn)


CHECKS.stack("rasa-tracker-store-vault", _tracker_store, (CONFIG_MAP, DEPLOYMENT))


# -- service origins ------------------------------------------------------------------------------

_VAULT_CHART = re.compile(r"(^|/)(vault|openbao)$")


def _is_vault_chart(resource: PolicyResource) -> bool:
    chart = get(resource.props, "chart")
    return isinstance(chart, str) and not is_unknown(chart) and bool(_VAULT_CHART.search(chart))


def _is_vault_statefulset(resource: PolicyResource) -> bool:
    return get(resource.props, "metadata", "labels", NAME_LABEL) in ("vault", "openbao")


# Vault runs in the cluster on every cloud (the official chart), so Kubernetes types back it.
CHECKS.managed("vault", Provides(HELM_RELEASE, _is_vault_chart), Provides(HELM_CHART, _is_vault_chart),
               Provides(STATEFUL_SET, _is_vault_statefulset))


def _origins(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in workloads_with_configmap(stack, need_deployment=False):
        cm = w.configmap
        raw = _annotation(cm, "ConfigMap", ORIGINS_ANNOTATION, f)
        if raw is None:
            continue
        try:
            origins = json.loads(str(raw))
            if not isinstance(origins, dict):
                raise ValueError("not an object")
        except ValueError as e:
            f.violation(f"{ORIGINS_ANNOTATION} of '{cm.name}' is not a JSON object: {e}", cm.urn)
            continue
        for service in SERVICES:
            origin: Optional[str] = origins.get(service)
            if origin == "existing":
                continue
            if origin != "managed":
                f.violation(f"{ORIGINS_ANNOTATION}: {service} must be 'managed' or 'existing', not {origin!r}", cm.urn)
                continue
            providers = ctx.managed_providers(service)
            if not any(p.matches(r) for r in stack.resources for p in providers):
                wanted = ", ".join(sorted({p.type for p in providers})) or "no known resource type"
                f.violation(f"{service} is declared managed, but the stack has no {wanted}", cm.urn)


CHECKS.stack("rasa-service-origins", _origins, (CONFIG_MAP,))
