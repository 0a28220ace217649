"""Model storage: the bucket (or container) Rasa loads its model from."""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import always_set
from .declare import stack_rule

# Stack rules: on AWS (pulumi-aws v7) these protections are separate resources joined to the bucket.
_COMPONENT = "components/<cloud>/model_storage.py"

RULES = (
    stack_rule(
        "storage-public-access-blocked",
        "Model storage is never public: every bucket has a public access block with all four flags on "
        "and no public ACL.",
        always_set("Public access blocked (every flag on, no public ACL)", _COMPONENT),
        severity=Severity.CRITICAL,
    ),
    stack_rule(
        "storage-encrypted-with-customer-key",
        "Model storage is encrypted at rest with a customer-managed KMS key (SSE-KMS with a bucket key).",
        always_set("Encryption with the platform's customer-managed key", _COMPONENT),
    ),
    stack_rule(
        "storage-versioning-enabled",
        "Model storage keeps previous versions, so a bad upload or a deletion can be rolled back.",
        always_set("Object versioning", _COMPONENT),
    ),
    stack_rule(
        "storage-owner-enforced",
        "Model storage has ACLs disabled (BucketOwnerEnforced): access is decided by policies only.",
        always_set("ACLs disabled (owner-enforced object ownership)", _COMPONENT),
    ),
    stack_rule(
        "storage-tls-only",
        "Model storage refuses plain HTTP and TLS older than 1.2 (bucket policy).",
        always_set("A policy refusing plain HTTP and TLS older than 1.2", _COMPONENT),
    ),
)
