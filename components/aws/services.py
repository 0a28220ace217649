"""`AWS`: the cloud the platform wiring (infra/platform.py) asks for services.

It creates only what settings say is managed (services) or create (network, cluster), in this
order: log key → network → cluster (or a lookup of the existing one) → data services → Rasa's
IRSA role → Vault seal, and hands back connections, the workload identity, the Kubernetes
provider and the outputs an operator needs next.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Optional

import pulumi
import pulumi_aws as aws

from components.aws import validation
from components.aws.cluster import Cluster, ClusterArgs, lookup_existing_cluster
from components.aws.context import AwsContext, ClusterAccess, partition_for
from components.aws.event_queue import EventQueue, EventQueueArgs
from components.aws.identity import RasaIdentity, RasaIdentityArgs
from components.aws.kms import CustomerKey, CustomerKeyArgs, logs_statement
from components.aws.lock_store import LockStore, LockStoreArgs
from components.aws.model_storage import ModelStorage, ModelStorageArgs
from components.aws.network import Network, NetworkArgs
from components.aws.tracker_store import TrackerStore, TrackerStoreArgs
from components.aws.vault_seal import VaultSeal, VaultSealArgs
from components.cloud import CloudServices
from components.contracts import WorkloadIdentity

if TYPE_CHECKING:
    from infra.settings import StackSettings


class AwsCloud:
    name = "aws"

    def tracker_store_max_connections(self, settings: "StackSettings") -> int:
        """RDS PostgreSQL's connection limit for trackerStore.instanceClass (or trackerStore.maxConnections)."""
        return validation.tracker_store_max_connections(settings)

    def provision(self, settings: "StackSettings") -> CloudServices:
        need = validation.validate(settings)
        region = settings.region
        assert region  # required by settings whenever a service is managed
        provider = aws.Provider(
            "aws",
            region=region,
            allowed_account_ids=list(settings.aws.allowed_account_ids) or None,
        )
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(provider=provider))
        ctx = AwsContext(settings, provider, region, partition_for(region), caller.account_id)
        outputs: dict[str, pulumi.Input[Any]] = {"awsRegion": region}

        if need.log_groups:
            logs_key = CustomerKey(
                "logs-key",
                CustomerKeyArgs(ctx, "logs", "CloudWatch log groups of the Rasa platform", extra_statements=[logs_statement(ctx)]),
                opts=ctx.options(),
            )
            ctx = replace(ctx, logs_key_arn=logs_key.arn)

        network = Network("network", NetworkArgs(ctx), opts=ctx.options()) if need.network else None
        if network:
            outputs["vpcId"] = network.vpc_id

        cluster: Optional[Cluster] = None
        access: Optional[ClusterAccess] = None
        if settings.cluster.mode == "create":
            assert network
            cluster = Cluster("cluster", ClusterArgs(ctx, network.info), opts=ctx.options())
            access = cluster.access
            outputs["clusterName"] = cluster.cluster.name
            outputs["clusterEndpoint"] = cluster.endpoint
            outputs["kubeconfigCommand"] = f"aws eks update-kubeconfig --name {cluster.eks_name} --region {region}"
        elif need.cluster_access:
            access = lookup_existing_cluster(ctx)

        services: dict[str, Any] = {}
        model_storage = tracker = lock = events = None
        if settings.model_storage.mode == "managed":
            model_storage = ModelStorage("model-storage", ModelStorageArgs(ctx), opts=ctx.options())
            services["model_storage"] = model_storage.connection
            outputs["modelBucket"] = model_storage.bucket.bucket
        if settings.tracker_store.mode == "managed":
            assert network and access
            tracker = TrackerStore(
                "tracker-store",
                TrackerStoreArgs(ctx, network.info, access, validation.tracker_store_max_connections(settings)),
                opts=ctx.options(),
            )
            services["tracker_store"] = tracker.connection
            outputs["trackerStoreEndpoint"] = tracker.instance.address
            outputs["trackerStoreAdminUsername"] = tracker.admin_username
            outputs["trackerStoreAdminPassword"] = tracker.admin_password
            # Rasa's own role: created by the in-cluster bootstrap (or by hand until it exists).
            outputs["trackerStoreAppUsername"] = settings.tracker_store.username
            if tracker.connection.password is not None:
                outputs["trackerStoreAppPassword"] = tracker.connection.password
        if settings.lock_store.mode == "managed":
            assert network and access
            lock = LockStore("lock-store", LockStoreArgs(ctx, network.info, access), opts=ctx.options())
            services["lock_store"] = lock.connection
            outputs["lockStoreEndpoint"] = lock.replication_group.primary_endpoint_address
        if settings.event_queue.mode == "managed":
            assert network and access
            events = EventQueue("event-queue", EventQueueArgs(ctx, network.info, access), opts=ctx.options())
            services["event_queue"] = events.connection
            outputs["eventQueueBootstrapServers"] = events.connection.bootstrap_servers
            outputs["eventQueueTopic"] = events.topic.name
            # For Kafka administration (ACLs for SCRAM users) with an IAM role, from inside the VPC.
            outputs["eventQueueClusterArn"] = events.cluster.arn
            outputs["eventQueueIamBootstrapServers"] = events.iam_bootstrap_servers

        identity = WorkloadIdentity()
        if need.identity and access is not None:
            rasa = RasaIdentity("rasa-identity", self._identity_args(ctx, access, model_storage, tracker, lock, events), opts=ctx.options())
            identity = rasa.workload_identity
            outputs["rasaRoleArn"] = rasa.role_arn

        if need.vault_seal and access is not None:
            seal = VaultSeal("vault-seal", VaultSealArgs(ctx, access), opts=ctx.options())
            outputs["vaultSealKmsKeyId"] = seal.kms_key_id
            outputs["vaultSealRoleArn"] = seal.role_arn
            outputs["vaultSealRegion"] = seal.region

        return CloudServices(
            kubernetes_provider=cluster.kubernetes_provider if cluster else None,
            identity=identity,
            outputs=outputs,
            workload_depends_on=tuple(cluster.ready) if cluster else (),
            **services,
        )

    @staticmethod
    def _identity_args(
        ctx: AwsContext,
        access: ClusterAccess,
        model_storage: Optional[ModelStorage],
        tracker: Optional[TrackerStore],
        lock: Optional[LockStore],
        events: Optional[EventQueue],
    ) -> RasaIdentityArgs:
        settings = ctx.settings
        bucket_arn: Optional[pulumi.Input[str]] = None
        key_arn: Optional[pulumi.Input[str]] = None
        if model_storage is not None:
            bucket_arn, key_arn = model_storage.bucket.arn, model_storage.key.arn
        elif settings.model_storage.bucket and settings.model_storage.endpoint_url is None:
            # An existing S3 bucket; its key (if SSE-KMS with a customer key) must allow this role.
            bucket_arn = f"arn:{ctx.partition}:s3:::{settings.model_storage.bucket}"
        iam = settings.aws.iam_auth
        return RasaIdentityArgs(
            context=ctx,
            cluster=access,
            model_bucket_arn=bucket_arn,
            model_kms_key_arn=key_arn,
            rds_resource_id=tracker.instance.resource_id if (iam and tracker) else None,
            elasticache_arns=(lock.replication_group.arn, lock.iam_user.arn) if (iam and lock and lock.iam_user) else (),
            msk_cluster_arn=events.cluster.arn if (iam and events) else None,
            msk_topic=events.topic.name if (iam and events) else None,
        )


AWS = AwsCloud()
