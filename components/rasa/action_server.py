"""The optional Rasa action server, fit for production: its own service account (a workload
identity optional), a hardened Deployment spread over zones, a Service, an HPA and a PDB when
asked for, and a NetworkPolicy that admits Rasa only and lets it reach DNS and its own `egress`
list only. Credentials reach it exactly as they reach Rasa: `secretKeyRef` into the credentials
Secret, never a literal value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.rasa import labels as rasa_labels
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.network_policy import EgressTarget, dns_rule, listed_rules
from components.rasa.placement import PodPlacement, image_reference, pod_spec_fields
from components.rasa.pod import ROLLING_SURGE, ContainerResources, secret_env_entries
from components.rasa.scaling import Autoscaling, autoscaler, disruption_budget, zone_spread

meta = k8s.meta.v1
core = k8s.core.v1
networking = k8s.networking.v1

ACTION_SERVER_USER_ID = 1001
NAME = "rasa-action-server"  # the Deployment, Service, service account, HPA, PDB and policy


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


@dataclass(frozen=True)
class ActionServerArgs:
    server: ActionServerSpec
    namespace: str
    stack: str
    environment: str  # labels only
    strict_zone_spread: bool  # prod: pods wait for a free zone rather than share one
    credentials_secret: str  # the Secret `secret_env` names keys of


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
                    metadata=meta.ObjectMetaArgs(labels=self.labels),
                    spec=core.PodSpecArgs(
                        service_account_name=NAME,
                        automount_service_account_token=False,
                        security_context=pod_security_context(ACTION_SERVER_USER_ID, fs_group=False),
                        topology_spread_constraints=zone_spread(self.selector, self.args.strict_zone_spread),
                        containers=[_container(server, self.args.credentials_secret)],
                        volumes=[core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="512Mi"))],
                        **pod_spec_fields(server.placement),
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service_account]),
        )

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
                # DNS, and exactly the destinations the stack lists (your APIs).
                egress=[dns_rule(), *listed_rules(self.args.server.egress)],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _container(server: ActionServerSpec, credentials_secret: str) -> core.ContainerArgs:
    health = core.HTTPGetActionArgs(path="/health", port="http")
    env = [{"name": k, "value": v} for k, v in sorted(server.env.items())]
    env += secret_env_entries(server.secret_env, credentials_secret)
    return core.ContainerArgs(
        name="action-server",
        image=image_reference(server.image, server.tag),
        image_pull_policy="IfNotPresent",
        ports=[core.ContainerPortArgs(name="http", container_port=server.port, protocol="TCP")],
        env=env or None,
        resources=core.ResourceRequirementsArgs(
            requests={"cpu": server.resources.cpu_request, "memory": server.resources.memory_request},
            limits={"cpu": server.resources.cpu_limit, "memory": server.resources.memory_limit},
        ),
        liveness_probe=core.ProbeArgs(http_get=health, period_seconds=15, timeout_seconds=5, failure_threshold=4),
        readiness_probe=core.ProbeArgs(http_get=health, period_seconds=10, timeout_seconds=5),
        security_context=container_security_context(),
        volume_mounts=[core.VolumeMountArgs(name="tmp", mount_path="/tmp")],
    )


def action_server_url(namespace: str, port: int) -> str:
    """Known before anything is deployed, so endpoints.yml can name it."""
    return f"http://rasa-action-server.{namespace}.svc.cluster.local:{port}/webhook"
