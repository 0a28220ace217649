"""Managed Service for Apache Kafka for Rasa's event broker (`eventQueue.provider: managed-kafka`):
reachable only through endpoints in the platform's subnet, TLS always (the service offers nothing
else), CMEK, and the topic as a resource.

Rasa authenticates with SASL/PLAIN as a dedicated service account: the user name is the account's
email and the password its key file, base64-encoded (Google: "Configure SASL authentication",
https://cloud.google.com/managed-service-for-apache-kafka/docs/authentication-kafka, section
SASL/PLAIN), which is what `serviceaccount.Key.private_key` holds. The account has only
`roles/managedkafka.client`, on this cluster only (an IAM condition on the resource name), and the
topic's Kafka ACL lets it write and describe that topic only (consumers named in settings read it).
Broker certificates chain to Google's public roots: no CA in the connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from components.contracts import KafkaConnection, NetworkAccess
from components.gcp.context import GcpContext, NetworkInfo
from components.gcp.kms import KeyRing, service_agent

PORT = 9092
CLIENT_ROLE = "roles/managedkafka.client"
GIB = 1024 ** 3


def min_insync_replicas(replication_factor: int) -> int:
    """2 once there are 3 copies (a write survives one broker down); 1 below that."""
    return 2 if replication_factor >= 3 else 1


@dataclass(frozen=True)
class EventQueueArgs:
    context: GcpContext
    network: NetworkInfo
    keys: KeyRing
    vcpu_count: int
    memory_gb: int
    topic: str
    partitions: int
    replication_factor: int
    retention_hours: int
    consumers: tuple[str, ...] = ()  # account emails that may read the topic


def topic_acl_entries(producer: str, consumers: tuple[str, ...]) -> list[dict[str, str]]:
    """Rasa may write and describe the topic, consumers read and describe it; with an ACL on the topic
    Kafka's authorizer refuses every other principal (including other holders of managedkafka.client)."""
    grants = [(producer, op) for op in ("WRITE", "DESCRIBE")] + [(c, op) for c in consumers for op in ("READ", "DESCRIBE")]
    return [{"principal": f"User:{who}", "operation": op, "permission_type": "ALLOW", "host": "*"} for who, op in grants]


class EventQueue(pulumi.ComponentResource):
    connection: KafkaConnection
    cluster: gcp.managedkafka.Cluster
    topic: gcp.managedkafka.Topic
    client_account: gcp.serviceaccount.Account
    # What Rasa's producer needs before its first event: the topic and its credentials' role.
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: EventQueueArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:EventQueue", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        cluster_id = ctx.name("events")
        agent = service_agent(ctx, f"{name}-agent", "managedkafka.googleapis.com", self)
        key = args.keys.key(f"{name}-key", "event-queue", self, users=[agent])

        self.cluster = gcp.managedkafka.Cluster(
            f"{name}-kafka",
            cluster_id=cluster_id,
            project=ctx.project,
            location=ctx.region,
            capacity_config={"vcpu_count": str(args.vcpu_count), "memory_bytes": str(args.memory_gb * GIB)},
            gcp_config={
                # Brokers get endpoints in the platform's subnet only; there is no public listener.
                "access_config": {"network_configs": [{"subnet": args.network.subnet_id}]},
                "kms_key": key.id,
            },
            rebalance_config={"mode": "AUTO_REBALANCE_ON_SCALE_UP"},
            labels=ctx.labels,
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, depends_on=key.ready),
        )
        replication = args.replication_factor
        self.topic = gcp.managedkafka.Topic(
            f"{name}-topic",
            topic_id=args.topic,
            cluster=self.cluster.cluster_id,
            project=ctx.project,
            location=ctx.region,
            partition_count=args.partitions,
            replication_factor=replication,
            configs={
                "cleanup.policy": "delete",
                "retention.ms": str(args.retention_hours * 3600 * 1000),
                "min.insync.replicas": str(min_insync_replicas(replication)),
            },
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )

        self.client_account = gcp.serviceaccount.Account(
            f"{name}-client",
            account_id=ctx.account_id("kafka"),
            project=ctx.project,
            display_name="Rasa event broker (SASL/PLAIN producer)",
            description=f"Rasa publishes to {args.topic} on {cluster_id} as this account",
            opts=child,
        )
        member = ctx.service_account_member(self.client_account.email)
        grant = gcp.projects.IAMMember(
            f"{name}-client-role",
            project=ctx.project,
            role=CLIENT_ROLE,
            member=member,
            condition={
                "title": "this cluster only",
                "description": f"managedkafka.client on {cluster_id} only",
                "expression": (
                    f'resource.name.startsWith("projects/{ctx.project}/locations/{ctx.region}/clusters/{cluster_id}")'
                ),
            },
            opts=child,
        )
        credentials = gcp.serviceaccount.Key(
            f"{name}-client-key",
            service_account_id=self.client_account.name,
            key_algorithm="KEY_ALG_RSA_2048",
            private_key_type="TYPE_GOOGLE_CREDENTIALS_FILE",
            opts=child,
        )
        acl = gcp.managedkafka.Acl(
            f"{name}-topic-acl",
            acl_id=f"topic/{args.topic}",
            cluster=self.cluster.cluster_id,
            project=ctx.project,
            location=ctx.region,
            acl_entries=self.client_account.email.apply(lambda email: topic_acl_entries(email, args.consumers)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.topic]),
        )
        self.ready = [self.topic, acl, grant, credentials]
        self.connection = KafkaConnection(
            bootstrap_servers=self.cluster.bootstrap_address.apply(lambda address: [address] if address else []),
            topic=self.topic.topic_id,
            origin="managed",
            network=NetworkAccess(ports=(PORT,), cidrs=[args.network.subnet_cidr]),
            security_protocol="SASL_SSL",
            sasl_mechanism="PLAIN",
            username=self.client_account.email,
            password=pulumi.Output.secret(credentials.private_key),
            ca_cert_pem=None,
            resource_name=self.cluster.cluster_id,
        )
        self.register_outputs({"bootstrapAddress": self.cluster.bootstrap_address, "topic": self.topic.topic_id})
