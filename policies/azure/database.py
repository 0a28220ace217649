"""The tracker store on PostgreSQL Flexible Server. TLS enforcement is a server parameter (a
separate Configuration resource), so that check joins each server to its parameters."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, StackIndex, at_least, equals, get, is_unknown, present
from ..stack_keys import TRACKER_STORE_BACKUP_DAYS, TRACKER_STORE_HIGH_AVAILABILITY, from_setting
from .types import POSTGRES_CONFIGURATION, POSTGRES_SERVER

CHECKS = CheckSet(__name__)


def _not_public(props: Any, ctx: RuleContext, f: Findings) -> None:
    network = get(props, "network", default={})
    access = get(network, "publicNetworkAccess")
    f.check(equals(access, "Disabled"), f"network.publicNetworkAccess must be Disabled, not {access!r}")
    f.check(present(get(network, "delegatedSubnetResourceId")),
            "network.delegatedSubnetResourceId must name the delegated subnet (VNet integration)")
    f.check(present(get(network, "privateDnsZoneArmResourceId")),
            "network.privateDnsZoneArmResourceId must name the private DNS zone the VNet resolves")


CHECKS.resource("database-not-public", {POSTGRES_SERVER: _not_public})


def _backups(props: Any, ctx: RuleContext, f: Findings) -> None:
    retention = get(props, "backup", "backupRetentionDays")
    minimum = ctx.min_backup_days(props)
    if is_unknown(minimum):
        minimum = ctx.config("minBackupDays")
        f.cannot_decide("environment (prod needs a longer backup.backupRetentionDays)")
    message = f"backup.backupRetentionDays must be >= {minimum} days, got {retention!r}"
    if retention is None:
        message += " (an unset value means the API default of 7 days)"
    elif isinstance(retention, (int, float)):
        message = from_setting(TRACKER_STORE_BACKUP_DAYS, retention, message)
    f.check(at_least(retention, minimum), message)
    if ctx.in_prod(props, f, "PostgreSQL server"):
        geo = get(props, "backup", "geoRedundantBackup")
        f.check(equals(geo, "Enabled"), f"prod: backup.geoRedundantBackup must be Enabled, not {geo!r}")


CHECKS.resource("database-backup-retention", {POSTGRES_SERVER: _backups})


def _zone_redundant(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "PostgreSQL server"):
        return
    mode = get(props, "highAvailability", "mode")
    message = f"prod: highAvailability.mode must be ZoneRedundant, not {mode!r}"
    f.check(equals(mode, "ZoneRedundant"),
            from_setting(TRACKER_STORE_HIGH_AVAILABILITY, False, message) if mode in (None, "Disabled") else message)


CHECKS.resource("database-multi-az-in-prod", {POSTGRES_SERVER: _zone_redundant})


def _tls_enforced(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    parameters = [c for c in stack.of_type(POSTGRES_CONFIGURATION) if get(c.props, "configurationName") == "require_secure_transport"]
    for server in stack.of_type(POSTGRES_SERVER):
        linked = [c for c in parameters if stack.linked(c, "serverName", server, [get(server.props, "serverName")])]
        if not linked:
            f.violation(f"PostgreSQL server '{server.name}' has no require_secure_transport parameter set to on", server.urn)
        for parameter in linked:
            value = get(parameter.props, "value")
            f.check(UNKNOWN if is_unknown(value) else str(value).lower() == "on",
                    f"require_secure_transport of '{server.name}' must be on, not {value!r}", parameter.urn)


CHECKS.stack("database-tls-enforced", _tls_enforced, (POSTGRES_SERVER, POSTGRES_CONFIGURATION))
