"""Rasa Pro on Kubernetes as typed pulumi_kubernetes resources.

Namespace, service account (with the cloud's workload identity), the credentials Secret, the
endpoints.yml ConfigMap, the Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget
(when the preset asks for them), a NetworkPolicy that lets Rasa reach only its backing services,
DNS and Vault, and optionally an Ingress with TLS and an action server.

Until Vault delivery is built, credentials Rasa takes from the environment reach the pod from a
Kubernetes Secret (env `valueFrom.secretKeyRef`): never from a literal env value or a ConfigMap.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.contracts import NetworkAccess, WorkloadIdentity
from components.rasa import labels as rasa_labels
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.budget import ConnectionBudget
from components.rasa.endpoints import CA_DIR, ENDPOINTS_DIR, RASA_PORT, RenderedEndpoints
from components.cloud import RASA_SERVICE_ACCOUNT
from components.rasa.action_server import ActionServer, ActionServerArgs, ActionServerSpec

meta = k8s.meta.v1
core = k8s.core.v1
apps = k8s.apps.v1

RASA_USER_ID = 1001  # the uid the rasa/rasa-pro image runs as
ROLLING_SURGE = 1  # extra pod during a rollout: part of the connection budget


@dataclass(frozen=True)
class ContainerResources:
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str


@dataclass(frozen=True)
class Autoscaling:
    min_replicas: int
    max_replicas: int  # the connection budget was planned with this
    target_cpu_percent: int


@dataclass(frozen=True)
class PublicIngress:
    host: str
    class_name: str
    cluster_issuer: str  # cert-manager issues the TLS certificate
    controller_namespace: str  # the controller's pods may reach Rasa


@dataclass(frozen=True)
class RasaWorkloadArgs:
    """Every value the workload reads, named; infra/platform.py maps the stack's settings onto it."""

    stack: str
    environment: str  # a label only: what differs per environment is named below
    namespace: str
    image: str
    tag: str
    replicas: int  # ignored when `autoscaling` owns the count
    resources: ContainerResources
    autoscaling: Optional[Autoscaling]  # None: a fixed replica count
    pod_disruption_budget: bool
    strict_zone_spread: bool  # pods wait for a free zone rather than share one
    ingress: Optional[PublicIngress]  # None: reachable inside the cluster only
    action_server: Optional[ActionServerSpec]
    nlg_url: Optional[str]  # Rasa may reach it
    ingress_from_namespaces: tuple[str, ...]  # besides its own and the ingress controller's
    service_account_annotations: Mapping[str, str]  # the stack's own; the identity's win
    identity: WorkloadIdentity
    backing_services: tuple[NetworkAccess, ...]  # where Rasa may connect, one egress rule each
    rendered: pulumi.Output[RenderedEndpoints]
    secret_values: Mapping[str, pulumi.Input[str]]  # logical secret name → secret value
    budget: ConnectionBudget  # planned once by infra/settings; only recorded here
    service_origins: Mapping[str, str]
    provider: Optional[k8s.Provider] = None
    depends_on: Sequence[pulumi.Resource] = ()


class RasaWorkload(pulumi.ComponentResource):
    def __init__(self, name: str, args: RasaWorkloadArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:rasa:Workload", name, None, opts)
        self.args = args
        ns = args.namespace
        labels = rasa_labels.common(args.stack, args.environment)
        server_labels = rasa_labels.server(args.stack, args.environment)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on) or None)

        self.namespace = core.Namespace(
            f"{name}-namespace",
            metadata=meta.ObjectMetaArgs(
                name=ns,
                labels={
                    **labels,
                    # Kubernetes' own admission enforces the restricted pod security profile.
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            ),
            opts=child,
        )
        in_ns = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.namespace])

        identity = args.identity
        self.service_account = core.ServiceAccount(
            f"{name}-service-account",
            metadata=meta.ObjectMetaArgs(
                name=RASA_SERVICE_ACCOUNT,
                namespace=ns,
                labels=server_labels,
                annotations=pulumi.Output.all(identity.service_account_annotations, args.service_account_annotations).apply(
                    lambda parts: {**(parts[1] or {}), **(parts[0] or {})}
                ),
            ),
            # Rasa never calls the Kubernetes API; cloud identity tokens are projected separately.
            automount_service_account_token=False,
            opts=in_ns,
        )

        needed_secrets = args.rendered.apply(lambda r: sorted(set(r.secret_env.values())))
        self.credentials = core.Secret(
            f"{name}-credentials",
            metadata=meta.ObjectMetaArgs(name="rasa-credentials", namespace=ns, labels=server_labels),
            type="Opaque",
            string_data=needed_secrets.apply(
                lambda keys: pulumi.Output.all(**{k: args.secret_values[k] for k in keys})
            ),
            opts=in_ns,
        )

        self.endpoints_config = core.ConfigMap(
            f"{name}-endpoints",
            metadata=meta.ObjectMetaArgs(
                name="rasa-endpoints",
                namespace=ns,
                labels=server_labels,
                annotations={rasa_labels.SERVICE_ORIGINS: json.dumps(dict(args.service_origins), sort_keys=True)},
            ),
            data=args.rendered.apply(lambda r: {"endpoints.yml": r.endpoints_yml}),
            opts=in_ns,
        )
        self.ca_certificates = core.ConfigMap(
            f"{name}-ca-certificates",
            metadata=meta.ObjectMetaArgs(name="rasa-ca-certificates", namespace=ns, labels=server_labels),
            data=args.rendered.apply(lambda r: dict(r.ca_files)),
            opts=in_ns,
        )

        self.action_server: Optional[ActionServer] = None
        if args.action_server is not None:
            self.action_server = ActionServer(
                f"{name}-actions",
                ActionServerArgs(server=args.action_server, namespace=ns, stack=args.stack, environment=args.environment),
                opts=in_ns,
            )

        pod_template = self._pod_template(args, server_labels)
        replicas_managed_by_hpa = args.autoscaling is not None
        self.deployment = apps.Deployment(
            f"{name}-deployment",
            metadata=meta.ObjectMetaArgs(
                name="rasa-pro",
                namespace=ns,
                labels=server_labels,
                annotations={rasa_labels.CONNECTION_BUDGET: _budget_annotation(args.budget)},
            ),
            spec=apps.DeploymentSpecArgs(
                # With an HPA the autoscaler owns the replica count; a fixed value would be reset
                # by every `pulumi up`.
                replicas=None if replicas_managed_by_hpa else args.replicas,
                selector=meta.LabelSelectorArgs(match_labels=rasa_labels.selector(args.stack, "server")),
                strategy=apps.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=apps.RollingUpdateDeploymentArgs(max_surge=ROLLING_SURGE, max_unavailable=0),
                ),
                revision_history_limit=5,
                template=pod_template,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=args.provider,
                depends_on=[self.service_account, self.credentials, self.endpoints_config, self.ca_certificates],
            ),
        )

        self.service = core.Service(
            f"{name}-service",
            metadata=meta.ObjectMetaArgs(name="rasa-pro", namespace=ns, labels=server_labels),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=rasa_labels.selector(args.stack, "server"),
                ports=[core.ServicePortArgs(name="http", port=RASA_PORT, target_port="http", protocol="TCP")],
            ),
            opts=in_ns,
        )

        if args.autoscaling is not None:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{name}-autoscaler",
                metadata=meta.ObjectMetaArgs(name="rasa-pro", namespace=ns, labels=server_labels),
                spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                    scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                        api_version="apps/v1", kind="Deployment", name="rasa-pro"
                    ),
                    min_replicas=args.autoscaling.min_replicas,
                    max_replicas=args.autoscaling.max_replicas,
                    metrics=[
                        k8s.autoscaling.v2.MetricSpecArgs(
                            type="Resource",
                            resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                                name="cpu",
                                target=k8s.autoscaling.v2.MetricTargetArgs(
                                    type="Utilization", average_utilization=args.autoscaling.target_cpu_percent
                                ),
                            ),
                        )
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.deployment]),
            )

        if args.pod_disruption_budget:
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-disruption-budget",
                metadata=meta.ObjectMetaArgs(name="rasa-pro", namespace=ns, labels=server_labels),
                spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                    max_unavailable=1,
                    selector=meta.LabelSelectorArgs(match_labels=rasa_labels.selector(args.stack, "server")),
                ),
                opts=in_ns,
            )

        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=meta.ObjectMetaArgs(name="rasa-pro", namespace=ns, labels=server_labels),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=rasa_labels.selector(args.stack, "server")),
                policy_types=["Ingress", "Egress"],
                ingress=[self._ingress_rule(args)],
                egress=self._egress_rules(args),
            ),
            opts=in_ns,
        )

        self.ingress = None
        if args.ingress is not None:
            self.ingress = k8s.networking.v1.Ingress(
                f"{name}-ingress",
                metadata=meta.ObjectMetaArgs(
                    name="rasa-pro",
                    namespace=ns,
                    labels=server_labels,
                    annotations={"cert-manager.io/cluster-issuer": args.ingress.cluster_issuer},
                ),
                spec=k8s.networking.v1.IngressSpecArgs(
                    ingress_class_name=args.ingress.class_name,
                    tls=[k8s.networking.v1.IngressTLSArgs(hosts=[args.ingress.host], secret_name="rasa-pro-tls")],
                    rules=[
                        k8s.networking.v1.IngressRuleArgs(
                            host=args.ingress.host,
                            http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                                paths=[
                                    k8s.networking.v1.HTTPIngressPathArgs(
                                        path="/",
                                        path_type="Prefix",
                                        backend=k8s.networking.v1.IngressBackendArgs(
                                            service=k8s.networking.v1.IngressServiceBackendArgs(
                                                name="rasa-pro",
                                                port=k8s.networking.v1.ServiceBackendPortArgs(number=RASA_PORT),
                                            )
                                        ),
                                    )
                                ]
                            ),
                        )
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.service]),
            )

        self.service_url = pulumi.Output.concat("http://rasa-pro.", ns, ".svc.cluster.local:", str(RASA_PORT))
        self.public_url = f"https://{args.ingress.host}" if args.ingress is not None else None
        self.register_outputs({"serviceUrl": self.service_url, "namespace": ns})

    # -- pod ----------------------------------------------------------------------------------

    def _pod_template(self, args: RasaWorkloadArgs, server_labels: dict[str, str]) -> core.PodTemplateSpecArgs:
        identity = args.identity
        env = pulumi.Output.all(args.rendered, identity.env).apply(lambda parts: _container_env(parts[0], parts[1] or {}))
        # A changed endpoints.yml must roll the pods: Kubernetes does not restart them for a ConfigMap.
        config_hash = args.rendered.apply(
            lambda r: hashlib.sha256((r.endpoints_yml + json.dumps(r.ca_files, sort_keys=True)).encode()).hexdigest()[:16]
        )
        return core.PodTemplateSpecArgs(
            metadata=meta.ObjectMetaArgs(
                labels={**server_labels, **identity.pod_labels},
                annotations={"rasa-platform.io/config-hash": config_hash},
            ),
            spec=core.PodSpecArgs(
                service_account_name=RASA_SERVICE_ACCOUNT,
                automount_service_account_token=False,
                termination_grace_period_seconds=60,
                security_context=pod_security_context(RASA_USER_ID),
                topology_spread_constraints=_zone_spread(rasa_labels.selector(args.stack, "server"), args.strict_zone_spread),
                containers=[
                    core.ContainerArgs(
                        name="rasa",
                        image=f"{args.image}:{args.tag}",
                        image_pull_policy="IfNotPresent",
                        args=args.rendered.apply(lambda r: list(r.args)),
                        ports=[core.ContainerPortArgs(name="http", container_port=RASA_PORT, protocol="TCP")],
                        env=env,
                        resources=core.ResourceRequirementsArgs(
                            requests={"cpu": args.resources.cpu_request, "memory": args.resources.memory_request},
                            limits={"cpu": args.resources.cpu_limit, "memory": args.resources.memory_limit},
                        ),
                        # Downloading and loading a model can take minutes: the startup probe
                        # holds liveness off until `/` answers.
                        startup_probe=core.ProbeArgs(
                            http_get=core.HTTPGetActionArgs(path="/", port="http"),
                            period_seconds=10,
                            failure_threshold=60,
                        ),
                        liveness_probe=core.ProbeArgs(
                            http_get=core.HTTPGetActionArgs(path="/", port="http"),
                            period_seconds=15,
                            timeout_seconds=5,
                            failure_threshold=4,
                        ),
                        # /status needs the API token; an exec probe reads it from the environment
                        # so it never appears in the pod spec. It fails (409) until a model is loaded.
                        readiness_probe=core.ProbeArgs(
                            exec_=core.ExecActionArgs(command=READINESS_COMMAND),
                            period_seconds=10,
                            timeout_seconds=5,
                            failure_threshold=3,
                        ),
                        security_context=container_security_context(),
                        volume_mounts=[
                            core.VolumeMountArgs(name="endpoints", mount_path=ENDPOINTS_DIR, read_only=True),
                            core.VolumeMountArgs(name="ca-certificates", mount_path=CA_DIR, read_only=True),
                            *(core.VolumeMountArgs(name=v, mount_path=path) for v, path in WRITABLE_DIRS.items()),
                        ],
                    )
                ],
                volumes=[
                    core.VolumeArgs(name="endpoints", config_map=core.ConfigMapVolumeSourceArgs(name="rasa-endpoints")),
                    core.VolumeArgs(
                        name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(name="rasa-ca-certificates")
                    ),
                    *(
                        core.VolumeArgs(name=v, empty_dir=core.EmptyDirVolumeSourceArgs(size_limit=WRITABLE_SIZE[v]))
                        for v in WRITABLE_DIRS
                    ),
                ],
            ),
        )

    # -- network -----------------------------------------------------------------------------

    def _ingress_rule(self, args: RasaWorkloadArgs) -> k8s.networking.v1.NetworkPolicyIngressRuleArgs:
        namespaces = {args.namespace, *args.ingress_from_namespaces}
        if args.ingress is not None:
            namespaces.add(args.ingress.controller_namespace)
        return k8s.networking.v1.NetworkPolicyIngressRuleArgs(
            ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=RASA_PORT, protocol="TCP")],
            from_=[
                k8s.networking.v1.NetworkPolicyPeerArgs(
                    namespace_selector=meta.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": n})
                )
                for n in sorted(namespaces)
            ],
        )

    def _egress_rules(self, args: RasaWorkloadArgs) -> list[k8s.networking.v1.NetworkPolicyEgressRuleArgs]:
        rules = [
            # DNS, served by kube-system.
            k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                to=[
                    k8s.networking.v1.NetworkPolicyPeerArgs(
                        namespace_selector=meta.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": "kube-system"})
                    )
                ],
                ports=[
                    k8s.networking.v1.NetworkPolicyPortArgs(port=53, protocol="UDP"),
                    k8s.networking.v1.NetworkPolicyPortArgs(port=53, protocol="TCP"),
                ],
            )
        ]
        rules += [_egress(access) for access in args.backing_services]
        if self.action_server is not None:
            rules.append(
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    to=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=meta.LabelSelectorArgs(match_labels=self.action_server.selector))],
                    ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=self.action_server.args.server.port, protocol="TCP")],
                )
            )
        if args.nlg_url:
            rules.append(_egress(NetworkAccess(ports=(_url_port(args.nlg_url),))))
        return rules


READINESS_COMMAND = [
    "python",
    "-c",
    "import os,sys,urllib.request;"
    "urllib.request.urlopen('http://127.0.0.1:%d/status?token=' + os.environ['AUTH_TOKEN'], timeout=4);"
    "sys.exit(0)" % RASA_PORT,
]

# Rasa writes here at run time; the root filesystem stays read-only.
WRITABLE_DIRS = {"tmp": "/tmp", "models": "/app/models", "rasa-cache": "/app/.rasa"}
WRITABLE_SIZE = {"tmp": "2Gi", "models": "4Gi", "rasa-cache": "1Gi"}


def _container_env(rendered: RenderedEndpoints, identity_env: dict[str, str]) -> list[dict[str, Any]]:
    plain = {
        **rendered.env,
        **identity_env,
        "HOME": "/tmp",
        "RASA_CACHE_DIRECTORY": "/app/.rasa/cache",
    }
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in sorted(plain.items())]
    env += [
        {"name": var, "valueFrom": {"secretKeyRef": {"name": "rasa-credentials", "key": key}}}
        for var, key in sorted(rendered.secret_env.items())
    ]
    return env


def _egress(access: NetworkAccess) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=pulumi.Output.from_input(access.cidrs).apply(
            lambda cidrs: [k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=c)) for c in cidrs]
        ),
        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in access.ports],
    )


def _url_port(url: str) -> int:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.port or (443 if parsed.scheme == "https" else 80)


def _zone_spread(selector: dict[str, str], strict: bool) -> list[core.TopologySpreadConstraintArgs]:
    # Strict (prod): a zone outage must not take every replica; otherwise one zone is acceptable.
    return [
        core.TopologySpreadConstraintArgs(
            topology_key="topology.kubernetes.io/zone",
            max_skew=1,
            when_unsatisfiable="DoNotSchedule" if strict else "ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=selector),
        ),
        core.TopologySpreadConstraintArgs(
            topology_key="kubernetes.io/hostname",
            max_skew=1,
            when_unsatisfiable="ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=selector),
        ),
    ]


def _budget_annotation(budget: ConnectionBudget) -> str:
    return json.dumps(
        {
            "maxConnections": budget.max_connections,
            "maxProcesses": budget.max_processes,
            "poolSize": budget.pool_size,
            "maxOverflow": budget.max_overflow,
        },
        sort_keys=True,
    )
