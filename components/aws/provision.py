"""AWS's provision step: build every component's Args from the plan and create what settings call
managed (services) or create (network, cluster).

Order: log key → network → cluster (or a lookup of the existing one) → data services → Rasa's
IRSA role → Vault seal. Hands back connections, the workload identity, the Kubernetes provider and
the outputs an operator needs next. This is the only AWS code that reads the stack's settings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.aws.cluster import Cluster, ClusterArgs, lookup_existing_cluster
from components.aws.context import AwsContext, ClusterAccess, NetworkInfo, partition_for
from components.aws.event_queue import EventQueue, EventQueueArgs
from components.aws.identity import RasaIdentity, RasaIdentityArgs
from components.aws.kafka_admin import KafkaAdmin, KafkaAdminArgs
from components.ingress import install_if_asked
from components.aws.kms import CustomerKey, CustomerKeyArgs, logs_statement
from components.aws.lock_store import LockStore, LockStoreArgs
from components.aws.model_storage import ModelStorage, ModelStorageArgs
from components.aws.model_upload import ModelUpload, ModelUploadArgs
from components.aws.network import Network, NetworkArgs
from components.aws.plan import AwsPlan
from components.aws.tags import AWS_TAGS
from components.aws.tracker_store import TrackerStore, TrackerStoreArgs
from components.aws.vault_seal import VaultSeal, VaultSealArgs
from components.cloud import VAULT_BOOTSTRAP_SERVICE_ACCOUNT, CloudServices, vault_namespace
from components.common import CommonArgs, base_name
from components.confluent import ConfluentEventQueue, confluent_args, uses_confluent
from components.contracts import WorkloadIdentity
from components.model_archive import archive_path, load_archive


def common_args(plan: AwsPlan) -> CommonArgs:
    s = plan.settings
    return CommonArgs(
        name=base_name(s.stack),
        tags=AWS_TAGS.platform_tags(s.stack, s.environment, s.tags),
        protect=s.protection,
    )


def provision(plan: AwsPlan) -> CloudServices:
    settings, cfg, need = plan.settings, plan.aws, plan.needs
    assert need is not None and settings.region  # the plan requires a region whenever anything is managed
    region = settings.region
    provider = aws.Provider("aws", region=region, allowed_account_ids=list(cfg.allowed_account_ids) or None)
    caller = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(provider=provider))
    ctx = AwsContext(
        common=common_args(plan), provider=provider, region=region, partition=partition_for(region),
        account_id=caller.account_id, log_retention_days=cfg.log_retention_days,
        permissions_boundary_arn=cfg.permissions_boundary_arn,
    )
    outputs: dict[str, pulumi.Input[Any]] = {"awsRegion": region}

    if need.log_groups:
        logs_key = CustomerKey(
            "logs-key",
            CustomerKeyArgs(ctx, "logs", "CloudWatch log groups of the Rasa platform", extra_statements=[logs_statement(ctx)]),
            opts=ctx.options(),
        )
        ctx = replace(ctx, logs_key_arn=logs_key.arn)

    network = Network("network", _network_args(plan, ctx), opts=ctx.options()) if need.network else None
    if network:
        outputs["vpcId"] = network.vpc_id
        ctx = replace(ctx, common=replace(ctx.common, network=network.info))

    cluster: Optional[Cluster] = None
    access: Optional[ClusterAccess] = None
    if settings.cluster.mode == "create":
        assert network
        cluster = Cluster("cluster", _cluster_args(plan, ctx, network.info), opts=ctx.options())
        access = cluster.access
        outputs["clusterName"] = cluster.cluster.name
        outputs["clusterEndpoint"] = cluster.endpoint
        outputs["kubeconfigCommand"] = f"aws eks update-kubeconfig --name {cluster.eks_name} --region {region}"
    elif need.cluster_access:
        assert settings.cluster.name  # required by the plan
        access = lookup_existing_cluster(ctx, settings.cluster.name, cfg.client_security_group_ids)

    services: dict[str, Any] = {}
    model_storage = tracker = lock = events = None
    ms = settings.model_storage
    if ms.mode == "managed":
        model_storage = ModelStorage(
            "model-storage",
            ModelStorageArgs(ctx, model_key=ms.model_key, noncurrent_version_days=ms.noncurrent_version_days, bucket=ms.bucket),
            opts=ctx.options(),
        )
        services["model_storage"] = model_storage.connection
        outputs["modelBucket"] = model_storage.bucket.bucket
        if ms.upload_from:
            # Checked against the image's Rasa version by infra/settings before anything existed.
            upload = ModelUpload("model-upload", ModelUploadArgs(
                ctx, bucket=model_storage.bucket.bucket, kms_key_arn=model_storage.key_arn, model_key=ms.model_key,
                archive=load_archive(archive_path(ms.upload_from), settings.rasa.tag), depends_on=[model_storage],
            ), opts=ctx.options())
            services["model_object"] = upload.object
    if settings.tracker_store.mode == "managed":
        assert network and access
        tracker = TrackerStore("tracker-store", _tracker_store_args(plan, ctx, network.info, access), opts=ctx.options())
        services["tracker_store"] = tracker.connection
        outputs["trackerStoreEndpoint"] = tracker.instance.address
        outputs["trackerStoreAdminUsername"] = tracker.admin_username
        outputs["trackerStoreAdminPassword"] = tracker.admin_password
        # Rasa's own role: created by the in-cluster bootstrap (RDS's API creates only the master user).
        outputs["trackerStoreAppUsername"] = settings.tracker_store.username
        if tracker.connection.password is not None:
            outputs["trackerStoreAppPassword"] = tracker.connection.password
        # The master login: the bootstrap creates Rasa's role and the analytics setup Job its database and roles.
        services["tracker_store_admin"] = tracker.connection.admin_login(tracker.admin_username, tracker.admin_password)
    if "analytics.database" in settings.managed():
        assert network and access
        analytics = TrackerStore("analytics-database", _analytics_database_args(plan, ctx, network.info, access), opts=ctx.options())
        # Rasa Pro Services' database and roles are created on its own server with the master login.
        services["analytics_database_admin"] = analytics.connection.admin_login(analytics.admin_username, analytics.admin_password)
        outputs["analyticsDatabaseAdminUsername"] = analytics.admin_username
        outputs["analyticsDatabaseAdminPassword"] = analytics.admin_password
    if settings.lock_store.mode == "managed":
        assert network and access
        lock = LockStore("lock-store", _lock_store_args(plan, ctx, network.info, access), opts=ctx.options())
        services["lock_store"] = lock.connection
        outputs["lockStoreEndpoint"] = lock.replication_group.primary_endpoint_address
    confluent: Optional[ConfluentEventQueue] = None
    if uses_confluent(settings):
        confluent = ConfluentEventQueue("event-queue", confluent_args(settings, ctx.common.name, "AWS", ctx.common.protect))
        services["event_queue"] = confluent.connection
        outputs["eventQueueBootstrapServers"] = confluent.connection.bootstrap_servers
        outputs["eventQueueTopic"] = confluent.topic.topic_name
        if confluent.analytics_connection is not None:
            services["analytics_event_queue"] = confluent.analytics_connection
    elif settings.event_queue.mode == "managed":
        assert network and access
        events = EventQueue("event-queue", _event_queue_args(plan, ctx, network.info, access), opts=ctx.options())
        services["event_queue"] = events.connection
        outputs["eventQueueBootstrapServers"] = events.connection.bootstrap_servers
        outputs["eventQueueTopic"] = events.topic.name
        # For Kafka administration (ACLs for SCRAM users) with an IAM role, from inside the VPC.
        outputs["eventQueueClusterArn"] = events.cluster.arn
        outputs["eventQueueIamBootstrapServers"] = events.iam_bootstrap_servers
        if events.analytics_connection is not None:
            services["analytics_event_queue"] = events.analytics_connection
        if not plan.aws.iam_auth:
            # SCRAM users get only what ACLs grant: the Vault bootstrap grants them as MSK's IAM admin.
            admin = KafkaAdmin("event-queue-admin", KafkaAdminArgs(
                ctx, access, network.info,
                namespace=vault_namespace(settings, cfg.vault_seal.namespace),
                service_account=VAULT_BOOTSTRAP_SERVICE_ACCOUNT,
                msk_cluster_arn=events.cluster.arn,
                iam_bootstrap_servers=events.iam_bootstrap_servers,
            ), opts=ctx.options())
            services["kafka_admin"] = admin.access
            outputs["eventQueueAdminRoleArn"] = admin.role_arn

    identity = WorkloadIdentity()
    if need.identity and access is not None:
        rasa = RasaIdentity("rasa-identity", _identity_args(plan, ctx, access, model_storage, tracker, lock, events), opts=ctx.options())
        identity = rasa.workload_identity
        outputs["rasaRoleArn"] = rasa.role_arn

    vault_seal = None
    if need.vault_seal and access is not None:
        seal_settings = cfg.vault_seal
        seal = VaultSeal(
            "vault-seal",
            VaultSealArgs(ctx, access, namespace=seal_settings.namespace, service_account=seal_settings.service_account),
            opts=ctx.options(),
        )
        outputs["vaultSealKmsKeyId"] = seal.kms_key_id
        outputs["vaultSealRoleArn"] = seal.role_arn
        outputs["vaultSealRegion"] = seal.region
        vault_seal = seal.seal_config

    if cluster is not None:
        ingress = settings.rasa.ingress
        services["ingress_controller"] = install_if_asked(
            cluster.kubernetes_provider, enabled=ingress.enabled, acme_email=ingress.acme_email,
            depends_on=tuple(cluster.ready),
            # The in-tree controller makes one Network Load Balancer (no AWS Load Balancer Controller).
            service_annotations={"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
        )

    return CloudServices(
        kubernetes_provider=cluster.kubernetes_provider if cluster else None,
        identity=identity,
        vault_seal=vault_seal,
        outputs=outputs,
        # Rasa (and its verify Job) start once the cluster is ready and its producer can write.
        workload_depends_on=(*(cluster.ready if cluster else ()), *(events.ready if events else ()),
                             *(confluent.ready if confluent else ())),
        analytics_depends_on=(*(events.analytics_ready if events else ()), *(confluent.analytics_ready if confluent else ())),
        **services,
    )


# ---------------------------------------------------------------------------------------------
# Settings → each component's explicit Args


def _network_args(plan: AwsPlan, ctx: AwsContext) -> NetworkArgs:
    net, ids, vault = plan.settings.network, plan.aws.network, plan.aws.vault_network
    return NetworkArgs(
        ctx, mode=net.mode, cidr=net.cidr, zones=net.zones, nat_gateways=plan.aws.nat_gateways, flow_logs=plan.aws.flow_logs,
        vault_cidrs=plan.settings.vault.egress_cidrs, vault_peering_connection_id=vault.peering_connection_id,
        vault_transit_gateway_id=vault.transit_gateway_id,
        vpc_id=ids.vpc_id, private_subnet_ids=ids.private_subnet_ids, public_subnet_ids=ids.public_subnet_ids,
    )


def _cluster_args(plan: AwsPlan, ctx: AwsContext, network: NetworkInfo) -> ClusterArgs:
    cluster, cfg = plan.settings.cluster, plan.aws
    group = cfg.node_group
    assert group.instance_type  # required by the plan
    return ClusterArgs(
        ctx, network,
        kubernetes_version=cluster.kubernetes_version,
        node_instance_type=group.instance_type,
        node_count_min=cluster.node_count_min,
        node_count_max=cluster.node_count_max,
        name=cluster.name,
        public_access_cidrs=cluster.public_access_cidrs,
        api_access_cidrs=cluster.api_access_cidrs,
        node_ami_type=group.ami_type,
        node_capacity_type=group.capacity_type,
        node_disk_gb=group.disk_gb,
        node_max_unavailable=group.max_unavailable,
        admin_role_arns=cfg.cluster_admin_role_arns,
        grant_deployer_admin=cfg.grant_deployer_cluster_admin,
        client_security_group_ids=cfg.client_security_group_ids,
        addon_versions=dict(cfg.addon_versions),
        metrics_server=plan.metrics_server,
        node_autoscaling=plan.node_autoscaling,
    )


def _tracker_store_args(plan: AwsPlan, ctx: AwsContext, network: NetworkInfo, access: ClusterAccess) -> TrackerStoreArgs:
    ts = plan.settings.tracker_store
    return _rds_args(plan, ctx, network, access, plan.aws.tracker_store.instance_class, plan.tracker_store_max_connections,
                     port=ts.port, database=ts.database, username=ts.username, iam_auth=plan.aws.iam_auth)


def _analytics_database_args(plan: AwsPlan, ctx: AwsContext, network: NetworkInfo, access: ClusterAccess) -> TrackerStoreArgs:
    """The analytics server: its own name and size; its database and role are Rasa Pro Services'
    (password generated by the workload); no IAM auth (Rasa Pro Services logs in with a password)."""
    db, ts = plan.settings.analytics.database, plan.settings.tracker_store
    storage_gb, max_storage_gb = db.storage(ts.storage_gb, ts.max_storage_gb)
    return _rds_args(plan, ctx, network, access, plan.aws.analytics_database.instance_class,
                     plan.analytics_database_max_connections, port=db.port, database=db.name, username=db.username,
                     identifier="analytics", purpose="analytics-database", app_password=False,
                     storage_gb=storage_gb, max_storage_gb=max_storage_gb)


def _rds_args(plan: AwsPlan, ctx: AwsContext, network: NetworkInfo, access: ClusterAccess, instance_class: Optional[str],
              max_connections: Optional[int], **own: Any) -> TrackerStoreArgs:
    """An RDS instance's Args: its own size and names (`own`), the tracker store's engine, storage,
    backups, Multi-AZ, TLS mode and CA (both servers are in the same region: the same RDS root)."""
    ts = plan.settings.tracker_store
    assert instance_class and max_connections  # required by the plan
    own = {"storage_gb": ts.storage_gb, "max_storage_gb": ts.max_storage_gb, **own}
    return TrackerStoreArgs(
        ctx, network, access,
        instance_class=instance_class,
        max_connections=max_connections,
        engine_version=ts.engine_version,
        backup_days=ts.backup_days,
        high_availability=ts.high_availability,
        ssl_mode=ts.ssl_mode,
        ca_cert=ts.ca_cert,
        **own,
    )


def _lock_store_args(plan: AwsPlan, ctx: AwsContext, network: NetworkInfo, access: ClusterAccess) -> LockStoreArgs:
    ls = plan.settings.lock_store
    node_type = plan.aws.lock_store.node_type
    assert node_type  # required by the plan
    return LockStoreArgs(
        ctx, network, access,
        node_type=node_type,
        engine_version=ls.engine_version,
        port=ls.port,
        db=ls.db,
        key_prefix=ls.key_prefix,
        username=ls.username,
        high_availability=ls.high_availability,
        snapshot_days=ls.snapshot_days,
        description=plan.settings.stack,
        iam_auth=plan.aws.iam_auth,
    )


def _event_queue_args(plan: AwsPlan, ctx: AwsContext, network: NetworkInfo, access: ClusterAccess) -> EventQueueArgs:
    eq, msk = plan.settings.event_queue, plan.aws.event_queue
    assert plan.msk_kafka_version and msk.broker_instance_type  # required by the plan
    return EventQueueArgs(
        ctx, network, access,
        kafka_version=plan.msk_kafka_version,
        broker_instance_type=msk.broker_instance_type,
        broker_storage_gb=msk.broker_storage_gb,
        brokers=plan.msk_brokers,
        topic=eq.topic,
        partitions=eq.partitions,
        replication_factor=eq.replication_factor,
        retention_hours=eq.retention_hours,
        scram_username=eq.username,
        iam_auth=plan.aws.iam_auth,
        analytics_dead_letter_topic=plan.settings.analytics.dead_letter_topic if plan.settings.analytics.enabled else None,
    )


def _identity_args(
    plan: AwsPlan,
    ctx: AwsContext,
    access: ClusterAccess,
    model_storage: Optional[ModelStorage],
    tracker: Optional[TrackerStore],
    lock: Optional[LockStore],
    events: Optional[EventQueue],
) -> RasaIdentityArgs:
    settings = plan.settings
    bucket_arn: Optional[pulumi.Input[str]] = None
    key_arn: Optional[pulumi.Input[str]] = None
    if model_storage is not None:
        bucket_arn, key_arn = model_storage.bucket.arn, model_storage.key_arn
    elif settings.model_storage.bucket and plan.aws.model_storage.endpoint_url is None:
        # An existing S3 bucket; its key (if SSE-KMS with a customer key) must allow this role.
        bucket_arn = f"arn:{ctx.partition}:s3:::{settings.model_storage.bucket}"
    iam = plan.aws.iam_auth
    return RasaIdentityArgs(
        context=ctx,
        cluster=access,
        namespace=settings.rasa.namespace,
        model_key=settings.model_storage.model_key,
        allow_model_upload=settings.model_storage.allow_upload_from_cluster,
        database_username=settings.tracker_store.username,
        model_bucket_arn=bucket_arn,
        model_kms_key_arn=key_arn,
        rds_resource_id=tracker.instance.resource_id if (iam and tracker) else None,
        elasticache_arns=(lock.replication_group.arn, lock.iam_user.arn) if (iam and lock and lock.iam_user) else (),
        msk_cluster_arn=events.cluster.arn if (iam and events) else None,
        msk_topic=events.topic.name if (iam and events) else None,
    )
