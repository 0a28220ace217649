"""GCP's provision step: build every component's Args from the plan and create what settings call
managed (services) or create (network, cluster).

Order: APIs → key ring → network → cluster → data services → Rasa's service account → Vault seal.
All resources after the APIs use a provider that depends on them, so a fresh project works. Hands
back connections, the workload identity, the Kubernetes provider and the outputs an operator needs
next. This is the only GCP code that reads the stack's settings.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
import pulumi_gcp as gcp

from components.cloud import CloudServices
from components.common import CommonArgs, base_name
from components.confluent import ConfluentEventQueue, confluent_args
from components.contracts import WorkloadIdentity
from components.gcp.cluster import Cluster, ClusterArgs
from components.gcp.context import GcpContext, NetworkInfo
from components.gcp.event_queue import EventQueue, EventQueueArgs
from components.gcp.identity import RasaIdentity, RasaIdentityArgs
from components.gcp.kms import KeyRing, KeyRingArgs
from components.gcp.labels import GCP_LABELS
from components.gcp.lock_store import LockStore, LockStoreArgs
from components.gcp.model_storage import ModelStorage, ModelStorageArgs
from components.gcp.network import Network, NetworkArgs, existing_network
from components.gcp.plan import GcpPlan
from components.gcp.project_services import ProjectServices, ProjectServicesArgs, apis_for
from components.gcp.tracker_store import TrackerStore, TrackerStoreArgs
from components.gcp.vault_seal import VaultSeal, VaultSealArgs
from components.ingress import install_if_asked
from components.model_archive import archive_path, load_archive


def common_args(plan: GcpPlan) -> CommonArgs:
    s = plan.settings
    return CommonArgs(
        name=base_name(s.stack),
        tags=GCP_LABELS.platform_tags(s.stack, s.environment, s.tags),
        protect=s.protection,
    )


def provision(plan: GcpPlan) -> CloudServices:
    settings, cfg, need = plan.settings, plan.gcp, plan.needs
    assert need is not None and settings.region and cfg.project  # required by the plan
    region, project = settings.region, cfg.project
    common = common_args(plan)

    apis_provider = gcp.Provider("gcp-apis", project=project, region=region, add_pulumi_attribution_label=False)
    apis = ProjectServices(
        "project-services",
        ProjectServicesArgs(project, tuple(apis_for(
            # Cloud SQL's APIs for either instance (the tracker store's, the analytics server).
            cluster=need.cluster_create, tracker_store=need.tracker_store or need.analytics_database, lock_store=need.lock_store,
            managed_kafka=need.managed_kafka,
        ))),
        opts=pulumi.ResourceOptions(providers=[apis_provider]),
    )
    # Every other resource uses this provider, which waits for the APIs.
    provider = gcp.Provider(
        "gcp", project=project, region=region, add_pulumi_attribution_label=False,
        opts=pulumi.ResourceOptions(depends_on=apis.services),
    )
    ctx = GcpContext(common=common, provider=provider, project=project, region=region)
    outputs: dict[str, pulumi.Input[Any]] = {"gcpProject": project, "gcpRegion": region}
    keys = KeyRing("keys", KeyRingArgs(ctx), opts=ctx.options())
    outputs["kmsKeyRing"] = keys.key_ring.id

    network = _network(plan, ctx) if need.network else None
    if network is not None:
        outputs["network"] = network.network_id

    cluster: Optional[Cluster] = None
    if need.cluster_create:
        assert network is not None
        cluster = Cluster("cluster", _cluster_args(plan, ctx, network, keys), opts=ctx.options())
        outputs["clusterName"] = cluster.cluster.name
        outputs["clusterLocation"] = cluster.location
        outputs["kubeconfigCommand"] = (
            f"gcloud container clusters get-credentials {cluster.gke_name} --location {cluster.location} --project {project}"
            + (" --dns-endpoint" if cfg.cluster.dns_endpoint else "")
        )

    services: dict[str, Any] = {}
    waits: list[pulumi.Resource] = [*(cluster.ready if cluster else ())]
    analytics_waits: list[pulumi.Resource] = []  # what Rasa Pro Services needs besides `waits`
    analytics = settings.analytics
    group = analytics.consumer_group if analytics.enabled else None
    dead_letter = analytics.dead_letter_topic if analytics.enabled else None
    model_storage = None
    ms = settings.model_storage
    if ms.mode == "managed":
        model_storage = ModelStorage(
            "model-storage",
            ModelStorageArgs(
                ctx, keys, model_key=ms.model_key, noncurrent_version_days=ms.noncurrent_version_days,
                soft_delete_days=cfg.model_storage.soft_delete_days, bucket=ms.bucket,
                upload_from=load_archive(archive_path(ms.upload_from), settings.rasa.tag) if ms.upload_from else None,
            ),
            opts=ctx.options(),
        )
        services["model_storage"] = model_storage.connection
        outputs["modelBucket"] = model_storage.bucket.name
        if model_storage.model_object is not None:
            # modelStorage.uploadFrom: Rasa's Deployment waits for it, then for its pods to be ready.
            services["model_object"] = model_storage.model_object
    if need.tracker_store:
        assert network is not None
        tracker = TrackerStore("tracker-store", _tracker_store_args(plan, ctx, network, keys), opts=ctx.options())
        services["tracker_store"] = tracker.connection
        waits += tracker.ready
        outputs["trackerStorePrivateIp"] = tracker.instance.private_ip_address
        outputs["trackerStoreConnectionName"] = tracker.instance.connection_name
        outputs["trackerStoreAppUsername"] = settings.tracker_store.username
        outputs["trackerStoreAppPassword"] = tracker.connection.password
        outputs["trackerStoreAdminUsername"] = tracker.admin_username
        outputs["trackerStoreAdminPassword"] = tracker.admin_password
        # The analytics database and roles are created on this instance with the admin login.
        services["tracker_store_admin"] = tracker.connection.admin_login(tracker.admin_username, tracker.admin_password)
        analytics_waits.append(tracker.admin_user)
    if need.analytics_database:
        assert network is not None
        server = TrackerStore("analytics-database", _analytics_database_args(plan, ctx, network, keys), opts=ctx.options())
        # Rasa Pro Services' database and roles are created on its own instance with its admin login.
        services["analytics_database_admin"] = server.connection.admin_login(server.admin_username, server.admin_password)
        analytics_waits += [*server.ready, server.admin_user]
        outputs["analyticsDatabaseAdminUsername"] = server.admin_username
        outputs["analyticsDatabaseAdminPassword"] = server.admin_password
    if need.lock_store:
        assert network is not None and plan.redis_version
        ls = settings.lock_store
        lock = LockStore(
            "lock-store",
            LockStoreArgs(
                ctx, network, keys, memory_size_gb=cfg.lock_store.memory_size_gb or 1, redis_version=plan.redis_version,
                high_availability=ls.high_availability, persistence=ls.snapshot_days > 0, db=ls.db, key_prefix=ls.key_prefix,
            ),
            opts=ctx.options(),
        )
        services["lock_store"] = lock.connection
        outputs["lockStoreHost"] = lock.instance.host
    if need.managed_kafka:
        assert network is not None
        eq = settings.event_queue
        events = EventQueue(
            "event-queue",
            EventQueueArgs(
                ctx, network, keys, vcpu_count=cfg.event_queue.vcpu_count or 3, memory_gb=cfg.event_queue.memory_gb or 3,
                topic=eq.topic, partitions=eq.partitions, replication_factor=eq.replication_factor,
                retention_hours=eq.retention_hours, consumers=cfg.event_queue.consumers,
                analytics_consumer_group=group, analytics_dead_letter_topic=dead_letter,
            ),
            opts=ctx.options(),
        )
        services["event_queue"] = events.connection
        waits += events.ready
        if events.analytics_connection is not None:
            services["analytics_event_queue"] = events.analytics_connection
            analytics_waits += events.analytics_ready
            outputs["eventQueueAnalyticsAccount"] = events.analytics_account.email
        outputs["eventQueueBootstrapServers"] = events.connection.bootstrap_servers
        outputs["eventQueueTopic"] = events.topic.topic_id
        outputs["eventQueueClientAccount"] = events.client_account.email
    elif need.confluent:
        confluent = ConfluentEventQueue("event-queue", confluent_args(settings, common.name, "GCP", common.protect))
        services["event_queue"] = confluent.connection
        waits += confluent.ready
        outputs["eventQueueBootstrapServers"] = confluent.connection.bootstrap_servers
        outputs["eventQueueTopic"] = confluent.topic.topic_name
        if confluent.analytics_connection is not None:
            services["analytics_event_queue"] = confluent.analytics_connection
            analytics_waits += confluent.analytics_ready

    identity = WorkloadIdentity()
    if need.model_bucket:
        bucket = model_storage.bucket.name if model_storage else ms.bucket
        rasa = RasaIdentity(
            "rasa-identity",
            RasaIdentityArgs(ctx, namespace=settings.rasa.namespace, model_bucket=bucket,
                             allow_model_upload=ms.allow_upload_from_cluster),
            opts=ctx.options(),
        )
        identity = rasa.workload_identity
        waits += rasa.ready
        outputs["rasaServiceAccount"] = rasa.email

    vault_seal = None
    if need.vault_seal:
        seal_settings = cfg.vault_seal
        seal = VaultSeal(
            "vault-seal",
            VaultSealArgs(ctx, keys, namespace=seal_settings.namespace, service_account=seal_settings.service_account),
            opts=ctx.options(),
        )
        outputs["vaultSealKeyId"] = seal.key_id
        outputs["vaultSealServiceAccount"] = seal.email
        vault_seal = seal.seal_config

    if cluster is not None:
        ingress = settings.rasa.ingress
        # GKE makes an external passthrough Network Load Balancer for Traefik's Service.
        services["ingress_controller"] = install_if_asked(
            cluster.kubernetes_provider, enabled=ingress.enabled, acme_email=ingress.acme_email,
            depends_on=tuple(cluster.ready),
        )

    return CloudServices(
        kubernetes_provider=cluster.kubernetes_provider if cluster else None,
        identity=identity,
        vault_seal=vault_seal,
        outputs=outputs,
        workload_depends_on=tuple(waits),
        analytics_depends_on=tuple(analytics_waits),
        **services,
    )


# ---------------------------------------------------------------------------------------------
# Settings → each component's explicit Args


def _network(plan: GcpPlan, ctx: GcpContext) -> NetworkInfo:
    settings, ids, need = plan.settings, plan.gcp.network, plan.needs
    assert need is not None
    if settings.network.mode == "create":
        return Network(
            "network", NetworkArgs(ctx, cidr=settings.network.cidr, private_services=need.private_services), opts=ctx.options(),
        ).info
    assert ids.network and ids.subnetwork and ids.subnet_cidr  # required by the plan
    return existing_network(
        ctx.project, ctx.region, network=ids.network, subnetwork=ids.subnetwork, subnet_cidr=ids.subnet_cidr,
        pods_range_name=ids.pods_range_name or "", services_range_name=ids.services_range_name or "",
        private_services_range_name=ids.private_services_range_name or "",
        private_services_cidr=ids.private_services_cidr or ids.subnet_cidr,
    )


def _cluster_args(plan: GcpPlan, ctx: GcpContext, network: NetworkInfo, keys: KeyRing) -> ClusterArgs:
    cluster, own = plan.settings.cluster, plan.gcp
    assert own.node_pool.machine_type  # required by the plan
    return ClusterArgs(
        ctx, network, keys,
        kubernetes_version=cluster.kubernetes_version,
        release_channel=own.cluster.release_channel,
        machine_type=own.node_pool.machine_type,
        node_count_min=cluster.node_count_min,
        node_count_max=cluster.node_count_max,
        zone=own.cluster.zone,
        name=cluster.name,
        public_access_cidrs=cluster.public_access_cidrs,
        api_access_cidrs=cluster.api_access_cidrs,
        dns_endpoint=own.cluster.dns_endpoint,
        node_disk_gb=own.node_pool.disk_gb,
        node_spot=own.node_pool.spot,
        node_max_surge=own.node_pool.max_surge,
        admin_members=own.cluster.admin_members,
    )


def _tracker_store_args(plan: GcpPlan, ctx: GcpContext, network: NetworkInfo, keys: KeyRing) -> TrackerStoreArgs:
    ts = plan.settings.tracker_store
    return _cloud_sql_args(plan, ctx, network, keys, plan.gcp.tracker_store.tier, plan.tracker_store_max_connections,
                           database=ts.database, username=ts.username)


def _analytics_database_args(plan: GcpPlan, ctx: GcpContext, network: NetworkInfo, keys: KeyRing) -> TrackerStoreArgs:
    """The analytics instance: its own name, key, tier and database; no application user (the setup
    Job creates Rasa Pro Services' role with the workload's password)."""
    db, ts = plan.settings.analytics.database, plan.settings.tracker_store
    storage_gb, max_storage_gb = db.storage(ts.storage_gb, ts.max_storage_gb)
    return _cloud_sql_args(plan, ctx, network, keys, plan.gcp.analytics_database.tier, plan.analytics_database_max_connections,
                           database=db.name, username=db.username, identifier="analytics", purpose="analytics-database",
                           app_user=False, storage_gb=storage_gb, max_storage_gb=max_storage_gb)


def _cloud_sql_args(plan: GcpPlan, ctx: GcpContext, network: NetworkInfo, keys: KeyRing, tier: Optional[str],
                    max_connections: Optional[int], **own: Any) -> TrackerStoreArgs:
    """A Cloud SQL instance's Args: its own tier and names (`own`), the tracker store's version,
    storage, backups and availability."""
    ts = plan.settings.tracker_store
    assert tier and max_connections and plan.database_version  # required by the plan
    own = {"storage_gb": ts.storage_gb, "max_storage_gb": ts.max_storage_gb, **own}
    return TrackerStoreArgs(
        ctx, network, keys,
        tier=tier,
        max_connections=max_connections,
        database_version=plan.database_version,
        backup_days=ts.backup_days,
        high_availability=ts.high_availability,
        **own,
    )
