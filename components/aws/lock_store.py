"""ElastiCache (Redis OSS) for Rasa's lock store: TLS required, encrypted at rest with a customer
key, AUTH token or IAM users, Multi-AZ with automatic failover when highly available.

Cluster mode stays disabled: Rasa's `concurrent_redis` lock store connects to one primary
(`deployment_mode: standard`) and selects a database number, which cluster mode does not allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aws.context import AwsContext, ClusterAccess, NetworkInfo, data_security_group, log_group
from components.aws.kms import service_key_arn
from components.contracts import NetworkAccess, RedisConnection

# Printable characters ElastiCache accepts in an AUTH token besides letters and digits.
AUTH_TOKEN_SPECIALS = "!&#$^<>-"
# Rasa's concurrent lock store lists its keys with KEYS, which Redis files under @dangerous.
IAM_USER_ACCESS_STRING = "on ~* +@all -@dangerous +keys +info"


def parameter_group_family(engine_version: str) -> str:
    major = engine_version.split(".")[0]
    return "redis7" if major == "7" else f"redis{major}.x"


@dataclass(frozen=True)
class LockStoreArgs:
    context: AwsContext
    network: NetworkInfo
    cluster: ClusterAccess
    node_type: str
    engine_version: str  # Redis OSS 7.x
    port: int
    db: int  # the database number Rasa selects
    key_prefix: str
    username: str  # the AUTH token's user (`default`); ignored with IAM auth (Rasa gets its own user)
    high_availability: bool  # a replica in another zone with automatic failover
    snapshot_days: int
    description: str  # shown in the console, e.g. the stack name
    iam_auth: bool = False


class LockStore(pulumi.ComponentResource):
    connection: RedisConnection
    replication_group: aws.elasticache.ReplicationGroup
    iam_user: Optional[aws.elasticache.User] = None

    def __init__(self, name: str, args: LockStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:LockStore", name, None, opts)
        ctx = args.context
        iam = args.iam_auth
        ha = args.high_availability
        child = pulumi.ResourceOptions(parent=self)
        group_id = ctx.name("lock", 40)

        key_arn = service_key_arn(ctx, name, "lock-store", "ElastiCache lock store at rest", self)
        security_group = data_security_group(
            ctx, f"{name}-sg", parent=self, network=args.network,
            cluster_sources=args.cluster.client_security_group_ids, ports=[args.port],
            description="Rasa lock store (Redis TLS)",
        )
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            description="Rasa lock store: data subnets",
            subnet_ids=list(args.network.data_subnet_ids),
            tags=ctx.tags(),
            opts=child,
        )
        parameters = aws.elasticache.ParameterGroup(
            f"{name}-parameters",
            family=parameter_group_family(args.engine_version),
            description="Rasa lock store",
            parameters=[
                # Locks carry TTLs, so an LRU policy would evict live locks under memory pressure:
                # refuse writes instead, which Rasa reports, rather than lose mutual exclusion.
                {"name": "maxmemory-policy", "value": "noeviction"},
            ],
            tags=ctx.tags(),
            opts=child,
        )
        slow_log = log_group(ctx, f"{name}-slow-log", f"/aws/elasticache/{group_id}/slow-log", parent=self)
        engine_log = log_group(ctx, f"{name}-engine-log", f"/aws/elasticache/{group_id}/engine-log", parent=self)

        auth: dict = {}
        password: Optional[pulumi.Output[str]] = None
        username: pulumi.Input[str] = args.username
        if iam:
            user_group = self._iam_users(ctx, name)
            auth["user_group_ids"] = [user_group.user_group_id]
            username = self.iam_user.user_name
        else:
            token = random.RandomPassword(
                f"{name}-auth-token",
                length=64,
                special=True,
                override_special=AUTH_TOKEN_SPECIALS,
                min_lower=4, min_upper=4, min_numeric=4, min_special=2,
                opts=child,
            )
            password = pulumi.Output.secret(token.result)
            auth["auth_token"] = password
            # A changed token is added next to the old one, so running clients keep working.
            auth["auth_token_update_strategy"] = "ROTATE"

        self.replication_group = aws.elasticache.ReplicationGroup(
            f"{name}-redis",
            replication_group_id=group_id,
            description=f"Rasa lock store ({args.description})",
            engine="redis",
            engine_version=args.engine_version,
            node_type=args.node_type,
            port=args.port,
            cluster_mode="disabled",
            num_cache_clusters=2 if ha else 1,
            automatic_failover_enabled=ha,
            multi_az_enabled=ha,
            parameter_group_name=parameters.name,
            subnet_group_name=subnets.name,
            security_group_ids=[security_group.id],
            network_type="ipv4",
            ip_discovery="ipv4",
            at_rest_encryption_enabled=True,
            kms_key_id=key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",  # no plaintext connection is accepted
            snapshot_retention_limit=args.snapshot_days,
            snapshot_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30",
            final_snapshot_identifier=f"{group_id}-final" if ctx.protect else None,
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            data_tiering_enabled=False,
            log_delivery_configurations=[
                {"destination": slow_log.name, "destination_type": "cloudwatch-logs", "log_format": "json", "log_type": "slow-log"},
                {"destination": engine_log.name, "destination_type": "cloudwatch-logs", "log_format": "json", "log_type": "engine-log"},
            ],
            tags=ctx.tags(group_id),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
            **auth,
        )
        self.connection = RedisConnection(
            host=self.replication_group.primary_endpoint_address,
            port=args.port,
            origin="managed",
            network=NetworkAccess(ports=(args.port,), cidrs=args.network.data_cidrs),
            username=username,
            password=password,
            use_ssl=True,
            ca_cert_pem=None,  # ElastiCache's certificates chain to Amazon's public roots
            db=args.db,
            key_prefix=args.key_prefix,
            iam_auth=iam,
            iam_cluster_name=self.replication_group.replication_group_id if iam else None,
            resource_name=self.replication_group.replication_group_id,
        )
        self.register_outputs({
            "primaryEndpoint": self.replication_group.primary_endpoint_address,
            "securityGroupId": security_group.id,
        })

    def _iam_users(self, ctx: AwsContext, name: str) -> aws.elasticache.UserGroup:
        """An IAM-authenticated user for Rasa, and the mandatory `default` user switched off."""
        child = pulumi.ResourceOptions(parent=self)
        # A user group must contain a user named "default"; this one can do nothing.
        default_password = random.RandomPassword(
            f"{name}-default-user-password", length=64, special=True, override_special=AUTH_TOKEN_SPECIALS, opts=child,
        )
        default_user = aws.elasticache.User(
            f"{name}-default-user",
            user_id=ctx.name("lock-default", 40),
            user_name="default",
            engine="redis",
            access_string="off -@all",
            authentication_mode={"type": "password", "passwords": [pulumi.Output.secret(default_password.result)]},
            tags=ctx.tags(),
            opts=child,
        )
        # For IAM authentication the user id and user name must be equal.
        rasa_user_id = ctx.name("lock-rasa", 40)
        self.iam_user = aws.elasticache.User(
            f"{name}-rasa-user",
            user_id=rasa_user_id,
            user_name=rasa_user_id,
            engine="redis",
            access_string=IAM_USER_ACCESS_STRING,
            authentication_mode={"type": "iam"},
            tags=ctx.tags(),
            opts=child,
        )
        return aws.elasticache.UserGroup(
            f"{name}-users",
            user_group_id=ctx.name("lock-users", 40),
            engine="redis",
            user_ids=[default_user.user_id, self.iam_user.user_id],
            tags=ctx.tags(),
            opts=child,
        )
