"""Kubernetes cluster: control plane, node metadata, keys.

Resource rules are tables of resource type → check; AKS and GKE rows belong here once
pulumi-azure-native and pulumi-gcp are part of the project.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import Severity

from .common import (
    UNKNOWN, Findings, RuleContext, RuleSet, StackIndex, as_number, elements, equals, get,
    is_unknown, present, truth,
)

rules = RuleSet()

AWS_EKS_CLUSTER = "aws:eks/cluster:Cluster"
AWS_EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
AWS_EKS_ADDON = "aws:eks/addon:Addon"
AWS_EKS_POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
AWS_OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
AWS_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_KMS_KEY = "aws:kms/key:Key"

OPEN_CIDRS = ("0.0.0.0/0", "::/0")
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")


def _aws_endpoint(props: Any, ctx: RuleContext, f: Findings) -> None:
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
    f.check(bool(listed) and not any(c in OPEN_CIDRS for c in listed),
            "the public API endpoint must be off (endpointPublicAccess: false) or limited to listed CIDRs, "
            f"not {listed or 'the default 0.0.0.0/0'}")


rules.resource(
    "cluster-private-endpoint",
    "The Kubernetes API is reachable privately, and publicly only from listed CIDRs (never 0.0.0.0/0).",
    "Set vpc_config.endpoint_private_access=True and endpoint_public_access=False, or public_access_cidrs "
    "to the operators' ranges.",
    {AWS_EKS_CLUSTER: _aws_endpoint},
    severity=Severity.CRITICAL,
)


def _aws_secrets_encryption(props: Any, ctx: RuleContext, f: Findings) -> None:
    config = get(props, "encryptionConfig")
    if config is None:
        f.violation("encryptionConfig is not set: Kubernetes secrets are not envelope-encrypted with KMS")
        return
    resources = get(config, "resources", default=[])
    f.check(UNKNOWN if is_unknown(resources) else "secrets" in elements(resources),
            "encryptionConfig.resources must include 'secrets'")
    f.check(present(get(config, "provider", "keyArn")), "encryptionConfig.provider.keyArn must name a KMS key")


rules.resource(
    "cluster-secrets-encryption",
    "Kubernetes secrets are envelope-encrypted in etcd with a customer-managed KMS key.",
    "Set encryption_config={'provider': {'key_arn': <key arn>}, 'resources': ['secrets']}.",
    {AWS_EKS_CLUSTER: _aws_secrets_encryption},
)


def _aws_audit_logs(props: Any, ctx: RuleContext, f: Findings) -> None:
    types = get(props, "enabledClusterLogTypes", default=[])
    if is_unknown(types):
        f.cannot_decide("enabledClusterLogTypes")
        return
    enabled = set(elements(types))
    missing = [t for t in REQUIRED_LOG_TYPES if t not in enabled]
    f.check(not missing, f"enabledClusterLogTypes must include {', '.join(missing)}")


rules.resource(
    "cluster-audit-logs",
    "The control plane's API, audit and authenticator logs are kept.",
    "Set enabled_cluster_log_types=['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].",
    {AWS_EKS_CLUSTER: _aws_audit_logs},
)


def _aws_access_entries(props: Any, ctx: RuleContext, f: Findings) -> None:
    mode = get(props, "accessConfig", "authenticationMode")
    f.check(equals(mode, "API"), f"accessConfig.authenticationMode must be API (access entries), not {mode!r}")


rules.resource(
    "cluster-access-entries",
    "Cluster access is granted by EKS access entries (auditable IAM), not the aws-auth ConfigMap.",
    "Set access_config={'authentication_mode': 'API'} and grant access with aws.eks.AccessEntry.",
    {AWS_EKS_CLUSTER: _aws_access_entries},
)


def _aws_workload_identity(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    providers = stack.of_type(AWS_OIDC_PROVIDER)
    addons = [a for a in stack.of_type(AWS_EKS_ADDON) if get(a.props, "addonName") == "eks-pod-identity-agent"]
    for cluster in stack.of_type(AWS_EKS_CLUSTER):
        names = [get(cluster.props, "name")]
        irsa = [p for p in providers if stack.linked(p, "url", cluster)]
        pod_identity = [a for a in addons if stack.linked(a, "clusterName", cluster, names)]
        if not irsa and not pod_identity:
            f.violation(f"EKS cluster '{cluster.name}' has neither an IAM OIDC provider (IRSA) nor the "
                        "eks-pod-identity-agent add-on: pods would fall back to the node role", cluster.urn)


rules.stack(
    "cluster-workload-identity",
    "Pods get cloud credentials through workload identity (IRSA or EKS Pod Identity), never the node's role "
    "or static keys.",
    "Create aws.iam.OpenIdConnectProvider for the cluster's OIDC issuer (IRSA), or the eks-pod-identity-agent "
    "add-on, and bind roles to service accounts.",
    _aws_workload_identity,
    resource_types=(AWS_EKS_CLUSTER, AWS_OIDC_PROVIDER, AWS_EKS_ADDON),
)


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


def _aws_launch_template(props: Any, ctx: RuleContext, f: Findings) -> None:
    ok, message = _imdsv2(props)
    f.check(ok, message)


rules.resource(
    "node-metadata-imdsv2",
    "Nodes require IMDSv2 session tokens, so a pod cannot steal node credentials with a simple request.",
    "Set metadata_options={'http_endpoint': 'enabled', 'http_tokens': 'required', "
    "'http_put_response_hop_limit': 1} on the launch template (2 only if a workload needs IMDS).",
    {AWS_LAUNCH_TEMPLATE: _aws_launch_template},
)


def _aws_node_groups(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    templates = stack.of_type(AWS_LAUNCH_TEMPLATE)
    for group in stack.of_type(AWS_EKS_NODE_GROUP):
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


rules.stack(
    "node-group-imdsv2",
    "Every managed node group runs from a launch template of this stack that requires IMDSv2.",
    "Give each aws.eks.NodeGroup launch_template={'id': <template>.id, 'version': <template>.latest_version} "
    "of a template with http_tokens='required'.",
    _aws_node_groups,
    resource_types=(AWS_EKS_NODE_GROUP, AWS_LAUNCH_TEMPLATE),
)


def _aws_kms_rotation(props: Any, ctx: RuleContext, f: Findings) -> None:
    spec = get(props, "customerMasterKeySpec")
    usage = get(props, "keyUsage")
    if is_unknown(spec) or is_unknown(usage):
        f.cannot_decide("key spec")
        return
    if spec not in (None, "SYMMETRIC_DEFAULT") or usage not in (None, "ENCRYPT_DECRYPT"):
        return  # asymmetric and HMAC keys cannot rotate automatically
    f.check(truth(get(props, "enableKeyRotation")), "enableKeyRotation must be true")


rules.resource(
    "kms-key-rotation",
    "Customer-managed symmetric keys rotate their key material automatically.",
    "Set enable_key_rotation=True (rotation_period_in_days optional, default 365).",
    {AWS_KMS_KEY: _aws_kms_rotation},
)

POLICIES = rules.policies
