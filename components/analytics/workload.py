"""Rasa Pro Services on Kubernetes: consumes the event queue's topic into its own database.

In the Rasa namespace (restricted pod security): its service account (no API token), a CA
ConfigMap (public certificates only), the Deployment (probed on /healthcheck:8732 as Rasa's chart
does), a PodDisruptionBudget and a NetworkPolicy that admits no one and lets it reach only Kafka,
its database, Vault and DNS.

No credential reaches a Kubernetes object. The license, the consumer's SASL password and the
database URL are keys of its own Vault secret (written by the Vault bootstrap, which also creates
its database and roles): the Vault Agent injector logs in as its service account under its own
role and renders them into `/vault/secrets/rasa-env`, and the container's command (the image's
entrypoint, `analytics.command`) is exec'd after that file is sourced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.analytics.credentials import DatabaseTarget
from components.analytics.environment import (
    CA_DIR, HEALTH_PATH, HEALTH_PORT, AnalyticsDatabase, AnalyticsEnvironment, AnalyticsOptions, render_environment,
)
from components.contracts import KafkaConnection, NetworkAccess, redact, resolve
from components.rasa import labels as rasa_labels
from components.rasa import vault_delivery
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.network_policy import egress_rules
from components.rasa.placement import PodPlacement, pod_spec_fields
from components.rasa.pod import ROLLING_SURGE, ContainerResources
from components.rasa.scaling import disruption_budget, zone_spread  # the same as Rasa's pods
from components.rasa.vault_delivery import VaultDelivery

meta = k8s.meta.v1
core = k8s.core.v1
apps = k8s.apps.v1
networking = k8s.networking.v1

NAME = "rasa-pro-services"
COMPONENT = "analytics"
CONTAINER = "rasa-pro-services"
SERVICE_ACCOUNT = "rasa-pro-services"  # bound to its own Vault role
CA_CONFIG_MAP = "rasa-analytics-ca-certificates"
VAULT_CA_FILE = f"{CA_DIR}/vault-ca.pem"  # the Agent copies the container's mounts: it finds it here
USER_ID = 1001  # not root; the image's own user is unknown here (README: what only a cluster shows)

__all__ = ["AnalyticsWorkload", "AnalyticsWorkloadArgs", "DatabaseTarget"]


@dataclass(frozen=True)
class AnalyticsWorkloadArgs:
    """Every value the workload reads; infra/analytics.py maps the stack's settings onto it."""

    stack: str
    environment: str  # labels only
    namespace: str
    image: str  # repository:tag or repository@sha256:...
    command: Sequence[str]  # the image's ENTRYPOINT + CMD, exec'd by the Vault wrapper
    replicas: int
    resources: ContainerResources
    pod_disruption_budget: bool
    strict_zone_spread: bool  # prod: pods wait for a free zone rather than share one
    consumer_group: str
    consumer_count: int
    dead_letter_topic: str
    log_level: str
    event_queue: KafkaConnection  # the consumer's own credentials, never Rasa's producer
    database: DatabaseTarget
    vault_delivery: VaultDelivery  # its credentials, under its own Vault role and secret
    vault: NetworkAccess  # where its Agent reaches Vault
    vault_ca_cert_pem: Optional[pulumi.Input[str]] = None  # Vault's private CA (None: a public one)
    placement: PodPlacement = PodPlacement()  # Rasa's nodes and pull secrets (components/rasa/placement.py)
    region: Optional[str] = None
    provider: Optional[k8s.Provider] = None
    depends_on: Sequence[pulumi.Resource] = ()  # the bootstrap Job among them: its values are in Vault first


class AnalyticsWorkload(pulumi.ComponentResource):
    def __init__(self, name: str, args: AnalyticsWorkloadArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:analytics:Workload", name, None, opts)
        self.args = args
        self.labels = {**rasa_labels.common(args.stack, args.environment), **selector(args.stack)}
        self.selector = selector(args.stack)
        self.rendered = self._render()

        self.service_account = core.ServiceAccount(
            f"{name}-service-account", metadata=self._metadata(SERVICE_ACCOUNT),
            # Its pod projects a token for the Agent only; the container itself never calls the API.
            automount_service_account_token=False,
            opts=self._options(*args.depends_on),
        )
        self.ca_certificates = core.ConfigMap(
            f"{name}-ca-certificates", metadata=self._metadata(CA_CONFIG_MAP),
            data=pulumi.Output.all(self.rendered, args.vault_ca_cert_pem).apply(
                lambda parts: {**parts[0].ca_files, **({"vault-ca.pem": parts[1]} if parts[1] else {})}),
            opts=self._options(*args.depends_on),
        )
        self.deployment = self._deployment(name)
        self.disruption_budget = self._disruption_budget(name)
        self.network_policy = self._network_policy(name)
        self.register_outputs({"databaseHost": args.database.host, "databaseName": args.database.name})

    # -- helpers ------------------------------------------------------------------------------

    def _options(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self.args.provider, depends_on=list(depends_on) or None)

    def _metadata(self, name: str = NAME, **extra) -> meta.ObjectMetaArgs:
        return meta.ObjectMetaArgs(name=name, namespace=self.args.namespace, labels=self.labels, **extra)

    def _render(self) -> pulumi.Output[AnalyticsEnvironment]:
        a = self.args
        options = AnalyticsOptions(a.consumer_group, a.consumer_count, a.dead_letter_topic, a.log_level, a.region)
        # The renderer sees credentials only as "present": its output holds no secret.
        return pulumi.Output.all(resolve(redact(a.event_queue)), a.database.host, a.database.ca_cert_pem).apply(
            lambda parts: render_environment(parts[0], _database(a.database, parts[1], parts[2]), options))

    # -- resources ----------------------------------------------------------------------------

    def _pod_annotations(self) -> pulumi.Output[dict[str, str]]:
        delivery = self.args.vault_delivery
        # Its own role and secret, no Vault token (it never talks to Vault itself); rolled when the
        # bootstrap wrote new values.
        return pulumi.Output.all(self.rendered, delivery.revision).apply(lambda parts: {
            **vault_delivery.pod_annotations(delivery, parts[0].secret_env, CONTAINER, token=False),
            vault_delivery.REVISION_ANNOTATION: parts[1],
        })

    def _deployment(self, name: str) -> apps.Deployment:
        a = self.args
        # The bootstrap Job among args.depends_on: its values are in Vault before a pod starts.
        waits = [self.service_account, self.ca_certificates, *a.depends_on]
        return apps.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(),
            spec=apps.DeploymentSpecArgs(
                replicas=a.replicas,
                selector=meta.LabelSelectorArgs(match_labels=self.selector),
                strategy=apps.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    # The surge pod is counted in the connection budget and the capacity check.
                    rolling_update=apps.RollingUpdateDeploymentArgs(max_surge=ROLLING_SURGE, max_unavailable=0),
                ),
                revision_history_limit=5,
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=self.labels, annotations=self._pod_annotations()),
                    spec=core.PodSpecArgs(
                        service_account_name=SERVICE_ACCOUNT,
                        automount_service_account_token=False,
                        termination_grace_period_seconds=60,  # consumers commit their offsets on the way out
                        security_context=pod_security_context(USER_ID),
                        topology_spread_constraints=zone_spread(self.selector, a.strict_zone_spread),
                        **pod_spec_fields(a.placement),
                        containers=[self._container()],
                        volumes=[
                            core.VolumeArgs(name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(name=CA_CONFIG_MAP)),
                            core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="1Gi")),
                            vault_delivery.token_volume(),  # the Agent's login; the container does not mount it
                        ],
                    ),
                ),
            ),
            opts=self._options(*waits),
        )

    def _container(self) -> core.ContainerArgs:
        r = self.args.resources
        health = core.HTTPGetActionArgs(path=HEALTH_PATH, port="health")
        return core.ContainerArgs(
            name=CONTAINER,
            image=self.args.image,
            image_pull_policy="IfNotPresent",
            # The image's entrypoint, exec'd (PID 1) after the Agent's rendered environment is sourced.
            command=vault_delivery.wrap_command(self.args.command, token=False),
            ports=[core.ContainerPortArgs(name="health", container_port=HEALTH_PORT, protocol="TCP")],
            env=self.rendered.apply(container_env),
            resources=core.ResourceRequirementsArgs(
                requests={"cpu": r.cpu_request, "memory": r.memory_request},
                limits={"cpu": r.cpu_limit, "memory": r.memory_limit},
            ),
            # Migrations run before it serves: the startup probe gives them up to 10 minutes.
            startup_probe=core.ProbeArgs(http_get=health, period_seconds=10, failure_threshold=60),
            liveness_probe=core.ProbeArgs(http_get=health, period_seconds=15, timeout_seconds=5, failure_threshold=6),
            readiness_probe=core.ProbeArgs(http_get=health, period_seconds=15, timeout_seconds=5, failure_threshold=6),
            security_context=container_security_context(),
            volume_mounts=[
                core.VolumeMountArgs(name="ca-certificates", mount_path=CA_DIR, read_only=True),
                core.VolumeMountArgs(name="tmp", mount_path="/tmp"),
            ],
        )

    def _disruption_budget(self, name: str) -> Optional[k8s.policy.v1.PodDisruptionBudget]:
        if not self.args.pod_disruption_budget:
            return None
        return disruption_budget(f"{name}-disruption-budget", self._metadata(), self.selector, self._options(*self.args.depends_on))

    def _network_policy(self, name: str) -> networking.NetworkPolicy:
        a = self.args
        return networking.NetworkPolicy(
            f"{name}-network-policy",
            metadata=self._metadata(),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=self.selector),
                policy_types=["Ingress", "Egress"],
                ingress=[],  # nobody calls it; the kubelet's probes are not subject to NetworkPolicy
                egress=egress_rules((a.event_queue.network, a.database.network, a.vault), None, None),
            ),
            opts=self._options(*a.depends_on),
        )


def selector(stack: str) -> dict[str, str]:
    """Immutable once deployed: the Deployment's selector."""
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": stack, "app.kubernetes.io/component": COMPONENT}


def container_env(rendered: AnalyticsEnvironment) -> list[dict]:
    """Plain values only: every credential comes from the file the Agent renders."""
    return [*({"name": k, "value": v} for k, v in rendered.env.items()), {"name": "HOME", "value": "/tmp"}]


def _database(target: DatabaseTarget, host: str, ca_cert_pem: Optional[str]) -> AnalyticsDatabase:
    return AnalyticsDatabase(host=host, port=target.port, name=target.name, username=target.username,
                             ssl_mode=target.ssl_mode, ca_cert_pem=ca_cert_pem)

