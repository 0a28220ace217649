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

Rasa Pro Services (analytics) gets a service account of its own when analytics is on (`<base>-analytics`,
the same conditioned role, its own key as its SASL/PLAIN password), the dead-letter topic
`analytics.deadLetterTopic` as a resource, and Kafka ACLs: READ and DESCRIBE on the events topic
(in the topic's one ACL, next to Rasa and `gcp.eventQueue.consumers`), READ on its consumer group
`analytics.consumerGroup`, WRITE and DESCRIBE on the dead-letter topic. Nothing else admits it.
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
    # Set when analytics is on: its consumer group and its dead-letter topic (and its own account).
    analytics_consumer_group: Optional[str] = None
    analytics_dead_letter_topic: Optional[str] = None


def topic_acl_entries(producer: str, consumers: tuple[str, ...]) -> list[dict[str, str]]:
    """Rasa may write and describe the topic, consumers read and describe it; with an ACL on the topic
    Kafka's authorizer refuses every other principal (including other holders of managedkafka.client)."""
    grants = [(producer, op) for op in ("WRITE", "DESCRIBE")] + [(c, op) for c in consumers for op in ("READ", "DESCRIBE")]
    return acl_entries(grants)


def acl_entries(grants: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"principal": f"User:{who}", "operation": op, "permission_type": "ALLOW", "host": "*"} for who, op in grants]


# The analytics consumer's rights besides READ/DESCRIBE on the events topic (topic_acl_entries).
GROUP_OPERATIONS = ("READ",)  # join the group and commit its offsets
DEAD_LETTER_OPERATIONS = ("WRITE", "DESCRIBE")


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
        self.topic = self._topic(ctx, f"{name}-topic", args.topic, args)

        self.client_account, grant, credentials = self._client(
            ctx, f"{name}-client", "kafka", "Rasa event broker (SASL/PLAIN producer)",
            f"Rasa publishes to {args.topic} on {cluster_id} as this account", cluster_id)
        analytics = bool(args.analytics_consumer_group and args.analytics_dead_letter_topic)
        self.analytics_connection: Optional[KafkaConnection] = None
        self.analytics_ready: list[pulumi.Resource] = []
        readers: pulumi.Output[list[str]] = pulumi.Output.from_input(list(args.consumers))
        if analytics:
            self.analytics_account, analytics_grant, analytics_key = self._client(
                ctx, f"{name}-analytics", "analytics", "Rasa Pro Services (analytics consumer)",
                f"Rasa Pro Services reads {args.topic} and writes {args.analytics_dead_letter_topic} on {cluster_id}",
                cluster_id)
            readers = self.analytics_account.email.apply(lambda email: [*args.consumers, email])
        acl = gcp.managedkafka.Acl(
            f"{name}-topic-acl",
            acl_id=f"topic/{args.topic}",
            cluster=self.cluster.cluster_id,
            project=ctx.project,
            location=ctx.region,
            acl_entries=pulumi.Output.all(self.client_account.email, readers).apply(
                lambda both: topic_acl_entries(both[0], tuple(both[1]))),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.topic]),
        )
        if analytics:
            assert args.analytics_consumer_group and args.analytics_dead_letter_topic
            self.dead_letter_topic = self._topic(ctx, f"{name}-analytics-dlq", args.analytics_dead_letter_topic, args)
            email = self.analytics_account.email
            group_acl = self._acl(ctx, f"{name}-analytics-group-acl", f"consumerGroup/{args.analytics_consumer_group}",
                                  email.apply(lambda e: acl_entries([(e, op) for op in GROUP_OPERATIONS])), [])
            dead_letter_acl = self._acl(ctx, f"{name}-analytics-dlq-acl", f"topic/{args.analytics_dead_letter_topic}",
                                        email.apply(lambda e: acl_entries([(e, op) for op in DEAD_LETTER_OPERATIONS])),
                                        [self.dead_letter_topic])
            self.analytics_ready = [self.dead_letter_topic, group_acl, dead_letter_acl, analytics_grant, analytics_key]
            self.analytics_connection = self._connection(args, email, analytics_key, "rasa-analytics")
        self.ready = [self.topic, acl, grant, credentials]
        self.connection = self._connection(args, self.client_account.email, credentials, "rasa")
        self.register_outputs({"bootstrapAddress": self.cluster.bootstrap_address, "topic": self.topic.topic_id})

    def _connection(self, args: EventQueueArgs, email: pulumi.Output[str], key: gcp.serviceaccount.Key,
                    client_id: str) -> KafkaConnection:
        return KafkaConnection(
            bootstrap_servers=self.cluster.bootstrap_address.apply(lambda address: [address] if address else []),
            topic=self.topic.topic_id,
            origin="managed",
            network=NetworkAccess(ports=(PORT,), cidrs=[args.network.subnet_cidr]),
            security_protocol="SASL_SSL",
            sasl_mechanism="PLAIN",
            username=email,
            password=pulumi.Output.secret(key.private_key),
            ca_cert_pem=None,
            client_id=client_id,
            resource_name=self.cluster.cluster_id,
        )

    def _topic(self, ctx: GcpContext, resource: str, topic: str, args: EventQueueArgs) -> gcp.managedkafka.Topic:
        replication = args.replication_factor
        return gcp.managedkafka.Topic(
            resource,
            topic_id=topic,
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

    def _acl(self, ctx: GcpContext, resource: str, acl_id: str, entries: pulumi.Input[list[dict[str, str]]],
             after: list[pulumi.Resource]) -> gcp.managedkafka.Acl:
        return gcp.managedkafka.Acl(
            resource,
            acl_id=acl_id,
            cluster=self.cluster.cluster_id,
            project=ctx.project,
            location=ctx.region,
            acl_entries=entries,
            opts=pulumi.ResourceOptions(parent=self, depends_on=after),
        )

    def _client(
        self, ctx: GcpContext, resource: str, purpose: str, display_name: str, description: str, cluster_id: str,
    ) -> tuple[gcp.serviceaccount.Account, gcp.projects.IAMMember, gcp.serviceaccount.Key]:
        """A service account with managedkafka.client on this cluster only, and its key (the SASL/PLAIN password)."""
        child = pulumi.ResourceOptions(parent=self)
        account = gcp.serviceaccount.Account(
            resource,
            account_id=ctx.account_id(purpose),
            project=ctx.project,
            display_name=display_name,
            description=description,
            opts=child,
        )
        grant = gcp.projects.IAMMember(
            f"{resource}-role",
            project=ctx.project,
            role=CLIENT_ROLE,
            member=ctx.service_account_member(account.email),
            condition={
                "title": "this cluster only",
                "description": f"managedkafka.client on {cluster_id} only",
                "expression": (
                    f'resource.name.startsWith("projects/{ctx.project}/locations/{ctx.region}/clusters/{cluster_id}")'
                ),
            },
            opts=child,
        )
        key = gcp.serviceaccount.Key(
            f"{resource}-key",
            service_account_id=account.name,
            key_algorithm="KEY_ALG_RSA_2048",
            private_key_type="TYPE_GOOGLE_CREDENTIALS_FILE",
            opts=child,
        )
        return account, grant, key
