"""AWS rules on settings, checked before any resource is registered.

The generic rules live in infra/settings.py; these are the ones only AWS imposes (naming rules,
which versions and sizes exist, what a combination of modes means on AWS). Each failure is one
`ConfigError` line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from components.aws.event_queue import MSK_KAFKA_VERSIONS, msk_kafka_version
from components.aws.tags import MAX_STACK_TAGS, tag_problem
from components.aws.tracker_store import INSTANCE_CLASS_MEMORY_GIB, MASTER_USERNAME, max_connections_for

if TYPE_CHECKING:
    from infra.settings import StackSettings

RESERVED_DB_ROLES = {MASTER_USERNAME, "rdsadmin", "rdsrepladmin", "rds_superuser", "rds_iam"}
POSTGRES_MAJORS = ("13", "14", "15", "16", "17")


def _error(key: str, value: object, problem: str) -> Exception:
    from infra.settings import ConfigError  # late: infra.settings imports this package's presets

    return ConfigError(key, value, problem)


@dataclass(frozen=True)
class Needs:
    """What a stack's settings ask of AWS."""

    cluster_create: bool
    data_services: bool  # RDS, ElastiCache or MSK in the VPC
    model_bucket: bool  # Rasa reads models from an S3 bucket (managed, or existing on AWS)
    iam_auth: bool
    vault_seal: bool

    @property
    def network(self) -> bool:
        return self.cluster_create or self.data_services

    @property
    def cluster_access(self) -> bool:
        """Security-group sources or IRSA are needed from the cluster."""
        return self.data_services or self.model_bucket or self.vault_seal

    @property
    def identity(self) -> bool:
        return self.model_bucket or (self.iam_auth and self.data_services)

    @property
    def log_groups(self) -> bool:
        return self.cluster_create or self.data_services


def needs(settings: "StackSettings") -> Needs:
    ms = settings.model_storage
    existing_s3 = ms.mode == "existing" and ms.bucket is not None and ms.endpoint_url is None
    return Needs(
        cluster_create=settings.cluster.mode == "create",
        data_services=any(s.mode == "managed" for s in (settings.lock_store, settings.tracker_store, settings.event_queue)),
        model_bucket=ms.mode == "managed" or existing_s3,
        iam_auth=settings.aws.iam_auth,
        vault_seal=settings.aws.vault_seal.enabled,
    )


def zones(settings: "StackSettings") -> int:
    if settings.network.mode == "existing":
        return len(settings.network.private_subnet_ids)
    return settings.network.zones


def tracker_store_max_connections(settings: "StackSettings") -> int:
    ts = settings.tracker_store
    if ts.max_connections is not None:
        return ts.max_connections
    if ts.instance_class is None:
        raise _error("trackerStore.instanceClass", None, "is required for a managed tracker store (an RDS instance class such as db.r6g.large)")
    try:
        return max_connections_for(ts.instance_class)
    except KeyError:
        raise _error(
            "trackerStore.instanceClass", ts.instance_class,
            f"unknown RDS PostgreSQL instance class; allowed: {', '.join(sorted(INSTANCE_CLASS_MEMORY_GIB))}",
        ) from None


def validate(settings: "StackSettings") -> Needs:
    need = needs(settings)
    _tags(settings)
    _network(settings, need)
    _cluster(settings, need)
    if settings.tracker_store.mode == "managed":
        _tracker_store(settings)
    if settings.lock_store.mode == "managed":
        _lock_store(settings)
    if settings.event_queue.mode == "managed":
        _event_queue(settings)
    if settings.model_storage.mode == "managed":
        _model_storage(settings)
    return need


def _tags(settings: "StackSettings") -> None:
    if len(settings.tags) > MAX_STACK_TAGS:
        raise _error("tags", f"{len(settings.tags)} tags", f"AWS allows {MAX_STACK_TAGS} besides the platform's own")
    for key, value in settings.tags.items():
        problem = tag_problem(key, value)
        if problem:
            raise _error(f"tags.{key}", value, problem)


def _network(settings: "StackSettings", need: Needs) -> None:
    net = settings.network
    if not need.network:
        return
    if net.mode == "create":
        prefix = ipaddress.ip_network(net.cidr).prefixlen
        if not 16 <= prefix <= 20:
            raise _error("network.cidr", net.cidr, "must be a /16 to /20 on AWS (room for pod addresses in every zone)")
        if settings.cluster.mode == "existing" and need.data_services:
            raise _error(
                "network.mode", net.mode,
                "must be existing when cluster.mode is existing: data services must live in the cluster's VPC "
                "(set network.vpcId and network.privateSubnetIds)",
            )
        return
    if not net.vpc_id or not re.fullmatch(r"vpc-[0-9a-f]{8,17}", net.vpc_id):
        raise _error("network.vpcId", net.vpc_id, "is required when network.mode is existing (vpc-...)")
    if not 2 <= len(net.private_subnet_ids) <= 3:
        raise _error("network.privateSubnetIds", list(net.private_subnet_ids),
                     "needs one private subnet in each of 2 or 3 availability zones")
    for subnet in (*net.private_subnet_ids, *net.public_subnet_ids):
        if not re.fullmatch(r"subnet-[0-9a-f]{8,17}", subnet):
            raise _error("network.privateSubnetIds", subnet, "must be subnet ids (subnet-...)")


def _cluster(settings: "StackSettings", need: Needs) -> None:
    cluster = settings.cluster
    if cluster.mode == "create":
        if not re.fullmatch(r"1\.[0-9]{2}", cluster.kubernetes_version):
            raise _error("cluster.kubernetesVersion", cluster.kubernetes_version, "must be an EKS version such as 1.33")
        if not cluster.node_instance_type:
            raise _error("cluster.nodeInstanceType", None, "is required when cluster.mode is create (an EC2 type such as m6i.xlarge)")
        return
    if need.cluster_access and not cluster.name:
        raise _error(
            "cluster.name", None,
            "is required on AWS when cluster.mode is existing: the EKS cluster's name, for IRSA and the data services' security groups",
        )


def _tracker_store(settings: "StackSettings") -> None:
    ts = settings.tracker_store
    tracker_store_max_connections(settings)
    if ts.engine_version.split(".")[0] not in POSTGRES_MAJORS:
        raise _error("trackerStore.engineVersion", ts.engine_version, f"RDS PostgreSQL majors allowed: {', '.join(POSTGRES_MAJORS)}")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", ts.database):
        raise _error("trackerStore.database", ts.database, "RDS needs a letter then letters, digits or underscores")
    if ts.username in RESERVED_DB_ROLES:
        raise _error("trackerStore.username", ts.username, f"reserved on RDS or for the admin; not one of {', '.join(sorted(RESERVED_DB_ROLES))}")
    if ts.port < 1150:
        raise _error("trackerStore.port", ts.port, "RDS PostgreSQL allows ports 1150 to 65535")


def _lock_store(settings: "StackSettings") -> None:
    ls = settings.lock_store
    if not ls.node_type or not ls.node_type.startswith("cache."):
        raise _error("lockStore.nodeType", ls.node_type, "must be an ElastiCache node type such as cache.r7g.large")
    if not re.fullmatch(r"7\.[0-9]+", ls.engine_version):
        # 7.x is needed for transit_encryption_mode "required" changes and for IAM users.
        raise _error("lockStore.engineVersion", ls.engine_version, "ElastiCache Redis OSS 7.x (such as 7.1)")
    if not ls.tls:
        raise _error("lockStore.tls", False, "ElastiCache here always requires TLS; allowed: true")
    if not settings.aws.iam_auth and ls.username != "default":
        raise _error("lockStore.username", ls.username, "an ElastiCache AUTH token belongs to the user 'default'; allowed: default")


def _event_queue(settings: "StackSettings") -> None:
    eq = settings.event_queue
    if msk_kafka_version(eq.kafka_version) is None:
        raise _error("eventQueue.kafkaVersion", eq.kafka_version, f"MSK supports Kafka {', '.join(MSK_KAFKA_VERSIONS)}")
    if not eq.broker_instance_type or not eq.broker_instance_type.startswith("kafka."):
        raise _error("eventQueue.brokerInstanceType", eq.broker_instance_type, "must be an MSK broker type such as kafka.m7g.large")
    if eq.security_protocol != "SASL_SSL":
        raise _error("eventQueue.securityProtocol", eq.security_protocol, "managed MSK uses SASL over TLS; allowed: SASL_SSL")
    allowed = ("SCRAM-SHA-512", "OAUTHBEARER") if settings.aws.iam_auth else ("SCRAM-SHA-512",)
    if eq.sasl_mechanism not in allowed:
        raise _error("eventQueue.saslMechanism", eq.sasl_mechanism,
                     f"MSK supports SCRAM-SHA-512, or IAM (OAUTHBEARER) with aws.iamAuth; allowed: {', '.join(allowed)}")
    brokers = zones(settings) * settings.aws.msk_brokers_per_zone
    if eq.replication_factor > brokers:
        raise _error("eventQueue.replicationFactor", eq.replication_factor,
                     f"must not exceed the number of brokers ({brokers} = zones × aws.mskBrokersPerZone)")


def _model_storage(settings: "StackSettings") -> None:
    ms = settings.model_storage
    if ms.endpoint_url is not None:
        raise _error("modelStorage.endpointUrl", ms.endpoint_url, "applies to existing S3-compatible storage only, not a managed bucket")
    if ms.bucket is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", ms.bucket):
        raise _error("modelStorage.bucket", ms.bucket, "S3 bucket names are 3-63 lower-case letters, digits and hyphens")
