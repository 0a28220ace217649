"""The lock store on Memorystore for Redis."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import Findings, RuleContext, at_least, equals, get, present, truth
from ..stack_keys import LOCK_STORE_HIGH_AVAILABILITY, LOCK_STORE_SNAPSHOT_DAYS
from .types import REDIS

CHECKS = CheckSet(__name__)


def _transit(props: Any, ctx: RuleContext, f: Findings) -> None:
    mode = get(props, "transitEncryptionMode")
    f.check(equals(mode, "SERVER_AUTHENTICATION"),
            f"transitEncryptionMode must be 'SERVER_AUTHENTICATION', not {mode!r} (plain-text clients would be accepted)")


def _cmek(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(present(get(props, "customerManagedKey")), "customerManagedKey must name a Cloud KMS key")


def _auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "authEnabled")), "no authentication: set authEnabled: true (Redis AUTH)")


def _ha(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Memorystore instance"):
        return
    tier = get(props, "tier")
    f.check(equals(tier, "STANDARD_HA"),
            f"prod: tier must be STANDARD_HA (a replica in another zone), not {tier!r}; set {LOCK_STORE_HIGH_AVAILABILITY}: true")
    f.check(at_least(get(props, "replicaCount", default=1), 1), "prod: replicaCount must be at least 1")


def _snapshots(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Memorystore instance"):
        return
    mode = get(props, "persistenceConfig", "persistenceMode")
    f.check(equals(mode, "RDB"), f"prod: persistenceConfig.persistenceMode should be RDB, not {mode!r}; set {LOCK_STORE_SNAPSHOT_DAYS} >= 1")


CHECKS.resource("cache-transit-encryption", {REDIS: _transit})
CHECKS.resource("cache-encrypted-with-customer-key", {REDIS: _cmek})
CHECKS.resource("cache-auth-required", {REDIS: _auth})
CHECKS.resource("cache-multi-az-in-prod", {REDIS: _ha})
CHECKS.resource("cache-snapshots-in-prod", {REDIS: _snapshots})
