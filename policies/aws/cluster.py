"""The Kubernetes cluster on EKS: control plane, node metadata, customer keys."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import (
    UNKNOWN, Findings, RuleContext, StackIndex, as_number, elements, equals, get, is_unknown, present, truth,
)
from ..stack_keys import CLUSTER_PUBLIC_ACCESS_CIDRS, from_setting
from .types import EKS_ADDON, EKS_CLUSTER, EKS_NODE_GROUP, KMS_KEY, LAUNCH_TEMPLATE, OIDC_PROVIDER

CHECKS = CheckSet(__name__)

OPEN_CIDRS = ("0.0.0.0/0", "::/0")
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")


def _endpoint(props: Any, ctx: RuleContext, f: Findings) -> None:
    vpc = get(props, "vpcConfig", default={})
    f.check(truth(get(vpc, "endpointPrivateAccess")), "vpcConfig.endpointPrivateAccess must be true")
    public = get(vpc, "endpointPublicAccess")
    if is_unknown(public):
        f.cannot_decide("vpcConfig.endpointPublicAccess")
        return
    if public is False:
        return
    # Public access (EKS's default when unset) is acceptable only from listed CIDRs.
    cidrs = get(vpc, "publicAccessCidrs")
    if is_unknown(cidrs) or any(is_unknown(c) for c in elements(cidrs)):
        f.cannot_decide("vpcConfig.publicAccessCidrs")
        return
    listed = [str(c) for c in elements(cidrs)]
    message = ("the public API endpoint must be off (endpointPublicAccess: false) or limited to listed CIDRs, "
               f"not {listed or 'the default 0.0.0.0/0'}")
    # components/aws/cluster.py opens the public endpoint to exactly cluster.publicAccessCidrs.
    f.check(bool(listed) and not any(c in OPEN_CIDRS for c in listed),
            from_setting(CLUSTER_PUBLIC_ACCESS_CIDRS, listed, message) if public is True and listed else message)


CHECKS.resource("cluster-private-endpoint", {EKS_CLUSTER: _endpoint})


def _secrets_encryption(props: Any, ctx: RuleContext, f: Findings) -> None:
    config = get(props, "encryptionConfig")
    if config is None:
        f.violation("encryptionConfig is not set: Kubernetes secrets are not envelope-encrypted with KMS")
        return
    resources = get(config, "resources", default=[])
    f.check(UNKNOWN if is_unknown(resources) else "secrets" in elements(resources),
            "encryptionConfig.resources must include 'secrets'")
    f.check(present(get(config, "provider", "keyArn")), "encryptionConfig.provider.keyArn must name a KMS key")


CHECKS.resource("cluster-secrets-encryption", {EKS_CLUSTER: _secrets_encryption})


def _audit_logs(props: Any, ctx: RuleContext, f: Findings) -> None:
    types = get(props, "enabledClusterLogTypes", default=[])
    if is_unknown(types):
        f.cannot_decide("enabledClusterLogTypes")
        return
    enabled = set(elements(types))
    missing = [t for t in REQUIRED_LOG_TYPES if t not in enabled]
    f.check(not missing, f"enabledClusterLogTypes must include {', '.join(missing)}")


CHECKS.resource("cluster-audit-logs", {EKS_CLUSTER: _audit_logs})


def _access_entries(props: Any, ctx: RuleContext, f: Findings) -> None:
    mode = get(props, "accessConfig", "authenticationMode")
    f.check(equals(mode, "API"), f"accessConfig.authenticationMode must be API (access entries), not {mode!r}")


CHECKS.resource("cluster-access-entries", {EKS_CLUSTER: _access_entries})


def _workload_identity(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    providers = stack.of_type(OIDC_PROVIDER)
    addons = [a for a in stack.of_type(EKS_ADDON) if get(a.props, "addonName") == "eks-pod-identity-agent"]
    for cluster in stack.of_type(EKS_CLUSTER):
        names = [get(cluster.props, "name")]
        irsa = [p for p in providers if stack.linked(p, "url", cluster)]
        pod_identity = [a for a in addons if stack.linked(a, "clusterName", cluster, names)]
        if not irsa and not pod_identity:
            f.violation(f"EKS cluster '{cluster.name}' has neither an IAM OIDC provider (IRSA) nor the "
                        "eks-pod-identity-agent add-on: pods would fall back to the node role", cluster.urn)


CHECKS.stack("cluster-workload-identity", _workload_identity, (EKS_CLUSTER, OIDC_PROVIDER, EKS_ADDON))


def _imdsv2(props: Any) -> tuple[Any, str]:
    """(ok, message) for a launch template's metadata options."""
    options = get(props, "metadataOptions")
    if is_unknown(options):
        return UNKNOWN, "metadataOptions"
    endpoint = get(options, "httpEndpoint")
    if endpoint == "disabled":
        return True, ""
    tokens = get(options, "httpTokens")
    hops = as_number(get(options, "httpPutResponseHopLimit"))
    if is_unknown(tokens) or is_unknown(endpoint) or is_unknown(hops):
        return UNKNOWN, "metadataOptions"
    if tokens != "required":
        return False, f"metadataOptions.httpTokens must be 'required' (IMDSv2), not {tokens!r}"
    if hops is not None and hops > 2:
        return False, f"metadataOptions.httpPutResponseHopLimit must be 1 or 2, not {hops}"
    return True, ""


def _launch_template(props: Any, ctx: RuleContext, f: Findings) -> None:
    ok, message = _imdsv2(props)
    f.check(ok, message)


CHECKS.resource("node-metadata-imdsv2", {LAUNCH_TEMPLATE: _launch_template})


def _node_groups(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    templates = stack.of_type(LAUNCH_TEMPLATE)
    for group in stack.of_type(EKS_NODE_GROUP):
        reference = get(group.props, "launchTemplate")
        if reference is None:
            f.violation(f"node group '{group.name}' has no launch template: EKS's default does not require "
                        "IMDSv2", group.urn)
            continue
        linked = [t for t in templates
                  if stack.linked(group, "launchTemplate", t)
                  or (get(reference, "name") not in (None, UNKNOWN) and get(reference, "name") == get(t.props, "name"))]
        if not linked:
            f.cannot_decide(f"launch template of node group '{group.name}' is not a resource of this stack (cannot verify it)")
            continue
        for template in linked:
            ok, message = _imdsv2(template.props)
            f.check(ok, f"launch template '{template.name}' of node group '{group.name}': {message}", template.urn)


CHECKS.stack("node-group-imdsv2", _node_groups, (EKS_NODE_GROUP, LAUNCH_TEMPLATE))


def _kms_rotation(props: Any, ctx: RuleContext, f: Findings) -> None:
    spec = get(props, "customerMasterKeySpec")
    usage = get(props, "keyUsage")
    if is_unknown(spec) or is_unknown(usage):
        f.cannot_decide("key spec")
        return
    if spec not in (None, "SYMMETRIC_DEFAULT") or usage not in (None, "ENCRYPT_DECRYPT"):
        return  # asymmetric and HMAC keys cannot rotate automatically
    f.check(truth(get(props, "enableKeyRotation")), "enableKeyRotation must be true")


CHECKS.resource("kms-key-rotation", {KMS_KEY: _kms_rotation})
