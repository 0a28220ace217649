"""The optional Rasa action server: a Deployment, a Service and a NetworkPolicy that admits Rasa only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.rasa import labels as rasa_labels
from components.rasa.hardening import container_security_context, pod_security_context
from components.settings.sections import ActionServerSettings

meta = k8s.meta.v1
core = k8s.core.v1

ACTION_SERVER_USER_ID = 1001


@dataclass
class ActionServerArgs:
    settings: ActionServerSettings
    namespace: str
    stack: str
    environment: str


class ActionServer(pulumi.ComponentResource):
    def __init__(self, name: str, args: ActionServerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:rasa:ActionServer", name, None, opts)
        s = args.settings
        labels = rasa_labels.action_server(args.stack, args.environment)
        self.selector = rasa_labels.selector(args.stack, "action-server")
        child = pulumi.ResourceOptions(parent=self)

        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta.ObjectMetaArgs(name="rasa-action-server", namespace=args.namespace, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=s.replicas,
                selector=meta.LabelSelectorArgs(match_labels=self.selector),
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=labels),
                    spec=core.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=pod_security_context(ACTION_SERVER_USER_ID, fs_group=False),
                        containers=[
                            core.ContainerArgs(
                                name="action-server",
                                image=f"{s.image}:{s.tag}",
                                ports=[core.ContainerPortArgs(name="http", container_port=s.port, protocol="TCP")],
                                resources=core.ResourceRequirementsArgs(
                                    requests={"cpu": "250m", "memory": "512Mi"},
                                    limits={"cpu": "1", "memory": "1Gi"},
                                ),
                                liveness_probe=core.ProbeArgs(
                                    http_get=core.HTTPGetActionArgs(path="/health", port="http"), period_seconds=15
                                ),
                                readiness_probe=core.ProbeArgs(
                                    http_get=core.HTTPGetActionArgs(path="/health", port="http"), period_seconds=10
                                ),
                                security_context=container_security_context(),
                                volume_mounts=[core.VolumeMountArgs(name="tmp", mount_path="/tmp")],
                            )
                        ],
                        volumes=[core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="512Mi"))],
                    ),
                ),
            ),
            opts=child,
        )
        self.service = core.Service(
            f"{name}-service",
            metadata=meta.ObjectMetaArgs(name="rasa-action-server", namespace=args.namespace, labels=labels),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=self.selector,
                ports=[core.ServicePortArgs(name="http", port=s.port, target_port="http", protocol="TCP")],
            ),
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=meta.ObjectMetaArgs(name="rasa-action-server", namespace=args.namespace, labels=labels),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=self.selector),
                # Only Rasa calls the action server; its own egress (your APIs) is yours to restrict.
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[
                            k8s.networking.v1.NetworkPolicyPeerArgs(
                                pod_selector=meta.LabelSelectorArgs(
                                    match_labels=rasa_labels.selector(args.stack, "server")
                                )
                            )
                        ],
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=s.port, protocol="TCP")],
                    )
                ],
            ),
            opts=child,
        )
        self.url = action_server_url(args.namespace, s.port)
        self.register_outputs({"url": self.url})


def action_server_url(namespace: str, port: int) -> str:
    """Known before anything is deployed, so endpoints.yml can name it."""
    return f"http://rasa-action-server.{namespace}.svc.cluster.local:{port}/webhook"
