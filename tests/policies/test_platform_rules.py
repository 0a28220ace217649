"""Rasa platform rules over the Rasa ConfigMap, Deployment and HPA of a stack."""

from __future__ import annotations

import json

import pytest

from policies.kubernetes.rasa import BUDGET_ANNOTATION, ORIGINS_ANNOTATION

from . import fixtures as fx
from .helpers import DELETE, U, R, changed, run_stack

C0 = "spec.template.spec.containers.0"
BUDGET_PATH = ["metadata", "annotations", BUDGET_ANNOTATION]
ORIGINS_PATH = ["metadata", "annotations", ORIGINS_ANNOTATION]


def stack(endpoints: dict | None = None, deployment: dict | None = None, hpa: dict | None | bool = True,
          configmap: dict | None = None, extra: list[R] = ()) -> list[R]:
    """The secure stack with the Rasa parts replaced (hpa=False removes the HPA)."""
    secure = fx.secure_stack()
    # A renamed fixture must fail here, not leave the secure resource in place silently.
    assert {"rasa-endpoints", "rasa", "rasa-hpa"} <= {r.name for r in secure}
    out = []
    for r in secure:
        if r.name == "rasa-endpoints":
            props = configmap or fx.rasa_configmap(fx.endpoints_yml(endpoints) if endpoints is not None else None)
            r = R(r.type, r.name, props, r.deps, r.prop_deps)
        elif r.name == "rasa" and deployment is not None:
            r = R(r.type, r.name, deployment, r.deps, r.prop_deps)
        elif r.name == "rasa-hpa":
            if hpa is False:
                continue
            if isinstance(hpa, dict):
                r = R(r.type, r.name, hpa, r.deps, r.prop_deps)
        out.append(r)
    return out + list(extra)


def with_env(props: dict, name: str, value) -> dict:
    envs = [e for e in props["spec"]["template"]["spec"]["containers"][0]["env"] if e["name"] != name]
    if value is not DELETE:
        envs.append(value if isinstance(value, dict) else {"name": name, "value": value})
    return changed(props, f"{C0}.env", envs)


def with_budget(props: dict, **budget) -> dict:
    return changed(props, BUDGET_PATH, json.dumps({**fx.BUDGET, **budget}))


def endpoints_with(**blocks) -> dict:
    out = dict(fx.ENDPOINTS)
    for key, value in blocks.items():
        if value is DELETE:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def single_pod(environment="dev", strategy=None, workers="1") -> dict:
    props = fx.rasa_deployment(environment, replicas=1)
    props = changed(props, "spec.strategy", strategy or {"type": "Recreate"})
    props = with_env(props, "SANIC_WORKERS", workers)
    return with_budget(props, maxProcesses=1)


REDIS_LOCK = {**fx.ENDPOINTS["lock_store"], "type": "redis"}


# -- lock store -------------------------------------------------------------------------------------

def test_lock_store_concurrent_redis_passes():
    assert run_stack("rasa-lock-store-shared", stack()).ok


def test_lock_store_plain_redis_fails_with_several_pods():
    outcome = run_stack("rasa-lock-store-shared", stack(endpoints_with(lock_store=REDIS_LOCK)))
    assert outcome.has("(6 pods + 1 surge) × 1 Sanic workers = 7") and outcome.has("is 'redis'")


def test_lock_store_concurrent_redis_with_url_only_fails():
    lock = {k: v for k, v in fx.ENDPOINTS["lock_store"].items() if k != "host"} | {"url": "redis.local"}
    assert run_stack("rasa-lock-store-shared", stack(endpoints_with(lock_store=lock))).has("ignores url")


def test_lock_store_missing_fails_with_several_processes():
    assert run_stack("rasa-lock-store-shared", stack(endpoints_with(lock_store=DELETE))).has("in-memory")


@pytest.mark.parametrize("deployment,expected_ok", [
    (single_pod(), True),  # one pod, Recreate, one worker: any lock store
    (single_pod(workers="2"), False),  # one pod with two Sanic workers
    (single_pod(strategy={"type": "RollingUpdate"}), False),  # default maxSurge 25% → a second pod during rollout
    (single_pod(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}), True),
])
def test_lock_store_counts_surge_and_workers(deployment, expected_ok):
    outcome = run_stack("rasa-lock-store-shared", stack(endpoints_with(lock_store=REDIS_LOCK), deployment, hpa=False))
    assert outcome.ok is expected_ok, outcome.messages


def test_lock_store_unknown_process_count_is_undecided():
    deployment = with_env(fx.rasa_deployment(), "SANIC_WORKERS", {"name": "SANIC_WORKERS", "valueFrom": {"configMapKeyRef": {}}})
    outcome = run_stack("rasa-lock-store-shared", stack(endpoints_with(lock_store=REDIS_LOCK), deployment))
    assert not outcome.violations and "processes" in outcome.undecided
    outcome = run_stack("rasa-lock-store-shared", stack(configmap=changed(fx.rasa_configmap(), ["data", "endpoints.yml"], U)))
    assert not outcome.violations and outcome.undecided


# -- connection budget --------------------------------------------------------------------------------

def test_budget_passes():
    assert run_stack("rasa-connection-budget", stack()).ok


@pytest.mark.parametrize("deployment,expected", [
    (with_env(fx.rasa_deployment(), "SQL_POOL_SIZE", "20"), "SQL_POOL_SIZE=20 differs"),
    (with_env(fx.rasa_deployment(), "SQL_MAX_OVERFLOW", DELETE), "unset (Rasa default 100)"),
    (changed(fx.rasa_deployment(), BUDGET_PATH, DELETE), "no rasa-platform.io/connection-budget"),
    (changed(fx.rasa_deployment(), BUDGET_PATH, "{not json"), "not"),
    (changed(fx.rasa_deployment(), BUDGET_PATH, json.dumps({"maxConnections": 400})), "not"),
    (with_budget(fx.rasa_deployment(), maxConnections=390), "not under 80 %"),
    (with_budget(fx.rasa_deployment(), maxProcesses=6, maxConnections=400), "assumes 6 processes"),
])
def test_budget_fails(deployment, expected):
    outcome = run_stack("rasa-connection-budget", stack(deployment=deployment))
    assert outcome.has(expected), outcome.messages


def test_budget_counts_the_hpa_maximum():
    outcome = run_stack("rasa-connection-budget", stack(hpa=changed(fx.HPA, "spec.maxReplicas", 10)))
    assert outcome.has("(10 pods + 1 surge)")


def test_budget_boundary_is_strictly_under_80_percent():
    # 7 × 45 = 315: passes at 400 (320), fails at 393.75 → 394 × 0.8 = 315.2 passes, 393 × 0.8 = 314.4 fails
    assert run_stack("rasa-connection-budget", stack(deployment=with_budget(fx.rasa_deployment(), maxConnections=394))).ok
    assert run_stack("rasa-connection-budget", stack(deployment=with_budget(fx.rasa_deployment(), maxConnections=393))
                     ).has("not under 80 %")


def test_budget_unknowns_are_undecided():
    outcome = run_stack("rasa-connection-budget", stack(deployment=changed(fx.rasa_deployment(), BUDGET_PATH, U)))
    assert not outcome.violations and outcome.undecided
    outcome = run_stack("rasa-connection-budget", stack(hpa=changed(fx.HPA, "spec.maxReplicas", U)))
    assert not outcome.violations and "processes" in outcome.undecided


# -- event broker ---------------------------------------------------------------------------------------

def test_event_broker_tls_passes_and_ssl_alone_passes():
    assert run_stack("rasa-event-broker-tls", stack()).ok
    ssl = {k: v for k, v in fx.ENDPOINTS["event_broker"].items() if not k.startswith("sasl")} | {"security_protocol": "SSL"}
    assert run_stack("rasa-event-broker-tls", stack(endpoints_with(event_broker=ssl))).ok
    assert run_stack("rasa-event-broker-tls", stack(endpoints_with(event_broker=DELETE))).ok


@pytest.mark.parametrize("change,expected", [
    ({"security_protocol": "SASL_PLAINTEXT"}, "SASL_SSL or SSL"),
    ({"security_protocol": DELETE}, "not PLAINTEXT"),
    ({"ssl_check_hostname": DELETE}, "ssl_check_hostname"),
    ({"ssl_check_hostname": False}, "ssl_check_hostname"),
    ({"ssl_check_hostname": "true"}, "boolean true"),
])
def test_event_broker_fails(change, expected):
    broker = dict(fx.ENDPOINTS["event_broker"])
    for k, v in change.items():
        if v is DELETE:
            broker.pop(k)
        else:
            broker[k] = v
    assert run_stack("rasa-event-broker-tls", stack(endpoints_with(event_broker=broker))).has(expected)


def test_event_broker_unknown_endpoints_is_undecided():
    outcome = run_stack("rasa-event-broker-tls", stack(configmap=changed(fx.rasa_configmap(), ["data", "endpoints.yml"], U)))
    assert not outcome.violations and outcome.undecided


def test_invalid_endpoints_yaml_fails():
    cm = changed(fx.rasa_configmap(), ["data", "endpoints.yml"], "event_broker: [unclosed")
    assert run_stack("rasa-event-broker-tls", stack(configmap=cm)).has("not valid YAML")


# -- tracker store ----------------------------------------------------------------------------------

TRACKER = fx.ENDPOINTS["tracker_store"]


def test_tracker_store_passes():
    assert run_stack("rasa-tracker-store-vault", stack()).ok


@pytest.mark.parametrize("tracker,expected", [
    ({**TRACKER, "dialect": "postgresql+psycopg2"}, "exactly 'postgresql'"),
    ({**TRACKER, "type": "mongod"}, "type must be sql"),
    ({**TRACKER, "password": "${DB_PASSWORD}"}, "password must be a Vault reference"),
    ({**TRACKER, "username": "rasa"}, "username must be a Vault reference"),
    ({**TRACKER, "password": {"source": "secrets_manager.vault"}}, "password must be a Vault reference"),
    (DELETE, "no tracker_store"),
])
def test_tracker_store_fails(tracker, expected):
    assert run_stack("rasa-tracker-store-vault", stack(endpoints_with(tracker_store=tracker))).has(expected)


def test_vault_references_need_a_vault_secrets_manager():
    endpoints = endpoints_with(secrets_manager=DELETE)
    deployment = with_env(fx.rasa_deployment(), "SECRET_MANAGER", DELETE)
    assert run_stack("rasa-tracker-store-vault", stack(endpoints, deployment)).has("secrets_manager of type vault")
    assert run_stack("rasa-tracker-store-vault", stack(endpoints)).ok  # env SECRET_MANAGER=vault


def test_tracker_store_iam_auth():
    iam = {k: v for k, v in TRACKER.items() if k != "password"} | {"username": "rasa"}
    deployment = with_env(fx.rasa_deployment(), "RDS_SQL_DB_AWS_IAM_ENABLED", "true")
    assert run_stack("rasa-tracker-store-vault", stack(endpoints_with(tracker_store=iam), deployment)).ok
    with_password = {**iam, "password": "${X}"}
    assert run_stack("rasa-tracker-store-vault", stack(endpoints_with(tracker_store=with_password), deployment)
                     ).has("password must be absent")


# -- service origins ----------------------------------------------------------------------------------

def test_origins_pass_and_existing_needs_no_resource():
    assert run_stack("rasa-service-origins", stack()).ok
    byo = [r for r in stack(configmap=fx.rasa_configmap(origins={k: "existing" for k in fx.ORIGINS}))
           if r.type.startswith("kubernetes:") and r.type != fx.T_RELEASE]
    assert run_stack("rasa-service-origins", byo).ok


@pytest.mark.parametrize("remove,service,expected", [
    ("tracker-store", "tracker_store", fx.T_RDS),
    ("lock-store", "lock_store", fx.T_REDIS),
    ("event-queue", "event_queue", fx.T_MSK),
    ("models", "model_storage", fx.T_BUCKET),
    ("vault", "vault", fx.T_RELEASE),
])
def test_managed_origin_needs_its_resource(remove, service, expected):
    # the secure stack's Azure lock store (fixtures.AZURE_REDIS) backs lock_store too
    resources = [r for r in stack() if r.name not in (remove, f"azure-{remove}")]
    outcome = run_stack("rasa-service-origins", resources)
    assert outcome.has(f"{service} is declared managed") and outcome.has(expected), outcome.messages


def test_vault_statefulset_counts_as_managed_vault():
    resources = [r for r in stack() if r.name != "vault"]
    statefulset = R(fx.T_STATEFUL_SET, "vault-sts", {"metadata": {"labels": {"app.kubernetes.io/name": "vault"}}})
    assert run_stack("rasa-service-origins", resources + [statefulset]).ok
    other_chart = R(fx.T_RELEASE, "redis", {"chart": "bitnami/redis"})
    assert run_stack("rasa-service-origins", resources + [other_chart]).violations


@pytest.mark.parametrize("annotation,expected", [
    (DELETE, "no rasa-platform.io/service-origins"),
    ("[]", "not a JSON object"),
    (json.dumps({**fx.ORIGINS, "vault": "hcp"}), "vault must be 'managed' or 'existing'"),
    (json.dumps({k: v for k, v in fx.ORIGINS.items() if k != "event_queue"}), "event_queue must be"),
])
def test_origins_annotation_fails(annotation, expected):
    cm = changed(fx.rasa_configmap(), ORIGINS_PATH, annotation)
    assert run_stack("rasa-service-origins", stack(configmap=cm)).has(expected)


def test_origins_unknown_is_undecided():
    cm = changed(fx.rasa_configmap(), ORIGINS_PATH, U)
    outcome = run_stack("rasa-service-origins", stack(configmap=cm))
    assert not outcome.violations and outcome.undecided


# -- finding Rasa ---------------------------------------------------------------------------------------

def test_rules_find_rasa_only_by_its_labels():
    plaintext = fx.endpoints_yml(endpoints_with(event_broker={"type": "kafka", "security_protocol": "PLAINTEXT"}))
    assert run_stack("rasa-event-broker-tls", stack(configmap=fx.rasa_configmap(plaintext))).violations
    unlabelled = changed(fx.rasa_configmap(plaintext), ["metadata", "labels", "app.kubernetes.io/name"], "other")
    assert run_stack("rasa-event-broker-tls", stack(configmap=unlabelled)).ok


def test_configmap_is_paired_by_the_mounted_name():
    second = R(fx.T_CONFIGMAP, "rasa-other", changed(fx.rasa_configmap(fx.endpoints_yml(endpoints_with(lock_store=REDIS_LOCK))),
                                                     "metadata.name", "rasa-other"))
    # The Deployment mounts rasa-endpoints (concurrent_redis); the other ConfigMap stands alone.
    assert run_stack("rasa-lock-store-shared", stack(extra=[second])).ok


# -- the foundation's renderer produces what these rules accept ------------------------------------

def test_rendered_endpoints_pass_the_rules():
    from components.contracts import (
        KafkaConnection, ModelStorageConnection, NetworkAccess, PlatformConnections, PostgresConnection,
        RedisConnection, VaultConnection, WorkloadIdentity,
    )
    from components.rasa.budget import max_processes, plan_budget
    from components.rasa.endpoints import RenderOptions, render_endpoints

    from .helpers import run_resource

    net = NetworkAccess(ports=(443,))
    connections = PlatformConnections(
        tracker_store=PostgresConnection(host="db.internal", port=5432, database="rasa", username="rasa",
                                         max_connections=400, origin="managed", network=net, password="pw"),
        lock_store=RedisConnection(host="redis.internal", port=6379, origin="managed", network=net, password="pw"),
        event_queue=KafkaConnection(bootstrap_servers=["b-1:9096", "b-2:9096"], topic="rasa-core-events",
                                    origin="managed", network=net, username="rasa", password="pw"),
        model_storage=ModelStorageConnection(provider="aws", bucket="models", model_key="models/current",
                                             origin="managed", region="eu-central-1"),
        vault=VaultConnection(address="https://vault.vault.svc:8200", origin="managed", network=net),
        identity=WorkloadIdentity(),
    )
    budget = plan_budget(400, max_processes(max_replicas=6, surge=1, sanic_workers=1))
    rendered = render_endpoints(connections, RenderOptions(budget=budget, region="eu-central-1"))
    assert run_resource("k8s-no-credentials-in-configmap", fx.T_CONFIGMAP,
                        fx.rasa_configmap(rendered.endpoints_yml)).ok
    deployment = fx.rasa_deployment()
    deployment = with_env(with_env(deployment, "SQL_POOL_SIZE", rendered.env["SQL_POOL_SIZE"]),
                          "SQL_MAX_OVERFLOW", rendered.env["SQL_MAX_OVERFLOW"])
    deployment = changed(deployment, BUDGET_PATH, json.dumps({
        "maxConnections": budget.max_connections, "maxProcesses": budget.max_processes,
        "poolSize": budget.pool_size, "maxOverflow": budget.max_overflow}))
    resources = stack(configmap=fx.rasa_configmap(rendered.endpoints_yml), deployment=deployment)
    for rule in ("rasa-lock-store-shared", "rasa-connection-budget", "rasa-event-broker-tls",
                 "rasa-tracker-store-vault", "rasa-service-origins"):
        outcome = run_stack(rule, resources)
        assert outcome.ok, (rule, outcome.messages, outcome.undecided)


# -- TLS to the lock store, tracker store and Vault --------------------------------------------------

def test_services_tls_passes_for_the_secure_stack():
    assert run_stack("rasa-services-tls", stack()).ok


@pytest.mark.parametrize("blocks,expected", [
    ({"lock_store": {**fx.ENDPOINTS["lock_store"], "use_ssl": False}}, "lock_store.use_ssl"),
    ({"lock_store": {**fx.ENDPOINTS["lock_store"], "use_ssl": "${REDIS_TLS}"}}, "lock_store.use_ssl"),
    ({"secrets_manager": {**fx.ENDPOINTS["secrets_manager"], "url": "http://vault:8200"}}, "https://"),
    ({"tracker_store": {**fx.ENDPOINTS["tracker_store"], "query": {"sslmode": "disable"}}}, "sslmode disable"),
])
def test_services_tls_fails_on_plaintext(blocks, expected):
    assert run_stack("rasa-services-tls", stack(endpoints_with(**blocks))).has(expected)


def test_services_tls_fails_when_tracker_ssl_mode_does_not_verify():
    deployment = with_env(fx.rasa_deployment(), "SQL_TRACKER_STORE_SSL_MODE", "require")
    assert run_stack("rasa-services-tls", stack(deployment=deployment)).has("sslmode require")


def test_services_tls_unknown_ssl_mode_is_undecided():
    deployment = with_env(fx.rasa_deployment(), "SQL_TRACKER_STORE_SSL_MODE", U)
    outcome = run_stack("rasa-services-tls", stack(deployment=deployment))
    assert not outcome.violations and outcome.undecided
