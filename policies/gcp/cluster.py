"""GKE: the control plane, secrets encryption, logs, Workload Identity, node metadata, key rotation."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, StackIndex, as_number, elements, equals, get, is_unknown, not_true, present, truth
from ..stack_keys import CLUSTER_PUBLIC_ACCESS_CIDRS
from .types import CRYPTO_KEY, GKE_CLUSTER, GKE_NODE_POOL

CHECKS = CheckSet(__name__)

ANYWHERE = ("0.0.0.0/0", "::/0")
MAX_ROTATION_SECONDS = 365 * 86400


def _private(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "privateClusterConfig", "enablePrivateNodes")), "privateClusterConfig.enablePrivateNodes must be true")
    f.check(not_true(get(props, "masterAuthorizedNetworksConfig", "gcpPublicCidrsAccessEnabled")),
            "masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled must be false (every Google Cloud IP)")
    blocks = get(props, "masterAuthorizedNetworksConfig", "cidrBlocks", default=[])
    cidrs = UNKNOWN if is_unknown(blocks) else [get(b, "cidrBlock") for b in elements(blocks)]
    f.check(UNKNOWN if is_unknown(cidrs) else not any(c in ANYWHERE for c in cidrs),
            f"the control plane must not admit 0.0.0.0/0; set {CLUSTER_PUBLIC_ACCESS_CIDRS} to listed CIDRs")
    if get(props, "masterAuthorizedNetworksConfig") is None:
        f.violation("masterAuthorizedNetworksConfig must be set (without it the endpoint admits any address)")


def _secrets(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(equals(get(props, "databaseEncryption", "state"), "ENCRYPTED"), "databaseEncryption.state must be ENCRYPTED")
    f.check(present(get(props, "databaseEncryption", "keyName")), "databaseEncryption.keyName must name a Cloud KMS key")


def _logs(props: Any, ctx: RuleContext, f: Findings) -> None:
    components = get(props, "loggingConfig", "enableComponents", default=[])
    have = UNKNOWN if is_unknown(components) else set(elements(components))
    f.check(UNKNOWN if is_unknown(have) else "APISERVER" in have,
            "loggingConfig.enableComponents must include APISERVER (the API server's and audit logs)")


def _workload_identity(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for cluster in stack.of_type(GKE_CLUSTER):
        f.check(present(get(cluster.props, "workloadIdentityConfig", "workloadPool")),
                f"cluster '{cluster.name}' must enable Workload Identity (workloadIdentityConfig.workloadPool)", cluster.urn)


def _node_metadata(props: Any, ctx: RuleContext, f: Findings) -> None:
    mode = get(props, "nodeConfig", "workloadMetadataConfig", "mode")
    f.check(equals(mode, "GKE_METADATA"),
            f"nodeConfig.workloadMetadataConfig.mode must be GKE_METADATA (pods never see the node's credentials), not {mode!r}")


def _rotation(props: Any, ctx: RuleContext, f: Findings) -> None:
    period = get(props, "rotationPeriod")
    seconds = UNKNOWN if is_unknown(period) else (as_number(str(period).rstrip("s")) if period else None)
    f.check(UNKNOWN if is_unknown(seconds) else (seconds is not None and seconds <= MAX_ROTATION_SECONDS),
            f"rotationPeriod must be set and at most a year, not {period!r}")


CHECKS.resource("cluster-private-endpoint", {GKE_CLUSTER: _private})
CHECKS.resource("cluster-secrets-encryption", {GKE_CLUSTER: _secrets})
CHECKS.resource("cluster-audit-logs", {GKE_CLUSTER: _logs})
CHECKS.stack("cluster-workload-identity", _workload_identity, (GKE_CLUSTER,))
CHECKS.resource("node-metadata-imdsv2", {GKE_NODE_POOL: _node_metadata})
CHECKS.resource("kms-key-rotation", {CRYPTO_KEY: _rotation})
