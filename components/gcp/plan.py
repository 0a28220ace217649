"""GCP's plan step: every Google Cloud rule on the settings and every number derived from them,
computed once, before anything is registered, with all problems reported together.

The generic rules live in infra/settings; these are the ones only GCP imposes (a project, which
tiers, versions and machine types exist, the address plan, what Cloud SQL's certificates allow, the
capacity of the node pool). The result, `GcpPlan`, is all components/gcp/provision.py reads.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Optional

from components.capacity import check_fits, platform_demands
from components.cloud import CloudPlan
from components.confluent import CONFLUENT, check_confluent
from components.gcp.lock_store import REDIS_VERSIONS, redis_version
from components.gcp.machine_types import (
    MACHINE_TYPES, SYSTEM_DAEMONS_CPU_MILLICORES, SYSTEM_DAEMONS_MEMORY_MIB, node_shape,
)
from components.gcp.settings import GcpSettings
from components.gcp.tracker_store import max_connections_for, tier_size
from components.settings.errors import Problems
from components.settings.stack import StackSettings

POSTGRES_MAJORS = ("13", "14", "15", "16", "17")
# rasa_admin: the platform's own admin login (components/gcp/tracker_store.py).
RESERVED_USERS = {"postgres", "cloudsqlsuperuser", "cloudsqladmin", "cloudsqlagent", "cloudsqliamuser", "rasa_admin"}
MANAGED_KAFKA = "managed-kafka"
EVENT_QUEUE_PROVIDERS = (MANAGED_KAFKA, CONFLUENT)


@dataclass(frozen=True)
class Needs:
    """What a stack's settings ask of GCP."""

    cluster_create: bool
    tracker_store: bool
    lock_store: bool
    managed_kafka: bool
    confluent: bool
    model_bucket: bool  # Rasa reads models from GCS (managed, or an existing bucket)
    vault_seal: bool

    @property
    def private_services(self) -> bool:
        return self.tracker_store or self.lock_store

    @property
    def network(self) -> bool:
        return self.cluster_create or self.private_services or self.managed_kafka


@dataclass(frozen=True)
class GcpPlan(CloudPlan):
    gcp: GcpSettings = GcpSettings()
    needs: Optional[Needs] = None
    redis_version: Optional[str] = None  # Memorystore's name for lockStore.engineVersion
    database_version: Optional[str] = None  # Cloud SQL's name for trackerStore.engineVersion


def needs(settings: StackSettings, gcp: GcpSettings) -> Needs:
    eq = settings.event_queue
    managed_events = eq.mode == "managed"
    provider = eq.provider or MANAGED_KAFKA
    return Needs(
        cluster_create=settings.cluster.mode == "create",
        tracker_store=settings.tracker_store.mode == "managed",
        lock_store=settings.lock_store.mode == "managed",
        managed_kafka=managed_events and provider == MANAGED_KAFKA,
        confluent=managed_events and provider == CONFLUENT,
        model_bucket=settings.model_storage.mode == "managed" or settings.model_storage.bucket is not None,
        vault_seal=gcp.vault_seal.enabled,
    )


def plan(settings: StackSettings, gcp: GcpSettings, problems: Problems) -> GcpPlan:
    """Check everything GCP imposes and derive what provisioning needs; registers nothing."""
    need = needs(settings, gcp)
    if not settings.any_managed():
        return GcpPlan(settings=settings, gcp=gcp, needs=need)
    problems.require(gcp.project is not None, "gcp.project", None, "is required when anything is managed (the project id)")
    _network(settings, gcp, need, problems)
    _cluster(settings, gcp, need, problems)
    max_connections = None
    database_version = None
    if need.tracker_store:
        max_connections = _tracker_store(settings, gcp, problems)
        database_version = f"POSTGRES_{settings.tracker_store.engine_version.split('.')[0]}"
    version = None
    if need.lock_store:
        version = _lock_store(settings, gcp, problems)
    if settings.event_queue.mode == "managed":
        _event_queue(settings, gcp, need, problems)
    _model_storage(settings, problems)
    return GcpPlan(
        settings=settings,
        tracker_store_max_connections=max_connections,
        tracker_store_size_key="trackerStore.maxConnections" if settings.tracker_store.max_connections else "gcp.trackerStore.tier",
        gcp=gcp,
        needs=need,
        redis_version=version,
        database_version=database_version,
    )


def _network(settings: StackSettings, gcp: GcpSettings, need: Needs, problems: Problems) -> None:
    net, ids = settings.network, gcp.network
    if not need.network:
        return
    if net.mode == "create":
        prefix = ipaddress.ip_network(net.cidr).prefixlen
        problems.require(prefix == 16, "network.cidr", net.cidr,
                         "must be a /16 on GCP (pods /17, services /20, nodes /22 and private services /20 are carved from it)")
        problems.require(
            not (settings.cluster.mode == "existing" and (need.private_services or need.managed_kafka)), "network.mode", net.mode,
            "must be existing when cluster.mode is existing: data services must live in the cluster's VPC (set gcp.network.*)",
        )
        return
    required = [("network", ids.network), ("subnetwork", ids.subnetwork), ("subnetCidr", ids.subnet_cidr)]
    if need.cluster_create:
        required += [("podsRangeName", ids.pods_range_name), ("servicesRangeName", ids.services_range_name)]
    if need.private_services:
        required += [("privateServicesRangeName", ids.private_services_range_name), ("privateServicesCidr", ids.private_services_cidr)]
    for key, value in required:
        problems.require(value is not None, f"gcp.network.{key}", None, "is required when network.mode is existing")


def _cluster(settings: StackSettings, gcp: GcpSettings, need: Needs, problems: Problems) -> None:
    cluster, own = settings.cluster, gcp.cluster
    if cluster.mode != "create":
        return
    problems.require(bool(re.fullmatch(r"1\.[0-9]{2}", cluster.kubernetes_version)), "cluster.kubernetesVersion",
                     cluster.kubernetes_version, "must be a GKE minor version such as 1.33")
    if own.zone is not None:
        problems.require(not settings.is_prod, "gcp.cluster.zone", own.zone,
                         "prod clusters are regional (a control plane in every zone); remove it")
        problems.require(own.zone.rsplit("-", 1)[0] == settings.region, "gcp.cluster.zone", own.zone,
                         f"must be a zone of region {settings.region}")
    for member in own.admin_members:
        problems.require(bool(re.fullmatch(r"(user|group|serviceAccount|domain):\S+", member)), "gcp.cluster.adminMembers",
                         member, "IAM members look like user:alice@example.com, group:..., serviceAccount:...")
    machine_type = gcp.node_pool.machine_type
    shape = node_shape(machine_type) if machine_type else None
    if shape is None:
        families = sorted({name.rsplit("-", 1)[0] for name in MACHINE_TYPES})
        problems.add("gcp.nodePool.machineType", machine_type,
                     f"a machine type the capacity check knows ({', '.join(families)} with their sizes, e.g. n2-standard-8)")
        return
    check_fits(
        platform_demands(settings), shape,
        daemons_cpu_millicores=SYSTEM_DAEMONS_CPU_MILLICORES, daemons_memory_mib=SYSTEM_DAEMONS_MEMORY_MIB,
        nodes_max=cluster.node_count_max, node_type_key="gcp.nodePool.machineType",
        nodes_max_key="cluster.nodeCountMax", problems=problems,
    )


def _tracker_store(settings: StackSettings, gcp: GcpSettings, problems: Problems) -> Optional[int]:
    ts = settings.tracker_store
    problems.require(ts.engine_version.split(".")[0] in POSTGRES_MAJORS, "trackerStore.engineVersion", ts.engine_version,
                     f"Cloud SQL PostgreSQL majors allowed: {', '.join(POSTGRES_MAJORS)}")
    problems.require(ts.ssl_mode == "verify-ca", "trackerStore.sslMode", ts.ssl_mode,
                     "Cloud SQL's per-instance CA names the instance, not its private IP, so verify-full cannot pass; "
                     "allowed: verify-ca (the chain is checked against this instance's own CA)")
    problems.require(ts.port == 5432, "trackerStore.port", ts.port, "Cloud SQL listens on 5432 only; allowed: 5432")
    problems.require(bool(re.fullmatch(r"[a-z][a-z0-9_]{0,62}", ts.database)), "trackerStore.database", ts.database,
                     "a letter then letters, digits or underscores")
    problems.require(ts.username not in RESERVED_USERS, "trackerStore.username", ts.username,
                     f"reserved on Cloud SQL; not one of {', '.join(sorted(RESERVED_USERS))}")
    tier = gcp.tracker_store.tier
    if tier is None or tier_size(tier) is None:
        problems.add("gcp.trackerStore.tier", tier,
                     "a Cloud SQL tier db-custom-<vCPUs>-<memory MiB>: 1 or an even number of vCPUs up to 96, memory a "
                     "multiple of 256 MiB and 0.9-6.5 GiB per vCPU (e.g. db-custom-4-16384)")
        return None
    return ts.max_connections or max_connections_for(tier)


def _lock_store(settings: StackSettings, gcp: GcpSettings, problems: Problems) -> Optional[str]:
    ls = settings.lock_store
    version = redis_version(ls.engine_version)
    problems.require(version is not None, "lockStore.engineVersion", ls.engine_version,
                     f"Memorystore for Redis versions allowed: {', '.join(REDIS_VERSIONS)}")
    problems.require(ls.tls, "lockStore.tls", False, "Memorystore here always requires TLS; allowed: true")
    problems.require(ls.username == "default", "lockStore.username", ls.username,
                     "Memorystore AUTH has one user, 'default'; allowed: default")
    problems.require(gcp.lock_store.memory_size_gb is not None, "gcp.lockStore.memorySizeGb", None,
                     "is required for a managed lock store (GB of Memorystore capacity)")
    return version


def _event_queue(settings: StackSettings, gcp: GcpSettings, need: Needs, problems: Problems) -> None:
    eq = settings.event_queue
    if need.confluent:
        check_confluent(settings, problems)
        return
    problems.require(eq.security_protocol == "SASL_SSL", "eventQueue.securityProtocol", eq.security_protocol,
                     "Managed Kafka takes SASL over TLS; allowed: SASL_SSL")
    problems.require(eq.sasl_mechanism == "PLAIN", "eventQueue.saslMechanism", eq.sasl_mechanism,
                     "Managed Kafka authenticates with a service-account key over SASL/PLAIN; allowed: PLAIN")
    own = gcp.event_queue
    problems.require(eq.replication_factor <= 3, "eventQueue.replicationFactor", eq.replication_factor,
                     "Managed Kafka spreads brokers over 3 zones; allowed: 1 to 3")
    vcpus, memory = own.vcpu_count, own.memory_gb
    if vcpus is None or memory is None:
        problems.add("gcp.eventQueue.vcpuCount", vcpus, "gcp.eventQueue.vcpuCount and memoryGb are required for Managed Kafka")
        return
    problems.require(vcpus <= memory <= 8 * vcpus, "gcp.eventQueue.memoryGb", memory,
                     f"Managed Kafka needs 1 to 8 GiB per vCPU: between {vcpus} and {8 * vcpus} for {vcpus} vCPUs")


def _model_storage(settings: StackSettings, problems: Problems) -> None:
    ms = settings.model_storage
    if ms.mode != "managed":
        problems.require(ms.upload_from is None, "modelStorage.uploadFrom", ms.upload_from,
                         "applies to a managed bucket only (upload to an existing bucket yourself)")
        return
    problems.require(ms.bucket is None or bool(re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]", ms.bucket)),
                     "modelStorage.bucket", ms.bucket, "GCS bucket names are 3-63 lower-case letters, digits, - and _")
