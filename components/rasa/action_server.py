"""The optional Rasa action server: a Deployment, a Service and a NetworkPolicy that admits Rasa only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.rasa import labels as rasa_labels
from components.rasa.pod import ROLLING_SURGE, ContainerResources
from components.rasa.hardening import container_security_context, pod_security_context

meta = k8s.meta.v1
core = k8s.core.v1
networking = k8s.networking.v1

ACTION_SERVER_USER_ID = 1001
NAME = "rasa-action-server"


@dataclass(frozen=True)
class ActionServerSpec:
    """The action server a stack asks for."""

    image: str
    tag: str
    replicas: int
    port: int
    resources: ContainerResources


@dataclass(frozen=True)
class ActionServerArgs:
    server: ActionServerSpec
    namespace: str
    stack: str
    environment: str  # labels only


class ActionServer(pulumi.ComponentResource):
    def __init__(self, name: str, args: ActionServerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:rasa:ActionServer", name, None, opts)
        self.args = args
        self.labels = rasa_labels.action_server(args.stack, args.environment)
        self.selector = rasa_labels.selector(args.stack, "action-server")
        self.deployment = self._deployment(name)
        self.service = self._service(name)
        self._network_policy(name)
        self.url = action_server_url(args.namespace, args.server.port)
        self.register_outputs({"url": self.url})

    def _metadata(self) -> meta.ObjectMetaArgs:
        return meta.ObjectMetaArgs(name=NAME, namespace=self.args.namespace, labels=self.labels)

    def _deployment(self, name: str) -> k8s.apps.v1.Deployment:
        return k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=self.args.server.replicas,
                selector=meta.LabelSelectorArgs(match_labels=self.selector),
                # One extra pod at a time, never one less: what the capacity check counts.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=ROLLING_SURGE, max_unavailable=0),
                ),
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=self.labels),
                    spec=core.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=pod_security_context(ACTION_SERVER_USER_ID, fs_group=False),
                        containers=[_container(self.args.server)],
                        volumes=[core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="512Mi"))],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
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
                # Only Rasa calls the action server; its own egress (your APIs) is yours to restrict.
                policy_types=["Ingress"],
                ingress=[
                    networking.NetworkPolicyIngressRuleArgs(
                        from_=[networking.NetworkPolicyPeerArgs(pod_selector=rasa_pods)],
                        ports=[networking.NetworkPolicyPortArgs(port=self.args.server.port, protocol="TCP")],
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _container(server: ActionServerSpec) -> core.ContainerArgs:
    health = core.HTTPGetActionArgs(path="/health", port="http")
    return core.ContainerArgs(
        name="action-server",
        image=f"{server.image}:{server.tag}",
        ports=[core.ContainerPortArgs(name="http", container_port=server.port, protocol="TCP")],
        resources=core.ResourceRequirementsArgs(
            requests={"cpu": server.resources.cpu_request, "memory": server.resources.memory_request},
            limits={"cpu": server.resources.cpu_limit, "memory": server.resources.memory_limit},
        ),
        liveness_probe=core.ProbeArgs(http_get=health, period_seconds=15),
        readiness_probe=core.ProbeArgs(http_get=health, period_seconds=10),
        security_context=container_security_context(),
        volume_mounts=[core.VolumeMountArgs(name="tmp", mount_path="/tmp")],
    )


def action_server_url(namespace: str, port: int) -> str:
    """Known before anything is deployed, so endpoints.yml can name it."""
    return f"http://rasa-action-server.{namespace}.svc.cluster.local:{port}/webhook"
