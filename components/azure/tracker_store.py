"""The tracker store: PostgreSQL Flexible Server with VNet integration (a delegated subnet and a
private DNS zone, no public endpoint), `require_secure_transport=on` and TLS 1.2 at least,
zone-redundant HA in prod (never on Burstable SKUs: the plan refuses that), backups kept
`trackerStore.backupDays` (geo-redundant in prod), a generated administrator password and the
database Rasa writes to.

The server's certificate chains to public roots (DigiCert Global Root G2 / Microsoft RSA Root
2017), which the Rasa image's CA bundle holds: `verify-full` needs no extra CA.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native.dbforpostgresql as postgresql
import pulumi_random as random

from components.azure.context import AzureContext, NetworkInfo
from components.contracts import NetworkAccess, PostgresConnection

ADMIN_USERNAME = "rasaadmin"
# Roles Azure reserves or that clash with the admin.
RESERVED_ROLES = {ADMIN_USERNAME, "azure_superuser", "azure_pg_admin", "azuresu", "admin", "administrator", "root",
                  "guest", "public", "postgres"}
# Connections Azure keeps for itself (replication, monitoring) out of every server's max_connections.
AZURE_RESERVED_CONNECTIONS = 15
# The storage sizes Flexible Server offers (GiB); a stack's storageGb is rounded up to one of them.
STORAGE_SIZES_GB = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767)

# max_connections by compute SKU, from "Limits in Azure Database for PostgreSQL flexible server"
# (https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-limits).
_BY_VCORES_GENERAL = {2: 859, 4: 1718, 8: 3437, 16: 5000, 32: 5000, 48: 5000, 64: 5000, 96: 5000}
_BY_VCORES_MEMORY = {2: 1718, 4: 3437, 8: 5000, 16: 5000, 20: 5000, 32: 5000, 48: 5000, 64: 5000, 96: 5000}
SKU_MAX_CONNECTIONS: dict[str, int] = {
    "Standard_B1ms": 50, "Standard_B2s": 429, "Standard_B2ms": 859, "Standard_B4ms": 1718,
    "Standard_B8ms": 3437, "Standard_B12ms": 5000, "Standard_B16ms": 5000, "Standard_B20ms": 5000,
    **{f"Standard_D{n}{series}": c for n, c in _BY_VCORES_GENERAL.items() for series in ("s_v3", "ds_v4", "ds_v5", "ads_v5")},
    **{f"Standard_E{n}{series}": c for n, c in _BY_VCORES_MEMORY.items() for series in ("s_v3", "ds_v4", "ds_v5", "ads_v5")},
}


def sku_tier(sku: str) -> str:
    """Burstable (B), GeneralPurpose (D) or MemoryOptimized (E), from the SKU's family letter."""
    family = sku.removeprefix("Standard_")[:1]
    return {"B": postgresql.SkuTier.BURSTABLE, "D": postgresql.SkuTier.GENERAL_PURPOSE}.get(family, postgresql.SkuTier.MEMORY_OPTIMIZED)


def user_connections(sku: str) -> int:
    """What clients may open on a server of this SKU: max_connections less Azure's reserve."""
    return SKU_MAX_CONNECTIONS[sku] - AZURE_RESERVED_CONNECTIONS


def storage_size_gb(requested: int) -> int:
    return next((size for size in STORAGE_SIZES_GB if size >= requested), STORAGE_SIZES_GB[-1])


@dataclass(frozen=True)
class TrackerStoreArgs:
    context: AzureContext
    network: NetworkInfo
    sku: str
    max_connections: int  # what the connection budget plans with
    engine_version: str  # PostgreSQL major
    database: str
    username: str  # Rasa's role (created by the in-cluster bootstrap)
    storage_gb: int  # one of STORAGE_SIZES_GB
    backup_days: int
    high_availability: bool  # zone-redundant standby
    geo_redundant_backup: bool
    ssl_mode: str
    storage_tier: Optional[str] = None
    set_max_connections: Optional[int] = None  # trackerStore.maxConnections: written as the server parameter


class TrackerStore(pulumi.ComponentResource):
    connection: PostgresConnection
    server: postgresql.Server
    admin_username: str
    admin_password: pulumi.Output[str]
    app_password: pulumi.Output[str]
    ready: list[pulumi.Resource]  # the database exists (Rasa runs without login_db)

    def __init__(self, name: str, args: TrackerStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:TrackerStore", name, None, opts)
        ctx = args.context
        rg = ctx.resource_group_name
        assert args.network.postgres_subnet_id is not None and "postgres" in args.network.dns_zone_ids  # by the plan

        password = random.RandomPassword(
            f"{name}-admin-password", length=32, special=True, override_special="-_.~",
            min_upper=2, min_lower=2, min_numeric=2, min_special=1,
            opts=pulumi.ResourceOptions(parent=self),
        )
        app_password = random.RandomPassword(
            f"{name}-app-password", length=32, special=True, override_special="-_.~",
            min_upper=2, min_lower=2, min_numeric=2, min_special=1,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.admin_username = ADMIN_USERNAME
        self.admin_password = pulumi.Output.secret(password.result)
        storage: dict = {"storage_size_gb": args.storage_gb, "auto_grow": postgresql.StorageAutoGrow.ENABLED}
        if args.storage_tier:
            storage["tier"] = args.storage_tier
        self.server = postgresql.Server(
            f"{name}-server",
            server_name=ctx.unique_name("pg", 63),
            resource_group_name=rg,
            location=ctx.location,
            version=args.engine_version,
            create_mode=postgresql.CreateMode.CREATE,
            sku={"name": args.sku, "tier": sku_tier(args.sku)},
            administrator_login=ADMIN_USERNAME,
            administrator_login_password=self.admin_password,
            auth_config={
                "password_auth": postgresql.PasswordBasedAuth.ENABLED,  # Rasa's SQL tracker store takes a password
                "active_directory_auth": postgresql.MicrosoftEntraAuth.DISABLED,
            },
            storage=storage,
            backup={
                "backup_retention_days": args.backup_days,
                "geo_redundant_backup": postgresql.GeographicallyRedundantBackup.ENABLED if args.geo_redundant_backup
                else postgresql.GeographicallyRedundantBackup.DISABLED,
            },
            high_availability={"mode": postgresql.PostgreSqlFlexibleServerHighAvailabilityMode.ZONE_REDUNDANT}
            if args.high_availability else {"mode": postgresql.PostgreSqlFlexibleServerHighAvailabilityMode.DISABLED},
            availability_zone=ctx.zones[0] if ctx.zones else None,
            network={
                "delegated_subnet_resource_id": args.network.postgres_subnet_id,
                "private_dns_zone_arm_resource_id": args.network.dns_zone_ids["postgres"],
                "public_network_access": postgresql.ServerPublicNetworkAccessState.DISABLED,
            },
            maintenance_window={"custom_window": "Enabled", "day_of_week": 0, "start_hour": 3, "start_minute": 0},
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, depends_on=list(args.network.ready)),
        )
        parameters = {"require_secure_transport": "on", "ssl_min_protocol_version": "TLSv1.2"}
        if args.set_max_connections:
            parameters["max_connections"] = str(args.set_max_connections)
        previous: list[pulumi.Resource] = []
        for parameter, value in parameters.items():
            # Azure applies one parameter change at a time per server.
            previous = [postgresql.Configuration(
                f"{name}-{parameter.replace('_', '-')}",
                configuration_name=parameter,
                server_name=self.server.name,
                resource_group_name=rg,
                value=value,
                source="user-override",
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )]
        database = postgresql.Database(
            f"{name}-database",
            database_name=args.database,
            server_name=self.server.name,
            resource_group_name=rg,
            charset="UTF8",
            collation="en_US.utf8",
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, depends_on=previous),
        )
        # Rasa's own role (never the admin): the in-cluster bootstrap creates it with this password.
        self.app_password = pulumi.Output.secret(app_password.result)
        self.ready: list[pulumi.Resource] = [database]
        self.connection = PostgresConnection(
            host=self.server.fully_qualified_domain_name,
            port=5432,
            database=args.database,
            username=args.username,
            max_connections=args.max_connections,
            origin="managed",
            network=NetworkAccess(ports=(5432,), cidrs=args.network.data_cidrs),
            password=self.app_password,
            ssl_mode=args.ssl_mode,  # type: ignore[arg-type]
            resource_name=self.server.name,
        )
        self.register_outputs({"host": self.server.fully_qualified_domain_name, "database": args.database})
