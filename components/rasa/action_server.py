"""The optional Rasa action server, fit for production: its own service account (a workload
identity optional), a hardened Deployment spread over zones, a Service, an HPA and a PDB when
asked for, and a NetworkPolicy that admits Rasa only and lets it reach DNS, Vault (with Vault
delivery) and its own `egress` list only.

Credentials never appear as a literal value. With `vault_delivery` they come from Vault the way
Rasa's do (components/rasa/vault_delivery.py), but under the action server's own Kubernetes auth
role, whose policy reads only the action server's own secret: the Agent renders its `secretEnv`
into `/vault/secrets/rasa-env` and the container's `command` (the image's entrypoint, which the
wrapper must name to exec it) starts after that file is sourced. It gets no Vault token: it never
talks to Vault itself. Without Vault delivery: `secretKeyRef` into the credentials Secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.contracts import NetworkAccess
from components.rasa import labels as rasa_labels
from components.rasa import vault_delivery
from components.rasa.endpoints import CA_DIR
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.network_policy import EgressTarget, egress_rules
from components.rasa.placement import PodPlacement, image_reference, pod_spec_fields
from components.rasa.pod import ROLLING_SURGE, ContainerResources, secret_env_entries
from components.rasa.scaling import Autoscaling, autoscaler, disruption_budget, zone_spread
from components.rasa.vault_delivery import VaultDelivery

meta = k8s.meta.v1
core = k8s.core.v1
networking = k8s.networking.v1

ACTION_SERVER_USER_ID = 1001
NAME = "rasa-action-server"  # the Deployment, Service, service account, HPA, PDB and policy
SERVICE_ACCOUNT = NAME  # bound to its own Vault role with Vault delivery
# rasa/rasa-sdk's Dockerfile: WORKDIR /app, ENTRYPOINT ["./entrypoint.sh"], CMD ["start", "--actions", "actions"].
DEFAULT_COMMAND = ("./entrypoint.sh", "start", "--actions", "actions")


@dataclass(frozen=True)
class ActionServerSpec:
    """The action server a stack asks for."""

    image: str  # may pin a digest (repo@sha256:...)
    tag: str
    replicas: int  # the autoscaler's start value when it is on
    port: int
    resources: ContainerResources
    env: Mapping[str, str] = field(default_factory=dict)  # plain values
    secret_env: Mapping[str, str] = field(default_factory=dict)  # variable → key of the credentials Secret
    autoscaling: Optional[Autoscaling] = None
    pod_disruption_budget: bool = False
    egress: tuple[EgressTarget, ...] = ()  # where it may connect besides DNS
    placement: PodPlacement = PodPlacement()
    service_account_annotations: Mapping[str, str] = field(default_factory=dict)
    # The image's entrypoint and arguments: with Vault delivery the wrapper execs it.
    command: tuple[str, ...] = DEFAULT_COMMAND


@dataclass(frozen=True)
class ActionServerArgs:
    server: ActionServerSpec
    namespace: str
    stack: str
    environment: str  # labels only
    strict_zone_spread: bool  # prod: pods wait for a free zone rather than share one
    credentials_secret: str  # the Secret `secret_env` names keys of (without Vault delivery)
    # Its secretEnv from Vault under its own role (then no Secret is referenced).
    vault_delivery: Optional[VaultDelivery] = None
    vault_network: Optional[NetworkAccess] = None  # where its Agent reaches Vault
    ca_config_map: Optional[str] = None  # Rasa's CA ConfigMap (Vault's CA for the Agent), mounted at CA_DIR


class ActionServer(pulumi.ComponentResource):
    def __init__(self, name: str, args: ActionServerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:rasa:ActionServer", name, None, opts)
        self.args = args
        self.labels = rasa_labels.action_server(args.stack, args.environment)
        self.selector = rasa_labels.selector(args.stack, "action-server")
        child = pulumi.ResourceOptions(parent=self)
        self.service_account = core.ServiceAccount(
            f"{name}-service-account",
            metadata=self._metadata(annotations=dict(args.server.service_account_annotations) or None),
            automount_service_account_token=False,  # it never calls the Kubernetes API
            opts=child,
        )
        self.deployment = self._deployment(name)
        self.service = self._service(name)
        self.network_policy = self._network_policy(name)
        scaling = args.server.autoscaling
        self.autoscaler = autoscaler(f"{name}-autoscaler", self._metadata(), NAME, scaling,
                                     pulumi.ResourceOptions(parent=self, depends_on=[self.deployment])) if scaling else None
        self.disruption_budget = disruption_budget(f"{name}-disruption-budget", self._metadata(), self.selector, child) \
            if args.server.pod_disruption_budget else None
        self.url = action_server_url(args.namespace, args.server.port)
        self.register_outputs({"url": self.url})

    def _metadata(self, **extra) -> meta.ObjectMetaArgs:
        return meta.ObjectMetaArgs(name=NAME, namespace=self.args.namespace, labels=self.labels, **extra)

    def _deployment(self, name: str) -> k8s.apps.v1.Deployment:
        server = self.args.server
        return k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # With an HPA the autoscaler owns the count; a fixed value would be reset by every `pulumi up`.
                replicas=None if server.autoscaling else server.replicas,
                selector=meta.LabelSelectorArgs(match_labels=self.selector),
                # One extra pod at a time, never one less: what the capacity check counts.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=ROLLING_SURGE, max_unavailable=0),
                ),
                revision_history_limit=5,
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=self.labels, annotations=self._annotations()),
                    spec=core.PodSpecArgs(
                        service_account_name=SERVICE_ACCOUNT,
                        automount_service_account_token=False,
                        security_context=pod_security_context(ACTION_SERVER_USER_ID, fs_group=False),
                        topology_spread_constraints=zone_spread(self.selector, self.args.strict_zone_spread),
                        containers=[_container(server, self.args)],
                        volumes=self._volumes(),
                        **pod_spec_fields(server.placement),
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service_account]),
        )

    def _annotations(self) -> Optional[pulumi.Input[Mapping[str, str]]]:
        delivery = self.args.vault_delivery
        if delivery is None:
            return None
        # Its own role and secret; rolled like Rasa's when the bootstrap wrote new values.
        return pulumi.Output.from_input(delivery.revision).apply(lambda revision: {
            **vault_delivery.pod_annotations(delivery, self.args.server.secret_env, "action-server", token=False),
            vault_delivery.REVISION_ANNOTATION: revision,
        })

    def _volumes(self) -> list[core.VolumeArgs]:
        volumes = [core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="512Mi"))]
        if self.args.vault_delivery is not None:
            volumes.append(vault_delivery.token_volume())
            if self.args.ca_config_map:
                volumes.append(core.VolumeArgs(name="ca-certificates",
                                               config_map=core.ConfigMapVolumeSourceArgs(name=self.args.ca_config_map)))
        return volumes

    def _service(self, name: str) -> core.Service:
        port = self.args.server.port
        return core.Service(
            f"{name}-service",
            metadata=self._metadata(),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=self.selector,
                ports=[core.ServicePortArgs(name="http", port=port, target_port="http", protocol="TCP")],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _network_policy(self, name: str) -> networking.NetworkPolicy:
        rasa_pods = meta.LabelSelectorArgs(match_labels=rasa_labels.selector(self.args.stack, "server"))
        return networking.NetworkPolicy(
            f"{name}-network-policy",
            metadata=self._metadata(),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=self.selector),
                policy_types=["Ingress", "Egress"],
                # Only Rasa calls the action server.
                ingress=[
                    networking.NetworkPolicyIngressRuleArgs(
                        from_=[networking.NetworkPolicyPeerArgs(pod_selector=rasa_pods)],
                        ports=[networking.NetworkPolicyPortArgs(port=self.args.server.port, protocol="TCP")],
                    )
                ],
                # DNS, Vault for its Agent (with Vault delivery), and exactly the destinations the
                # stack lists (your APIs).
                egress=egress_rules([self.args.vault_network] if self.args.vault_network else [], None, None,
                                    self.args.server.egress),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _container(server: ActionServerSpec, args: ActionServerArgs) -> core.ContainerArgs:
    health = core.HTTPGetActionArgs(path="/health", port="http")
    delivery = args.vault_delivery
    env = [{"name": k, "value": v} for k, v in sorted(server.env.items())]
    if delivery is None:
        env += secret_env_entries(server.secret_env, args.credentials_secret)
    mounts = [core.VolumeMountArgs(name="tmp", mount_path="/tmp")]
    if delivery is not None and args.ca_config_map:
        # The Agent copies this container's mounts: it finds Vault's CA here.
        mounts.append(core.VolumeMountArgs(name="ca-certificates", mount_path=CA_DIR, read_only=True))
    return core.ContainerArgs(
        name="action-server",
        image=image_reference(server.image, server.tag),
        image_pull_policy="IfNotPresent",
        # With Vault: the image's entrypoint, exec'd after the Agent's rendered environment is sourced.
        command=vault_delivery.wrap_command(server.command, token=False) if delivery else None,
        ports=[core.ContainerPortArgs(name="http", container_port=server.port, protocol="TCP")],
        env=env or None,
        resources=core.ResourceRequirementsArgs(
            requests={"cpu": server.resources.cpu_request, "memory": server.resources.memory_request},
            limits={"cpu": server.resources.cpu_limit, "memory": server.resources.memory_limit},
        ),
        liveness_probe=core.ProbeArgs(http_get=health, period_seconds=15, timeout_seconds=5, failure_threshold=4),
        readiness_probe=core.ProbeArgs(http_get=health, period_seconds=10, timeout_seconds=5),
        security_context=container_security_context(),
        volume_mounts=mounts,
    )


def action_server_url(namespace: str, port: int) -> str:
    """Known before anything is deployed, so endpoints.yml can name it."""
    return f"http://rasa-action-server.{namespace}.svc.cluster.local:{port}/webhook"
