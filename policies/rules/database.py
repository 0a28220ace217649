"""Tracker store: the PostgreSQL Rasa keeps every conversation in."""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import PROTECTION, TRACKER_STORE_BACKUP_DAYS, TRACKER_STORE_HIGH_AVAILABILITY, always_set
from .declare import ADVISORY, resource_rule, stack_rule

_COMPONENT = "components/<cloud>/tracker_store.py"

RULES = (
    resource_rule(
        "database-encrypted-with-customer-key",
        "The tracker store's storage, backups and snapshots are encrypted with a customer-managed key.",
        always_set("Storage, backups and snapshots encrypted with the platform's customer-managed key", _COMPONENT),
    ),
    resource_rule(
        "database-not-public",
        "The tracker store has no public address: only the private network reaches it.",
        always_set("No public address, private subnets only", _COMPONENT),
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "database-backup-retention",
        "The tracker store keeps automated backups long enough to recover (default >= 7 days, >= 14 in prod).",
        f"Set {TRACKER_STORE_BACKUP_DAYS} to at least the pack's minimum: minBackupDays (default 7), in prod "
        "minBackupDaysProd (default 14).",
        config=("environment", "minBackupDays", "minBackupDaysProd"),
    ),
    resource_rule(
        "database-multi-az-in-prod",
        "In prod the tracker store has a standby in another zone (Multi-AZ).",
        f"In prod set {TRACKER_STORE_HIGH_AVAILABILITY} to true (the prod preset does).",
        config=("environment",),
    ),
    resource_rule(
        "database-deletion-protection-in-prod",
        "In prod the tracker store cannot be deleted by accident (deletion protection).",
        f"In prod set {PROTECTION} to true (deletion protection, a final snapshot and Pulumi protect).",
        config=("environment",),
    ),
    resource_rule(
        "database-final-snapshot-in-prod",
        "In prod deleting the tracker store leaves a final snapshot.",
        f"In prod set {PROTECTION} to true (deleting the database then leaves a final snapshot).",
        config=("environment",),
    ),
    resource_rule(
        "database-monitoring",
        "The tracker store exports its logs and has Performance Insights, so incidents can be diagnosed.",
        always_set("Server log exports and Performance Insights", _COMPONENT),
        level=ADVISORY,
        severity=Severity.LOW,
    ),
    # A stack rule: on AWS the server's TLS setting lives in a separate parameter group.
    stack_rule(
        "database-tls-enforced",
        "The tracker store refuses connections without TLS (PostgreSQL rds.force_ssl=1).",
        always_set("The server refusing connections without TLS (server parameters of this stack)", _COMPONENT),
    ),
)
