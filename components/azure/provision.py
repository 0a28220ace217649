"""Azure's provision step: build every component's Args from the plan and create what settings
call managed (services) or create (resource group, network, cluster).

Order: resource group → network → cluster (or a lookup of the existing one) → model storage and
data services → Rasa's workload identity → Vault seal. Hands back connections, the workload
identity, the Kubernetes provider and the outputs an operator needs next. This is the only Azure
code that reads the stack's settings.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.provider as azure_provider

from components.azure.cluster import Cluster, ClusterArgs, lookup_existing_cluster
from components.azure.context import AzureContext, ClusterAccess, NetworkInfo
from components.azure.event_queue import EventQueue, EventQueueArgs
from components.azure.identity import RasaIdentity, RasaIdentityArgs
from components.azure.lock_store import LockStore, LockStoreArgs
from components.azure.model_storage import CONTAINER, ModelStorage, ModelStorageArgs
from components.azure.network import Network, NetworkArgs
from components.azure.plan import AzurePlan
from components.azure.resource_group import ResourceGroup, ResourceGroupArgs
from components.azure.tags import AZURE_TAGS
from components.azure.tracker_store import TrackerStore, TrackerStoreArgs
from components.azure.vault_seal import VaultSeal, VaultSealArgs
from components.cloud import CloudServices
from components.common import CommonArgs, base_name
from components.confluent import ConfluentEventQueue, confluent_args, uses_confluent
from components.ingress import install_if_asked
from components.model_archive import archive_path, load_archive


def common_args(plan: AzurePlan) -> CommonArgs:
    s = plan.settings
    return CommonArgs(name=base_name(s.stack), tags=AZURE_TAGS.platform_tags(s.stack, s.environment, s.tags), protect=s.protection)


def provision(plan: AzurePlan) -> CloudServices:
    settings, cfg, need = plan.settings, plan.azure, plan.needs
    assert need is not None and settings.region  # the plan requires a region whenever anything is managed
    common = common_args(plan)
    provider = azure_provider.Provider("azure-native", location=settings.region, subscription_id=cfg.subscription_id)
    client = authorization.get_client_config_output(opts=pulumi.InvokeOptions(provider=provider))
    group = cfg.resource_group
    rg = ResourceGroup(
        "resource-group",
        ResourceGroupArgs(mode=group.mode, name=group.name or f"rg-{common.name}", location=settings.region,
                          tags=common.tags, protect=common.protect),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    ctx = AzureContext(
        common=common, provider=provider, location=settings.region, resource_group_name=rg.name, suffix=rg.suffix,
        tenant_id=client.tenant_id, subscription_id=client.subscription_id, deployer_object_id=client.object_id,
        zones=plan.zones,
    )
    outputs: dict[str, pulumi.Input[Any]] = {"azureLocation": settings.region, "azureResourceGroup": rg.name}

    network: Optional[NetworkInfo] = None
    if need.network:
        created = Network("network", _network_args(plan, ctx), opts=ctx.options())
        network = created.info
        if created.virtual_network_id is not None:
            outputs["virtualNetworkId"] = created.virtual_network_id

    cluster: Optional[Cluster] = None
    access: Optional[ClusterAccess] = None
    if settings.cluster.mode == "create":
        assert network
        cluster = Cluster("cluster", _cluster_args(plan, ctx, network), opts=ctx.options())
        access = cluster.access
        outputs["clusterName"] = cluster.managed_cluster.name
        outputs["clusterFqdn"] = cluster.fqdn
        outputs["kubeconfigCommand"] = pulumi.Output.concat(
            "az aks get-credentials --resource-group ", rg.name, " --name ", cluster.managed_cluster.name,
            " && kubelogin convert-kubeconfig -l azurecli",
        )
    elif need.cluster_access:
        assert settings.cluster.name  # required by the plan
        access = lookup_existing_cluster(ctx, settings.cluster.name, cfg.cluster.resource_group or group.name or "")

    services: dict[str, Any] = {}
    waits: list[pulumi.Resource] = list(cluster.ready) if cluster else []
    analytics_waits: list[pulumi.Resource] = []  # what Rasa Pro Services needs besides `waits`
    model_storage = None
    ms = settings.model_storage
    if ms.mode == "managed":
        assert network
        blob = cfg.model_storage
        model_storage = ModelStorage(
            "model-storage",
            ModelStorageArgs(
                ctx, network, model_key=ms.model_key, replication=blob.replication, soft_delete_days=blob.soft_delete_days,
                noncurrent_version_days=ms.noncurrent_version_days, account_name=blob.account_name,
                upload_from=load_archive(archive_path(ms.upload_from), settings.rasa.tag) if ms.upload_from else None,
                container=ms.bucket or CONTAINER,
            ),
            opts=ctx.options(),
        )
        services["model_storage"] = model_storage.connection
        outputs["modelStorageAccount"] = model_storage.account.name
        outputs["modelContainer"] = model_storage.container.name
        if model_storage.model_upload is not None:
            # Rasa's Deployment waits for it, and then for its pods to be ready.
            services["model_object"] = model_storage.model_upload
    if settings.tracker_store.mode == "managed":
        assert network
        tracker = TrackerStore("tracker-store", _tracker_store_args(plan, ctx, network), opts=ctx.options())
        services["tracker_store"] = tracker.connection
        waits.extend(tracker.ready)
        outputs["trackerStoreEndpoint"] = tracker.server.fully_qualified_domain_name
        outputs["trackerStoreAdminUsername"] = tracker.admin_username
        outputs["trackerStoreAdminPassword"] = tracker.admin_password
        # Rasa's own role: created by the in-cluster bootstrap (or by hand until it exists).
        outputs["trackerStoreAppUsername"] = settings.tracker_store.username
        outputs["trackerStoreAppPassword"] = tracker.app_password
        # The analytics database and roles are created on this server with the administrator login
        # (azure_pg_admin: CREATEDB and CREATEROLE, no superuser on Flexible Server).
        services["tracker_store_admin"] = tracker.connection.admin_login(tracker.admin_username, tracker.admin_password)
    if "analytics.database" in settings.managed():
        assert network
        analytics = TrackerStore("analytics-database", _analytics_database_args(plan, ctx, network), opts=ctx.options())
        # Rasa Pro Services' database and roles are created on its own server with its administrator
        # login, once the component's database exists (the setup Job then hands it to its role).
        services["analytics_database_admin"] = analytics.connection.admin_login(analytics.admin_username, analytics.admin_password)
        analytics_waits.extend(analytics.ready)
        outputs["analyticsDatabaseAdminUsername"] = analytics.admin_username
        outputs["analyticsDatabaseAdminPassword"] = analytics.admin_password
    if settings.lock_store.mode == "managed":
        assert network
        lock = LockStore("lock-store", _lock_store_args(plan, ctx, network), opts=ctx.options())
        services["lock_store"] = lock.connection
        outputs["lockStoreEndpoint"] = lock.host
    if uses_confluent(settings):
        confluent = ConfluentEventQueue("event-queue", confluent_args(settings, common.name, "AZURE", common.protect))
        services["event_queue"] = confluent.connection
        waits.extend(confluent.ready)
        outputs["eventQueueBootstrapServers"] = confluent.connection.bootstrap_servers
        outputs["eventQueueTopic"] = confluent.topic.topic_name
        if confluent.analytics_connection is not None:
            services["analytics_event_queue"] = confluent.analytics_connection
            analytics_waits.extend(confluent.analytics_ready)
    elif settings.event_queue.mode == "managed":
        assert network
        events = EventQueue("event-queue", _event_queue_args(plan, ctx, network), opts=ctx.options())
        services["event_queue"] = events.connection
        waits.extend(events.ready)
        outputs["eventQueueNamespace"] = events.namespace.name
        outputs["eventQueueBootstrapServers"] = events.connection.bootstrap_servers
        outputs["eventQueueTopic"] = events.event_hub.name
        outputs["eventQueueConsumerConnectionString"] = events.consumer_connection_string
        if events.analytics_connection is not None:
            services["analytics_event_queue"] = events.analytics_connection
            analytics_waits.extend(events.analytics_ready)

    identity = None
    if model_storage is not None and access is not None:
        rasa = RasaIdentity(
            "rasa-identity",
            RasaIdentityArgs(ctx, access, namespace=settings.rasa.namespace, model_container_id=model_storage.container.id,
                             allow_model_upload=ms.allow_upload_from_cluster),
            opts=ctx.options(),
        )
        identity = rasa.workload_identity
        outputs["rasaClientId"] = rasa.client_id

    vault_seal = None
    if need.vault_seal and access is not None:
        assert network
        seal_settings = cfg.vault_seal
        seal = VaultSeal(
            "vault-seal",
            VaultSealArgs(ctx, network, access, namespace=seal_settings.namespace, service_account=seal_settings.service_account,
                          soft_delete_days=cfg.key_vault_soft_delete_days),
            opts=ctx.options(),
        )
        outputs["vaultSealKeyVaultName"] = seal.vault_name
        outputs["vaultSealKeyName"] = seal.key_name
        outputs["vaultSealClientId"] = seal.client_id
        outputs["vaultSealTenantId"] = ctx.tenant_id
        vault_seal = seal.seal_config

    if cluster is not None:
        ingress = settings.rasa.ingress
        # AKS's cloud provider makes one Standard public load balancer for Traefik's Service.
        services["ingress_controller"] = install_if_asked(
            cluster.kubernetes_provider, enabled=ingress.enabled, acme_email=ingress.acme_email,
            depends_on=tuple(cluster.ready),
        )

    extra: dict[str, Any] = {"identity": identity} if identity is not None else {}
    return CloudServices(
        kubernetes_provider=cluster.kubernetes_provider if cluster else None,
        vault_seal=vault_seal,
        outputs=outputs,
        # Rasa (and its verify Job) start once the nodes, the database, the topic and the model exist.
        workload_depends_on=tuple(waits),
        analytics_depends_on=tuple(analytics_waits),
        **services,
        **extra,
    )


# ---------------------------------------------------------------------------------------------
# Settings → each component's explicit Args


def _network_args(plan: AzurePlan, ctx: AzureContext) -> NetworkArgs:
    net, ids = plan.settings.network, plan.azure.network
    zone_ids = dict(ids.private_dns_zone_ids)
    if "redis" in zone_ids and "redisCache" in plan.dns_zones:
        zone_ids["redisCache"] = zone_ids["redis"]
    return NetworkArgs(
        ctx, mode=net.mode, cidr=net.cidr, dns_zones=plan.dns_zones,
        postgres_subnet=plan.settings.tracker_store.mode == "managed" or "analytics.database" in plan.settings.managed(),
        api_access_cidrs=plan.settings.cluster.api_access_cidrs,
        postgres_dns_zone=f"{ctx.base_name}.private.postgres.database.azure.com",
        node_subnet_id=ids.node_subnet_id, endpoint_subnet_id=ids.endpoint_subnet_id,
        postgres_subnet_id=ids.postgres_subnet_id, dns_zone_ids=zone_ids,
    )


def _cluster_args(plan: AzurePlan, ctx: AzureContext, network: NetworkInfo) -> ClusterArgs:
    cluster, aks = plan.settings.cluster, plan.azure.cluster
    assert aks.system_vm_size and aks.user_vm_size  # required by the plan
    return ClusterArgs(
        ctx, network,
        kubernetes_version=cluster.kubernetes_version,
        system_vm_size=aks.system_vm_size,
        user_vm_size=aks.user_vm_size,
        system_node_count=aks.system_node_count,
        node_count_min=cluster.node_count_min,
        node_count_max=cluster.node_count_max,
        public_access_cidrs=cluster.public_access_cidrs,
        sku_tier=aks.sku_tier,
        upgrade_channel=aks.upgrade_channel,
        node_os_upgrade_channel=aks.node_os_upgrade_channel,
        maintenance_day=aks.maintenance_day,
        maintenance_start_hour=aks.maintenance_start_hour,
        admin_group_object_ids=aks.admin_group_object_ids,
        grant_deployer_admin=aks.grant_deployer_cluster_admin,
        deployer_principal_type=aks.deployer_principal_type,
        kms_soft_delete_days=plan.azure.key_vault_soft_delete_days,
        log_retention_days=plan.azure.log_retention_days,
        name=cluster.name,
    )


def _tracker_store_args(plan: AzurePlan, ctx: AzureContext, network: NetworkInfo) -> TrackerStoreArgs:
    ts = plan.settings.tracker_store
    return _flexible_server_args(plan, ctx, network, plan.azure.tracker_store.sku, plan.tracker_store_max_connections,
                                 database=ts.database, username=ts.username, storage_tier=plan.azure.tracker_store.storage_tier,
                                 set_max_connections=ts.max_connections)


def _analytics_database_args(plan: AzurePlan, ctx: AzureContext, network: NetworkInfo) -> TrackerStoreArgs:
    """The analytics server: its own name, SKU and database; its role is Rasa Pro Services' (password
    generated by the workload)."""
    db = plan.settings.analytics.database
    return _flexible_server_args(plan, ctx, network, plan.azure.analytics_database.sku, plan.analytics_database_max_connections,
                                 database=db.name, username=db.username, purpose="analytics-pg", generate_app_password=False,
                                 storage_gb=plan.analytics_storage_gb)


def _flexible_server_args(plan: AzurePlan, ctx: AzureContext, network: NetworkInfo, sku: Optional[str],
                          max_connections: Optional[int], **own: Any) -> TrackerStoreArgs:
    """A Flexible Server's Args: its own SKU and names (`own`), the tracker store's version, storage,
    backups (geo-redundant in prod), zone-redundant HA and TLS mode."""
    ts = plan.settings.tracker_store
    assert sku and max_connections  # required by the plan
    own = {"storage_gb": plan.tracker_storage_gb, **own}
    return TrackerStoreArgs(
        ctx, network,
        sku=sku,
        max_connections=max_connections,
        engine_version=ts.engine_version,
        backup_days=ts.backup_days,
        high_availability=ts.high_availability,
        geo_redundant_backup=plan.settings.is_prod,
        ssl_mode=ts.ssl_mode,
        **own,
    )


def _lock_store_args(plan: AzurePlan, ctx: AzureContext, network: NetworkInfo) -> LockStoreArgs:
    ls, redis = plan.settings.lock_store, plan.azure.lock_store
    return LockStoreArgs(
        ctx, network,
        kind=redis.kind,
        high_availability=ls.high_availability,
        key_prefix=ls.key_prefix,
        db=ls.db,
        snapshot_days=ls.snapshot_days,
        sku=redis.sku,
        premium_capacity=redis.premium_capacity,
    )


def _event_queue_args(plan: AzurePlan, ctx: AzureContext, network: NetworkInfo) -> EventQueueArgs:
    eq, hubs, analytics = plan.settings.event_queue, plan.azure.event_queue, plan.settings.analytics
    assert hubs.sku  # required by the plan
    return EventQueueArgs(
        ctx, network,
        sku=hubs.sku,
        capacity=hubs.capacity,
        topic=eq.topic,
        partitions=eq.partitions,
        retention_hours=eq.retention_hours,
        analytics_consumer_group=analytics.consumer_group if analytics.enabled else None,
        analytics_dead_letter_topic=analytics.dead_letter_topic if analytics.enabled else None,
    )
