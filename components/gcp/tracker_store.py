"""Cloud SQL for PostgreSQL for Rasa's tracker store: private IP only, TLS enforced
(`ssl_mode=ENCRYPTED_ONLY`), REGIONAL when highly available, backups with point-in-time recovery,
API-level deletion protection and a final backup with `protection`, CMEK, and Rasa's database and
user with a generated password.

The server certificate comes from the instance's own CA, which names the instance, not its private
IP: Rasa verifies the chain against that CA (`sslmode=verify-ca`, the CA travels in the connection).
The user is a built-in Cloud SQL user (member of cloudsqlsuperuser, so it may create Rasa's tables in
the database Cloud SQL creates for it). `max_connections` is written as a flag with the value the
connection budget uses (`max_connections_for`).

An admin login `rasa_admin` (another built-in user, generated password) is created too: the
analytics database setup Job creates the analytics database and roles with it (cloudsqlsuperuser
has CREATEDB and CREATEROLE; Cloud SQL has no true superuser). Rasa never receives it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.contracts import NetworkAccess, PostgresConnection
from components.gcp.context import GcpContext, NetworkInfo, pem_bundle
from components.gcp.kms import KeyRing, service_agent

PORT = 5432
ADMIN_USERNAME = "rasa_admin"
# Cloud SQL rejects none of these; they survive every client and URL we use.
PASSWORD_SPECIALS = "-_.~!#%^*+="
_CUSTOM_TIER = re.compile(r"db-custom-([0-9]+)-([0-9]+)")
# Memory (GiB, lower bound) → max_connections: Cloud SQL for PostgreSQL's default per memory size
# (https://cloud.google.com/sql/docs/postgres/quotas, "Maximum concurrent connections": 0.6 GiB 25,
# 1.7 GiB 50, 3.75-6 GiB 100, ... 120 GiB and more 1,000). Written explicitly as the max_connections
# flag, so the connection budget holds even if Google changes its defaults.
MAX_CONNECTIONS_BY_MEMORY = ((120, 1000), (60, 800), (30, 600), (15, 500), (7.5, 400), (6, 200), (3.75, 100), (1.7, 50), (0, 25))
# Point-in-time recovery keeps at most 7 days of logs on the Enterprise edition.
MAX_LOG_DAYS = 7


def tier_size(tier: str) -> Optional[tuple[int, float]]:
    """(vCPUs, memory GiB) of a db-custom tier that Cloud SQL accepts, else None: 1 or an even number
    of vCPUs up to 96, memory a multiple of 256 MiB between 0.9 and 6.5 GiB per vCPU."""
    match = _CUSTOM_TIER.fullmatch(tier)
    if not match:
        return None
    vcpus, memory_mib = int(match.group(1)), int(match.group(2))
    if not (vcpus == 1 or (vcpus % 2 == 0 and 2 <= vcpus <= 96)):
        return None
    gib = memory_mib / 1024
    if memory_mib % 256 or not 0.9 * vcpus <= gib <= 6.5 * vcpus:
        return None
    return vcpus, gib


def max_connections_for(tier: str) -> int:
    """The connection limit written for a tier. ValueError for a tier `tier_size` refuses."""
    size = tier_size(tier)
    if size is None:
        raise ValueError(tier)
    return next(limit for floor, limit in MAX_CONNECTIONS_BY_MEMORY if size[1] >= floor)


@dataclass(frozen=True)
class TrackerStoreArgs:
    context: GcpContext
    network: NetworkInfo
    keys: KeyRing
    tier: str
    max_connections: int  # from the plan: written as the max_connections flag
    database_version: str  # POSTGRES_16
    database: str
    username: str  # Rasa's own user
    storage_gb: int
    max_storage_gb: int
    backup_days: int
    high_availability: bool  # REGIONAL: a standby in another zone


class TrackerStore(pulumi.ComponentResource):
    connection: PostgresConnection
    instance: gcp.sql.DatabaseInstance

    def __init__(self, name: str, args: TrackerStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:TrackerStore", name, None, opts)
        ctx = args.context
        protect = ctx.protect
        child = pulumi.ResourceOptions(parent=self)
        agent = service_agent(ctx, f"{name}-agent", "sqladmin.googleapis.com", self)
        key = args.keys.key(f"{name}-key", "tracker-store", self, users=[agent])

        self.instance = gcp.sql.DatabaseInstance(
            f"{name}-postgres",
            name=ctx.unique_name(f"{name}-suffix", "tracker", self, 80),
            project=ctx.project,
            region=ctx.region,
            database_version=args.database_version,
            encryption_key_name=key.id,
            deletion_protection=protect,  # Pulumi refuses to delete it
            settings={
                "tier": args.tier,
                "edition": "ENTERPRISE",
                "availability_type": "REGIONAL" if args.high_availability else "ZONAL",
                "disk_type": "PD_SSD",
                "disk_size": args.storage_gb,
                "disk_autoresize": True,
                "disk_autoresize_limit": args.max_storage_gb,
                "deletion_protection_enabled": protect,  # the Cloud SQL API refuses to delete it
                "retain_backups_on_delete": protect,
                "final_backup_config": {"enabled": protect, "retention_days": 30 if protect else None},
                "ip_configuration": {
                    "ipv4_enabled": False,  # no public IP
                    "private_network": args.network.network_id,
                    "allocated_ip_range": args.network.private_services_range_name,
                    "ssl_mode": "ENCRYPTED_ONLY",
                    "server_ca_mode": "GOOGLE_MANAGED_INTERNAL_CA",
                    "enable_private_path_for_google_cloud_services": False,
                },
                "backup_configuration": {
                    "enabled": True,
                    "point_in_time_recovery_enabled": True,
                    "start_time": "02:00",
                    "transaction_log_retention_days": min(args.backup_days, MAX_LOG_DAYS),
                    "backup_retention_settings": {"retained_backups": args.backup_days, "retention_unit": "COUNT"},
                },
                "database_flags": [
                    {"name": "max_connections", "value": str(args.max_connections)},
                    {"name": "log_connections", "value": "on"},
                    {"name": "log_disconnections", "value": "on"},
                ],
                "insights_config": {
                    "query_insights_enabled": True,
                    "record_application_tags": False,
                    "record_client_address": False,
                },
                "maintenance_window": {"day": 7, "hour": 3, "update_track": "stable"},
                "user_labels": ctx.labels,
            },
            opts=pulumi.ResourceOptions(
                parent=self, protect=protect, depends_on=[*key.ready, *args.network.after_private_services()],
            ),
        )
        database = gcp.sql.Database(
            f"{name}-database",
            name=args.database,
            project=ctx.project,
            instance=self.instance.name,
            charset="UTF8",
            collation="en_US.UTF8",
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        generated = random.RandomPassword(
            f"{name}-password", length=40, special=True, override_special=PASSWORD_SPECIALS,
            min_lower=4, min_upper=4, min_numeric=4, opts=child,
        )
        password = pulumi.Output.secret(generated.result)
        self.user = gcp.sql.User(
            f"{name}-user",
            name=args.username,
            project=ctx.project,
            instance=self.instance.name,
            type="BUILT_IN",
            password=password,
            # PostgreSQL refuses to drop a role that owns objects; the instance takes it along.
            deletion_policy="ABANDON",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[database]),
        )
        self.connection = PostgresConnection(
            host=self.instance.private_ip_address,
            port=PORT,
            database=args.database,
            username=args.username,
            max_connections=args.max_connections,
            origin="managed",
            network=NetworkAccess(ports=(PORT,), cidrs=[args.network.private_services_cidr]),
            password=password,
            ca_cert_pem=self.instance.server_ca_certs.apply(pem_bundle),
            ssl_mode="verify-ca",
            resource_name=self.instance.name,
        )
        admin_generated = random.RandomPassword(
            f"{name}-admin-password", length=40, special=True, override_special=PASSWORD_SPECIALS,
            min_lower=4, min_upper=4, min_numeric=4, opts=child,
        )
        self.admin_username = ADMIN_USERNAME
        self.admin_password = pulumi.Output.secret(admin_generated.result)
        self.admin_user = gcp.sql.User(
            f"{name}-admin",
            name=ADMIN_USERNAME,
            project=ctx.project,
            instance=self.instance.name,
            type="BUILT_IN",
            password=self.admin_password,
            deletion_policy="ABANDON",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[database]),
        )
        self.ready: list[pulumi.Resource] = [database, self.user]
        self.register_outputs({"privateIp": self.instance.private_ip_address, "connectionName": self.instance.connection_name})
