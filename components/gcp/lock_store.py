"""Memorystore for Redis for Rasa's lock store: AUTH, in-transit encryption with server
authentication, private service access, CMEK, STANDARD_HA with a replica in another zone when highly
available, RDB snapshots when snapshots are kept.

With SERVER_AUTHENTICATION the instance listens on 6378 with a certificate from its own CA: the
connection carries that CA (`ca_cert_pem`), the pod mounts it and endpoints.yml points
`ssl_ca_certs` at it. Memorystore Cluster and Valkey take IAM tokens only, which Rasa cannot send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from components.contracts import NetworkAccess, RedisConnection
from components.gcp.context import GcpContext, NetworkInfo, pem_bundle
from components.gcp.kms import KeyRing, service_agent

TLS_PORT = 6378  # Memorystore's port with in-transit encryption
REDIS_VERSIONS = {"7.2": "REDIS_7_2", "7.0": "REDIS_7_0"}


def redis_version(version: str) -> Optional[str]:
    return REDIS_VERSIONS.get(".".join(version.split(".")[:2]))


@dataclass(frozen=True)
class LockStoreArgs:
    context: GcpContext
    network: NetworkInfo
    keys: KeyRing
    memory_size_gb: int
    redis_version: str  # Memorystore's name (REDIS_7_2), checked by the plan
    high_availability: bool  # STANDARD_HA: a replica in another zone with automatic failover
    persistence: bool  # RDB snapshots every 12 hours
    db: int
    key_prefix: str


class LockStore(pulumi.ComponentResource):
    connection: RedisConnection
    instance: gcp.redis.Instance

    def __init__(self, name: str, args: LockStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:LockStore", name, None, opts)
        ctx = args.context
        agent = service_agent(ctx, f"{name}-agent", "redis.googleapis.com", self)
        key = args.keys.key(f"{name}-key", "lock-store", self, users=[agent])
        ha = args.high_availability
        self.instance = gcp.redis.Instance(
            f"{name}-redis",
            name=ctx.name("lock"),
            project=ctx.project,
            region=ctx.region,
            display_name=f"Rasa lock store ({ctx.common.name})",
            tier="STANDARD_HA" if ha else "BASIC",
            replica_count=1 if ha else None,
            read_replicas_mode="READ_REPLICAS_DISABLED" if ha else None,
            memory_size_gb=args.memory_size_gb,
            redis_version=args.redis_version,
            authorized_network=args.network.network_id,
            connect_mode="PRIVATE_SERVICE_ACCESS",
            reserved_ip_range=args.network.private_services_range_name,
            auth_enabled=True,
            transit_encryption_mode="SERVER_AUTHENTICATION",
            customer_managed_key=key.id,
            persistence_config=(
                {"persistence_mode": "RDB", "rdb_snapshot_period": "TWELVE_HOURS"} if args.persistence
                else {"persistence_mode": "DISABLED"}
            ),
            # Locks carry TTLs: evicting one under memory pressure would break mutual exclusion.
            redis_configs={"maxmemory-policy": "noeviction"},
            maintenance_policy={"weekly_maintenance_windows": [{"day": "SUNDAY", "start_time": {"hours": 4, "minutes": 0}}]},
            deletion_protection=ctx.protect,
            labels=ctx.labels,
            opts=pulumi.ResourceOptions(
                parent=self, protect=ctx.protect,
                depends_on=[*key.ready, *args.network.after_private_services()],
            ),
        )
        ca = self.instance.server_ca_certs.apply(pem_bundle)
        self.connection = RedisConnection(
            host=self.instance.host,
            port=TLS_PORT,
            origin="managed",
            network=NetworkAccess(ports=(TLS_PORT,), cidrs=[args.network.private_services_cidr]),
            username="default",  # AUTH-only Redis: Rasa needs the user name `default`
            password=pulumi.Output.secret(self.instance.auth_string),
            use_ssl=True,
            ca_cert_pem=ca,
            db=args.db,
            key_prefix=args.key_prefix,
            resource_name=self.instance.name,
        )
        self.register_outputs({"host": self.instance.host, "port": TLS_PORT})
