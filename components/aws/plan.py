"""AWS's plan step: every AWS rule on the settings and every number derived from them, computed
once, before anything is registered, with all problems reported together.

The generic rules live in infra/settings; these are the ones only AWS imposes (regions, naming
rules, which versions and sizes exist, what a combination of modes means on AWS). The result,
`AwsPlan`, is all the provision step (components/aws/provision.py) reads.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Optional

from components.aws.cluster_autoscaler import IMAGE_TAGS as AUTOSCALER_IMAGE_TAGS
from components.aws.event_queue import MSK_KAFKA_VERSIONS, msk_kafka_version
from components.confluent import check_confluent, uses_confluent
from components.aws.node_types import (
    AMI_ARCHITECTURE, DAEMONS_CPU_MILLICORES, DAEMONS_MEMORY_MIB, FAMILIES, SIZES, instance_type, node_shape, system_pods,
)
from components.aws.settings import AwsSettings
from components.aws.tracker_store import INSTANCE_CLASS_MEMORY_GIB, MASTER_USERNAME, max_connections_for
from components.capacity import check_fits, platform_demands
from components.cloud import CloudPlan, ExistingAccess
from components.settings.errors import Problems
from components.settings.stack import StackSettings

RESERVED_DB_ROLES = {MASTER_USERNAME, "rdsadmin", "rdsrepladmin", "rds_superuser", "rds_iam"}
POSTGRES_MAJORS = ("13", "14", "15", "16", "17")


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


@dataclass(frozen=True)
class AwsPlan(CloudPlan):
    aws: AwsSettings = AwsSettings()
    needs: Optional[Needs] = None
    zones: int = 0
    msk_kafka_version: Optional[str] = None  # MSK's name for eventQueue's Kafka version
    msk_brokers: int = 0
    metrics_server: bool = False  # an HPA exists: EKS needs metrics-server for it to scale
    node_autoscaling: bool = False  # the node group may grow: the Cluster Autoscaler grows it


def needs(settings: StackSettings, aws: AwsSettings) -> Needs:
    ms = settings.model_storage
    existing_s3 = ms.mode == "existing" and ms.bucket is not None and aws.model_storage.endpoint_url is None
    return Needs(
        cluster_create=settings.cluster.mode == "create",
        # In this cloud's network (Confluent Cloud runs outside it).
        data_services=any(s.mode == "managed" for s in (settings.lock_store, settings.tracker_store))
        or (settings.event_queue.mode == "managed" and not uses_confluent(settings)),
        model_bucket=ms.mode == "managed" or existing_s3,
        iam_auth=aws.iam_auth,
        vault_seal=aws.vault_seal.enabled,
    )


def zones(settings: StackSettings, aws: AwsSettings) -> int:
    if settings.network.mode == "existing":
        return len(aws.network.private_subnet_ids)
    return settings.network.zones


def tracker_store_max_connections(settings: StackSettings, aws: AwsSettings, problems: Problems) -> Optional[int]:
    """The managed RDS instance's max_connections: trackerStore.maxConnections, else from the class's memory."""
    if settings.tracker_store.max_connections is not None:
        return settings.tracker_store.max_connections
    instance_class = aws.tracker_store.instance_class
    if instance_class is None:
        problems.add("aws.trackerStore.instanceClass", None, "is required for a managed tracker store (an RDS instance class such as db.r6g.large)")
        return None
    try:
        return max_connections_for(instance_class)
    except KeyError:
        problems.add(
            "aws.trackerStore.instanceClass", instance_class,
            f"unknown RDS PostgreSQL instance class; allowed: {', '.join(sorted(INSTANCE_CLASS_MEMORY_GIB))}",
        )
        return None


def plan(settings: StackSettings, aws: AwsSettings, problems: Problems) -> AwsPlan:
    """Check everything AWS imposes and derive what provisioning needs; registers nothing.
    (The region list and tag rules are applied by infra/settings for every cloud alike.)"""
    need = needs(settings, aws)
    existing = ExistingAccess(iam_auth=aws.iam_auth, model_storage_endpoint_url=aws.model_storage.endpoint_url)
    if not settings.any_managed():
        # Bring-your-own only: nothing is provisioned on AWS, so no AWS resource rule applies.
        return AwsPlan(settings=settings, existing=existing, aws=aws, needs=need, zones=zones(settings, aws))
    _network(settings, aws, need, problems)
    _cluster(settings, aws, need, problems)
    max_connections = None
    if settings.tracker_store.mode == "managed":
        max_connections = tracker_store_max_connections(settings, aws, problems)
        _tracker_store(settings, problems)
    if settings.lock_store.mode == "managed":
        _lock_store(settings, aws, problems)
    version = None
    brokers = zones(settings, aws) * aws.event_queue.brokers_per_zone
    if uses_confluent(settings):
        check_confluent(settings, problems)
    elif settings.event_queue.mode == "managed":
        version = _event_queue(settings, aws, brokers, problems)
    _model_storage(settings, aws, problems)
    metrics_server, node_autoscaling = _scaling(settings)
    if settings.cluster.mode == "create":
        _capacity(settings, aws, metrics_server, node_autoscaling, problems)
    return AwsPlan(
        settings=settings,
        tracker_store_max_connections=max_connections,
        tracker_store_size_key="trackerStore.maxConnections" if settings.tracker_store.max_connections else "aws.trackerStore.instanceClass",
        existing=existing,
        aws=aws,
        needs=need,
        zones=zones(settings, aws),
        msk_kafka_version=version,
        msk_brokers=brokers,
        metrics_server=metrics_server,
        node_autoscaling=node_autoscaling,
    )


def _scaling(settings: StackSettings) -> tuple[bool, bool]:
    """(metrics-server, Cluster Autoscaler) for a cluster created here."""
    if settings.cluster.mode != "create":
        return False, False
    return settings.rasa.autoscaling.enabled, settings.cluster.node_count_max > settings.cluster.node_count_min


def _capacity(settings: StackSettings, aws: AwsSettings, metrics_server: bool, node_autoscaling: bool, problems: Problems) -> None:
    """The platform's pods at their most must fit the node group at its largest (one config error)."""
    cluster, group = settings.cluster, aws.node_group
    if node_autoscaling and re.fullmatch(r"1\.[0-9]{2}", cluster.kubernetes_version):  # else _cluster reports it
        problems.require(cluster.kubernetes_version in AUTOSCALER_IMAGE_TAGS, "cluster.kubernetesVersion", cluster.kubernetes_version,
                         f"no Cluster Autoscaler release is pinned for it; allowed: {', '.join(AUTOSCALER_IMAGE_TAGS)}")
    if not group.instance_type:
        return  # required, reported by _cluster
    shape, kind = node_shape(group.instance_type), instance_type(group.instance_type)
    if shape is None or kind is None:
        problems.add("aws.nodeGroup.instanceType", group.instance_type,
                     f"not in the node capacity table (components/aws/node_types.py): families {', '.join(FAMILIES)}, "
                     f"sizes {', '.join(SIZES)}")
        return
    problems.require(kind.architecture == AMI_ARCHITECTURE[group.ami_type], "aws.nodeGroup.amiType", group.ami_type,
                     f"{group.instance_type} is {kind.architecture}; choose the AL2023 image of that architecture")
    check_fits(
        [*platform_demands(settings), *system_pods(metrics_server=metrics_server, cluster_autoscaler=node_autoscaling)],
        shape,
        daemons_cpu_millicores=DAEMONS_CPU_MILLICORES,
        daemons_memory_mib=DAEMONS_MEMORY_MIB,
        nodes_max=cluster.node_count_max,
        node_type_key="aws.nodeGroup.instanceType",
        nodes_max_key="cluster.nodeCountMax",
        problems=problems,
    )


def _network(settings: StackSettings, aws: AwsSettings, need: Needs, problems: Problems) -> None:
    net = settings.network
    ids, vault = aws.network, aws.vault_network
    if not need.network:
        return
    problems.require(not (vault.peering_connection_id and vault.transit_gateway_id), "aws.vaultNetwork.transitGatewayId",
                     vault.transit_gateway_id, "set one of peeringConnectionId or transitGatewayId, not both")
    problems.require(not ((vault.peering_connection_id or vault.transit_gateway_id) and not settings.vault.egress_cidrs),
                     "vault.egressCidrs", [], "is required with aws.vaultNetwork: the CIDRs to route to Vault's network")
    if net.mode == "create":
        prefix = ipaddress.ip_network(net.cidr).prefixlen
        problems.require(16 <= prefix <= 20, "network.cidr", net.cidr, "must be a /16 to /20 on AWS (room for pod addresses in every zone)")
        problems.require(
            not (settings.cluster.mode == "existing" and need.data_services), "network.mode", net.mode,
            "must be existing when cluster.mode is existing: data services must live in the cluster's VPC "
            "(set aws.network.vpcId and aws.network.privateSubnetIds)",
        )
        return
    for key, value in (("aws.vaultNetwork.peeringConnectionId", vault.peering_connection_id),
                       ("aws.vaultNetwork.transitGatewayId", vault.transit_gateway_id)):
        problems.require(value is None, key, value,
                         "applies when network.mode is create; route vault.egressCidrs in your own VPC's route tables")
    problems.require(ids.vpc_id is not None, "aws.network.vpcId", ids.vpc_id, "is required when network.mode is existing (vpc-...)")
    problems.require(2 <= len(ids.private_subnet_ids) <= 3, "aws.network.privateSubnetIds", list(ids.private_subnet_ids),
                     "needs one private subnet in each of 2 or 3 availability zones")


def _cluster(settings: StackSettings, aws: AwsSettings, need: Needs, problems: Problems) -> None:
    cluster = settings.cluster
    if cluster.mode == "create":
        problems.require(bool(re.fullmatch(r"1\.[0-9]{2}", cluster.kubernetes_version)), "cluster.kubernetesVersion",
                         cluster.kubernetes_version, "must be an EKS version such as 1.33")
        problems.require(bool(aws.node_group.instance_type), "aws.nodeGroup.instanceType", None,
                         "is required when cluster.mode is create (an EC2 type such as m6i.xlarge)")
        for key, cidrs in (("cluster.publicAccessCidrs", cluster.public_access_cidrs), ("cluster.apiAccessCidrs", cluster.api_access_cidrs)):
            for cidr in cidrs:
                problems.require(not _documentation_range(cidr), key, cidr,
                                 "is an example range from RFC 5737 that no deployer has: use your own network's CIDR")
        for cidr in cluster.api_access_cidrs:
            network = ipaddress.ip_network(cidr)
            # The cluster is IPv4 (kubernetes_network_config), so is the private endpoint's ENI.
            problems.require(network.version == 4, "cluster.apiAccessCidrs", cidr, "IPv4 CIDRs only")
            problems.require(network.prefixlen > 0, "cluster.apiAccessCidrs", cidr,
                             "must name the deployer's networks, not every address (the API would be open to any network routed to the VPC)")
        return
    problems.require(
        not (need.cluster_access and not cluster.name), "cluster.name", None,
        "is required on AWS when cluster.mode is existing: the EKS cluster's name, for IRSA and the data services' security groups",
    )


# RFC 5737: the address ranges reserved for documentation. A stack copied with one of them fails
# only in a real account, after the cluster exists, when the deployer cannot reach its API.
DOCUMENTATION_RANGES = tuple(ipaddress.ip_network(c) for c in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


def _documentation_range(cidr: str) -> bool:
    network = ipaddress.ip_network(cidr)
    return any(network.version == r.version and network.subnet_of(r) for r in DOCUMENTATION_RANGES)


def _tracker_store(settings: StackSettings, problems: Problems) -> None:
    ts = settings.tracker_store
    problems.require(ts.engine_version.split(".")[0] in POSTGRES_MAJORS, "trackerStore.engineVersion", ts.engine_version,
                     f"RDS PostgreSQL majors allowed: {', '.join(POSTGRES_MAJORS)}")
    problems.require(bool(re.fullmatch(r"[a-z][a-z0-9_]{0,62}", ts.database)), "trackerStore.database", ts.database,
                     "RDS needs a letter then letters, digits or underscores")
    problems.require(ts.username not in RESERVED_DB_ROLES, "trackerStore.username", ts.username,
                     f"reserved on RDS or for the admin; not one of {', '.join(sorted(RESERVED_DB_ROLES))}")
    problems.require(ts.port >= 1150, "trackerStore.port", ts.port, "RDS PostgreSQL allows ports 1150 to 65535")


def _lock_store(settings: StackSettings, aws: AwsSettings, problems: Problems) -> None:
    ls = settings.lock_store
    node_type = aws.lock_store.node_type
    problems.require(bool(node_type and node_type.startswith("cache.")), "aws.lockStore.nodeType", node_type,
                     "must be an ElastiCache node type such as cache.r7g.large")
    # 7.x is needed for transit_encryption_mode "required" changes and for IAM users.
    problems.require(bool(re.fullmatch(r"7\.[0-9]+", ls.engine_version)), "lockStore.engineVersion", ls.engine_version,
                     "ElastiCache Redis OSS 7.x (such as 7.1)")
    problems.require(ls.tls, "lockStore.tls", False, "ElastiCache here always requires TLS; allowed: true")
    problems.require(aws.iam_auth or ls.username == "default", "lockStore.username", ls.username,
                     "an ElastiCache AUTH token belongs to the user 'default'; allowed: default")


def _event_queue(settings: StackSettings, aws: AwsSettings, brokers: int, problems: Problems) -> Optional[str]:
    eq = settings.event_queue
    msk = aws.event_queue
    version = msk_kafka_version(msk.kafka_version)
    problems.require(version is not None, "aws.eventQueue.kafkaVersion", msk.kafka_version,
                     f"MSK supports Kafka {', '.join(MSK_KAFKA_VERSIONS)}")
    instance_type = msk.broker_instance_type
    problems.require(bool(instance_type and instance_type.startswith("kafka.")), "aws.eventQueue.brokerInstanceType",
                     instance_type, "must be an MSK broker type such as kafka.m7g.large")
    problems.require(eq.security_protocol == "SASL_SSL", "eventQueue.securityProtocol", eq.security_protocol,
                     "managed MSK uses SASL over TLS; allowed: SASL_SSL")
    allowed = ("SCRAM-SHA-512", "OAUTHBEARER") if aws.iam_auth else ("SCRAM-SHA-512",)
    problems.require(eq.sasl_mechanism in allowed, "eventQueue.saslMechanism", eq.sasl_mechanism,
                     f"MSK supports SCRAM-SHA-512, or IAM (OAUTHBEARER) with aws.iamAuth; allowed: {', '.join(allowed)}")
    problems.require(eq.replication_factor <= brokers, "eventQueue.replicationFactor", eq.replication_factor,
                     f"must not exceed the number of brokers ({brokers} = zones × aws.eventQueue.brokersPerZone)")
    # Analytics consumes with a SCRAM user of its own; its MSK IAM role is not built yet.
    problems.require(not (aws.iam_auth and settings.analytics.enabled), "analytics.enabled", True,
                     "with aws.iamAuth the MSK event queue has no analytics consumer yet (its IAM role is not built); "
                     "set analytics.enabled: false or aws.iamAuth: false")
    return version


def _model_storage(settings: StackSettings, aws: AwsSettings, problems: Problems) -> None:
    ms = settings.model_storage
    if ms.mode != "managed":
        return
    problems.require(aws.model_storage.endpoint_url is None, "aws.modelStorage.endpointUrl", aws.model_storage.endpoint_url,
                     "applies to existing S3-compatible storage only, not a managed bucket")
    problems.require(ms.bucket is None or bool(re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", ms.bucket)),
                     "modelStorage.bucket", ms.bucket, "S3 bucket names are 3-63 lower-case letters, digits and hyphens")
