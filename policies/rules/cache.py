"""Lock store: the Redis that serialises Rasa's conversation locks."""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import LOCK_STORE_HIGH_AVAILABILITY, LOCK_STORE_SNAPSHOT_DAYS, always_set
from .declare import ADVISORY, resource_rule

_COMPONENT = "components/<cloud>/lock_store.py"

RULES = (
    resource_rule(
        "cache-transit-encryption",
        "The lock store only accepts TLS connections.",
        always_set("TLS required on every connection", _COMPONENT),
    ),
    resource_rule(
        "cache-encrypted-with-customer-key",
        "The lock store's data and snapshots are encrypted at rest with a customer-managed key.",
        always_set("Encryption at rest with the platform's customer-managed key", _COMPONENT),
    ),
    resource_rule(
        "cache-auth-required",
        "Clients of the lock store must authenticate (Redis AUTH token or RBAC/IAM users).",
        always_set("Client authentication (a generated AUTH token, or IAM users with rasa-platform:aws.iamAuth)",
                   _COMPONENT),
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "cache-no-public-network-access",
        "The lock store has no public endpoint: only a private endpoint (or the private network) reaches it.",
        always_set("Public network access disabled, a private endpoint only", _COMPONENT),
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "cache-multi-az-in-prod",
        "In prod the lock store survives the loss of a node or a zone (Multi-AZ, automatic failover, >= 2 nodes).",
        f"In prod set {LOCK_STORE_HIGH_AVAILABILITY} to true (the prod preset does): a replica in another zone "
        "with automatic failover.",
        config=("environment",),
    ),
    resource_rule(
        "cache-snapshots-in-prod",
        "In prod the lock store keeps daily snapshots (locks are short-lived: advisory).",
        f"In prod set {LOCK_STORE_SNAPSHOT_DAYS} to at least 1 (the prod preset uses 7).",
        level=ADVISORY,
        severity=Severity.LOW,
        config=("environment",),
    ),
)
