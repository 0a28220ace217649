"""Azure's plan step: every Azure rule on the settings and every number derived from them,
computed once, before anything is registered, with all problems reported together.

The generic rules live in infra/settings; these are the ones only Azure imposes (which SKUs and
versions exist, naming rules, what Event Hubs and Flexible Server allow, whether Rasa's pods fit
on the chosen VM size). The result, `AzurePlan`, is all the provision step reads.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Optional

from components.azure.cluster import POD_CIDR, SERVICE_CIDR
from components.azure.event_queue import MAX_PARTITIONS, MAX_RETENTION_HOURS
from components.confluent import check_confluent, uses_confluent
from components.azure.settings import AzureSettings
from components.azure.tracker_store import RESERVED_ROLES, SKU_MAX_CONNECTIONS, storage_size_gb, user_connections
from components.azure.vm_sizes import DAEMONS_CPU_MILLICORES, DAEMONS_MEMORY_MIB, VM_SIZES, node_shape
from components.capacity import check_fits, platform_demands
from components.cloud import CloudPlan, ExistingAccess
from components.settings.errors import Problems
from components.settings.stack import StackSettings

POSTGRES_MAJORS = ("13", "14", "15", "16", "17")
MANAGED_REDIS_SKU = re.compile(r"(Balanced_B|MemoryOptimized_M|ComputeOptimized_X)[0-9]+")
PREMIUM_PROCESSING_UNITS = (1, 2, 4, 8, 16)


@dataclass(frozen=True)
class Needs:
    """What a stack's settings ask of Azure."""

    cluster_create: bool
    data_services: bool  # PostgreSQL, Redis or Event Hubs
    model_storage: bool  # a managed storage account
    vault_seal: bool

    @property
    def network(self) -> bool:
        return self.cluster_create or self.data_services or self.model_storage

    @property
    def cluster_access(self) -> bool:
        """Workload identities need the cluster's OIDC issuer."""
        return self.model_storage or self.vault_seal


@dataclass(frozen=True)
class AzurePlan(CloudPlan):
    azure: AzureSettings = AzureSettings()
    needs: Optional[Needs] = None
    zones: tuple[str, ...] = ()  # availability zones of node pools and zone-redundant services
    dns_zones: tuple[str, ...] = field(default_factory=tuple)  # private DNS zones the services need
    tracker_storage_gb: int = 32
    analytics_storage_gb: int = 32  # analytics.database.mode managed: its server's (Azure's fixed sizes)


def needs(settings: StackSettings, azure: AzureSettings) -> Needs:
    return Needs(
        cluster_create=settings.cluster.mode == "create",
        # In this cloud's network (Confluent Cloud runs outside it).
        data_services=any(s.mode == "managed" for s in (settings.lock_store, settings.tracker_store))
        or (settings.event_queue.mode == "managed" and not uses_confluent(settings))
        or _analytics_server(settings),
        model_storage=settings.model_storage.mode == "managed",
        vault_seal=azure.vault_seal.enabled,
    )


def _analytics_server(settings: StackSettings) -> bool:
    return "analytics.database" in settings.managed()


def _postgres(settings: StackSettings) -> bool:
    """A Flexible Server is created (the tracker store's, the analytics server, or both)."""
    return settings.tracker_store.mode == "managed" or _analytics_server(settings)


def zones(settings: StackSettings) -> tuple[str, ...]:
    """Zonal spread outside dev: the nodes, PostgreSQL's HA pair and the Redis cache."""
    return () if settings.environment == "dev" else tuple(str(z) for z in range(1, settings.network.zones + 1))


def dns_zones(settings: StackSettings, azure: AzureSettings, need: Needs) -> tuple[str, ...]:
    wanted = []
    if need.model_storage:
        wanted.append("blob")
    if settings.lock_store.mode == "managed":
        wanted.append("redis" if azure.lock_store.kind == "managedRedis" else "redisCache")
    if _postgres(settings):
        wanted.append("postgres")
    if settings.event_queue.mode == "managed" and not uses_confluent(settings):
        wanted.append("servicebus")
    if need.vault_seal:
        wanted.append("vault")
    return tuple(wanted)


def existing_access(azure: AzureSettings) -> ExistingAccess:
    blob = azure.model_storage
    return ExistingAccess(model_storage_account_name=blob.account_name, model_storage_account_key=blob.account_key)


def plan(settings: StackSettings, azure: AzureSettings, problems: Problems) -> AzurePlan:
    """Check everything Azure imposes and derive what provisioning needs; registers nothing.
    (The region list and tag rules are applied by infra/settings for every cloud alike.)"""
    need = needs(settings, azure)
    if settings.model_storage.mode == "existing":
        problems.require(azure.model_storage.account_name is not None, "azure.modelStorage.accountName", None,
                         "is required for an existing Azure Blob container")
    if not settings.any_managed():
        return AzurePlan(settings=settings, existing=existing_access(azure), azure=azure, needs=need)
    wanted_zones = dns_zones(settings, azure, need)
    _resource_group(azure, problems)
    _network(settings, azure, need, wanted_zones, problems)
    _cluster(settings, azure, need, problems)
    max_connections = None
    if settings.tracker_store.mode == "managed":
        max_connections = _tracker_store(settings, azure, problems)
    analytics_connections = _analytics_database(settings, azure, problems) if _analytics_server(settings) else None
    if settings.lock_store.mode == "managed":
        _lock_store(settings, azure, problems)
    if uses_confluent(settings):
        check_confluent(settings, problems)
    elif settings.event_queue.mode == "managed":
        _event_queue(settings, azure, problems)
    _model_storage(settings, problems)
    return AzurePlan(
        settings=settings,
        tracker_store_max_connections=max_connections,
        tracker_store_size_key="trackerStore.maxConnections" if settings.tracker_store.max_connections else "azure.trackerStore.sku",
        analytics_database_max_connections=analytics_connections,
        analytics_database_size_key=ANALYTICS_SIZE_KEY,
        existing=existing_access(azure),
        azure=azure,
        needs=need,
        zones=zones(settings),
        dns_zones=wanted_zones,
        tracker_storage_gb=storage_size_gb(settings.tracker_store.storage_gb),
        analytics_storage_gb=storage_size_gb(settings.analytics.database.storage_gb or settings.tracker_store.storage_gb),
    )


def _resource_group(azure: AzureSettings, problems: Problems) -> None:
    group = azure.resource_group
    problems.require(group.mode == "create" or group.name is not None, "azure.resourceGroup.name", None,
                     "is required when azure.resourceGroup.mode is existing")


def _network(settings: StackSettings, azure: AzureSettings, need: Needs, wanted: tuple[str, ...], problems: Problems) -> None:
    net, ids = settings.network, azure.network
    if not need.network:
        return
    if net.mode == "create":
        cidr = ipaddress.ip_network(net.cidr)
        problems.require(16 <= cidr.prefixlen <= 22, "network.cidr", net.cidr,
                         "must be a /16 to /22 on Azure (quarters for nodes and endpoints, a /27 for PostgreSQL)")
        for name, overlay in (("pods", POD_CIDR), ("services", SERVICE_CIDR)):
            problems.require(not cidr.overlaps(ipaddress.ip_network(overlay)), "network.cidr", net.cidr,
                             f"overlaps AKS's overlay range for {name} ({overlay}); choose another private range")
        problems.require(
            not (settings.cluster.mode == "existing" and need.data_services), "network.mode", net.mode,
            "must be existing when cluster.mode is existing: private endpoints must be in the cluster's VNet "
            "(set azure.network.nodeSubnetId, endpointSubnetId and the private DNS zone ids)",
        )
        return
    problems.require(ids.node_subnet_id is not None, "azure.network.nodeSubnetId", None, "is required when network.mode is existing")
    problems.require(ids.endpoint_subnet_id is not None, "azure.network.endpointSubnetId", None, "is required when network.mode is existing")
    if _postgres(settings):
        what = "a managed tracker store" if settings.tracker_store.mode == "managed" else "analytics.database.mode managed"
        problems.require(ids.postgres_subnet_id is not None, "azure.network.postgresSubnetId", None,
                         f"is required for {what} on an existing network (a subnet delegated to PostgreSQL flexible servers)")
    for key in wanted:
        zone_key = "redis" if key == "redisCache" else key
        problems.require(zone_key in ids.private_dns_zone_ids, f"azure.network.privateDnsZoneIds.{zone_key}", None,
                         "is required on an existing network: the private DNS zone linked to the VNet")


def _cluster(settings: StackSettings, azure: AzureSettings, need: Needs, problems: Problems) -> None:
    cluster, aks = settings.cluster, azure.cluster
    if cluster.mode == "existing":
        problems.require(not (need.cluster_access and not cluster.name), "cluster.name", None,
                         "is required on Azure when cluster.mode is existing: the AKS cluster's name, for workload identity")
        problems.require(not need.cluster_access or bool(aks.resource_group or azure.resource_group.mode == "existing"),
                         "azure.cluster.resourceGroup", None,
                         "is required when cluster.mode is existing (the AKS cluster's resource group), unless azure.resourceGroup is existing")
        return
    problems.require(bool(re.fullmatch(r"1\.[0-9]{2}", cluster.kubernetes_version)), "cluster.kubernetesVersion",
                     cluster.kubernetes_version, "must be an AKS minor version such as 1.33 (patches come from the upgrade channel)")
    problems.require(bool(cluster.name is None or len(cluster.name) <= 63), "cluster.name", cluster.name, "AKS names are at most 63 characters")
    problems.require(cluster.node_count_min <= cluster.node_count_max, "cluster.nodeCountMin", cluster.node_count_min,
                     f"must not exceed cluster.nodeCountMax ({cluster.node_count_max})")
    sizes = ", ".join(sorted(VM_SIZES))
    for key, size in (("systemVmSize", aks.system_vm_size), ("userVmSize", aks.user_vm_size)):
        problems.require(size in VM_SIZES, f"azure.cluster.{key}", size, f"a VM size the capacity check knows: {sizes}")
    if aks.user_vm_size in VM_SIZES:
        check_fits(
            platform_demands(settings), node_shape(aks.user_vm_size),
            daemons_cpu_millicores=DAEMONS_CPU_MILLICORES, daemons_memory_mib=DAEMONS_MEMORY_MIB,
            nodes_max=cluster.node_count_max, node_type_key="azure.cluster.userVmSize",
            nodes_max_key="cluster.nodeCountMax", problems=problems,
        )


def _tracker_store(settings: StackSettings, azure: AzureSettings, problems: Problems) -> Optional[int]:
    ts = settings.tracker_store
    sku = _flexible_server(settings, problems, sku=("azure.trackerStore.sku", azure.tracker_store.sku),
                           database=("trackerStore.database", ts.database), usernames=(("trackerStore.username", ts.username),),
                           port=("trackerStore.port", ts.port))
    if sku is None:
        return ts.max_connections
    if ts.max_connections is not None:
        return ts.max_connections
    return user_connections(sku)


ANALYTICS_SIZE_KEY = "azure.analyticsDatabase.sku"


def _analytics_database(settings: StackSettings, azure: AzureSettings, problems: Problems) -> Optional[int]:
    """The analytics server's (analytics.database.mode managed) checks and its max_connections."""
    db = settings.analytics.database
    sku = _flexible_server(settings, problems, sku=(ANALYTICS_SIZE_KEY, azure.analytics_database.sku),
                           database=("analytics.database.name", db.name),
                           usernames=(("analytics.database.username", db.username),
                                      ("analytics.database.readOnlyUsername", db.read_only_username)),
                           port=("analytics.database.port", db.port), engine=settings.tracker_store.mode != "managed")
    return user_connections(sku) if sku else None


def _flexible_server(settings: StackSettings, problems: Problems, *, sku: tuple[str, Optional[str]], database: tuple[str, str],
                     usernames: tuple[tuple[str, str], ...], port: tuple[str, int], engine: bool = True) -> Optional[str]:
    """What Flexible Server imposes on an instance of components/azure/tracker_store.py, (key, value)
    pairs checked; the SKU when it is known. Both servers run the tracker store's version and HA
    (`engine`: check the version here, once per stack)."""
    ts = settings.tracker_store
    problems.require(not engine or (ts.engine_version.split(".")[0] in POSTGRES_MAJORS and "." not in ts.engine_version),
                     "trackerStore.engineVersion", ts.engine_version,
                     f"Flexible Server takes a major version; allowed: {', '.join(POSTGRES_MAJORS)}")
    for key, username in usernames:
        problems.require(username not in RESERVED_ROLES, key, username,
                         f"reserved on Azure or for the admin; not one of {', '.join(sorted(RESERVED_ROLES))}")
    problems.require(port[1] == 5432, *port, "Flexible Server listens on 5432 only; allowed: 5432")
    problems.require(bool(re.fullmatch(r"[a-z][a-z0-9_-]{0,62}", database[1])), *database,
                     "a letter, then letters, digits, _ or -")
    key, value = sku
    if value is None or value not in SKU_MAX_CONNECTIONS:
        problems.add(key, value, f"a Flexible Server compute SKU; allowed: {', '.join(sorted(SKU_MAX_CONNECTIONS))}")
        return None
    problems.require(not (ts.high_availability and value.startswith("Standard_B")), key, value,
                     "zone-redundant HA (trackerStore.highAvailability) needs a General Purpose or Memory Optimized SKU, not Burstable")
    return value


def _lock_store(settings: StackSettings, azure: AzureSettings, problems: Problems) -> None:
    ls, redis = settings.lock_store, azure.lock_store
    problems.require(ls.tls, "lockStore.tls", False, "Azure Redis here always requires TLS; allowed: true")
    problems.require(ls.username == "default", "lockStore.username", ls.username,
                     "an Azure Redis access key belongs to the user 'default'; allowed: default")
    if redis.kind == "managedRedis":
        problems.require(bool(redis.sku and MANAGED_REDIS_SKU.fullmatch(redis.sku)), "azure.lockStore.sku", redis.sku,
                         "an Azure Managed Redis SKU such as Balanced_B1, MemoryOptimized_M10 or ComputeOptimized_X3")
        problems.require(not (ls.high_availability and redis.sku == "Balanced_B0"), "azure.lockStore.sku", redis.sku,
                         "Balanced_B0 has no high availability; choose Balanced_B1 or larger")


def _event_queue(settings: StackSettings, azure: AzureSettings, problems: Problems) -> None:
    eq, hubs = settings.event_queue, azure.event_queue
    problems.require(eq.security_protocol == "SASL_SSL", "eventQueue.securityProtocol", eq.security_protocol,
                     "Event Hubs' Kafka endpoint uses SASL over TLS; allowed: SASL_SSL")
    problems.require(eq.sasl_mechanism == "PLAIN", "eventQueue.saslMechanism", eq.sasl_mechanism,
                     "Event Hubs takes SASL PLAIN with a SAS connection string; allowed: PLAIN")
    sku = hubs.sku
    if sku is None:
        problems.add("azure.eventQueue.sku", None, "is required for a managed event queue (Standard or Premium)")
        return
    problems.require(eq.partitions <= MAX_PARTITIONS[sku], "eventQueue.partitions", eq.partitions,
                     f"Event Hubs {sku} allows at most {MAX_PARTITIONS[sku]} partitions per event hub")
    problems.require(eq.retention_hours <= MAX_RETENTION_HOURS[sku], "eventQueue.retentionHours", eq.retention_hours,
                     f"Event Hubs {sku} keeps events at most {MAX_RETENTION_HOURS[sku]} hours")
    if sku == "Premium":
        problems.require(hubs.capacity in PREMIUM_PROCESSING_UNITS, "azure.eventQueue.capacity", hubs.capacity,
                         f"Premium processing units; allowed: {', '.join(map(str, PREMIUM_PROCESSING_UNITS))}")
    else:
        problems.require(hubs.capacity <= 40, "azure.eventQueue.capacity", hubs.capacity, "Standard allows 1 to 40 throughput units")


def _model_storage(settings: StackSettings, problems: Problems) -> None:
    ms = settings.model_storage
    if ms.mode != "managed":
        return
    problems.require(ms.bucket is None or bool(re.fullmatch(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]", ms.bucket)),
                     "modelStorage.bucket", ms.bucket,
                     "a Blob container name: 3-63 lower-case letters, digits and single hyphens")
