"""The lock store: Azure Managed Redis (redisenterprise) by default, Azure Cache for Redis Premium
as an option. Either way: TLS only (1.2), the non-TLS port off, public network access disabled
with a private endpoint, access-key authentication explicitly on (Rasa authenticates with a
password: user `default` + the access key), zone redundancy in prod.

Azure Cache for Redis Basic/Standard/Premium are announced for retirement in favour of Azure
Managed Redis, hence the default. Managed Redis serves database 0 only: the connection says db 0.
Locks must never be evicted: the eviction policy is NoEviction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native.redis as redis
import pulumi_azure_native.redisenterprise as redisenterprise

from components.azure.context import AzureContext, NetworkInfo, private_endpoint
from components.contracts import NetworkAccess, RedisConnection

MANAGED_REDIS_PORT = 10000
CACHE_TLS_PORT = 6380


@dataclass(frozen=True)
class LockStoreArgs:
    context: AzureContext
    network: NetworkInfo
    kind: str  # managedRedis | cachePremium
    high_availability: bool
    key_prefix: str
    db: int  # cachePremium only (Managed Redis serves database 0)
    snapshot_days: int  # > 0: RDB persistence on Managed Redis (Premium's needs a storage account)
    sku: Optional[str] = None  # managedRedis, e.g. Balanced_B1
    premium_capacity: int = 1  # cachePremium: P1..P5


class LockStore(pulumi.ComponentResource):
    connection: RedisConnection
    host: pulumi.Output[str]

    def __init__(self, name: str, args: LockStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:LockStore", name, None, opts)
        if args.kind == "managedRedis":
            host, port, password, resource = self._managed_redis(name, args)
            db = 0
        else:
            host, port, password, resource = self._cache_premium(name, args)
            db = args.db
        self.host = host
        self.connection = RedisConnection(
            host=host,
            port=port,
            origin="managed",
            network=NetworkAccess(ports=(port,), cidrs=args.network.data_cidrs),
            username="default",  # password-only Redis: Rasa's `redis` type needs the user name
            password=pulumi.Output.secret(password),
            use_ssl=True,
            db=db,
            key_prefix=args.key_prefix,
            resource_name=resource,
        )
        self.register_outputs({"host": host, "port": port})

    def _managed_redis(self, name: str, args: LockStoreArgs):
        ctx = args.context
        assert args.sku  # required by the plan
        cluster = redisenterprise.RedisEnterprise(
            f"{name}-cluster",
            cluster_name=ctx.unique_name("redis", 60),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            sku={"name": args.sku},
            minimum_tls_version=redisenterprise.TlsVersion.TLS_VERSION_1_2,
            public_network_access=redisenterprise.PublicNetworkAccess.DISABLED,
            # Enabled: a replica in another zone (zone redundant where the region has zones).
            high_availability=redisenterprise.HighAvailability.ENABLED if args.high_availability else redisenterprise.HighAvailability.DISABLED,
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        persistence = ({"rdb_enabled": True, "rdb_frequency": redisenterprise.RdbFrequency.RDB_FREQUENCY_6H, "aof_enabled": False}
                       if args.snapshot_days > 0 else {"rdb_enabled": False, "aof_enabled": False})
        database = redisenterprise.Database(
            f"{name}-database",
            cluster_name=cluster.name,
            database_name="default",
            resource_group_name=ctx.resource_group_name,
            client_protocol=redisenterprise.Protocol.ENCRYPTED,
            port=MANAGED_REDIS_PORT,
            # One endpoint that proxies every command: Rasa connects in `standard` mode.
            clustering_policy=redisenterprise.ClusteringPolicy.ENTERPRISE_CLUSTER,
            eviction_policy=redisenterprise.EvictionPolicy.NO_EVICTION,
            access_keys_authentication=redisenterprise.AccessKeysAuthentication.ENABLED,
            persistence=persistence,
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        private_endpoint(
            ctx, f"{name}-redis", parent=self, target_id=cluster.id, group_id="redisEnterprise",
            subnet_id=args.network.endpoint_subnet_id, dns_zone_id=args.network.dns_zone_ids["redis"],
            depends_on=[database],
        )
        keys = redisenterprise.list_database_keys_output(
            cluster_name=cluster.name, database_name=database.name, resource_group_name=ctx.resource_group_name,
            opts=pulumi.InvokeOptions(parent=self),
        )
        return cluster.host_name, MANAGED_REDIS_PORT, keys.primary_key, cluster.name

    def _cache_premium(self, name: str, args: LockStoreArgs):
        ctx = args.context
        zones = list(ctx.zones) if args.high_availability else []
        cache = redis.Redis(
            f"{name}-cache",
            name=ctx.unique_name("redis", 63),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            sku={"name": redis.SkuName.PREMIUM, "family": redis.SkuFamily.P, "capacity": args.premium_capacity},
            enable_non_ssl_port=False,
            minimum_tls_version=redis.TlsVersion.TLS_VERSION_1_2,
            public_network_access=redis.PublicNetworkAccess.DISABLED,
            disable_access_key_authentication=False,  # Rasa authenticates with the access key
            redis_version="6",
            replicas_per_primary=1,
            zones=zones or None,
            zonal_allocation_policy=redis.ZonalAllocationPolicy.USER_DEFINED if zones else redis.ZonalAllocationPolicy.NO_ZONES,
            redis_configuration={"maxmemory_policy": "noeviction"},
            update_channel=redis.UpdateChannel.STABLE,
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        private_endpoint(
            ctx, f"{name}-redis", parent=self, target_id=cache.id, group_id="redisCache",
            subnet_id=args.network.endpoint_subnet_id, dns_zone_id=args.network.dns_zone_ids["redisCache"],
        )
        keys = redis.list_redis_keys_output(name=cache.name, resource_group_name=ctx.resource_group_name,
                                            opts=pulumi.InvokeOptions(parent=self))
        return cache.host_name, CACHE_TLS_PORT, keys.primary_key, cache.name
