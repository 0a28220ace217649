"""Lock store: the Redis that serialises Rasa's conversation locks.

Each rule is a table of resource type → check. Azure Cache for Redis / Azure Managed Redis and
Memorystore rows belong here once pulumi-azure-native and pulumi-gcp are part of the project.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import Severity

from .common import (
    ADVISORY, UNKNOWN, Findings, RuleContext, RuleSet, any3, at_least, get, is_unknown,
    present, truth,
)

rules = RuleSet()

AWS_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def _aws_transit(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "transitEncryptionEnabled")), "transitEncryptionEnabled must be true")
    mode = get(props, "transitEncryptionMode")
    f.check(UNKNOWN if is_unknown(mode) else mode in (None, "required"),
            f"transitEncryptionMode must be 'required', not {mode!r} (plain-text clients would be accepted)")


rules.resource(
    "cache-transit-encryption",
    "The lock store only accepts TLS connections.",
    "Set transit_encryption_enabled=True and transit_encryption_mode='required' on the replication group.",
    {AWS_REPLICATION_GROUP: _aws_transit},
)


def _aws_at_rest(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "atRestEncryptionEnabled")), "atRestEncryptionEnabled must be true")
    f.check(present(get(props, "kmsKeyId")), "kmsKeyId must name a customer KMS key")


rules.resource(
    "cache-encrypted-with-customer-key",
    "The lock store's data and snapshots are encrypted at rest with a customer-managed key.",
    "Set at_rest_encryption_enabled=True and kms_key_id=<customer key arn>.",
    {AWS_REPLICATION_GROUP: _aws_at_rest},
)


def _aws_auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    user_groups = get(props, "userGroupIds", default=[])
    f.check(any3(present(get(props, "authToken")), present(get(props, "authTokenWo")), present(user_groups)),
            "no authentication: set an AUTH token (authToken) or RBAC/IAM users (userGroupIds)")


rules.resource(
    "cache-auth-required",
    "Clients of the lock store must authenticate (Redis AUTH token or RBAC/IAM users).",
    "Set auth_token=<generated secret> (or user_group_ids for RBAC/IAM auth); it requires transit encryption.",
    {AWS_REPLICATION_GROUP: _aws_auth},
    severity=Severity.CRITICAL,
)


def _aws_multi_az(props: Any, ctx: RuleContext, f: Findings) -> None:
    prod = ctx.is_prod(props)
    if prod is False:
        return
    if is_unknown(prod):
        f.cannot_decide("environment of the replication group")
        return
    f.check(truth(get(props, "automaticFailoverEnabled")), "prod: automaticFailoverEnabled must be true")
    f.check(truth(get(props, "multiAzEnabled")), "prod: multiAzEnabled must be true")
    f.check(any3(at_least(get(props, "numCacheClusters"), 2), at_least(get(props, "replicasPerNodeGroup"), 1)),
            "prod: at least 2 nodes (numCacheClusters >= 2 or replicasPerNodeGroup >= 1)")


rules.resource(
    "cache-multi-az-in-prod",
    "In prod the lock store survives the loss of a node or a zone (Multi-AZ, automatic failover, >= 2 nodes).",
    "In prod set multi_az_enabled=True, automatic_failover_enabled=True and num_cache_clusters >= 2.",
    {AWS_REPLICATION_GROUP: _aws_multi_az},
    config=("environment",),
)


def _aws_snapshots(props: Any, ctx: RuleContext, f: Findings) -> None:
    prod = ctx.is_prod(props)
    if prod is False:
        return
    if is_unknown(prod):
        f.cannot_decide("environment of the replication group")
        return
    f.check(at_least(get(props, "snapshotRetentionLimit"), 1), "prod: snapshotRetentionLimit should be >= 1 day")


rules.resource(
    "cache-snapshots-in-prod",
    "In prod the lock store keeps daily snapshots (locks are short-lived: advisory).",
    "In prod set snapshot_retention_limit to at least 1 (the preset uses 7).",
    {AWS_REPLICATION_GROUP: _aws_snapshots},
    level=ADVISORY,
    severity=Severity.LOW,
    config=("environment",),
)

POLICIES = rules.policies
