"""Rasa Pro on Kubernetes as typed pulumi_kubernetes resources.

Namespace, service account (with the cloud's workload identity), the credentials Secret, the
endpoints.yml ConfigMap, the verify Job (every service checked as Rasa will reach it, before the
Deployment rolls), the Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget
(when asked for), a NetworkPolicy that lets Rasa reach only its backing services, DNS, Vault and
the destinations the stack lists, and optionally the channels' credentials.yml, an Ingress with TLS
that publishes only the channels' paths, and an action server. One method per resource, in order.

First deploy: Pulumi waits for a Deployment's pods to be ready, and Rasa is not ready (`/status`
answers 409) until it has loaded a model. Unless the stack uploads the model in the same run (the
Deployment then depends on the upload) or the verify Job requires one, the Deployment carries
`pulumi.com/skipAwait`: `pulumi up` finishes once Kubernetes accepted it, and says where the model
goes (`model_hint`).

With `vault_delivery`, credentials Rasa takes from the environment reach the pod from Vault
through the Agent injector (components/rasa/vault_delivery.py) and the namespace holds no Secret;
without it, from a Kubernetes Secret (env `valueFrom.secretKeyRef`). Never from a literal env
value or a ConfigMap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.cloud import RASA_SERVICE_ACCOUNT
from components.contracts import NetworkAccess, WorkloadIdentity
from components.rasa import labels as rasa_labels
from components.rasa.action_server import ActionServer, ActionServerArgs, ActionServerSpec
from components.rasa.budget import ConnectionBudget
from components.rasa.channels import CREDENTIALS_FILE, render_channels
from components.rasa.endpoints import RASA_PORT, SECRET_AUTH_TOKEN, RenderedEndpoints
from components.rasa.network_policy import EgressTarget, PodEndpoint, egress_rules, ingress_rule
from components.rasa.placement import PodPlacement, image_reference
from components.rasa.pod import (
    CA_CONFIG_MAP, CHANNELS_CONFIG_MAP, CREDENTIALS_SECRET, ENDPOINTS_CONFIG_MAP, ROLLING_SURGE, ContainerResources,
    config_hash, container_env, pod_template,
)
from components.rasa.scaling import Autoscaling, autoscaler, disruption_budget
from components.rasa.vault_delivery import VaultDelivery
from components.rasa.verify_job import VerifyJob, VerifyJobArgs

__all__ = [
    "ROLLING_SURGE", "Autoscaling", "ContainerResources", "EgressTarget", "PodPlacement", "PublicIngress",
    "RasaWorkload", "RasaWorkloadArgs", "VerifyChecks",
]

# pulumi-kubernetes: with this annotation it does not wait for the Deployment's rollout.
SKIP_AWAIT = "pulumi.com/skipAwait"

meta = k8s.meta.v1
core = k8s.core.v1
apps = k8s.apps.v1
networking = k8s.networking.v1

NAME = "rasa-pro"  # every Kubernetes object of the server is called this


@dataclass(frozen=True)
class PublicIngress:
    host: str
    class_name: str
    cluster_issuer: str  # cert-manager issues the TLS certificate
    controller_namespace: str  # the controller's pods may reach Rasa
    paths: tuple[str, ...]  # path prefixes routed to Rasa (the channels' own by default)
    wait_for: tuple[pulumi.Resource, ...] = ()  # the controller and issuer, when installed by this stack
    annotations: Mapping[str, str] = field(default_factory=dict)  # the controller's own (HTTPS only)


@dataclass(frozen=True)
class VerifyChecks:
    require_model: bool  # False: a model not uploaded yet is reported, not a failure
    timeout_seconds: int  # of each network call


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
    # Rasa's HTTP API token; None: the workload generates one (a child, kept in the state as a secret).
    auth_token: Optional[pulumi.Input[str]]
    budget: ConnectionBudget  # planned once by infra/settings; only recorded here
    service_origins: Mapping[str, str]
    # The checks a verify Job runs before the Deployment rolls; None: no Job.
    verify: Optional[VerifyChecks] = None
    provider: Optional[k8s.Provider] = None
    depends_on: Sequence[pulumi.Resource] = ()
    placement: PodPlacement = PodPlacement()  # Rasa's pods and its verify Job
    channels: Optional[Mapping[str, object]] = None  # credentials.yml content; None: no --credentials
    egress: tuple[EgressTarget, ...] = ()  # destinations beyond the platform's own services
    # The uploaded model object: the Deployment waits for it (None: the model is put there out of band).
    model_object: Optional[pulumi.Resource] = None
    # Wait for Rasa's pods to be ready: only when a model is known to be in storage.
    await_ready: bool = True
    # Credentials from Vault through the Agent injector (then no Secret in the namespace).
    vault_delivery: Optional[VaultDelivery] = None
    # The action server's secretEnv from Vault under its own role; where its Agent reaches Vault.
    action_server_vault_delivery: Optional[VaultDelivery] = None
    vault_network: Optional[NetworkAccess] = None


class RasaWorkload(pulumi.ComponentResource):
    def __init__(self, name: str, args: RasaWorkloadArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:rasa:Workload", name, None, opts)
        self.args = args
        self.server_labels = rasa_labels.server(args.stack, args.environment)
        self.selector = rasa_labels.selector(args.stack, "server")

        self.namespace = self._namespace(name)
        self.service_account = self._service_account(name)
        self.credentials = self._secret(name)
        self.endpoints_config, self.ca_certificates = self._config_maps(name)
        self.channels_config = self._channels(name)
        self.action_server = self._action_server(name)
        self.verify_job = self._verify_job(name)
        self.deployment = self._deployment(name)
        self.service = self._service(name)
        self.autoscaler = self._autoscaler(name)
        self.disruption_budget = self._disruption_budget(name)
        self.network_policy = self._network_policy(name)
        self.ingress = self._ingress(name)

        self.service_url = pulumi.Output.concat("http://rasa-pro.", args.namespace, ".svc.cluster.local:", str(RASA_PORT))
        self.public_url = f"https://{args.ingress.host}" if args.ingress is not None else None
        self.register_outputs({"serviceUrl": self.service_url, "namespace": args.namespace})

    # -- options and metadata -----------------------------------------------------------------

    def _options(self, *depends_on: Optional[pulumi.Resource]) -> pulumi.ResourceOptions:
        waits = [r for r in depends_on if r is not None]  # e.g. no credentials Secret with Vault delivery
        return pulumi.ResourceOptions(parent=self, provider=self.args.provider, depends_on=waits or None)

    def _in_namespace(self) -> pulumi.ResourceOptions:
        return self._options(self.namespace)

    def _metadata(self, name: str = NAME, **extra) -> meta.ObjectMetaArgs:
        return meta.ObjectMetaArgs(name=name, namespace=self.args.namespace, labels=self.server_labels, **extra)

    # -- steps, in registration order ---------------------------------------------------------

    def _namespace(self, name: str) -> core.Namespace:
        labels = {
            **rasa_labels.common(self.args.stack, self.args.environment),
            # Kubernetes' own admission enforces the restricted pod security profile.
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        }
        return core.Namespace(
            f"{name}-namespace",
            metadata=meta.ObjectMetaArgs(name=self.args.namespace, labels=labels),
            opts=self._options(*self.args.depends_on),
        )

    def _service_account(self, name: str) -> core.ServiceAccount:
        annotations = pulumi.Output.all(
            self.args.identity.service_account_annotations, self.args.service_account_annotations
        ).apply(lambda parts: {**(parts[1] or {}), **(parts[0] or {})})
        return core.ServiceAccount(
            f"{name}-service-account",
            metadata=self._metadata(RASA_SERVICE_ACCOUNT, annotations=annotations),
            # Rasa never calls the Kubernetes API; cloud identity tokens are projected separately.
            automount_service_account_token=False,
            opts=self._in_namespace(),
        )

    def _api_token(self, name: str) -> pulumi.Input[str]:
        if self.args.auth_token is not None:
            return self.args.auth_token
        generated = random.RandomPassword(
            f"{name}-api-token", length=48, special=False,
            # It was a child of the stack before it belonged here: keep the same token.
            opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name="rasa-api-token", parent=pulumi.ROOT_STACK_RESOURCE)]),
        )
        return generated.result

    def _secret(self, name: str) -> Optional[core.Secret]:
        a = self.args
        if a.vault_delivery is not None:
            # The bootstrap Job wrote every credential to Vault: Rasa's, and the action server's
            # to a secret of its own.
            assert a.action_server is None or not a.action_server.secret_env or a.action_server_vault_delivery, \
                "the action server's secretEnv needs its own Vault delivery"
            return None
        secret_values = {**a.secret_values, SECRET_AUTH_TOKEN: pulumi.Output.secret(self._api_token(name))}
        # Only the credentials the rendered configuration and the action server refer to.
        actions = set(a.action_server.secret_env.values()) if a.action_server else set()
        needed = a.rendered.apply(lambda r: sorted(set(r.secret_env.values()) | actions))
        return core.Secret(
            f"{name}-credentials",
            metadata=self._metadata(CREDENTIALS_SECRET),
            type="Opaque",
            string_data=needed.apply(lambda keys: pulumi.Output.all(**{k: secret_values[k] for k in keys})),
            opts=self._in_namespace(),
        )

    def _config_maps(self, name: str) -> tuple[core.ConfigMap, core.ConfigMap]:
        rendered = self.args.rendered
        origins = json.dumps(dict(self.args.service_origins), sort_keys=True)
        endpoints = core.ConfigMap(
            f"{name}-endpoints",
            metadata=self._metadata(ENDPOINTS_CONFIG_MAP, annotations={rasa_labels.SERVICE_ORIGINS: origins}),
            data=rendered.apply(lambda r: {"endpoints.yml": r.endpoints_yml}),
            opts=self._in_namespace(),
        )
        ca_certificates = core.ConfigMap(
            f"{name}-ca-certificates",
            metadata=self._metadata(CA_CONFIG_MAP),
            data=rendered.apply(lambda r: dict(r.ca_files)),
            opts=self._in_namespace(),
        )
        return endpoints, ca_certificates

    def _channels(self, name: str) -> Optional[core.ConfigMap]:
        if self.args.channels is None:
            return None
        # Channel secrets are `${VAR}` references (checked in settings): the file holds no credential.
        return core.ConfigMap(
            f"{name}-channels",
            metadata=self._metadata(CHANNELS_CONFIG_MAP),
            data={CREDENTIALS_FILE: render_channels(self.args.channels).credentials_yml},
            opts=self._in_namespace(),
        )

    def _action_server(self, name: str) -> Optional[ActionServer]:
        if self.args.action_server is None:
            return None
        return ActionServer(
            f"{name}-actions",
            ActionServerArgs(
                server=self.args.action_server,
                namespace=self.args.namespace,
                stack=self.args.stack,
                environment=self.args.environment,
                strict_zone_spread=self.args.strict_zone_spread,
                credentials_secret=CREDENTIALS_SECRET,
                vault_delivery=self.args.action_server_vault_delivery,
                vault_network=self.args.vault_network if self.args.action_server_vault_delivery else None,
                ca_config_map=CA_CONFIG_MAP if self.args.action_server_vault_delivery else None,
            ),
            # Its pods reference the credentials Secret, or Vault's CA in Rasa's CA ConfigMap.
            opts=self._options(self.namespace, self.credentials, self.ca_certificates, *self.args.depends_on),
        )

    def _verify_job(self, name: str) -> Optional[VerifyJob]:
        a = self.args
        if a.verify is None:
            return None
        labels = rasa_labels.verify(a.stack, a.environment)
        # The Job's pod may reach exactly what Rasa may, and nobody may reach it.
        policy = networking.NetworkPolicy(
            f"{name}-verify-network-policy",
            metadata=meta.ObjectMetaArgs(name="rasa-verify", namespace=a.namespace, labels=labels),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=rasa_labels.selector(a.stack, "verify")),
                policy_types=["Ingress", "Egress"],
                ingress=[],
                egress=egress_rules(a.backing_services, None, None, a.egress),
            ),
            opts=self._in_namespace(),
        )
        return VerifyJob(
            f"{name}-verify",
            VerifyJobArgs(
                namespace=a.namespace,
                image=image_reference(a.image, a.tag),
                service_account_name=RASA_SERVICE_ACCOUNT,
                endpoints_config_map=ENDPOINTS_CONFIG_MAP,
                ca_config_map=CA_CONFIG_MAP,
                env=container_env(a.rendered, a.identity, a.vault_delivery),
                vault_delivery=a.vault_delivery,
                secret_env=a.rendered.apply(lambda r: r.secret_env),
                remote_storage=a.rendered.apply(lambda r: _flag(r.args, "--remote-storage")),
                model=a.rendered.apply(lambda r: _flag(r.args, "--model")),
                model_required=a.verify.require_model,
                config_digest=a.rendered.apply(config_hash),
                check_timeout_seconds=a.verify.timeout_seconds,
                labels=labels,
                placement=a.placement,
                provider=a.provider,
                # An uploaded model is in storage before the checks look for it.
                depends_on=[r for r in (self.service_account, self.credentials, self.endpoints_config,
                                        self.ca_certificates, policy, a.model_object) if r is not None],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _deployment(self, name: str) -> apps.Deployment:
        a = self.args
        annotations = {rasa_labels.CONNECTION_BUDGET: _budget_annotation(a.budget)}
        if not a.await_ready:
            # No model is known to be in storage: readiness (/status) cannot pass until one is, so
            # waiting would only time out. Kubernetes still rolls and probes the pods.
            annotations[SKIP_AWAIT] = "true"
        waits_for = [self.service_account, self.credentials, self.endpoints_config, self.ca_certificates,
                     self.channels_config, self.verify_job, a.model_object]
        return apps.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(annotations=annotations),
            spec=apps.DeploymentSpecArgs(
                # With an HPA the autoscaler owns the replica count; a fixed value would be reset
                # by every `pulumi up`.
                replicas=None if a.autoscaling is not None else a.replicas,
                selector=meta.LabelSelectorArgs(match_labels=self.selector),
                strategy=apps.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=apps.RollingUpdateDeploymentArgs(max_surge=ROLLING_SURGE, max_unavailable=0),
                ),
                revision_history_limit=5,
                template=pod_template(
                    image=image_reference(a.image, a.tag),
                    resources=a.resources,
                    rendered=a.rendered,
                    identity=a.identity,
                    labels=self.server_labels,
                    selector=self.selector,
                    strict_zone_spread=a.strict_zone_spread,
                    placement=a.placement,
                    credentials_yml=render_channels(a.channels).credentials_yml if a.channels is not None else None,
                    delivery=a.vault_delivery,
                ),
            ),
            # The verify Job passed first: a stack whose services Rasa cannot reach fails `pulumi up`
            # before a single replica is rolled. An uploaded model is in storage before Rasa starts.
            opts=self._options(*waits_for),
        )

    def _service(self, name: str) -> core.Service:
        return core.Service(
            f"{name}-service",
            metadata=self._metadata(),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=self.selector,
                ports=[core.ServicePortArgs(name="http", port=RASA_PORT, target_port="http", protocol="TCP")],
            ),
            opts=self._in_namespace(),
        )

    def _autoscaler(self, name: str):
        scaling = self.args.autoscaling
        if scaling is None:
            return None
        return autoscaler(f"{name}-autoscaler", self._metadata(), NAME, scaling, self._options(self.deployment))

    def _disruption_budget(self, name: str):
        if not self.args.pod_disruption_budget:
            return None
        return disruption_budget(f"{name}-disruption-budget", self._metadata(), self.selector, self._in_namespace())

    def _network_policy(self, name: str) -> networking.NetworkPolicy:
        a = self.args
        admitted = {a.namespace, *a.ingress_from_namespaces}
        if a.ingress is not None:
            admitted.add(a.ingress.controller_namespace)
        actions = self.action_server
        return networking.NetworkPolicy(
            f"{name}-network-policy",
            metadata=self._metadata(),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=self.selector),
                policy_types=["Ingress", "Egress"],
                ingress=[ingress_rule(admitted)],
                egress=egress_rules(
                    a.backing_services,
                    action_server=PodEndpoint(actions.selector, actions.args.server.port) if actions else None,
                    nlg_url=a.nlg_url,
                    listed=a.egress,
                ),
            ),
            opts=self._in_namespace(),
        )

    def _ingress(self, name: str) -> Optional[networking.Ingress]:
        ingress = self.args.ingress
        if ingress is None:
            return None
        return networking.Ingress(
            f"{name}-ingress",
            metadata=self._metadata(annotations={**ingress.annotations, "cert-manager.io/cluster-issuer": ingress.cluster_issuer}),
            spec=_ingress_spec(ingress),
            # An Ingress whose controller or issuer is still being installed would get no address
            # or certificate: wait for them when this stack installs them.
            opts=self._options(self.service, *ingress.wait_for),
        )


def _ingress_spec(ingress: PublicIngress) -> networking.IngressSpecArgs:
    to_rasa = networking.IngressBackendArgs(
        service=networking.IngressServiceBackendArgs(name=NAME, port=networking.ServiceBackendPortArgs(number=RASA_PORT))
    )
    return networking.IngressSpecArgs(
        ingress_class_name=ingress.class_name,
        tls=[networking.IngressTLSArgs(hosts=[ingress.host], secret_name="rasa-pro-tls")],
        rules=[
            networking.IngressRuleArgs(
                host=ingress.host,
                http=networking.HTTPIngressRuleValueArgs(
                    paths=[networking.HTTPIngressPathArgs(path=p, path_type="Prefix", backend=to_rasa) for p in ingress.paths]
                ),
            )
        ],
    )


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


def _flag(args: Sequence[str], flag: str) -> Optional[str]:
    """The value after `flag` in Rasa's arguments, or None."""
    return args[args.index(flag) + 1] if flag in args else None
