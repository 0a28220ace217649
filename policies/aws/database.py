"""The tracker store on RDS for PostgreSQL. Its TLS enforcement lives in a parameter group, so that
check joins the instance to its group."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource

from ..checks import CheckSet
from ..common import (
    UNKNOWN, Findings, RuleContext, StackIndex, as_number, at_least, elements, get, is_unknown, not_true, present,
    truth,
)
from ..stack_keys import PROTECTION, TRACKER_STORE_BACKUP_DAYS, TRACKER_STORE_HIGH_AVAILABILITY, from_setting
from .types import DB_INSTANCE, DB_PARAMETER_GROUP

CHECKS = CheckSet(__name__)


def _encryption(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "storageEncrypted")), "storageEncrypted must be true")
    f.check(present(get(props, "kmsKeyId")), "kmsKeyId must name a customer KMS key")


CHECKS.resource("database-encrypted-with-customer-key", {DB_INSTANCE: _encryption})


def _not_public(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(not_true(get(props, "publiclyAccessible")), "publiclyAccessible must be false")


CHECKS.resource("database-not-public", {DB_INSTANCE: _not_public})


def _backups(props: Any, ctx: RuleContext, f: Findings) -> None:
    retention = get(props, "backupRetentionPeriod")
    days = as_number(retention)

    def too_short(minimum: Any) -> str:
        message = f"backupRetentionPeriod must be >= {minimum} days, got {retention!r}"
        if retention is None:
            return message + " (an unset value means the API default of 1 day)"
        # components/aws/tracker_store.py writes trackerStore.backupDays here.
        return from_setting(TRACKER_STORE_BACKUP_DAYS, days, message) if isinstance(days, (int, float)) else message

    minimum = ctx.min_backup_days(props)
    if is_unknown(minimum):
        # Environment unknown: the lower threshold still decides a failure.
        lower, prod_minimum = ctx.config("minBackupDays"), ctx.config("minBackupDaysProd")
        ok = at_least(retention, lower)
        f.check(ok, too_short(lower))
        if ok is True and at_least(retention, prod_minimum) is not True:
            f.cannot_decide(f"environment (prod needs backupRetentionPeriod >= {prod_minimum})")
        return
    f.check(at_least(retention, minimum), too_short(minimum))


CHECKS.resource("database-backup-retention", {DB_INSTANCE: _backups})


def _multi_az(props: Any, ctx: RuleContext, f: Findings) -> None:
    if ctx.in_prod(props, f, "DB instance"):
        multi_az = get(props, "multiAz")
        message = "prod: multiAz must be true"
        f.check(truth(multi_az),
                from_setting(TRACKER_STORE_HIGH_AVAILABILITY, False, message) if multi_az is False else message)


CHECKS.resource("database-multi-az-in-prod", {DB_INSTANCE: _multi_az})


def _protection_off(message: str, set_off: bool) -> str:
    """The program writes these values exactly when protection is off: name the key then."""
    return from_setting(PROTECTION, False, message) if set_off else message


def _deletion_protection(props: Any, ctx: RuleContext, f: Findings) -> None:
    if ctx.in_prod(props, f, "DB instance"):
        value = get(props, "deletionProtection")
        f.check(truth(value), _protection_off("prod: deletionProtection must be true", value is False))


CHECKS.resource("database-deletion-protection-in-prod", {DB_INSTANCE: _deletion_protection})


def _final_snapshot(props: Any, ctx: RuleContext, f: Findings) -> None:
    if ctx.in_prod(props, f, "DB instance"):
        skip = get(props, "skipFinalSnapshot")
        f.check(not_true(skip), _protection_off("prod: skipFinalSnapshot must be false", skip is True))
        f.check(present(get(props, "finalSnapshotIdentifier")),
                _protection_off("prod: finalSnapshotIdentifier must be set", skip is True))


CHECKS.resource("database-final-snapshot-in-prod", {DB_INSTANCE: _final_snapshot})


def _monitoring(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "performanceInsightsEnabled")), "performanceInsightsEnabled should be true")
    exports = get(props, "enabledCloudwatchLogsExports", default=[])
    engine = get(props, "engine")
    if is_unknown(exports):
        f.cannot_decide("enabledCloudwatchLogsExports")
    elif not is_unknown(engine) and str(engine or "").startswith("postgres"):
        f.check("postgresql" in list(elements(exports)), "enabledCloudwatchLogsExports should include 'postgresql'")


CHECKS.resource("database-monitoring", {DB_INSTANCE: _monitoring})


# -- TLS enforced by the server (instance → parameter group) ---------------------------------------


def _parameter(group: PolicyResource, name: str) -> Any:
    params = get(group.props, "parameters", default=[])
    if is_unknown(params):
        return UNKNOWN
    for param in elements(params):
        if is_unknown(param):
            return UNKNOWN
        if get(param, "name") == name:
            return get(param, "value")
    return None


def _force_ssl(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    groups = stack.of_type(DB_PARAMETER_GROUP)
    for instance in stack.of_type(DB_INSTANCE):
        engine = get(instance.props, "engine")
        if is_unknown(engine):
            f.cannot_decide(f"engine of '{instance.name}'")
            continue
        if not str(engine or "").startswith("postgres"):
            continue
        group_name = get(instance.props, "parameterGroupName")
        if group_name is None:
            f.violation(f"DB instance '{instance.name}' uses the default parameter group: "
                        "attach one of this stack with rds.force_ssl=1", instance.urn)
            continue
        linked = [g for g in groups if stack.linked(instance, "parameterGroupName", g, [get(g.props, "name")])]
        if not linked:
            if is_unknown(group_name):
                f.cannot_decide(f"parameter group of '{instance.name}'")
            else:
                f.violation(f"DB instance '{instance.name}' uses parameter group {group_name!r}, which is not "
                            "part of this stack: rds.force_ssl=1 cannot be verified", instance.urn)
            continue
        for group in linked:
            value = _parameter(group, "rds.force_ssl")
            f.check(UNKNOWN if is_unknown(value) else str(value) == "1",
                    f"parameter group '{group.name}' of '{instance.name}' must set rds.force_ssl=1 (got {value!r})",
                    group.urn)


CHECKS.stack("database-tls-enforced", _force_ssl, (DB_INSTANCE, DB_PARAMETER_GROUP))
