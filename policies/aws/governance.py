"""Regions and tags of AWS resources, and the tag that says a resource's environment."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import Findings, RuleContext, check_allowed_region, entries, get, is_unknown
from ..stack_keys import TAGS
from .types import ANY, PROVIDER

CHECKS = CheckSet(__name__)

# The tags components/aws/tags.py puts on every resource to say its environment.
ENVIRONMENT_TAGS = ("rasa-platform:environment", "rasa-platform.io/environment")

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


def _environment_tag(props: Any) -> Any:
    for tag in ENVIRONMENT_TAGS:
        value = get(props, "tags", tag)
        if value is not None:
            return value
    return None


CHECKS.environment_from(_environment_tag)


def _region(props: Any, ctx: RuleContext, f: Findings) -> None:
    allowed = ctx.config("allowedRegions")
    if not allowed:
        return
    provider = ctx.args.provider
    region = get(props, "region")
    if region is None and provider is not None:
        region = get(provider.props, "region")
    if region is None:
        f.cannot_decide("region (set on the resource or its provider)")
        return
    check_allowed_region(f, "region", region, allowed)


CHECKS.resource("allowed-regions", {ANY: _region, PROVIDER: _region})


def _tags(props: Any, ctx: RuleContext, f: Findings) -> None:
    required = ctx.config("requiredTags")
    if not required or ctx.args.resource_type in UNTAGGABLE:
        return
    tags = get(props, "tags", default={})
    if is_unknown(tags):
        f.cannot_decide("tags")
        return
    keys = {k for k, _ in entries(tags)}
    if ctx.args.provider is not None:
        defaults = get(ctx.args.provider.props, "defaultTags", "tags", default={})
        if is_unknown(defaults):
            f.cannot_decide("the provider's default tags")
            return
        keys |= {k for k, _ in entries(defaults)}
    missing = [t for t in required if t not in keys]
    f.check(not missing, f"missing required tags: {', '.join(missing)} (add them to {TAGS})")


# The provider itself carries no tags of its own: only its resources are checked.
CHECKS.resource("required-tags", {ANY: _tags})
