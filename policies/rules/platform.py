"""Rasa platform rules: the stack as Rasa Pro will see it.

They read the Rasa ConfigMap (label `app.kubernetes.io/name: rasa-pro`, data key `endpoints.yml`)
and the Rasa Deployment (labels `app.kubernetes.io/name: rasa-pro`,
`app.kubernetes.io/component: server`), together with its HorizontalPodAutoscaler, and check what
Rasa's own code needs (`../shared/reference/rasa-pro.md`). The program must emit:

* on the Deployment: annotation `rasa-platform.io/connection-budget` =
  `{"maxConnections": int, "maxProcesses": int, "poolSize": int, "maxOverflow": int}` and env
  `SQL_POOL_SIZE` / `SQL_MAX_OVERFLOW` / `SANIC_WORKERS` as literal values;
* on the ConfigMap: annotation `rasa-platform.io/service-origins` = `{"tracker_store": "managed" |
  "existing", "lock_store": ..., "event_queue": ..., "model_storage": ..., "vault": ...}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

import yaml
from pulumi_policy import PolicyResource, Severity

from .common import (
    OFFLINE_SECRET, UNKNOWN, Findings, RuleContext, RuleSet, StackIndex, as_number, elements, get,
    is_unknown, percent_or_int,
)
from .kubernetes import CONFIG_MAP, DEPLOYMENT, HPA, VAULT_REFERENCE_SOURCE, containers, env_value, hpa_for

rules = RuleSet()

NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"
RASA_NAME = "rasa-pro"
RASA_COMPONENT = "server"
ENDPOINTS_KEY = "endpoints.yml"
BUDGET_ANNOTATION = "rasa-platform.io/connection-budget"
ORIGINS_ANNOTATION = "rasa-platform.io/service-origins"
ORIGIN_KEYS = ("tracker_store", "lock_store", "event_queue", "model_storage", "vault")
# Rasa's defaults when SQL_POOL_SIZE / SQL_MAX_OVERFLOW are not set.
RASA_DEFAULT_POOL_SIZE = 50
RASA_DEFAULT_MAX_OVERFLOW = 100
BUDGET_SHARE = (4, 5)  # 80 % of the database's max_connections, as a fraction


# -- what a `managed` origin must be backed by, per cloud (keyed by type token prefix) ----------


@dataclass(frozen=True)
class Provides:
    type: str
    when: Optional[Callable[[PolicyResource], bool]] = None

    def matches(self, resource: PolicyResource) -> bool:
        return resource.resource_type == self.type and (self.when is None or self.when(resource))


_VAULT_CHART = re.compile(r"(^|/)(vault|openbao)$")


def _is_vault_chart(resource: PolicyResource) -> bool:
    chart = get(resource.props, "chart")
    return isinstance(chart, str) and not is_unknown(chart) and bool(_VAULT_CHART.search(chart))


def _is_vault_statefulset(resource: PolicyResource) -> bool:
    return get(resource.props, "metadata", "labels", NAME_LABEL) in ("vault", "openbao")


# A `managed` service is satisfied by any row of any cloud: a stack only holds one cloud's types.
# Azure (azure-native:) and GCP (gcp:) rows are added with their cloud packages and SDKs.
MANAGED_SERVICES: dict[str, dict[str, tuple[Provides, ...]]] = {
    "aws": {
        "tracker_store": (Provides("aws:rds/instance:Instance"), Provides("aws:rds/cluster:Cluster")),
        "lock_store": (Provides("aws:elasticache/replicationGroup:ReplicationGroup"),),
        "event_queue": (Provides("aws:msk/cluster:Cluster"), Provides("aws:msk/serverlessCluster:ServerlessCluster")),
        "model_storage": (Provides("aws:s3/bucket:Bucket"),),
    },
    # Vault runs in the cluster on every cloud (official chart), so its row is Kubernetes'.
    "kubernetes": {
        "vault": (Provides("kubernetes:helm.sh/v3:Release", _is_vault_chart),
                  Provides("kubernetes:helm.sh/v4:Chart", _is_vault_chart),
                  Provides("kubernetes:apps/v1:StatefulSet", _is_vault_statefulset)),
    },
}


def managed_providers(service: str) -> list[Provides]:
    return [p for cloud in MANAGED_SERVICES.values() for p in cloud.get(service, ())]


# -- finding Rasa -----------------------------------------------------------------------------------


@dataclass
class RasaWorkload:
    configmap: Optional[PolicyResource]
    deployment: Optional[PolicyResource]

    @property
    def name(self) -> str:
        r = self.deployment or self.configmap
        return r.name if r else "rasa"


def _labelled(resource: PolicyResource, **wanted: str) -> bool:
    labels = get(resource.props, "metadata", "labels", default={})
    return all(get(labels, k) == v for k, v in wanted.items())


def rasa_configmaps(stack: StackIndex) -> list[PolicyResource]:
    out = []
    for cm in stack.of_type(CONFIG_MAP):
        data = get(cm.props, "data", default={})
        if _labelled(cm, **{NAME_LABEL: RASA_NAME}) and (is_unknown(data) or get(data, ENDPOINTS_KEY) is not None):
            out.append(cm)
    return out


def rasa_deployments(stack: StackIndex) -> list[PolicyResource]:
    return [d for d in stack.of_type(DEPLOYMENT)
            if _labelled(d, **{NAME_LABEL: RASA_NAME, COMPONENT_LABEL: RASA_COMPONENT})]


def _mounted_configmaps(deployment: PolicyResource) -> set[str]:
    volumes = get(deployment.props, "spec", "template", "spec", "volumes", default=[])
    names = set()
    for volume in elements(volumes):
        name = get(volume, "configMap", "name")
        if isinstance(name, str) and not is_unknown(name):
            names.add(name)
        for source in elements(get(volume, "projected", "sources", default=[])):
            name = get(source, "configMap", "name")
            if isinstance(name, str) and not is_unknown(name):
                names.add(name)
    return names


def _namespace(resource: PolicyResource) -> Any:
    ns = get(resource.props, "metadata", "namespace")
    return UNKNOWN if is_unknown(ns) else (ns or "default")


def find_rasa(stack: StackIndex) -> list[RasaWorkload]:
    """Pair every Rasa Deployment with its ConfigMap (mounted by name, else same namespace, else the
    only one); ConfigMaps no Deployment claims stand alone."""
    configmaps = rasa_configmaps(stack)
    workloads, claimed = [], set()
    for deployment in rasa_deployments(stack):
        mounted = _mounted_configmaps(deployment)
        by_name = [c for c in configmaps if get(c.props, "metadata", "name") in mounted]
        same_ns = [c for c in configmaps if _namespace(c) == _namespace(deployment)
                   or is_unknown(_namespace(c)) or is_unknown(_namespace(deployment))]
        candidates = by_name or (same_ns if len(same_ns) == 1 else []) or (configmaps if len(configmaps) == 1 else [])
        cm = candidates[0] if candidates else None
        if cm is not None:
            claimed.add(cm.urn)
        workloads.append(RasaWorkload(cm, deployment))
    workloads += [RasaWorkload(c, None) for c in configmaps if c.urn not in claimed]
    return workloads


def load_endpoints(configmap: PolicyResource, f: Findings) -> Any:
    """The parsed endpoints.yml (a dict), or None after reporting/deferring why not."""
    text = get(configmap.props, "data", ENDPOINTS_KEY)
    if is_unknown(text):
        f.cannot_decide(f"endpoints.yml of ConfigMap '{configmap.name}'")
        return None
    if text == OFFLINE_SECRET:
        f.cannot_decide(f"endpoints.yml of ConfigMap '{configmap.name}' is a secret")
        return None
    try:
        data = yaml.safe_load(str(text or "")) or {}
    except yaml.YAMLError as e:
        f.violation(f"endpoints.yml of ConfigMap '{configmap.name}' is not valid YAML: {e}", configmap.urn)
        return None
    if not isinstance(data, dict):
        f.violation(f"endpoints.yml of ConfigMap '{configmap.name}' is not a mapping", configmap.urn)
        return None
    return data


def rasa_container(deployment: PolicyResource) -> Any:
    items = containers(deployment.props, init=False)
    if items is UNKNOWN:
        return UNKNOWN
    known = [c for c in items if not is_unknown(c)]
    for c in known:
        if get(c, "name") in ("rasa", "rasa-pro", "rasa-server"):
            return c
    for c in known:
        image = get(c, "image")
        if isinstance(image, str) and not is_unknown(image) and "rasa-pro" in image:
            return c
    return known[0] if known else None


def _env(deployment: PolicyResource, name: str) -> Any:
    container = rasa_container(deployment)
    if container is UNKNOWN:
        return UNKNOWN
    return env_value(container, name) if container is not None else None


@dataclass(frozen=True)
class Processes:
    pods: int
    surge: int
    workers: int

    @property
    def total(self) -> int:
        return (self.pods + self.surge) * self.workers

    def __str__(self) -> str:
        return f"({self.pods} pods + {self.surge} surge) × {self.workers} Sanic workers = {self.total}"


def max_processes(stack: StackIndex, deployment: PolicyResource) -> Any:
    """The most Rasa processes that can run at once: (HPA maxReplicas or replicas, plus the
    rolling-update surge) × SANIC_WORKERS. UNKNOWN when any input is."""
    replicas = as_number(get(deployment.props, "spec", "replicas", default=1))
    if replicas is UNKNOWN:
        return UNKNOWN
    pods = int(replicas or 1)
    for hpa in hpa_for(stack, deployment):
        maximum = as_number(get(hpa.props, "spec", "maxReplicas"))
        if maximum is UNKNOWN:
            return UNKNOWN
        pods = max(pods, int(maximum or 0))
    strategy = get(deployment.props, "spec", "strategy", default={})
    kind = get(strategy, "type", default="RollingUpdate")
    if is_unknown(kind):
        return UNKNOWN
    if kind == "Recreate":
        surge = 0
    else:
        surge = percent_or_int(get(strategy, "rollingUpdate", "maxSurge", default="25%"), pods, round_up=True)
        if surge is UNKNOWN:
            return UNKNOWN
        surge = surge or 0
    workers_raw = _env(deployment, "SANIC_WORKERS")
    if is_unknown(workers_raw):
        return UNKNOWN
    workers = as_number(workers_raw) if workers_raw is not None else 1
    return Processes(pods, surge, int(workers or 1))


def _workloads(stack: StackIndex, need_deployment: bool) -> list[RasaWorkload]:
    return [w for w in find_rasa(stack) if w.configmap is not None and (w.deployment is not None or not need_deployment)]


# -- lock store -----------------------------------------------------------------------------------


def _lock_store(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in _workloads(stack, need_deployment=True):
        endpoints = load_endpoints(w.configmap, f)
        if endpoints is None:
            continue
        lock = endpoints.get("lock_store")
        lock_type = lock.get("type") if isinstance(lock, dict) else None
        host = lock.get("host") if isinstance(lock, dict) else None
        if lock_type == "concurrent_redis" and host:
            continue
        processes = max_processes(stack, w.deployment)
        if processes is UNKNOWN:
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


rules.stack(
    "rasa-lock-store-shared",
    "When more than one Rasa process can run, conversations are locked in a shared store (lock store "
    "type concurrent_redis with host), so two processes never handle one conversation at once.",
    "In endpoints.yml set lock_store: {type: concurrent_redis, host: <redis host>, ...} whenever "
    "(max replicas + surge) × SANIC_WORKERS > 1.",
    _lock_store,
    resource_types=(CONFIG_MAP, DEPLOYMENT, HPA),
)


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
            value = _env(deployment, env)
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
        if processes is UNKNOWN:
            f.cannot_decide(f"how many Rasa processes '{deployment.name}' can run")
        else:
            f.check(numbers["maxProcesses"] >= processes.total,
                    f"the budget assumes {numbers['maxProcesses']} processes, but {processes}", deployment.urn)


rules.stack(
    "rasa-connection-budget",
    "Rasa's connection pools fit the tracker store: max processes × (SQL_POOL_SIZE + SQL_MAX_OVERFLOW) "
    "stays under 80 % of the database's max_connections, for every process the HPA, surge and Sanic "
    "workers allow.",
    f"Annotate the Rasa Deployment with {BUDGET_ANNOTATION} from components/rasa/budget.py and set env "
    "SQL_POOL_SIZE / SQL_MAX_OVERFLOW to its poolSize / maxOverflow; lower HPA max or workers, or use a "
    "larger database, when it does not fit.",
    _budget,
    resource_types=(DEPLOYMENT, HPA),
)


# -- event broker ---------------------------------------------------------------------------------


def _event_broker(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in _workloads(stack, need_deployment=False):
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


rules.stack(
    "rasa-event-broker-tls",
    "Rasa publishes events to Kafka over TLS (SASL_SSL or SSL) with certificate hostname checking.",
    "In endpoints.yml set event_broker.security_protocol: SASL_SSL (or SSL) and ssl_check_hostname: true "
    "(a YAML boolean, never an interpolated string).",
    _event_broker,
    resource_types=(CONFIG_MAP,),
)


# -- TLS to the other services ---------------------------------------------------------------------

VERIFYING_SSL_MODES = ("verify-full", "verify-ca")


def _services_tls(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in _workloads(stack, need_deployment=False):
        endpoints = load_endpoints(w.configmap, f)
        if endpoints is None:
            continue
        lock = endpoints.get("lock_store")
        if isinstance(lock, dict) and str(lock.get("type", "")).lower() in ("redis", "concurrent_redis"):
            f.check(lock.get("use_ssl") is True,
                    f"lock_store.use_ssl must be the boolean true (got {lock.get('use_ssl')!r})", w.configmap.urn)
        vault = endpoints.get("secrets_manager")
        if isinstance(vault, dict) and vault.get("url") is not None:
            f.check(str(vault["url"]).startswith("https://"),
                    f"secrets_manager.url must be https:// (got {vault['url']})", w.configmap.urn)
        tracker = endpoints.get("tracker_store")
        if w.deployment is None or not isinstance(tracker, dict) or tracker.get("type") != "sql":
            continue
        mode = _env(w.deployment, "SQL_TRACKER_STORE_SSL_MODE")
        if is_unknown(mode):
            f.cannot_decide(f"env SQL_TRACKER_STORE_SSL_MODE of '{w.deployment.name}'")
            continue
        query_mode = get(tracker, "query", "sslmode")
        effective = query_mode if query_mode is not None else mode
        f.check(effective in VERIFYING_SSL_MODES,
                f"the tracker store connects with sslmode {effective or 'unset (libpq prefer: no verification)'}; "
                f"need one of {', '.join(VERIFYING_SSL_MODES)}", w.deployment.urn)


rules.stack(
    "rasa-services-tls",
    "Rasa reaches the lock store, the tracker store and Vault over TLS with the server verified: "
    "lock_store.use_ssl true, SQL_TRACKER_STORE_SSL_MODE verify-full (or verify-ca), an https Vault URL.",
    "Set lockStore.tls true, trackerStore.sslMode verify-full and an https vault.address; give caCert for a "
    "private CA.",
    _services_tls,
    resource_types=(CONFIG_MAP, DEPLOYMENT),
)


# -- tracker store --------------------------------------------------------------------------------


def _is_vault_ref(value: Any) -> bool:
    return (isinstance(value, dict) and value.get("source") == VAULT_REFERENCE_SOURCE
            and isinstance(value.get("secret_key"), str) and bool(value.get("secret_key")))


def _tracker_store(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in _workloads(stack, need_deployment=False):
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
        iam = _env(w.deployment, "RDS_SQL_DB_AWS_IAM_ENABLED") if w.deployment is not None else None
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
            env_manager = _env(w.deployment, "SECRET_MANAGER") if w.deployment is not None else None
            if is_unknown(env_manager):
                f.cannot_decide("SECRET_MANAGER")
            else:
                f.check(env_manager == "vault",
                        "Vault references need a secrets_manager of type vault (endpoints.yml or env SECRET_MANAGER)", urn)


rules.stack(
    "rasa-tracker-store-vault",
    "The tracker store is PostgreSQL (dialect postgresql) and Rasa reads its credentials from Vault, never "
    "from the file (or uses IAM authentication without a password).",
    "In endpoints.yml set tracker_store: {type: sql, dialect: postgresql, username: {source: "
    "secrets_manager.vault, secret_key: sql_store_username}, password: {source: secrets_manager.vault, "
    "secret_key: sql_store_password}} and a secrets_manager block of type vault.",
    _tracker_store,
    resource_types=(CONFIG_MAP, DEPLOYMENT),
    severity=Severity.CRITICAL,
)


# -- service origins ------------------------------------------------------------------------------


def _origins(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for w in _workloads(stack, need_deployment=False):
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
        for service in ORIGIN_KEYS:
            origin = origins.get(service)
            if origin == "existing":
                continue
            if origin != "managed":
                f.violation(f"{ORIGINS_ANNOTATION}: {service} must be 'managed' or 'existing', not {origin!r}", cm.urn)
                continue
            providers = managed_providers(service)
            if not any(p.matches(r) for r in stack.resources for p in providers):
                wanted = ", ".join(sorted({p.type for p in providers})) or "no known resource type"
                f.violation(f"{service} is declared managed, but the stack has no {wanted}", cm.urn)


rules.stack(
    "rasa-service-origins",
    "Every service Rasa is pointed at is either a resource of this stack (managed) or an explicitly "
    "declared existing endpoint.",
    f"Annotate the Rasa ConfigMap with {ORIGINS_ANNOTATION} = JSON of tracker_store, lock_store, "
    "event_queue, model_storage, vault → 'managed' | 'existing', and create the managed ones in this stack.",
    _origins,
    resource_types=(CONFIG_MAP,),
)

POLICIES = rules.policies
