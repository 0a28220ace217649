"""Model storage on GCS: every protection is a property of the bucket itself."""

from __future__ import annotations

from pulumi_policy import PolicyResource

from ..checks import CheckSet
from ..common import Findings, RuleContext, StackIndex, equals, get, present, truth
from .types import BUCKET

CHECKS = CheckSet(__name__)


def _per_bucket(check):
    def run(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
        for bucket in stack.of_type(BUCKET):
            check(bucket, f)

    return run


def _public(bucket: PolicyResource, f: Findings) -> None:
    prevention = get(bucket.props, "publicAccessPrevention")
    f.check(equals(prevention, "enforced"),
            f"bucket '{bucket.name}' must set publicAccessPrevention 'enforced', not {prevention!r}", bucket.urn)


def _uniform(bucket: PolicyResource, f: Findings) -> None:
    f.check(truth(get(bucket.props, "uniformBucketLevelAccess")),
            f"bucket '{bucket.name}' must set uniformBucketLevelAccess: true (no object ACLs)", bucket.urn)


def _cmek(bucket: PolicyResource, f: Findings) -> None:
    f.check(present(get(bucket.props, "encryption", "defaultKmsKeyName")),
            f"bucket '{bucket.name}' must name a customer key (encryption.defaultKmsKeyName)", bucket.urn)


def _versioning(bucket: PolicyResource, f: Findings) -> None:
    f.check(truth(get(bucket.props, "versioning", "enabled")),
            f"bucket '{bucket.name}' must enable versioning", bucket.urn)


CHECKS.stack("storage-public-access-blocked", _per_bucket(_public), (BUCKET,))
CHECKS.stack("storage-owner-enforced", _per_bucket(_uniform), (BUCKET,))
CHECKS.stack("storage-encrypted-with-customer-key", _per_bucket(_cmek), (BUCKET,))
CHECKS.stack("storage-versioning-enabled", _per_bucket(_versioning), (BUCKET,))
