"""The Kubernetes cluster on AKS, and the Key Vaults of its KMS key and Vault's seal."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, StackIndex, elements, equals, get, is_unknown, present, truth
from ..stack_keys import CLUSTER_PUBLIC_ACCESS_CIDRS, from_setting
from .types import DIAGNOSTIC_SETTING, KEY, KEY_VAULT, MANAGED_CLUSTER

CHECKS = CheckSet(__name__)

OPEN_CIDRS = ("0.0.0.0/0", "::/0")
# A cluster's diagnostic setting must keep these (either audit category will do).
REQUIRED_LOGS = ("kube-apiserver", "guard")
AUDIT_LOGS = ("kube-audit", "kube-audit-admin")


def _endpoint(props: Any, ctx: RuleContext, f: Findings) -> None:
    access = get(props, "apiServerAccessProfile", default={})
    private = get(access, "enablePrivateCluster")
    if is_unknown(private):
        f.cannot_decide("apiServerAccessProfile.enablePrivateCluster")
        return
    if private is True:
        return
    ranges = get(access, "authorizedIPRanges")
    if is_unknown(ranges) or any(is_unknown(c) for c in elements(ranges)):
        f.cannot_decide("apiServerAccessProfile.authorizedIPRanges")
        return
    listed = [str(c) for c in elements(ranges)]
    message = ("the API server must be private (enablePrivateCluster: true) or limited to authorized IP ranges, "
               f"not {listed or 'the whole internet'}")
    f.check(bool(listed) and not any(c in OPEN_CIDRS for c in listed),
            from_setting(CLUSTER_PUBLIC_ACCESS_CIDRS, listed, message) if listed else message)


CHECKS.resource("cluster-private-endpoint", {MANAGED_CLUSTER: _endpoint})


def _kms(props: Any, ctx: RuleContext, f: Findings) -> None:
    kms = get(props, "securityProfile", "azureKeyVaultKms", default={})
    f.check(truth(get(kms, "enabled")), "securityProfile.azureKeyVaultKms.enabled must be true (KMS encryption of etcd)")
    f.check(present(get(kms, "keyId")), "securityProfile.azureKeyVaultKms.keyId must name the Key Vault key")


CHECKS.resource("cluster-secrets-encryption", {MANAGED_CLUSTER: _kms})


def _audit_logs(props: Any, ctx: RuleContext, f: Findings) -> None:
    target = get(props, "resourceUri")
    if is_unknown(target):
        f.cannot_decide("resourceUri")
        return
    if "/Microsoft.ContainerService/managedClusters/" not in str(target):
        return  # another resource's diagnostics
    logs = elements(get(props, "logs"))
    if any(is_unknown(entry) for entry in logs):
        f.cannot_decide("logs")
        return
    enabled = {get(entry, "category") for entry in logs if get(entry, "enabled") is True}
    missing = [c for c in REQUIRED_LOGS if c not in enabled] + ([] if enabled & set(AUDIT_LOGS) else ["kube-audit-admin"])
    f.check(not missing, f"the AKS diagnostic setting must keep {', '.join(missing)}")
    f.check(present(get(props, "workspaceId")) if get(props, "storageAccountId") is None else True,
            "the AKS diagnostic setting must send its logs to a Log Analytics workspace (workspaceId)")


CHECKS.resource("cluster-audit-logs", {DIAGNOSTIC_SETTING: _audit_logs})


def _entra_only(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "disableLocalAccounts")), "disableLocalAccounts must be true (no static admin kubeconfig)")
    f.check(truth(get(props, "aadProfile", "managed")), "aadProfile.managed must be true (AKS-managed Entra ID)")
    f.check(truth(get(props, "aadProfile", "enableAzureRBAC")), "aadProfile.enableAzureRBAC must be true (access granted by Azure RBAC)")


CHECKS.resource("cluster-access-entries", {MANAGED_CLUSTER: _entra_only})


def _workload_identity(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for cluster in stack.of_type(MANAGED_CLUSTER):
        props = cluster.props
        f.check(truth(get(props, "oidcIssuerProfile", "enabled")),
                f"AKS cluster '{cluster.name}' must enable the OIDC issuer (oidcIssuerProfile.enabled)", cluster.urn)
        f.check(truth(get(props, "securityProfile", "workloadIdentity", "enabled")),
                f"AKS cluster '{cluster.name}' must enable workload identity (securityProfile.workloadIdentity.enabled)", cluster.urn)


CHECKS.stack("cluster-workload-identity", _workload_identity, (MANAGED_CLUSTER,))


def _recoverable(props: Any, ctx: RuleContext, f: Findings) -> None:
    properties = get(props, "properties", default={})
    f.check(truth(get(properties, "enablePurgeProtection")), "properties.enablePurgeProtection must be true")
    soft = get(properties, "enableSoftDelete")
    f.check(UNKNOWN if is_unknown(soft) else soft is not False, "properties.enableSoftDelete must not be false")
    f.check(truth(get(properties, "enableRbacAuthorization")),
            "properties.enableRbacAuthorization must be true (no access policies: access by role on the key)")


CHECKS.resource("key-vault-recoverable", {KEY_VAULT: _recoverable})


def _rotation(props: Any, ctx: RuleContext, f: Findings) -> None:
    # AKS's KMS plugin pins a key version: rotating it under the cluster breaks etcd decryption
    # until the cluster is updated, so the KMS key (ops encrypt/decrypt) rotates by a planned
    # cluster update instead. Every other key rotates by policy.
    ops = [o for o in elements(get(props, "properties", "keyOps"))]
    if "encrypt" in ops and "decrypt" in ops and "wrapKey" not in ops:
        return
    actions = elements(get(props, "properties", "rotationPolicy", "lifetimeActions"))
    rotates = [a for a in actions if equals(get(a, "action", "type"), "rotate", "Rotate") is True]
    f.check(bool(rotates) if not any(is_unknown(a) for a in actions) else UNKNOWN,
            "properties.rotationPolicy must have a lifetime action of type rotate")


CHECKS.resource("kms-key-rotation", {KEY: _rotation})
