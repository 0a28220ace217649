"""The values of the official `hashicorp/vault` chart, and the server configuration inside them.

Pure functions of plain values (no Pulumi): the component resolves its inputs and calls them, and
tests call them directly. Keys are the chart's own (hashicorp/vault-helm `values.yaml` at the
pinned version); everything security- or availability-relevant is written out, not inherited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

CHART = "vault"
CHART_VERSION = "0.34.1"  # hashicorp/vault-helm Chart.yaml at v0.34.1 (appVersion: Vault 2.0.4)
CHART_REPO = "https://helm.releases.hashicorp.com"
RELEASE = "vault"  # the chart's fullname: services vault, vault-internal, vault-active
API_PORT, CLUSTER_PORT = 8200, 8201
VAULT_UID, VAULT_GID = 100, 1000  # the chart's defaults for the server and injector images

TLS_SECRET = "vault-tls"  # tls.crt, tls.key, ca.crt
TLS_DIR = f"/vault/userconfig/{TLS_SECRET}"
AUDIT_DIR = "/vault/audit"
AUDIT_FILE = f"{AUDIT_DIR}/audit.log"
DATA_DIR = "/vault/data"

SEAL_PARAMETERS = {  # what each seal stanza must carry (Vault's seal docs)
    "awskms": ("region", "kms_key_id"),
    "azurekeyvault": ("tenant_id", "vault_name", "key_name"),
    "gcpckms": ("project", "region", "key_ring", "crypto_key"),
}


@dataclass(frozen=True)
class Seal:
    """A resolved `VaultSealConfig`: the stanza and the cloud identity of the server's account."""

    seal_type: str
    parameters: Mapping[str, str]
    service_account: str = "vault"  # the account the cloud identity is bound to
    service_account_annotations: Mapping[str, str] = field(default_factory=dict)
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartInputs:
    namespace: str
    servers: int  # raft voters
    storage_size: str
    audit_storage_size: str
    storage_class: Optional[str]
    seal: Seal
    injector_replicas: int
    strict_zone_spread: bool  # prod: servers wait for a free zone rather than share one
    injector_namespaces: tuple[str, ...] = ()  # the only namespaces whose pods the webhook sees


def hcl_string(value: str) -> str:
    # JSON string escaping is valid HCL string escaping.
    return json.dumps(str(value))


def seal_stanza(seal_type: str, parameters: Mapping[str, str]) -> str:
    """`seal "<type>" { key = "value" ... }`; refuses a stanza Vault could not use."""
    if seal_type not in SEAL_PARAMETERS:
        raise ValueError(f"seal type {seal_type!r}: allowed {', '.join(SEAL_PARAMETERS)}")
    missing = [k for k in SEAL_PARAMETERS[seal_type] if not parameters.get(k)]
    if missing:
        raise ValueError(f"seal {seal_type!r} needs {', '.join(missing)}")
    body = "".join(f"  {key} = {hcl_string(parameters[key])}\n" for key in sorted(parameters))
    return f'seal "{seal_type}" {{\n{body}}}\n'


def internal_host(namespace: str, index: int) -> str:
    return f"{RELEASE}-{index}.{RELEASE}-internal.{namespace}.svc"


def server_names(namespace: str) -> list[str]:
    """Every name a client or a raft peer uses for a server: the certificate's SANs."""
    return [
        RELEASE, f"{RELEASE}.{namespace}", f"{RELEASE}.{namespace}.svc", f"{RELEASE}.{namespace}.svc.cluster.local",
        f"{RELEASE}-active.{namespace}.svc", f"{RELEASE}-active.{namespace}.svc.cluster.local",
        f"*.{RELEASE}-internal", f"*.{RELEASE}-internal.{namespace}.svc",
        f"*.{RELEASE}-internal.{namespace}.svc.cluster.local", "localhost",
    ]


def server_config(inputs: ChartInputs) -> str:
    """The server's HCL: TLS on the API and cluster listener, raft joining every peer over TLS,
    the cloud's auto-unseal, Kubernetes service registration (the vault-active label)."""
    joins = "".join(
        "  retry_join {\n"
        f"    leader_api_addr = {hcl_string(f'https://{internal_host(inputs.namespace, i)}:{API_PORT}')}\n"
        f"    leader_ca_cert_file = {hcl_string(f'{TLS_DIR}/ca.crt')}\n"
        "  }\n"
        for i in range(inputs.servers)
    )
    return (
        "ui = false\n"
        "disable_mlock = true\n"  # raft's recommendation: integrated storage does not need mlock
        'listener "tcp" {\n'
        f'  address = "[::]:{API_PORT}"\n'
        f'  cluster_address = "[::]:{CLUSTER_PORT}"\n'
        "  tls_disable = false\n"
        f'  tls_cert_file = "{TLS_DIR}/tls.crt"\n'
        f'  tls_key_file = "{TLS_DIR}/tls.key"\n'
        '  tls_min_version = "tls12"\n'
        "}\n"
        'storage "raft" {\n'
        f'  path = "{DATA_DIR}"\n'
        f"{joins}"
        "}\n"
        f"{seal_stanza(inputs.seal.seal_type, inputs.seal.parameters)}"
        'service_registration "kubernetes" {}\n'
    )


def pod_selector(component: str) -> dict[str, str]:
    """The labels the chart gives its server (`server`) pods; the injector's are named apart."""
    return {"app.kubernetes.io/name": CHART, "app.kubernetes.io/instance": RELEASE, "component": component}


def _spread(component: str, strict: bool) -> list[dict[str, Any]]:
    selector = pod_selector(component)
    return [{
        "maxSkew": 1,
        "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "DoNotSchedule" if strict else "ScheduleAnyway",
        "labelSelector": {"matchLabels": selector},
    }]


def _anti_affinity(component: str) -> dict[str, Any]:
    # Never two servers on one node: a node loss costs at most one raft voter.
    selector = pod_selector(component)
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": selector}, "topologyKey": "kubernetes.io/hostname"}]}}


def _security_context(uid: int, gid: int, read_only_root: bool) -> dict[str, Any]:
    # Kubernetes' `restricted` profile, which the Vault namespace enforces.
    return {
        "pod": {"runAsNonRoot": True, "runAsUser": uid, "runAsGroup": gid, "fsGroup": gid,
                "seccompProfile": {"type": "RuntimeDefault"}},
        "container": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": read_only_root, "privileged": False,
                      "capabilities": {"drop": ["ALL"]}},
    }


def injector_values(replicas: int, namespaces: tuple[str, ...]) -> dict[str, Any]:
    """The Agent injector (both modes): its mutating webhook adds the Agent to annotated pods, in
    the namespaces named only, so a stopped injector can block nothing else of the cluster."""
    return {
        "enabled": True,
        "replicas": replicas,
        # `webhook.*` wins over the deprecated top-level keys (templates/injector-mutating-webhook.yaml),
        # whose failurePolicy default, Ignore, would start a pod without its secrets.
        "webhook": {
            "failurePolicy": "Fail",
            "matchPolicy": "Exact",
            "timeoutSeconds": 30,
            "namespaceSelector": {"matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": sorted(set(namespaces))}]},
        },
        "authPath": "auth/kubernetes",
        "revokeOnShutdown": False,
        "securityContext": _security_context(VAULT_UID, VAULT_GID, read_only_root=True),
        "affinity": _anti_affinity("webhook"),
        "topologySpreadConstraints": _spread("webhook", False),
        "podDisruptionBudget": {"maxUnavailable": 1} if replicas > 1 else {},
    }


def external_values(namespace: str, address: str, injector_replicas: int, injector_namespaces: tuple[str, ...]) -> dict[str, Any]:
    """`vault.mode: external`: no server here, the injector's Agents talk to that Vault."""
    return {
        "global": {"enabled": True, "tlsDisable": False, "externalVaultAddr": address, "namespace": namespace},
        "server": {"enabled": False},
        "ui": {"enabled": False},
        "csi": {"enabled": False},
        "injector": injector_values(injector_replicas, injector_namespaces),
    }


def chart_values(inputs: ChartInputs) -> dict[str, Any]:
    seal = inputs.seal
    storage_class = {"storageClass": inputs.storage_class} if inputs.storage_class else {}
    return {
        "global": {"enabled": True, "tlsDisable": False, "namespace": inputs.namespace},
        "ui": {"enabled": False},
        "csi": {"enabled": False},
        "injector": injector_values(inputs.injector_replicas, inputs.injector_namespaces),
        "server": {
            "enabled": True,
            "updateStrategyType": "OnDelete",  # servers are rolled one by one, by an operator
            "authDelegator": {"enabled": True},  # TokenReview for Kubernetes auth
            "serviceAccount": {
                "create": True, "name": seal.service_account, "createSecret": False,
                "annotations": dict(seal.service_account_annotations),
                "serviceDiscovery": {"enabled": True},
            },
            "extraLabels": dict(seal.pod_labels),
            "extraEnvironmentVars": {**dict(seal.env), "VAULT_CACERT": f"{TLS_DIR}/ca.crt"},
            "volumes": [{"name": "tls", "secret": {"secretName": TLS_SECRET, "defaultMode": 0o440}}],
            "volumeMounts": [{"name": "tls", "mountPath": TLS_DIR, "readOnly": True}],
            "dataStorage": {"enabled": True, "size": inputs.storage_size, "mountPath": DATA_DIR,
                            "accessMode": "ReadWriteOnce", **storage_class},
            "auditStorage": {"enabled": True, "size": inputs.audit_storage_size, "mountPath": AUDIT_DIR,
                             "accessMode": "ReadWriteOnce", **storage_class},
            "affinity": _anti_affinity("server"),
            "topologySpreadConstraints": _spread("server", inputs.strict_zone_spread),
            # The server's start script writes its rendered config to /tmp: the root stays writable.
            "statefulSet": {"securityContext": _security_context(VAULT_UID, VAULT_GID, read_only_root=False)},
            "dev": {"enabled": False},
            "standalone": {"enabled": False},
            "ha": {
                "enabled": True,
                "replicas": inputs.servers,
                "raft": {"enabled": True, "setNodeId": True, "config": server_config(inputs)},
                # At most a minority down at once: raft keeps its quorum through node drains.
                "disruptionBudget": {"enabled": True, "maxUnavailable": max(1, (inputs.servers - 1) // 2)},
            },
        },
    }
