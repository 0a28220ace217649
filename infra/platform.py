"""Cloud-agnostic wiring: settings → cloud services (or existing ones) → connections → Rasa.

Everything that can be decided from settings alone (including the connection budget) is decided
before the first resource is registered, so a bad plan fails with one line and creates nothing.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import existing
from components.cloud import Cloud, CloudServices
from components.contracts import PlatformConnections, WorkloadIdentity, redact, resolve
from components.rasa.action_server import action_server_url
from components.rasa.budget import BudgetError, ConnectionBudget, max_processes, plan_budget
from components.rasa.endpoints import (
    SECRET_AUTH_TOKEN,
    SECRET_KAFKA_PASSWORD,
    SECRET_LICENSE,
    SECRET_LOCK_STORE_PASSWORD,
    SECRET_STORAGE_KEY,
    SECRET_VAULT_TOKEN,
    RenderedEndpoints,
    RenderOptions,
    render_endpoints,
)
from components.rasa.workload import ROLLING_SURGE, RasaWorkload, RasaWorkloadArgs
from infra.settings import ConfigError, StackSettings, load_from_pulumi

# Cloud packages are imported only when a stack uses them (pulumi_aws alone is a large import).
CLOUD_PACKAGES = {"aws": "components.aws"}


@dataclass
class Platform:
    settings: StackSettings
    connections: PlatformConnections
    budget: ConnectionBudget
    rendered: pulumi.Output[RenderedEndpoints]
    workload: RasaWorkload
    cloud_outputs: dict[str, pulumi.Input]


def load_cloud(settings: StackSettings) -> Optional[Cloud]:
    if not settings.any_managed():
        return None
    module = importlib.import_module(CLOUD_PACKAGES[settings.cloud])
    return getattr(module, settings.cloud.upper())


def connection_budget(settings: StackSettings, cloud: Optional[Cloud]) -> ConnectionBudget:
    rasa = settings.rasa
    replicas = rasa.autoscaling.max_replicas if rasa.autoscaling.enabled else rasa.replicas
    processes = max_processes(replicas, ROLLING_SURGE, rasa.sanic_workers)
    if settings.tracker_store.mode == "existing":
        key, limit = "trackerStore.maxConnections", settings.tracker_store.max_connections
    else:
        assert cloud is not None
        key, limit = "trackerStore.instanceClass", cloud.tracker_store_max_connections(settings)
    assert limit is not None
    try:
        return plan_budget(limit, processes)
    except BudgetError as exc:
        shown = settings.tracker_store.instance_class if key.endswith("instanceClass") else limit
        raise ConfigError(key, shown, f"connection budget: {exc}; lower rasa.autoscaling.maxReplicas or "
                          "rasa.sanicWorkers, or use a database with more connections") from None


def kubernetes_provider(settings: StackSettings, services: CloudServices) -> k8s.Provider:
    if services.kubernetes_provider is not None:
        return services.kubernetes_provider
    cluster = settings.cluster
    return k8s.Provider(
        "existing-cluster",
        kubeconfig=existing.secret(cluster.kubeconfig),
        context=cluster.context,
        # Never fall back to whatever cluster the operator's shell points at.
        delete_unreachable=False,
    )


def deploy(settings: StackSettings) -> Platform:
    cloud = load_cloud(settings)
    budget = connection_budget(settings, cloud)  # before any resource exists
    services = cloud.provision(settings) if cloud is not None else CloudServices()

    connections = PlatformConnections(
        tracker_store=services.tracker_store or existing.tracker_store(settings),
        lock_store=services.lock_store or existing.lock_store(settings),
        event_queue=services.event_queue or existing.event_queue(settings),
        model_storage=services.model_storage or existing.model_storage(settings),
        vault=existing.vault(settings),
        identity=services.identity or WorkloadIdentity(),
    )
    rasa = settings.rasa
    options = RenderOptions(
        budget=budget,
        sanic_workers=rasa.sanic_workers,
        lock_lifetime_seconds=settings.lock_store.lock_lifetime_seconds,
        action_endpoint_url=action_server_url(rasa.namespace, rasa.action_server.port) if rasa.action_server.enabled else None,
        nlg_url=rasa.nlg_url,
        region=settings.region,
    )
    # The renderer sees credentials only as "present": its output holds no secret.
    rendered = resolve(redact(connections)).apply(lambda resolved: render_endpoints(resolved, options))

    workload = RasaWorkload(
        "rasa",
        RasaWorkloadArgs(
            rasa=rasa,
            environment=settings.environment,
            stack=settings.stack,
            connections=connections,
            rendered=rendered,
            secret_values=_secret_values(settings, connections),
            budget=budget,
            service_origins=_origins(connections),
            provider=kubernetes_provider(settings, services),
            depends_on=list(services.workload_depends_on),
        ),
    )
    return Platform(settings, connections, budget, rendered, workload, dict(services.outputs))


def _secret_values(settings: StackSettings, c: PlatformConnections) -> dict[str, pulumi.Input[str]]:
    auth_token = existing.secret(settings.rasa.auth_token)
    if auth_token is None:
        auth_token = random.RandomPassword("rasa-api-token", length=48, special=False).result
    values: dict[str, Optional[pulumi.Input[str]]] = {
        SECRET_LICENSE: existing.secret(settings.rasa.license),
        SECRET_AUTH_TOKEN: auth_token,
        SECRET_VAULT_TOKEN: c.vault.token,
        SECRET_LOCK_STORE_PASSWORD: c.lock_store.password,
        SECRET_KAFKA_PASSWORD: c.event_queue.password,
        SECRET_STORAGE_KEY: c.model_storage.account_key,
    }
    return {k: pulumi.Output.secret(v) for k, v in values.items() if v is not None}


def _origins(c: PlatformConnections) -> dict[str, str]:
    return {
        "tracker_store": c.tracker_store.origin,
        "lock_store": c.lock_store.origin,
        "event_queue": c.event_queue.origin,
        "model_storage": c.model_storage.origin,
        "vault": c.vault.origin,
    }


def export(platform: Platform) -> None:
    s = platform.settings
    pulumi.export("cloud", s.cloud)
    pulumi.export("environment", s.environment)
    pulumi.export("rasaNamespace", s.rasa.namespace)
    pulumi.export("rasaServiceUrl", platform.workload.service_url)
    if platform.workload.public_url:
        pulumi.export("rasaPublicUrl", platform.workload.public_url)
    pulumi.export("endpointsYml", platform.rendered.apply(lambda r: r.endpoints_yml))
    pulumi.export("connectionBudget", json.loads(_budget_json(platform.budget)))
    pulumi.export("serviceOrigins", _origins(platform.connections))
    pulumi.export(
        "vaultSecret",
        f"{s.vault.mount_point}/{s.vault.secrets_path} (keys sql_store_username, sql_store_password)",
    )
    for key, value in platform.cloud_outputs.items():
        pulumi.export(key, value)


def _budget_json(b: ConnectionBudget) -> str:
    return json.dumps(
        {"maxConnections": b.max_connections, "maxProcesses": b.max_processes, "poolSize": b.pool_size,
         "maxOverflow": b.max_overflow, "total": b.total, "ceiling": b.ceiling}
    )


def program() -> None:
    """The Pulumi program: settings → platform → exports. Used by `pulumi up` and the offline preview."""
    export(deploy(load_from_pulumi()))
