"""MSK provisioned for Rasa's event broker: TLS everywhere, SASL/SCRAM-SHA-512 (or IAM), no
public access, encrypted at rest with a customer key, broker logs, and the topic as a resource.

SCRAM users live in Secrets Manager: the secret's name must start with `AmazonMSK_` and it must
be encrypted with a customer key (MSK refuses the AWS-managed one).

With `allow.everyone.if.no.acl.found=false` a SCRAM user may only do what Kafka ACLs grant, and
MSK has no super users: a SCRAM-only cluster could never get its first ACL. So IAM client
authentication is on in SCRAM mode too (it admits only principals an IAM policy allows, none by
default): the Vault bootstrap Job connects with the IAM role components/aws/kafka_admin.py creates
(`kafka-cluster:AlterCluster` on this cluster) and grants the Rasa user WRITE and DESCRIBE on the
topic. Rasa itself uses SCRAM; with aws.iamAuth it uses IAM and needs no ACL.

Rasa Pro Services (analytics) gets a SCRAM user of its own and its dead-letter topic: the same
bootstrap grants it READ on the topic and its consumer group and WRITE on the dead-letter topic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aws.context import AwsContext, ClusterAccess, NetworkInfo, data_security_group, log_group, policy_document
from components.aws.kms import service_key_arn
from components.contracts import KafkaConnection, NetworkAccess

SCRAM_PORT = 9096
IAM_PORT = 9098
# MSK's version strings per Kafka major.minor (MSK names recent releases `<x.y>.x`).
MSK_KAFKA_VERSIONS = {"3.6": "3.6.0", "3.7": "3.7.x", "3.8": "3.8.x", "3.9": "3.9.x"}
DEFAULT_SCRAM_USERNAME = "rasa"
ANALYTICS_SCRAM_USERNAME = "rasa-analytics"


def msk_kafka_version(version: str) -> Optional[str]:
    return MSK_KAFKA_VERSIONS.get(".".join(version.split(".")[:2]))


def min_insync_replicas(replication_factor: int) -> int:
    """2 once there are 3 copies (a write survives one broker down); 1 below that."""
    return 2 if replication_factor >= 3 else 1


def server_properties(replication_factor: int, partitions: int, retention_hours: int) -> str:
    properties = {
        "auto.create.topics.enable": "false",  # topics exist only as reviewed resources
        "allow.everyone.if.no.acl.found": "false",  # no ACL means no access, never everyone
        "default.replication.factor": str(replication_factor),
        "min.insync.replicas": str(min_insync_replicas(replication_factor)),
        "num.partitions": str(partitions),
        "unclean.leader.election.enable": "false",  # never elect a replica that lost writes
        "log.retention.hours": str(retention_hours),
    }
    return "".join(f"{key}={value}\n" for key, value in properties.items())


@dataclass(frozen=True)
class EventQueueArgs:
    context: AwsContext
    network: NetworkInfo
    cluster: ClusterAccess
    kafka_version: str  # MSK's version string (msk_kafka_version), checked by the plan
    broker_instance_type: str
    broker_storage_gb: int
    brokers: int  # zones × brokers per zone, from the plan
    topic: str
    partitions: int
    replication_factor: int
    retention_hours: int
    scram_username: Optional[str] = None  # Rasa's SCRAM user (default `rasa`); unused with IAM auth
    iam_auth: bool = False
    # Rasa Pro Services' dead-letter topic; set, analytics gets it and (SCRAM) a consumer user of its own.
    analytics_dead_letter_topic: Optional[str] = None


class EventQueue(pulumi.ComponentResource):
    connection: KafkaConnection
    analytics_connection: Optional[KafkaConnection]  # the analytics consumer's own user (None with IAM)
    analytics_ready: list[pulumi.Resource]  # its dead-letter topic
    cluster: aws.msk.Cluster
    topic: aws.msk.Topic
    # What Rasa's producer needs before its first event: the topic and, with SCRAM, its user.
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: EventQueueArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:EventQueue", name, None, opts)
        ctx = args.context
        iam = args.iam_auth
        child = pulumi.ResourceOptions(parent=self)
        cluster_name = ctx.name("events", 64)
        port = IAM_PORT if iam else SCRAM_PORT  # the port Rasa uses
        # IAM is always on (see the module docstring); SCRAM only without aws.iamAuth.
        listener_ports = [IAM_PORT] if iam else [SCRAM_PORT, IAM_PORT]
        version = args.kafka_version
        brokers = args.brokers
        replication = args.replication_factor

        key_arn = service_key_arn(ctx, name, "event-queue", "MSK event queue at rest and its SCRAM secret", self)
        security_group = data_security_group(
            ctx, f"{name}-sg", parent=self, network=args.network,
            cluster_sources=args.cluster.client_security_group_ids, ports=listener_ports,
            description="Rasa event queue (Kafka SASL over TLS)",
        )
        broker_logs = log_group(ctx, f"{name}-broker-logs", f"/aws/msk/{cluster_name}/broker", parent=self)
        configuration = aws.msk.Configuration(
            f"{name}-configuration",
            kafka_versions=[version],
            description="Rasa event queue: no topic auto-creation, no access without ACLs",
            server_properties=server_properties(replication, args.partitions, args.retention_hours),
            opts=child,
        )

        self.cluster = aws.msk.Cluster(
            f"{name}-kafka",
            cluster_name=cluster_name,
            kafka_version=version,
            number_of_broker_nodes=brokers,
            broker_node_group_info={
                "instance_type": args.broker_instance_type,
                "client_subnets": list(args.network.data_subnet_ids),
                "security_groups": [security_group.id],
                "az_distribution": "DEFAULT",
                "connectivity_info": {"public_access": {"type": "DISABLED"}},
                "storage_info": {"ebs_storage_info": {"volume_size": args.broker_storage_gb}},
            },
            client_authentication={
                "sasl": {"scram": not iam, "iam": True},
                "unauthenticated": False,
            },
            encryption_info={
                "encryption_at_rest_kms_key_arn": key_arn,
                "encryption_in_transit": {"client_broker": "TLS", "in_cluster": True},
            },
            configuration_info={"arn": configuration.arn, "revision": configuration.latest_revision},
            enhanced_monitoring="DEFAULT",
            open_monitoring={"prometheus": {
                "jmx_exporter": {"enabled_in_broker": False},
                "node_exporter": {"enabled_in_broker": False},
            }},
            logging_info={"broker_logs": {
                "cloudwatch_logs": {"enabled": True, "log_group": broker_logs.name},
                "firehose": {"enabled": False},
                "s3": {"enabled": False},
            }},
            storage_mode="LOCAL",
            tags=ctx.tags(cluster_name),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )

        self.topic = self._topic(ctx, f"{name}-topic", args.topic, args.partitions, replication, args.retention_hours)
        self.ready = [self.topic]
        self.analytics_ready: list[pulumi.Resource] = []  # what Rasa Pro Services needs besides `ready`
        if args.analytics_dead_letter_topic:
            self.dead_letter_topic = self._topic(
                ctx, f"{name}-analytics-dlq", args.analytics_dead_letter_topic, args.partitions, replication,
                args.retention_hours)
            self.analytics_ready.append(self.dead_letter_topic)

        username: Optional[str] = None
        password: Optional[pulumi.Output[str]] = None
        consumer: Optional[tuple[str, pulumi.Output[str]]] = None
        if iam:
            servers = self.cluster.bootstrap_brokers_sasl_iam
        else:
            username = args.scram_username or DEFAULT_SCRAM_USERNAME
            password, secret, version = self._scram_secret(ctx, name, key_arn, username, "rasa", "Rasa")
            secrets, versions = [secret.arn], [version]
            if args.analytics_dead_letter_topic:
                consumer_password, consumer_secret, consumer_version = self._scram_secret(
                    ctx, f"{name}-analytics", key_arn, ANALYTICS_SCRAM_USERNAME, "rasa-analytics", "Rasa Pro Services (analytics)")
                consumer = (ANALYTICS_SCRAM_USERNAME, consumer_password)
                secrets.append(consumer_secret.arn)
                versions.append(consumer_version)
            # Authoritative: these are the only SCRAM users this cluster knows.
            users = aws.msk.ScramSecretAssociation(
                f"{name}-scram-users",
                cluster_arn=self.cluster.arn,
                secret_arn_lists=secrets,
                opts=pulumi.ResourceOptions(parent=self, depends_on=versions),
            )
            self.ready.append(users)
            servers = self.cluster.bootstrap_brokers_sasl_scram

        def connection(user: Optional[str], secret: Optional[pulumi.Output[str]], client_id: str) -> KafkaConnection:
            return KafkaConnection(
                bootstrap_servers=servers.apply(lambda text: sorted(text.split(",")) if text else []),
                topic=self.topic.name,
                origin="managed",
                network=NetworkAccess(ports=(port,), cidrs=args.network.data_cidrs),
                security_protocol="SASL_SSL",
                sasl_mechanism="OAUTHBEARER" if iam else "SCRAM-SHA-512",
                username=user,
                password=secret,
                ca_cert_pem=None,  # MSK broker certificates chain to Amazon's public roots
                iam_auth=iam,
                client_id=client_id,
                resource_name=self.cluster.cluster_name,
            )

        self.connection = connection(username, password, "rasa")
        self.analytics_connection = connection(*consumer, "rasa-analytics") if consumer else None
        self.iam_bootstrap_servers = self.cluster.bootstrap_brokers_sasl_iam
        self.register_outputs({
            "clusterArn": self.cluster.arn,
            "bootstrapServers": servers,
            "topic": self.topic.name,
            "securityGroupId": security_group.id,
        })

    def _topic(self, ctx: AwsContext, resource: str, topic: str, partitions: int, replication: int,
               retention_hours: int) -> aws.msk.Topic:
        return aws.msk.Topic(
            resource,
            cluster_arn=self.cluster.arn,
            name=topic,
            partition_count=partitions,
            replication_factor=replication,
            configs=json.dumps({
                "cleanup.policy": "delete",
                "retention.ms": str(retention_hours * 3600 * 1000),
                "min.insync.replicas": str(min_insync_replicas(replication)),
            }),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )

    def _scram_secret(
        self, ctx: AwsContext, name: str, key_arn: pulumi.Input[str], username: str, who: str, title: str,
    ) -> tuple[pulumi.Output[str], aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
        child = pulumi.ResourceOptions(parent=self)
        generated = random.RandomPassword(
            f"{name}-scram-password", length=40, special=True, override_special="-_.~", min_lower=4, min_upper=4,
            min_numeric=4, opts=child,
        )
        password = pulumi.Output.secret(generated.result)
        secret = aws.secretsmanager.Secret(
            f"{name}-scram-secret",
            name_prefix=f"AmazonMSK_{ctx.name(who, 40)}-",  # MSK only reads secrets named AmazonMSK_*
            description=f"SCRAM credentials of the {title} user on {ctx.name('events', 64)}",
            kms_key_id=key_arn,  # MSK rejects secrets under the AWS-managed key
            recovery_window_in_days=30 if ctx.protect else 7,
            tags=ctx.tags(),
            opts=child,
        )
        version = aws.secretsmanager.SecretVersion(
            f"{name}-scram-secret-value",
            secret_id=secret.id,
            secret_string=pulumi.Output.json_dumps({"username": username, "password": password}),
            opts=child,
        )
        aws.secretsmanager.SecretPolicy(
            f"{name}-scram-secret-policy",
            secret_arn=secret.arn,
            block_public_policy=True,
            policy=policy_document([{
                "Sid": "AWSKafkaResourcePolicy",
                "Effect": "Allow",
                "Principal": {"Service": ctx.service_principal("kafka")},
                "Action": "secretsmanager:getSecretValue",
                "Resource": secret.arn,
            }]),
            opts=child,
        )
        return password, secret, version
