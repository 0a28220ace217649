"""Confluent Cloud for Rasa's event broker: an environment (or an existing one), a Kafka cluster in
the stack's cloud and region, the topic as a resource, and a service account whose API key may only
produce to that topic.

Two service accounts: `<base>-kafka-admin` holds CloudClusterAdmin on this cluster only and its API
key creates the topic and the ACLs (never handed to Rasa); `<base>-rasa` gets ACLs for WRITE and
DESCRIBE on the topic and nothing else, and its cluster API key is Rasa's SASL/PLAIN credential
(user name = key id, password = key secret). Connections are TLS to Confluent's public endpoint,
whose certificate chains to public roots. The provider reads the organisation's Cloud API key from
the environment (CONFLUENT_CLOUD_API_KEY / CONFLUENT_CLOUD_API_SECRET).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import pulumi
import pulumi_confluentcloud as confluent

from components.contracts import KafkaConnection, NetworkAccess

PORT = 9092
PRODUCER_OPERATIONS = ("WRITE", "DESCRIBE")


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


class ConfluentEventQueue(pulumi.ComponentResource):
    connection: KafkaConnection
    cluster: confluent.KafkaCluster
    topic: confluent.KafkaTopic
    # What Rasa's producer needs before its first event: the topic and its ACLs.
    ready: list[pulumi.Resource]

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

        self.topic = confluent.KafkaTopic(
            f"{name}-topic",
            kafka_cluster=cluster_ref,
            topic_name=args.topic,
            partitions_count=args.partitions,
            rest_endpoint=self.cluster.rest_endpoint,
            credentials=admin_credentials,
            config={"cleanup.policy": "delete", "retention.ms": str(args.retention_hours * 3600 * 1000)},
            opts=kept,
        )

        producer = confluent.ServiceAccount(
            f"{name}-producer", display_name=f"{args.name}-rasa",
            description=f"Rasa's event broker: produce to {args.topic} only", opts=child,
        )
        acls = [
            confluent.KafkaAcl(
                f"{name}-producer-{operation.lower()}",
                kafka_cluster=cluster_ref,
                resource_type="TOPIC",
                resource_name_=args.topic,
                pattern_type="LITERAL",
                principal=producer.id.apply(lambda i: f"User:{i}"),
                host="*",
                operation=operation,
                permission="ALLOW",
                rest_endpoint=self.cluster.rest_endpoint,
                credentials=admin_credentials,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.topic]),
            )
            for operation in PRODUCER_OPERATIONS
        ]
        producer_key = confluent.ApiKey(
            f"{name}-producer-key",
            display_name=f"{args.name}-rasa",
            description=f"Rasa: produce to {args.topic}",
            owner={"id": producer.id, "api_version": producer.api_version, "kind": producer.kind},
            managed_resource=managed_resource,
            opts=child,
        )
        self.ready = [self.topic, *acls, producer_key]
        self.connection = KafkaConnection(
            bootstrap_servers=self.cluster.bootstrap_endpoint.apply(lambda e: [e.split("://", 1)[-1]] if e else []),
            topic=self.topic.topic_name,
            origin="managed",
            # Confluent's public endpoint: its addresses are not known in advance.
            network=NetworkAccess(ports=(PORT,)),
            security_protocol="SASL_SSL",
            sasl_mechanism="PLAIN",
            username=producer_key.id,
            password=pulumi.Output.secret(producer_key.secret),
            ca_cert_pem=None,
            resource_name=self.cluster.id,
        )
        self.register_outputs({"bootstrapEndpoint": self.cluster.bootstrap_endpoint, "topic": self.topic.topic_name})
