"""Vault in the cluster: the official `hashicorp/vault` chart as one `helm.v3.Release`.

`in-cluster`: a namespace enforcing the restricted pod-security profile, Vault's TLS (a private CA,
components/vault/tls.py) as a Secret of that namespace, the chart with raft HA, TLS on every
listener, audit and data volumes, the cloud's auto-unseal (its `VaultSealConfig`: stanza and the
server account's identity), the Agent injector, TokenReview delegation, disruption budgets and
anti-affinity over nodes and zones.

`external` (HCP Vault or your own): only the Agent injector, pointed at that Vault, and the
TokenReview grant Vault needs to check Rasa's service-account tokens with those tokens themselves.

The Release does not wait for the servers to be ready: a new Vault is ready only once the
bootstrap Job has initialised it, and that Job runs after the Release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.contracts import NetworkAccess, VaultConnection, VaultSealConfig
from components.vault import chart, network_policy
from components.vault.tls import VaultTls, VaultTlsArgs

meta = k8s.meta.v1
core = k8s.core.v1


@dataclass(frozen=True)
class InClusterVault:
    servers: int
    storage_size: str
    audit_storage_size: str
    storage_class: Optional[str]
    seal: VaultSealConfig
    strict_zone_spread: bool


@dataclass(frozen=True)
class ExternalVault:
    address: str
    ca_cert_pem: Optional[str]
    namespace: Optional[str]  # Vault Enterprise / HCP namespace
    egress_cidrs: tuple[str, ...]


@dataclass(frozen=True)
class VaultDeploymentArgs:
    """Every value the deployment reads; infra/platform.py maps the stack's settings onto it."""

    namespace: str  # of the servers, the injector and the bootstrap Job
    mode: InClusterVault | ExternalVault
    mount_point: str
    secrets_path: str
    injector_replicas: int
    client_service_accounts: Sequence[tuple[str, str]]  # (namespace, name) that log in with Kubernetes auth
    # (namespace, pod labels) of the pods that reach the in-cluster servers (their Agents, Rasa itself).
    client_pods: Sequence[tuple[str, Mapping[str, str]]] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    provider: Optional[k8s.Provider] = None
    depends_on: Sequence[pulumi.Resource] = ()


class VaultDeployment(pulumi.ComponentResource):
    """Outputs: `connection` (what Rasa and the bootstrap reach), `ca_cert_pem`, `release`."""

    def __init__(self, name: str, args: VaultDeploymentArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:vault:Vault", name, None, opts)
        self.args = args
        self.namespace = core.Namespace(
            f"{name}-namespace",
            metadata=meta.ObjectMetaArgs(name=args.namespace, labels={
                **args.labels,
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
            }),
            opts=self._options(*args.depends_on),
        )
        if isinstance(args.mode, InClusterVault):
            self.ca_cert_pem, values, ready = self._in_cluster(name, args.mode)
            address = f"https://{chart.RELEASE}.{args.namespace}.svc:{chart.API_PORT}"
            # Only Vault's server pods, not the API port of anything anywhere.
            network = NetworkAccess(ports=(chart.API_PORT,), in_cluster=(
                args.namespace, tuple(sorted(network_policy.SERVER_PODS.items()))))
            vault_namespace = None
            self.bootstrap_address = f"https://{chart.internal_host(args.namespace, 0)}:{chart.API_PORT}"
        else:
            ext = args.mode
            self.ca_cert_pem = ext.ca_cert_pem
            values = chart.external_values(args.namespace, ext.address, args.injector_replicas, self._injected())
            ready = [self._token_review(name)]
            address, vault_namespace = ext.address, ext.namespace
            network = NetworkAccess(ports=(_port(ext.address),), cidrs=ext.egress_cidrs or ("0.0.0.0/0",))
            self.bootstrap_address = ext.address
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name=chart.RELEASE,
            chart=chart.CHART,
            version=chart.CHART_VERSION,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.CHART_REPO),
            namespace=args.namespace,
            create_namespace=False,
            values=values,
            # A new Vault is ready only after the bootstrap Job initialised it (it runs next).
            skip_await=True,
            atomic=False,
            cleanup_on_fail=False,
            timeout=600,
            opts=self._options(self.namespace, *ready),
        )
        # Who may reach the servers (in-cluster) and the injector's webhook port (both modes).
        policy_opts = self._options(self.namespace)
        self.server_policy = network_policy.server_policy(
            f"{name}-server-network-policy", args.namespace, args.client_pods, args.labels, policy_opts,
        ) if isinstance(args.mode, InClusterVault) else None
        self.injector_policy = network_policy.injector_policy(
            f"{name}-injector-network-policy", args.namespace, args.labels, policy_opts)
        self.address = address
        self.connection = VaultConnection(
            address=address,
            origin="managed" if isinstance(args.mode, InClusterVault) else "existing",
            network=network,
            mount_point=args.mount_point,
            secrets_path=args.secrets_path,
            namespace=vault_namespace,
            ca_cert_pem=self.ca_cert_pem,
        )
        self.register_outputs({"address": address, "namespace": args.namespace})

    def _options(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self.args.provider, depends_on=list(depends_on) or None)

    def _in_cluster(self, name: str, v: InClusterVault):
        ns = self.args.namespace
        certs = VaultTls(f"{name}-tls", VaultTlsArgs(common_name=f"{chart.RELEASE}.{ns}.svc", dns_names=chart.server_names(ns)),
                         opts=pulumi.ResourceOptions(parent=self))
        tls_secret = core.Secret(
            f"{name}-tls-secret",
            metadata=meta.ObjectMetaArgs(name=chart.TLS_SECRET, namespace=ns, labels=dict(self.args.labels)),
            type="kubernetes.io/tls",
            string_data=pulumi.Output.all(certs.cert_pem, certs.private_key_pem, certs.ca_cert_pem).apply(
                lambda p: {"tls.crt": p[0] + p[2], "tls.key": p[1], "ca.crt": p[2]}),
            opts=self._options(self.namespace),
        )
        seal = resolve_seal(v.seal)
        values = seal.apply(lambda s: chart.chart_values(chart.ChartInputs(
            namespace=ns, servers=v.servers, storage_size=v.storage_size, audit_storage_size=v.audit_storage_size,
            storage_class=v.storage_class, seal=s, injector_replicas=self.args.injector_replicas,
            strict_zone_spread=v.strict_zone_spread, injector_namespaces=self._injected(),
        )))
        return certs.ca_cert_pem, values, [tls_secret]

    def _injected(self) -> tuple[str, ...]:
        return tuple(sorted({ns for ns, _ in self.args.client_service_accounts}))

    def _token_review(self, name: str) -> k8s.rbac.v1.ClusterRoleBinding:
        # An external Vault has no service account in this cluster: it reviews each client's token
        # with that token, so the clients may call TokenReview (and nothing else).
        return k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-token-review",
            metadata=meta.ObjectMetaArgs(name=f"{self.args.namespace}-vault-token-review", labels=dict(self.args.labels)),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                             name="system:auth-delegator"),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", namespace=ns, name=account)
                      for ns, account in self.args.client_service_accounts],
            opts=self._options(self.namespace),
        )


def resolve_seal(seal: VaultSealConfig) -> pulumi.Output[chart.Seal]:
    keys = sorted(seal.parameters)
    identity = seal.identity
    return pulumi.Output.all(
        pulumi.Output.all(*[seal.parameters[k] for k in keys]),
        identity.service_account_annotations, identity.env,
    ).apply(lambda parts: chart.Seal(
        seal_type=seal.seal_type,
        parameters=dict(zip(keys, parts[0])),
        service_account=seal.service_account,
        service_account_annotations=dict(parts[1] or {}),
        pod_labels=dict(identity.pod_labels),
        env=dict(parts[2] or {}),
    ))


def _port(address: str) -> int:
    from urllib.parse import urlparse

    return urlparse(address).port or 443
