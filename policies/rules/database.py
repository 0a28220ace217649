"""Tracker store: the PostgreSQL Rasa keeps every conversation in.

Each resource rule is a table of resource type → check (Azure Flexible Server and Cloud SQL rows
belong here once their SDKs are in the project). TLS enforcement lives in a parameter group on
AWS, so that rule joins the instance to its group at stack level.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource, Severity

from .common import (
    ADVISORY, UNKNOWN, Findings, RuleContext, RuleSet, StackIndex, at_least, elements, get,
    is_unknown, min_backup_days, not_true, present, truth,
)

rules = RuleSet()

AWS_DB_INSTANCE = "aws:rds/instance:Instance"
AWS_DB_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"


def _prod(props: Any, ctx: RuleContext, f: Findings, what: str) -> Any:
    prod = ctx.is_prod(props)
    if is_unknown(prod):
        f.cannot_decide(f"environment of the {what}")
    return prod


def _aws_encryption(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "storageEncrypted")), "storageEncrypted must be true")
    f.check(present(get(props, "kmsKeyId")), "kmsKeyId must name a customer KMS key")


rules.resource(
    "database-encrypted-with-customer-key",
    "The tracker store's storage, backups and snapshots are encrypted with a customer-managed key.",
    "Set storage_encrypted=True and kms_key_id=<customer key arn> on the DB instance.",
    {AWS_DB_INSTANCE: _aws_encryption},
)


def _aws_not_public(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(not_true(get(props, "publiclyAccessible")), "publiclyAccessible must be false")


rules.resource(
    "database-not-public",
    "The tracker store has no public address: only the private network reaches it.",
    "Set publicly_accessible=False and place the instance in a DB subnet group of private subnets.",
    {AWS_DB_INSTANCE: _aws_not_public},
    severity=Severity.CRITICAL,
)


def _aws_backups(props: Any, ctx: RuleContext, f: Findings) -> None:
    retention = get(props, "backupRetentionPeriod")
    minimum = min_backup_days(props, ctx.args)
    if is_unknown(minimum):
        # Environment unknown: the lower threshold still decides a failure.
        lower, prod_minimum = ctx.config("minBackupDays"), ctx.config("minBackupDaysProd")
        ok = at_least(retention, lower)
        f.check(ok, f"backupRetentionPeriod must be >= {lower} days, got {retention!r}")
        if ok is True and at_least(retention, prod_minimum) is not True:
            f.cannot_decide(f"environment (prod needs backupRetentionPeriod >= {prod_minimum})")
        return
    f.check(at_least(retention, minimum),
            f"backupRetentionPeriod must be >= {minimum} days, got {retention!r}"
            + (" (an unset value means the API default of 1 day)" if retention is None else ""))


rules.resource(
    "database-backup-retention",
    "The tracker store keeps automated backups long enough to recover (default >= 7 days, >= 14 in prod).",
    "Set backup_retention_period to at least the configured minimum (minBackupDays / minBackupDaysProd).",
    {AWS_DB_INSTANCE: _aws_backups},
    config=("environment", "minBackupDays", "minBackupDaysProd"),
)


def _aws_multi_az(props: Any, ctx: RuleContext, f: Findings) -> None:
    if _prod(props, ctx, f, "DB instance") is True:
        f.check(truth(get(props, "multiAz")), "prod: multiAz must be true")


rules.resource(
    "database-multi-az-in-prod",
    "In prod the tracker store has a standby in another zone (Multi-AZ).",
    "In prod set multi_az=True.",
    {AWS_DB_INSTANCE: _aws_multi_az},
    config=("environment",),
)


def _aws_deletion_protection(props: Any, ctx: RuleContext, f: Findings) -> None:
    if _prod(props, ctx, f, "DB instance") is True:
        f.check(truth(get(props, "deletionProtection")), "prod: deletionProtection must be true")


rules.resource(
    "database-deletion-protection-in-prod",
    "In prod the tracker store cannot be deleted by accident (deletion protection).",
    "In prod set deletion_protection=True (and protect the resource in Pulumi).",
    {AWS_DB_INSTANCE: _aws_deletion_protection},
    config=("environment",),
)


def _aws_final_snapshot(props: Any, ctx: RuleContext, f: Findings) -> None:
    if _prod(props, ctx, f, "DB instance") is True:
        f.check(not_true(get(props, "skipFinalSnapshot")), "prod: skipFinalSnapshot must be false")
        f.check(present(get(props, "finalSnapshotIdentifier")), "prod: finalSnapshotIdentifier must be set")


rules.resource(
    "database-final-snapshot-in-prod",
    "In prod deleting the tracker store leaves a final snapshot.",
    "In prod set skip_final_snapshot=False and final_snapshot_identifier=<name>.",
    {AWS_DB_INSTANCE: _aws_final_snapshot},
    config=("environment",),
)


def _aws_monitoring(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(truth(get(props, "performanceInsightsEnabled")), "performanceInsightsEnabled should be true")
    exports = get(props, "enabledCloudwatchLogsExports", default=[])
    engine = get(props, "engine")
    if is_unknown(exports):
        f.cannot_decide("enabledCloudwatchLogsExports")
    elif not is_unknown(engine) and str(engine or "").startswith("postgres"):
        f.check("postgresql" in list(elements(exports)), "enabledCloudwatchLogsExports should include 'postgresql'")


rules.resource(
    "database-monitoring",
    "The tracker store exports its logs and has Performance Insights, so incidents can be diagnosed.",
    "Set performance_insights_enabled=True (with a customer key) and enabled_cloudwatch_logs_exports=['postgresql', 'upgrade'].",
    {AWS_DB_INSTANCE: _aws_monitoring},
    level=ADVISORY,
    severity=Severity.LOW,
)


# -- TLS enforced by the server (stack level: instance → parameter group) ------------------------


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


def _aws_force_ssl(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    groups = stack.of_type(AWS_DB_PARAMETER_GROUP)
    for instance in stack.of_type(AWS_DB_INSTANCE):
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


rules.stack(
    "database-tls-enforced",
    "The tracker store refuses connections without TLS (PostgreSQL rds.force_ssl=1).",
    "Create aws.rds.ParameterGroup with parameters=[{'name': 'rds.force_ssl', 'value': '1'}] and set "
    "parameter_group_name on the instance to its name.",
    _aws_force_ssl,
    resource_types=(AWS_DB_INSTANCE, AWS_DB_PARAMETER_GROUP),
)

POLICIES = rules.policies
