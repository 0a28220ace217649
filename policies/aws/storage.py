"""Model storage on S3. pulumi-aws v7 moved a bucket's encryption, versioning, public access block,
ownership controls and policy into separate resources that name the bucket, so every check here
joins them to their bucket (by the `bucket` property's dependency, else its name, else the
resource's dependencies)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Callable

from pulumi_policy import PolicyResource

from ..checks import CheckSet
from ..common import (
    UNKNOWN, Findings, RuleContext, StackIndex, contains_unknown, elements, equals, get, is_seq, is_unknown,
    plain, present, truth,
)
from .types import (
    BUCKET, BUCKET_POLICY, ENCRYPTION, ENCRYPTION_V2, OWNERSHIP, PUBLIC_ACCESS_BLOCK, VERSIONING, VERSIONING_V2,
)

CHECKS = CheckSet(__name__)

PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

BucketCheck = Callable[[StackIndex, PolicyResource, Findings], None]


def _attached(stack: StackIndex, bucket: PolicyResource, *child_types: str) -> list[PolicyResource]:
    found: list[PolicyResource] = []
    for child_type in child_types:
        found += stack.children_of(bucket, child_type, "bucket", [get(bucket.props, "bucket")])
    return found


def _per_bucket(check: BucketCheck) -> Callable[[StackIndex, RuleContext, Findings], None]:
    def run(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
        for bucket in stack.of_type(BUCKET):
            check(stack, bucket, f)

    return run


# -- public access --------------------------------------------------------------------------------


def _public_access(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    acl = get(bucket.props, "acl")
    f.check(UNKNOWN if is_unknown(acl) else acl not in PUBLIC_ACLS,
            f"bucket '{bucket.name}' has the public ACL '{acl}'", bucket.urn)
    blocks = _attached(stack, bucket, PUBLIC_ACCESS_BLOCK)
    if not blocks:
        f.violation(f"bucket '{bucket.name}' has no BucketPublicAccessBlock", bucket.urn)
    for block in blocks:
        for flag in PUBLIC_ACCESS_FLAGS:
            f.check(truth(get(block.props, flag)),
                    f"BucketPublicAccessBlock '{block.name}' of bucket '{bucket.name}' must set {flag}: true", block.urn)


CHECKS.stack("storage-public-access-blocked", _per_bucket(_public_access), (BUCKET, PUBLIC_ACCESS_BLOCK))


# -- encryption with a customer key -------------------------------------------------------------


def _encryption(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    configs = _attached(stack, bucket, ENCRYPTION, ENCRYPTION_V2)
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


CHECKS.stack("storage-encrypted-with-customer-key", _per_bucket(_encryption), (BUCKET, ENCRYPTION, ENCRYPTION_V2))


# -- versioning ---------------------------------------------------------------------------------


def _versioning(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    configs = _attached(stack, bucket, VERSIONING, VERSIONING_V2)
    if not configs:
        f.violation(f"bucket '{bucket.name}' has no BucketVersioning", bucket.urn)
    for config in configs:
        status = get(config.props, "versioningConfiguration", "status")
        f.check(equals(status, "Enabled"),
                f"BucketVersioning '{config.name}' must have status Enabled, not {status!r}", config.urn)


CHECKS.stack("storage-versioning-enabled", _per_bucket(_versioning), (BUCKET, VERSIONING, VERSIONING_V2))


# -- object ownership (ACLs off) -----------------------------------------------------------------


def _ownership(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    controls = _attached(stack, bucket, OWNERSHIP)
    if not controls:
        f.violation(f"bucket '{bucket.name}' has no BucketOwnershipControls", bucket.urn)
    for control in controls:
        ownership = get(control.props, "rule", "objectOwnership")
        f.check(equals(ownership, "BucketOwnerEnforced"),
                f"BucketOwnershipControls '{control.name}' must be BucketOwnerEnforced, not {ownership!r}", control.urn)


CHECKS.stack("storage-owner-enforced", _per_bucket(_ownership), (BUCKET, OWNERSHIP))


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


def _tls_policy(stack: StackIndex, bucket: PolicyResource, f: Findings) -> None:
    policies = _attached(stack, bucket, BUCKET_POLICY)
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


CHECKS.stack("storage-tls-only", _per_bucket(_tls_policy), (BUCKET, BUCKET_POLICY))
