"""The lock store on ElastiCache (a Redis replication group)."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, any3, as_number, at_least, get, is_unknown, present, truth
from ..stack_keys import LOCK_STORE_HIGH_AVAILABILITY, LOCK_STORE_SNAPSHOT_DAYS, from_setting
from .types import REPLICATION_GROUP

CHECKS = CheckSet(__name__)


def _transit(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "transitEncryptionEnabled")), "transitEncryptionEnabled must be true")
    mode = get(props, "transitEncryptionMode")
    f.check(UNKNOWN if is_unknown(mode) else mode in (None, "required"),
            f"transitEncryptionMode must be 'required', not {mode!r} (plain-text clients would be accepted)")


CHECKS.resource("cache-transit-encryption", {REPLICATION_GROUP: _transit})


def _at_rest(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "atRestEncryptionEnabled")), "atRestEncryptionEnabled must be true")
    f.check(present(get(props, "kmsKeyId")), "kmsKeyId must name a customer KMS key")


CHECKS.resource("cache-encrypted-with-customer-key", {REPLICATION_GROUP: _at_rest})


def _auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    user_groups = get(props, "userGroupIds", default=[])
    f.check(any3(present(get(props, "authToken")), present(get(props, "authTokenWo")), present(user_groups)),
            "no authentication: set an AUTH token (authToken) or RBAC/IAM users (userGroupIds)")


CHECKS.resource("cache-auth-required", {REPLICATION_GROUP: _auth})


def _availability(message: str, set_off: bool) -> str:
    """components/aws/lock_store.py writes one node without failover exactly when
    lockStore.highAvailability is false: name the key when the value is the one it writes."""
    return from_setting(LOCK_STORE_HIGH_AVAILABILITY, False, message) if set_off else message


def _multi_az(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "replication group"):
        return
    failover, multi_az = get(props, "automaticFailoverEnabled"), get(props, "multiAzEnabled")
    nodes = as_number(get(props, "numCacheClusters"))
    f.check(truth(failover), _availability("prod: automaticFailoverEnabled must be true", failover is False))
    f.check(truth(multi_az), _availability("prod: multiAzEnabled must be true", multi_az is False))
    f.check(any3(at_least(nodes, 2), at_least(get(props, "replicasPerNodeGroup"), 1)),
            _availability("prod: at least 2 nodes (numCacheClusters >= 2 or replicasPerNodeGroup >= 1)", nodes == 1))


CHECKS.resource("cache-multi-az-in-prod", {REPLICATION_GROUP: _multi_az})


def _snapshots(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "replication group"):
        return
    days = as_number(get(props, "snapshotRetentionLimit"))
    message = "prod: snapshotRetentionLimit should be >= 1 day"
    f.check(at_least(days, 1), from_setting(LOCK_STORE_SNAPSHOT_DAYS, days, message) if days == 0 else message)


CHECKS.resource("cache-snapshots-in-prod", {REPLICATION_GROUP: _snapshots})
