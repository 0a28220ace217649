"""Model storage: the bucket Rasa loads its model from.

pulumi-aws v7 moved a bucket's encryption, versioning, public access block, ownership controls
and policy into separate resources that name the bucket, so every rule here is a stack rule that
joins them to their bucket (by the `bucket` property's dependency, else its name, else the
resource's dependencies). Per cloud, a row of `BUCKETS` says how to check one storage resource.
Azure storage accounts and GCS buckets are checked on their own properties once their SDKs are in
the project: add a row (resource type → check) to each table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from .common import (
    UNKNOWN, Findings, RuleSet, StackIndex, elements, equals,
    get, is_seq, is_unknown, plain, contains_unknown, present, truth,
)

rules = RuleSet()

AWS_BUCKET = "aws:s3/bucket:Bucket"
AWS_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
AWS_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
AWS_ENCRYPTION_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
AWS_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
AWS_VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
AWS_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
AWS_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"

PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _bucket_names(bucket: PolicyResource) -> list[Any]:
    return [get(bucket.props, "bucket")]


def _attached(stack: StackIndex, bucket: PolicyResource, *child_types: str) -> list[PolicyResource]:
    found: list[PolicyResource] = []
    for child_type in child_types:
        found += stack.children_of(bucket, child_type, "bucket", _bucket_names(bucket))
    return found


def _for_each_bucket(stack: StackIndex, f: Findings, checks: Mapping[str, Any]) -> None:
    for bucket in stack.of_type(*checks):
        checks[bucket.resource_type](stack, bucket, f)


# -- public access --------------------------------------------------------------------------------


def _aws_public_access(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    acl = get(bucket.props, "acl")
    f.check(UNKNOWN if is_unknown(acl) else acl not in PUBLIC_ACLS,
            f"bucket '{bucket.name}' has the public ACL '{acl}'", bucket.urn)
    blocks = _attached(stack, bucket, AWS_PUBLIC_ACCESS_BLOCK)
    if not blocks:
        f.violation(f"bucket '{bucket.name}' has no BucketPublicAccessBlock", bucket.urn)
    for block in blocks:
        for flag in PUBLIC_ACCESS_FLAGS:
            f.check(truth(get(block.props, flag)),
                    f"BucketPublicAccessBlock '{block.name}' of bucket '{bucket.name}' must set {flag}: true", block.urn)


rules.stack(
    "storage-public-access-blocked",
    "Model storage is never public: every bucket has a public access block with all four flags on "
    "and no public ACL.",
    "Add aws.s3.BucketPublicAccessBlock(bucket=<bucket>.id, block_public_acls=True, "
    "block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True); drop any public acl.",
    lambda stack, ctx, f: _for_each_bucket(stack, f, {AWS_BUCKET: _aws_public_access}),
    resource_types=(AWS_BUCKET, AWS_PUBLIC_ACCESS_BLOCK),
    severity=Severity.CRITICAL,
)


# -- encryption with a customer key -------------------------------------------------------------


def _aws_encryption(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    configs = _attached(stack, bucket, AWS_ENCRYPTION, AWS_ENCRYPTION_V2)
    if not configs:
        f.violation(f"bucket '{bucket.name}' has no BucketServerSideEncryptionConfiguration", bucket.urn)
    for config in configs:
        rules_ = get(config.props, "rules", default=[])
        if is_unknown(rules_):
            f.cannot_decide(f"encryption rules of '{config.name}'")
            continue
        items = elements(rules_)
        if not items:
            f.violation(f"encryption configuration '{config.name}' has no rule", config.urn)
        for rule in items:
            algorithm = get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
            key = get(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId")
            f.check(equals(algorithm, "aws:kms", "aws:kms:dsse"),
                    f"'{config.name}' must use SSE-KMS (sseAlgorithm aws:kms), not {algorithm!r}", config.urn)
            f.check(present(key), f"'{config.name}' must name a customer KMS key (kmsMasterKeyId)", config.urn)
            if not is_unknown(algorithm) and algorithm == "aws:kms":
                f.check(truth(get(rule, "bucketKeyEnabled")),
                        f"'{config.name}' must enable the S3 bucket key (bucketKeyEnabled: true)", config.urn)


rules.stack(
    "storage-encrypted-with-customer-key",
    "Model storage is encrypted at rest with a customer-managed KMS key (SSE-KMS with a bucket key).",
    "Add aws.s3.BucketServerSideEncryptionConfiguration with apply_server_side_encryption_by_default="
    "{sse_algorithm: 'aws:kms', kms_master_key_id: <key arn>} and bucket_key_enabled=True.",
    lambda stack, ctx, f: _for_each_bucket(stack, f, {AWS_BUCKET: _aws_encryption}),
    resource_types=(AWS_BUCKET, AWS_ENCRYPTION),
)


# -- versioning ---------------------------------------------------------------------------------


def _aws_versioning(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    configs = _attached(stack, bucket, AWS_VERSIONING, AWS_VERSIONING_V2)
    if not configs:
        f.violation(f"bucket '{bucket.name}' has no BucketVersioning", bucket.urn)
    for config in configs:
        status = get(config.props, "versioningConfiguration", "status")
        f.check(equals(status, "Enabled"),
                f"BucketVersioning '{config.name}' must have status Enabled, not {status!r}", config.urn)


rules.stack(
    "storage-versioning-enabled",
    "Model storage keeps previous versions, so a bad upload or a deletion can be rolled back.",
    "Add aws.s3.BucketVersioning(bucket=<bucket>.id, versioning_configuration={'status': 'Enabled'}).",
    lambda stack, ctx, f: _for_each_bucket(stack, f, {AWS_BUCKET: _aws_versioning}),
    resource_types=(AWS_BUCKET, AWS_VERSIONING),
)


# -- object ownership (ACLs off) -----------------------------------------------------------------


def _aws_ownership(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    controls = _attached(stack, bucket, AWS_OWNERSHIP)
    if not controls:
        f.violation(f"bucket '{bucket.name}' has no BucketOwnershipControls", bucket.urn)
    for control in controls:
        ownership = get(control.props, "rule", "objectOwnership")
        f.check(equals(ownership, "BucketOwnerEnforced"),
                f"BucketOwnershipControls '{control.name}' must be BucketOwnerEnforced, not {ownership!r}", control.urn)


rules.stack(
    "storage-owner-enforced",
    "Model storage has ACLs disabled (BucketOwnerEnforced): access is decided by policies only.",
    "Add aws.s3.BucketOwnershipControls(bucket=<bucket>.id, rule={'object_ownership': 'BucketOwnerEnforced'}).",
    lambda stack, ctx, f: _for_each_bucket(stack, f, {AWS_BUCKET: _aws_ownership}),
    resource_types=(AWS_BUCKET, AWS_OWNERSHIP),
)


# -- TLS only --------------------------------------------------------------------------------------


def _ci(mapping: Any, key: str) -> Any:
    """Case-insensitive key lookup in a policy document."""
    if not isinstance(mapping, Mapping):
        return None
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == key.lower():
            return v
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if is_seq(value) else [value]


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    aws = _ci(principal, "AWS")
    return "*" in _as_list(aws)


def _all_s3_actions(action: Any) -> bool:
    return any(a in ("*", "s3:*") for a in _as_list(action))


def _condition_values(statement: Any, operator: str, key: str) -> list[str]:
    block = _ci(_ci(statement, "Condition"), operator)
    return [str(v).lower() for v in _as_list(_ci(block, key))]


def _deny_statements(document: Any) -> list[Any]:
    statements = _as_list(_ci(document, "Statement"))
    return [s for s in statements if isinstance(s, Mapping) and str(_ci(s, "Effect")).lower() == "deny"
            and _everyone(_ci(s, "Principal")) and _all_s3_actions(_ci(s, "Action"))]


def tls_policy_findings(document: Any) -> list[str]:
    """What a bucket policy document lacks to allow TLS ≥ 1.2 only (empty: nothing)."""
    denies = _deny_statements(document)
    missing = []
    if not any("false" in _condition_values(s, "Bool", "aws:SecureTransport") for s in denies):
        missing.append("a Deny of s3:* for everyone when aws:SecureTransport is false")
    tls_ok = False
    for s in denies:
        for value in _condition_values(s, "NumericLessThan", "s3:TlsVersion"):
            try:
                tls_ok = tls_ok or float(value) >= 1.2
            except ValueError:
                pass
    if not tls_ok:
        missing.append("a Deny of s3:* for everyone when s3:TlsVersion is NumericLessThan 1.2")
    return missing


def _aws_tls_policy(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    policies = _attached(stack, bucket, AWS_BUCKET_POLICY)
    if not policies:
        f.violation(f"bucket '{bucket.name}' has no BucketPolicy denying non-TLS access", bucket.urn)
    for policy in policies:
        raw = plain(get(policy.props, "policy"))
        if contains_unknown(raw):
            f.cannot_decide(f"policy document of '{policy.name}'")
            continue
        document = raw
        if isinstance(raw, str):
            try:
                document = json.loads(raw)
            except ValueError:
                f.violation(f"BucketPolicy '{policy.name}' is not valid JSON", policy.urn)
                continue
        for missing in tls_policy_findings(document):
            f.violation(f"BucketPolicy '{policy.name}' of bucket '{bucket.name}' lacks {missing}", policy.urn)


rules.stack(
    "storage-tls-only",
    "Model storage refuses plain HTTP and TLS older than 1.2 (bucket policy).",
    "Add aws.s3.BucketPolicy with two Deny statements for Principal '*' and Action 's3:*' on the bucket "
    "and its objects: Condition Bool aws:SecureTransport 'false', and NumericLessThan s3:TlsVersion '1.2'.",
    lambda stack, ctx, f: _for_each_bucket(stack, f, {AWS_BUCKET: _aws_tls_policy}),
    resource_types=(AWS_BUCKET, AWS_BUCKET_POLICY),
)

POLICIES = rules.policies
