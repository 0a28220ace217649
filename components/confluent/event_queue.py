"""Confluent Cloud for Rasa's event broker: an environment (or an existing one), a Kafka cluster in
the stack's cloud and region, the topic as a resource, and a service account whose API key may only
produce to that topic.

Two service accounts: `<base>-kafka-admin` holds CloudClusterAdmin on this cluster only and its API
key creates the topic and the ACLs (never handed to Rasa); `<base>-rasa` gets ACLs for WRITE and
DESCRIBE on the topic and nothing else, and its cluster API key is Rasa's SASL/PLAIN credential
(user name = key id, password = key secret). Connections are TLS to Confluent's public endpoint,
whose certificate chains to public roots. The provider reads the organisation's Cloud API key from
the environment (CONFLUENT_CLOUD_API_KEY / CONFLUENT_CLOUD_API_SECRET).

With analytics on, a third service account `<base>-analytics` (Rasa Pro Services) and its own cluster
API key: ACLs READ and DESCRIBE on the topic, READ on its consumer group (`analytics.consumerGroup`),
WRITE and DESCRIBE on its dead-letter topic (`analytics.deadLetterTopic`, created here too), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import pulumi
import pulumi_confluentcloud as confluent

from components.contracts import KafkaConnection, NetworkAccess

PORT = 9092
PRODUCER_OPERATIONS = ("WRITE", "DESCRIBE")
# The analytics consumer's ACLs: (resource type, which name, operation).
CONSUMER_ACLS = (
    ("TOPIC", "topic", "READ"), ("TOPIC", "topic", "DESCRIBE"),
    ("GROUP", "group", "READ"),
    ("TOPIC", "dead_letter", "WRITE"), ("TOPIC", "dead_letter", "DESCRIBE"),
)


@dataclass(frozen=True)
class ConfluentEventQueueArgs:
    name: str  # physical name prefix (`rasa-<stack>`)
    cloud: Literal["AWS", "AZURE", "GCP"]
    region: str  # Confluent uses the cloud's region names
    topic: str
    partitions: int
    retention_hours: int
    cluster_type: Literal["basic", "standard"] = "standard"
    availability: Literal["SINGLE_ZONE", "MULTI_ZONE"] = "MULTI_ZONE"
    environment_id: Optional[str] = None  # an existing environment; None: one is created
    protect: bool = False
    # Set when analytics is on: its consumer group and its dead-letter topic (and its own account).
    analytics_consumer_group: Optional[str] = None
    analytics_dead_letter_topic: Optional[str] = None


class ConfluentEventQueue(pulumi.ComponentResource):
    connection: KafkaConnection
    cluster: confluent.KafkaCluster
    topic: confluent.KafkaTopic
    # What Rasa's producer needs before its first event: the topic and its ACLs.
    ready: list[pulumi.Resource]
    # Rasa Pro Services' own key (None without analytics) and what it waits for (its topic and ACLs).
    analytics_connection: Optional[KafkaConnection]
    analytics_ready: list[pulumi.Resource]

    def __init__(self, name: str, args: ConfluentEventQueueArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:confluent:EventQueue", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=args.protect)

        if args.environment_id:
            environment_id: pulumi.Input[str] = args.environment_id
        else:
            environment = confluent.Environment(
                f"{name}-environment", display_name=args.name, stream_governance={"package": "ESSENTIALS"}, opts=kept,
            )
            environment_id = environment.id
        self.cluster = confluent.KafkaCluster(
            f"{name}-cluster",
            display_name=f"{args.name}-events",
            cloud=args.cloud,
            region=args.region,
            availability=args.availability,
            environment={"id": environment_id},
            **{args.cluster_type: {}},
            opts=kept,
        )
        managed_resource = {
            "id": self.cluster.id, "api_version": self.cluster.api_version, "kind": self.cluster.kind,
            "environment": {"id": environment_id},
        }

        admin = confluent.ServiceAccount(
            f"{name}-admin", display_name=f"{args.name}-kafka-admin",
            description=f"Creates the topic and ACLs of {args.name}-events; never used by Rasa", opts=child,
        )
        admin_role = confluent.RoleBinding(
            f"{name}-admin-role", principal=admin.id.apply(lambda i: f"User:{i}"),
            role_name="CloudClusterAdmin", crn_pattern=self.cluster.rbac_crn, opts=child,
        )
        admin_key = confluent.ApiKey(
            f"{name}-admin-key",
            display_name=f"{args.name}-kafka-admin",
            description="Topic and ACL management",
            owner={"id": admin.id, "api_version": admin.api_version, "kind": admin.kind},
            managed_resource=managed_resource,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[admin_role]),
        )
        admin_credentials = {"key": admin_key.id, "secret": admin_key.secret}
        cluster_ref = {"id": self.cluster.id}

        def topic(resource: str, topic_name: str) -> confluent.KafkaTopic:
            return confluent.KafkaTopic(
                resource,
                kafka_cluster=cluster_ref,
                topic_name=topic_name,
                partitions_count=args.partitions,
                rest_endpoint=self.cluster.rest_endpoint,
                credentials=admin_credentials,
                config={"cleanup.policy": "delete", "retention.ms": str(args.retention_hours * 3600 * 1000)},
                opts=kept,
            )

        def acl(resource: str, account: confluent.ServiceAccount, resource_type: str, resource_name: str,
                operation: str, after: confluent.KafkaTopic) -> confluent.KafkaAcl:
            return confluent.KafkaAcl(
                resource,
                kafka_cluster=cluster_ref,
                resource_type=resource_type,
                resource_name_=resource_name,
                pattern_type="LITERAL",
                principal=account.id.apply(lambda i: f"User:{i}"),
                host="*",
                operation=operation,
                permission="ALLOW",
                rest_endpoint=self.cluster.rest_endpoint,
                credentials=admin_credentials,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[after]),
            )

        def cluster_key(resource: str, account: confluent.ServiceAccount, display: str, description: str) -> confluent.ApiKey:
            return confluent.ApiKey(
                resource,
                display_name=display,
                description=description,
                owner={"id": account.id, "api_version": account.api_version, "kind": account.kind},
                managed_resource=managed_resource,
                opts=child,
            )

        def connection(key: confluent.ApiKey, client_id: str) -> KafkaConnection:
            return KafkaConnection(
                bootstrap_servers=self.cluster.bootstrap_endpoint.apply(lambda e: [e.split("://", 1)[-1]] if e else []),
                topic=self.topic.topic_name,
                origin="managed",
                # Confluent's public endpoint: its addresses are not known in advance.
                network=NetworkAccess(ports=(PORT,)),
                security_protocol="SASL_SSL",
                sasl_mechanism="PLAIN",
                username=key.id,
                password=pulumi.Output.secret(key.secret),
                ca_cert_pem=None,
                client_id=client_id,
                resource_name=self.cluster.id,
            )

        self.topic = topic(f"{name}-topic", args.topic)

        producer = confluent.ServiceAccount(
            f"{name}-producer", display_name=f"{args.name}-rasa",
            description=f"Rasa's event broker: produce to {args.topic} only", opts=child,
        )
        acls = [acl(f"{name}-producer-{operation.lower()}", producer, "TOPIC", args.topic, operation, self.topic)
                for operation in PRODUCER_OPERATIONS]
        producer_key = cluster_key(f"{name}-producer-key", producer, f"{args.name}-rasa", f"Rasa: produce to {args.topic}")
        self.ready = [self.topic, *acls, producer_key]
        self.connection = connection(producer_key, "rasa")

        self.analytics_connection = None
        self.analytics_ready = []
        group, dead_letter = args.analytics_consumer_group, args.analytics_dead_letter_topic
        if group and dead_letter:
            self.dead_letter_topic = topic(f"{name}-analytics-dlq", dead_letter)
            consumer = confluent.ServiceAccount(
                f"{name}-analytics", display_name=f"{args.name}-analytics",
                description=f"Rasa Pro Services: consume {args.topic} as {group}, produce to {dead_letter} only", opts=child,
            )
            names = {"topic": args.topic, "group": group, "dead_letter": dead_letter}
            consumer_acls = [
                acl(f"{name}-analytics-{which.replace('_', '-')}-{operation.lower()}", consumer, resource_type,
                    names[which], operation, self.dead_letter_topic if which == "dead_letter" else self.topic)
                for resource_type, which, operation in CONSUMER_ACLS
            ]
            consumer_key = cluster_key(f"{name}-analytics-key", consumer, f"{args.name}-analytics",
                                       f"Rasa Pro Services: consume {args.topic}, produce to {dead_letter}")
            self.analytics_ready = [self.dead_letter_topic, *consumer_acls, consumer_key]
            self.analytics_connection = connection(consumer_key, "rasa-analytics")
        self.register_outputs({"bootstrapEndpoint": self.cluster.bootstrap_endpoint, "topic": self.topic.topic_name})
