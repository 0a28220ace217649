"""Kubernetes cluster: control plane, node metadata, keys."""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import CLUSTER_PUBLIC_ACCESS_CIDRS, always_set
from .declare import resource_rule, stack_rule

_COMPONENT = "components/<cloud>/cluster.py"

RULES = (
    resource_rule(
        "cluster-private-endpoint",
        "The Kubernetes API is reachable privately, and publicly only from listed CIDRs (never 0.0.0.0/0).",
        f"Set {CLUSTER_PUBLIC_ACCESS_CIDRS} to [] (private endpoint only) or to the operators' own ranges, never "
        "0.0.0.0/0; the program always turns the private endpoint on.",
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "cluster-secrets-encryption",
        "Kubernetes secrets are envelope-encrypted in etcd with a customer-managed KMS key.",
        always_set("Envelope encryption of Kubernetes secrets with the platform's customer-managed key", _COMPONENT),
    ),
    resource_rule(
        "cluster-audit-logs",
        "The control plane's API, audit and authenticator logs are kept.",
        always_set("Control-plane API, audit and authenticator logs", _COMPONENT),
    ),
    resource_rule(
        "cluster-access-entries",
        "Cluster access is granted by EKS access entries (auditable IAM), not the aws-auth ConfigMap.",
        always_set("Cluster access granted through the cloud's IAM only", _COMPONENT),
    ),
    stack_rule(
        "cluster-workload-identity",
        "Pods get cloud credentials through workload identity (IRSA or EKS Pod Identity), never the node's role "
        "or static keys.",
        always_set("Workload identity for the cluster's pods", _COMPONENT),
    ),
    resource_rule(
        "node-metadata-imdsv2",
        "Nodes require IMDSv2 session tokens, so a pod cannot steal node credentials with a simple request.",
        always_set("Node metadata that requires session tokens (IMDSv2)", _COMPONENT),
    ),
    stack_rule(
        "node-group-imdsv2",
        "Every managed node group runs from a launch template of this stack that requires IMDSv2.",
        always_set("Every node group on this stack's node template that requires IMDSv2", _COMPONENT),
    ),
    resource_rule(
        "key-vault-recoverable",
        "A key store cannot lose its keys to one mistake: soft delete and purge protection on, access by RBAC only.",
        always_set("Soft delete, purge protection and RBAC authorization on every key vault", "components/<cloud>/key_vault.py"),
    ),
    resource_rule(
        "kms-key-rotation",
        "Customer-managed symmetric keys rotate their key material automatically.",
        always_set("Automatic rotation of every customer-managed key", "components/<cloud>/kms.py"),
    ),
)
