"""Governance: where resources may live and how they are labelled for ownership and cost.

Both rules are driven by policy config and do nothing with the defaults (any region, no tag).
A cloud is a row of `CLOUDS`: the type-token prefix of its resources, its provider type, and
where a resource names its region and tags. Azure (`azure-native:`, `location`) and GCP (`gcp:`,
`region`/`location`, `labels`) rows are added with their SDKs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_policy import ResourceValidationArgs, ReportViolation, ResourceValidationPolicy, Severity

from .common import (
    ADVISORY, MANDATORY, REMEDIATION, UNKNOWN, Findings, RuleContext, config_schema, entries, get,
    is_unknown,
)


@dataclass(frozen=True)
class Cloud:
    prefix: str  # type tokens of its resources start with this
    provider_type: str
    region_props: tuple[str, ...]
    tags_prop: str
    provider_default_tags: tuple[str, ...]  # path to default tags in the provider's props


CLOUDS = (
    Cloud("aws:", "pulumi:providers:aws", ("region",), "tags", ("defaultTags", "tags")),
)

# Resource types without a `tags` input in pulumi-aws 7.51 (skipped by required-tags); checked
# against the SDK's *Args classes for every type the program registers.
UNTAGGABLE = {
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
    "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:kms/alias:Alias",
    "aws:msk/configuration:Configuration",
    "aws:msk/scramSecretAssociation:ScramSecretAssociation",
    "aws:msk/topic:Topic",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
    "aws:secretsmanager/secretVersion:SecretVersion",
}


def _cloud_of(resource_type: str) -> Any:
    for cloud in CLOUDS:
        if resource_type.startswith(cloud.prefix) or resource_type == cloud.provider_type:
            return cloud
    return None


def _policy(name: str, description: str, remediation: str, level: Any, severity: Severity, key: str, check: Any):
    REMEDIATION[name] = remediation

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        cloud = _cloud_of(args.resource_type)
        if cloud is None:
            return
        with Findings(report_violation) as f:
            check(args, cloud, RuleContext(args), f)

    policy = ResourceValidationPolicy(name=name, description=description, validate=validate, enforcement_level=level,
                                      config_schema=config_schema(key), severity=severity,
                                      remediation_steps=remediation)
    policy.resource_types = tuple(f"{c.prefix}*" for c in CLOUDS)  # type: ignore[attr-defined]
    return policy


def _region(args: ResourceValidationArgs, cloud: Cloud, ctx: RuleContext, f: Findings) -> None:
    allowed = ctx.config("allowedRegions")
    if not allowed:
        return
    region = None
    for prop in cloud.region_props:
        region = get(args.props, prop)
        if region is not None:
            break
    if region is None and args.provider is not None:
        for prop in cloud.region_props:
            region = get(args.provider.props, prop)
            if region is not None:
                break
    if region is None:
        f.cannot_decide("region (set on the resource or its provider)")
        return
    f.check(UNKNOWN if is_unknown(region) else region in allowed,
            f"region {region!r} is not one of the allowed regions {allowed}")


def _tags(args: ResourceValidationArgs, cloud: Cloud, ctx: RuleContext, f: Findings) -> None:
    required = ctx.config("requiredTags")
    if not required or args.resource_type in UNTAGGABLE or args.resource_type == cloud.provider_type:
        return
    tags = get(args.props, cloud.tags_prop, default={})
    if is_unknown(tags):
        f.cannot_decide(cloud.tags_prop)
        return
    keys = {k for k, _ in entries(tags)}
    if args.provider is not None:
        defaults = get(args.provider.props, *cloud.provider_default_tags, default={})
        if is_unknown(defaults):
            f.cannot_decide("the provider's default tags")
            return
        keys |= {k for k, _ in entries(defaults)}
    missing = [t for t in required if t not in keys]
    f.check(not missing, f"missing required tags: {', '.join(missing)}")


POLICIES = [
    _policy(
        "allowed-regions",
        "Cloud resources are created only in the regions the organisation allows (data residency).",
        "Set the provider's region (or the resource's region) to one of the allowedRegions in the policy config.",
        MANDATORY, Severity.HIGH, "allowedRegions", _region,
    ),
    _policy(
        "required-tags",
        "Cloud resources carry the tags ownership and cost reports need.",
        "Add the missing keys to the resource's tags, or to the provider's default_tags.",
        ADVISORY, Severity.LOW, "requiredTags", _tags,
    ),
]
