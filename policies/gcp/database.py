"""The tracker store on Cloud SQL for PostgreSQL."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource

from ..checks import CheckSet
from ..common import Findings, RuleContext, StackIndex, any3, as_number, at_least, equals, get, not_true, present, truth
from ..stack_keys import PROTECTION, TRACKER_STORE_BACKUP_DAYS, TRACKER_STORE_HIGH_AVAILABILITY
from .types import SQL_INSTANCE

CHECKS = CheckSet(__name__)


def _cmek(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(present(get(props, "encryptionKeyName")), "encryptionKeyName must name a Cloud KMS key (CMEK)")


def _private(props: Any, ctx: RuleContext, f: Findings) -> None:
    ip = ("settings", "ipConfiguration")
    f.check(not_true(get(props, *ip, "ipv4Enabled", default=True)), "settings.ipConfiguration.ipv4Enabled must be false (no public IP)")
    f.check(present(get(props, *ip, "privateNetwork")), "settings.ipConfiguration.privateNetwork must name the VPC (private IP)")


def _backups(props: Any, ctx: RuleContext, f: Findings) -> None:
    backup = ("settings", "backupConfiguration")
    f.check(truth(get(props, *backup, "enabled")), "settings.backupConfiguration.enabled must be true")
    f.check(truth(get(props, *backup, "pointInTimeRecoveryEnabled")), "point-in-time recovery must be on")
    minimum = ctx.min_backup_days(props)
    kept = as_number(get(props, *backup, "backupRetentionSettings", "retainedBackups"))
    f.check(at_least(kept, minimum), f"retainedBackups must be >= {minimum} (daily backups); set {TRACKER_STORE_BACKUP_DAYS}")


def _regional(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Cloud SQL instance"):
        return
    availability = get(props, "settings", "availabilityType")
    f.check(equals(availability, "REGIONAL"),
            f"prod: settings.availabilityType must be REGIONAL, not {availability!r}; set {TRACKER_STORE_HIGH_AVAILABILITY}: true")


def _deletion_protection(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Cloud SQL instance"):
        return
    f.check(truth(get(props, "settings", "deletionProtectionEnabled")),
            f"prod: settings.deletionProtectionEnabled must be true; set {PROTECTION}: true")


def _final_backup(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Cloud SQL instance"):
        return
    f.check(any3(truth(get(props, "settings", "finalBackupConfig", "enabled")), truth(get(props, "settings", "retainBackupsOnDelete"))),
            f"prod: deleting the instance must leave a final backup (settings.finalBackupConfig.enabled); set {PROTECTION}: true")


def _insights(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "settings", "insightsConfig", "queryInsightsEnabled")), "settings.insightsConfig.queryInsightsEnabled should be true")


def _tls(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for instance in stack.of_type(SQL_INSTANCE):
        _instance_tls(instance, f)


def _instance_tls(instance: PolicyResource, f: Findings) -> None:
    mode = get(instance.props, "settings", "ipConfiguration", "sslMode")
    f.check(equals(mode, "ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"),
            f"Cloud SQL instance '{instance.name}' must refuse connections without TLS (sslMode ENCRYPTED_ONLY), not {mode!r}",
            instance.urn)


CHECKS.resource("database-encrypted-with-customer-key", {SQL_INSTANCE: _cmek})
CHECKS.resource("database-not-public", {SQL_INSTANCE: _private})
CHECKS.resource("database-backup-retention", {SQL_INSTANCE: _backups})
CHECKS.resource("database-multi-az-in-prod", {SQL_INSTANCE: _regional})
CHECKS.resource("database-deletion-protection-in-prod", {SQL_INSTANCE: _deletion_protection})
CHECKS.resource("database-final-snapshot-in-prod", {SQL_INSTANCE: _final_backup})
CHECKS.resource("database-monitoring", {SQL_INSTANCE: _insights})
CHECKS.stack("database-tls-enforced", _tls, (SQL_INSTANCE,))
