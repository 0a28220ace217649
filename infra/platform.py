"""Cloud-agnostic wiring: a planned stack → cloud services (or existing ones) → connections → Rasa.

Everything that can be decided from settings alone (the cloud's plan, the connection budget) was
decided by infra/settings before the first resource is registered, so a bad plan fails with one
line per problem and creates nothing. The cloud is reached only through its registered spec.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import existing
from components.analytics.workload import AnalyticsWorkload
from components.cloud import CloudServices, IngressController
from components.contracts import PlatformConnections, WorkloadIdentity, redact, resolve
from components.model_archive import object_key
from components.rasa.action_server import ActionServerSpec, action_server_url
from components.rasa.channels import public_paths
from components.rasa.budget import ConnectionBudget
from components.rasa.placement import on_the_same_nodes
from components.rasa.endpoints import (
    SECRET_KAFKA_PASSWORD,
    SECRET_LICENSE,
    SECRET_LOCK_STORE_PASSWORD,
    SECRET_AUTH_TOKEN,
    SECRET_STORAGE_KEY,
    RenderedEndpoints,
    RenderOptions,
    render_endpoints,
)
from components.rasa.workload import (
    Autoscaling, ContainerResources, EgressTarget, PodPlacement, PublicIngress, RasaWorkload, RasaWorkloadArgs,
    VerifyChecks,
)
from components.rasa import labels as rasa_labels
from components.settings.sections import (
    ActionServerSettings, AutoscalingSettings, EgressRule, IngressSettings, PodSchedulingSettings,
)
from infra import vault as vault_wiring
from infra.vault import AnalyticsBootstrap
from infra.analytics import analytics_bootstrap, deploy_analytics, export_analytics
from infra.settings import StackPlan, StackSettings, load_stack_from_pulumi


@dataclass
class Platform:
    settings: StackSettings
    connections: PlatformConnections
    budget: ConnectionBudget
    rendered: pulumi.Output[RenderedEndpoints]
    workload: RasaWorkload
    cloud_outputs: dict[str, pulumi.Input]
    model_status: pulumi.Output[str]
    analytics: Optional[AnalyticsWorkload] = None
    analytics_bootstrap: Optional[AnalyticsBootstrap] = None


# Logical names (keys of the credentials Secret) of the stack's own secret environment values.
RASA_ENV_SECRET = "rasa-env.{}"
ACTIONS_ENV_SECRET = "actions-env.{}"


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


def deploy(plan: StackPlan) -> Platform:
    settings, budget, access = plan.settings, plan.budget, plan.cloud_plan.existing
    provision = plan.cloud.provision
    # The in-cluster Vault needs the cloud's seal even when nothing else is managed.
    wants_cloud = settings.any_managed() or settings.vault.mode == "in-cluster"
    services = provision(plan.cloud_plan) if (wants_cloud and provision) else CloudServices()
    provider = kubernetes_provider(settings, services)
    labels = rasa_labels.common(settings.stack, settings.environment)
    vault = vault_wiring.deploy_vault(settings, services, provider, labels)

    s = settings
    connections = PlatformConnections(
        tracker_store=services.tracker_store or existing.tracker_store(s.tracker_store, access),
        lock_store=services.lock_store or existing.lock_store(s.lock_store),
        event_queue=services.event_queue or existing.event_queue(s.event_queue, access),
        model_storage=services.model_storage or existing.model_storage(
            s.model_storage, plan.cloud.remote_storage, s.region, access,
        ),
        vault=vault.connection,
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
        log_level=rasa.log_level,
        telemetry=rasa.telemetry,
        env=dict(rasa.env),
        secret_env={name: RASA_ENV_SECRET.format(name) for name in rasa.secret_env},
    )
    # The renderer sees credentials only as "present": its output holds no secret.
    rendered = resolve(redact(connections)).apply(lambda resolved: render_endpoints(resolved, options))

    secret_values = _secret_values(settings, connections)
    if rasa.auth_token is not None:
        secret_values[SECRET_AUTH_TOKEN] = existing.secret(rasa.auth_token)
    # Rasa Pro Services' credentials exist before the bootstrap, which writes them to its own secret.
    analytics_inputs = analytics_bootstrap(settings, connections, services)
    placement = _placement(rasa)  # Rasa's nodes: the bootstrap and Rasa Pro Services run there too
    bootstrap = vault_wiring.bootstrap(
        settings, vault, vault_wiring.vault_credentials(secret_values, connections), connections, services, provider, labels,
        action_server_credentials=_action_server_secret_values(settings), analytics=analytics_inputs,
        placement=placement)
    api_token = secret_values.get(SECRET_AUTH_TOKEN) or bootstrap.generated[SECRET_AUTH_TOKEN]
    args = workload_args(settings, connections, rendered, budget, services, provider)
    # Every credential reaches Rasa and the action server from Vault, after the bootstrap Job wrote it there.
    args = dataclasses.replace(
        args, auth_token=api_token, vault_delivery=vault_wiring.delivery(settings, vault, bootstrap),
        action_server_vault_delivery=vault_wiring.action_server_delivery(settings, vault, bootstrap),
        vault_network=connections.vault.network, depends_on=[*args.depends_on, bootstrap.job])
    workload = RasaWorkload("rasa", args)
    status = model_status(settings, connections, args.await_ready)
    # In Rasa's namespace, once the event queue's topics and users exist and Vault holds its secret.
    analytics = deploy_analytics(
        settings, connections, services, analytics_inputs, vault_wiring.analytics_delivery(settings, vault, bootstrap),
        vault.ca_cert_pem, on_the_same_nodes(placement, pull_secrets=True), workload.args.provider,
        [workload.namespace, bootstrap.job, *services.workload_depends_on, *services.analytics_depends_on])
    return Platform(settings, connections, budget, rendered, workload, dict(services.outputs), status, analytics,
                    analytics_inputs)


def model_status(settings: StackSettings, c: PlatformConnections, await_ready: bool) -> pulumi.Output[str]:
    """What the operator reads after `pulumi up` about the model; warns when Rasa will wait for one."""
    ms = settings.model_storage
    scheme = {"aws": "s3", "gcs": "gs", "azure": "azure"}[c.model_storage.provider]
    location = pulumi.Output.concat(scheme, "://", c.model_storage.bucket, "/", object_key(c.model_storage.model_key))
    if ms.upload_from:
        return pulumi.Output.concat("uploaded from ", ms.upload_from, " to ", location)
    if await_ready:
        return pulumi.Output.concat("required at ", location, " (rasa.verify.requireModel)")

    def waiting(where: str) -> str:
        return (f"Rasa waits for a model: upload a trained model to {where} (or set modelStorage.uploadFrom), "
                f"then `kubectl -n {settings.rasa.namespace} rollout restart deployment/rasa-pro`. Until then "
                "its pods run but are not ready (/status answers 409); `pulumi up` does not wait for them.")

    # Warned now, not inside an apply: a real preview does not know a created bucket's name yet.
    bucket = c.model_storage.bucket
    key = object_key(c.model_storage.model_key)
    # Azure names its container output modelContainer; S3 and GCS their bucket modelBucket.
    output = "modelContainer" if c.model_storage.provider == "azure" else "modelBucket"
    pulumi.warn(waiting(f"{scheme}://{bucket if isinstance(bucket, str) else f'<stack output {output}>'}/{key}"))
    return location.apply(waiting)


def workload_args(
    settings: StackSettings,
    connections: PlatformConnections,
    rendered: pulumi.Output[RenderedEndpoints],
    budget: ConnectionBudget,
    services: CloudServices,
    provider: Optional[k8s.Provider] = None,
) -> RasaWorkloadArgs:
    """The stack's settings as the workload's explicit inputs: the workload never reads settings."""
    rasa, c = settings.rasa, connections
    # Pulumi waits for Rasa's readiness only when a model is known to be in storage.
    await_ready = services.model_object is not None or (rasa.verify.enabled and rasa.verify.require_model)
    return RasaWorkloadArgs(
        stack=settings.stack,
        environment=settings.environment,
        namespace=rasa.namespace,
        image=rasa.image,
        tag=rasa.tag,
        replicas=rasa.replicas,
        resources=ContainerResources(
            cpu_request=rasa.resources.cpu_request,
            memory_request=rasa.resources.memory_request,
            cpu_limit=rasa.resources.cpu_limit,
            memory_limit=rasa.resources.memory_limit,
        ),
        autoscaling=_autoscaling(rasa.autoscaling),
        pod_disruption_budget=rasa.pod_disruption_budget,
        strict_zone_spread=settings.is_prod,
        ingress=_public_ingress(rasa.ingress, rasa.credentials, services.ingress_controller),
        action_server=_action_server(rasa.action_server),
        nlg_url=rasa.nlg_url,
        ingress_from_namespaces=tuple(rasa.ingress_from_namespaces),
        service_account_annotations=dict(rasa.service_account_annotations),
        identity=c.identity,
        backing_services=(
            c.tracker_store.network, c.lock_store.network, c.event_queue.network, c.model_storage.network, c.vault.network,
            *c.identity.network,
        ),
        rendered=rendered,
        secret_values={**_secret_values(settings, c), **_action_server_secret_values(settings)},
        auth_token=existing.secret(settings.rasa.auth_token),
        budget=budget,
        service_origins=_origins(c),
        provider=provider or kubernetes_provider(settings, services),
        verify=VerifyChecks(require_model=rasa.verify.require_model, timeout_seconds=rasa.verify.timeout_seconds)
        if rasa.verify.enabled else None,
        depends_on=list(services.workload_depends_on),
        placement=_placement(rasa),
        channels=rasa.credentials,
        egress=_egress(rasa.egress),
        model_object=services.model_object,
        await_ready=await_ready,
    )


def _placement(s: PodSchedulingSettings) -> PodPlacement:
    return PodPlacement(
        node_selector=dict(s.node_selector),
        tolerations=tuple(t.model_dump(by_alias=True, exclude_none=True) for t in s.tolerations),
        affinity=s.affinity,
        image_pull_secrets=tuple(s.image_pull_secrets),
    )


def _egress(rules: tuple[EgressRule, ...]) -> tuple[EgressTarget, ...]:
    return tuple(EgressTarget(r.cidr, r.port, r.protocol) for r in rules)


def _autoscaling(a: AutoscalingSettings) -> Optional[Autoscaling]:
    if not a.enabled:
        return None
    return Autoscaling(min_replicas=a.min_replicas, max_replicas=a.max_replicas, target_cpu_percent=a.target_cpu_percent)


def _public_ingress(i: IngressSettings, channels, installed: Optional[IngressController]) -> Optional[PublicIngress]:
    if not i.enabled:
        return None
    # infra/settings checked the names: declared present on an existing cluster, or installed by the cloud.
    class_name = i.class_name or (installed.class_name if installed else None)
    issuer = i.cluster_issuer or (installed.cluster_issuer if installed else None)
    namespace = i.controller_namespace or (installed.controller_namespace if installed else None)
    assert i.host and class_name and issuer and namespace
    return PublicIngress(
        host=i.host, class_name=class_name, cluster_issuer=issuer, controller_namespace=namespace,
        paths=public_paths(channels, i.paths), wait_for=installed.ready if installed else (),
        annotations=dict(installed.annotations) if installed else {},
    )


def _action_server(a: ActionServerSettings) -> Optional[ActionServerSpec]:
    if not a.enabled:
        return None
    # infra/settings requires image and tag when the action server is enabled.
    r, scaling = a.resources, a.autoscaling
    return ActionServerSpec(
        image=a.image, tag=a.tag, replicas=a.replicas, port=a.port,
        resources=ContainerResources(r.cpu_request, r.memory_request, r.cpu_limit, r.memory_limit),
        env=dict(a.env),
        secret_env={name: ACTIONS_ENV_SECRET.format(name) for name in a.secret_env},
        autoscaling=Autoscaling(scaling.min_replicas, scaling.max_replicas, scaling.target_cpu_percent)
        if scaling.enabled else None,
        pod_disruption_budget=a.pod_disruption_budget,
        egress=_egress(a.egress),
        placement=_placement(a),
        service_account_annotations=dict(a.service_account_annotations),
        command=tuple(a.command),
    )


def _secret_values(settings: StackSettings, c: PlatformConnections) -> dict[str, pulumi.Input[str]]:
    """Every credential the pod may need, by logical name (the API token is the workload's own)."""
    values: dict[str, Optional[pulumi.Input[str]]] = {
        SECRET_LICENSE: existing.secret(settings.rasa.license),
        SECRET_LOCK_STORE_PASSWORD: c.lock_store.password,
        SECRET_KAFKA_PASSWORD: c.event_queue.password,
        SECRET_STORAGE_KEY: c.model_storage.account_key,
        # The stack's own (LLM keys, channel tokens): the same path.
        **{RASA_ENV_SECRET.format(k): existing.secret(v) for k, v in settings.rasa.secret_env.items()},
    }
    return {k: pulumi.Output.secret(v) for k, v in values.items() if v is not None}


def _action_server_secret_values(settings: StackSettings) -> dict[str, pulumi.Input[str]]:
    """The action server's secretEnv by logical name: a secret of its own in Vault, not Rasa's."""
    a = settings.rasa.action_server
    if not a.enabled:
        return {}
    return {ACTIONS_ENV_SECRET.format(k): pulumi.Output.secret(existing.secret(v)) for k, v in a.secret_env.items()}


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
    pulumi.export("rasaModel", platform.model_status)
    pulumi.export("endpointsYml", platform.rendered.apply(lambda r: r.endpoints_yml))
    pulumi.export("connectionBudget", json.loads(_budget_json(platform.budget)))
    # Rasa Pro Services' database beside the five services (shared: on the tracker store's server).
    analytics = {"analytics_database": s.analytics.database.mode} if s.analytics.enabled else {}
    pulumi.export("serviceOrigins", {**_origins(platform.connections), **analytics})
    pulumi.export("vaultSecret", f"{s.vault.mount_point}/{s.vault.secrets_path} (written by the bootstrap Job)")
    pulumi.export("vaultAddress", platform.connections.vault.address)
    for key, value in platform.cloud_outputs.items():
        pulumi.export(key, value)
    export_analytics(s, platform.analytics, platform.analytics_bootstrap)


def _budget_json(b: ConnectionBudget) -> str:
    return json.dumps(
        {"maxConnections": b.max_connections, "maxProcesses": b.max_processes, "poolSize": b.pool_size,
         "maxOverflow": b.max_overflow, "total": b.total, "ceiling": b.ceiling, "reservedForAnalytics": b.reserved}
    )


def program() -> None:
    """The Pulumi program: settings → platform → exports. Used by `pulumi up` and the offline preview."""
    export(deploy(load_stack_from_pulumi()))
