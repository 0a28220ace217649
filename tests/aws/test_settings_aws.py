"""AWS settings: presets, the tracker store's connection limit, and every AWS-only rejection."""

from __future__ import annotations

import pytest

from components.aws import AWS
from components.aws.network import subnet_plan
from components.aws.tracker_store import INSTANCE_CLASS_MEMORY_GIB, max_connections_for
from components.aws.validation import validate
from infra.settings import ConfigError
from tests.aws.harness import provision_error, settings_for


def test_presets_scale_protection_and_redundancy_with_the_environment():
    dev, prod = settings_for("dev"), settings_for("prod")
    assert (dev.network.zones, prod.network.zones) == (2, 3)
    assert (dev.aws.nat_gateways, prod.aws.nat_gateways) == ("single", "perZone")
    assert (dev.aws.flow_logs, prod.aws.flow_logs) == (False, True)
    assert (dev.aws.protect, prod.aws.protect) == (False, True)
    assert (dev.aws.log_retention_days, prod.aws.log_retention_days) == (30, 365)
    assert prod.tracker_store.instance_class == "db.r6g.large"
    assert prod.lock_store.node_type.startswith("cache.") and prod.event_queue.broker_instance_type.startswith("kafka.")
    # the generic prod preset: highly available, protected, long backups
    assert prod.tracker_store.high_availability and prod.tracker_store.deletion_protection
    assert prod.tracker_store.backup_days == 14 and prod.lock_store.high_availability


def test_a_stack_value_overrides_the_aws_preset():
    s = settings_for("prod", aws={"natGateways": "single", "protect": False})
    assert s.aws.nat_gateways == "single" and s.aws.protect is False


@pytest.mark.parametrize(
    "instance_class, expected",
    [
        ("db.t4g.medium", 450),  # 4 GiB / 9531392 bytes
        ("db.m6g.large", 901),  # 8 GiB
        ("db.r6g.large", 1802),  # 16 GiB
        ("db.r6g.2xlarge", 5000),  # 64 GiB: capped at 5000
    ],
)
def test_tracker_store_max_connections_follows_the_rds_formula(instance_class, expected):
    s = settings_for("prod", trackerStore={"instanceClass": instance_class})
    assert AWS.tracker_store_max_connections(s) == expected == max_connections_for(instance_class)


def test_an_explicit_max_connections_wins_over_the_instance_class():
    s = settings_for("prod", trackerStore={"maxConnections": 300})
    assert AWS.tracker_store_max_connections(s) == 300


def test_an_unknown_instance_class_is_one_line_naming_the_key_and_the_allowed_classes():
    s = settings_for("prod", trackerStore={"instanceClass": "db.x9.huge"})
    with pytest.raises(ConfigError) as caught:
        AWS.tracker_store_max_connections(s)
    message = str(caught.value)
    assert message.startswith("config error: rasa-platform:trackerStore.instanceClass = db.x9.huge: unknown RDS PostgreSQL instance class; allowed: ")
    assert "\n" not in message
    assert all(name in message for name in INSTANCE_CLASS_MEMORY_GIB)


def test_subnet_plan_gives_disjoint_tiers_inside_the_vpc():
    import ipaddress

    plan = subnet_plan("10.40.0.0/16", 3)
    vpc = ipaddress.ip_network("10.40.0.0/16")
    subnets = [ipaddress.ip_network(c) for tier in plan.values() for c in tier]
    assert all(s.subnet_of(vpc) for s in subnets)
    assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1:])
    assert [ipaddress.ip_network(c).prefixlen for c in plan["private"]] == [18, 18, 18]
    assert [ipaddress.ip_network(c).prefixlen for c in plan["data"]] == [22, 22, 22]


REJECTED = [
    ({"network": {"cidr": "10.40.0.0/22"}}, "rasa-platform:network.cidr = 10.40.0.0/22: must be a /16 to /20"),
    ({"network": {"mode": "existing", "privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}},
     "rasa-platform:network.vpcId = (not set): is required when network.mode is existing"),
    ({"network": {"mode": "existing", "vpcId": "vpc-0123456789abcdef0", "privateSubnetIds": ["subnet-0123456789abcdef0"]}},
     "rasa-platform:network.privateSubnetIds = [\"subnet-0123456789abcdef0\"]: needs one private subnet in each of 2 or 3"),
    ({"cluster": {"mode": "existing", "name": "platform", "context": "platform"}},
     "rasa-platform:network.mode = create: must be existing when cluster.mode is existing"),
    ({"cluster": {"mode": "existing", "context": "platform"},
      "network": {"mode": "existing", "vpcId": "vpc-0123456789abcdef0",
                  "privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}},
     "rasa-platform:cluster.name = (not set): is required on AWS when cluster.mode is existing"),
    ({"cluster": {"kubernetesVersion": "33"}}, "rasa-platform:cluster.kubernetesVersion = 33: must be an EKS version"),
    ({"lockStore": {"username": "rasa"}}, "rasa-platform:lockStore.username = rasa: an ElastiCache AUTH token belongs to the user 'default'"),
    ({"lockStore": {"engineVersion": "6.2"}}, "rasa-platform:lockStore.engineVersion = 6.2: ElastiCache Redis OSS 7.x"),
    ({"lockStore": {"tls": False}}, "rasa-platform:lockStore.tls = false: ElastiCache here always requires TLS"),
    ({"lockStore": {"nodeType": "r7g.large"}}, "rasa-platform:lockStore.nodeType = r7g.large: must be an ElastiCache node type"),
    ({"eventQueue": {"kafkaVersion": "2.8.1"}}, "rasa-platform:eventQueue.kafkaVersion = 2.8.1: MSK supports Kafka 3.6, 3.7, 3.8, 3.9"),
    ({"eventQueue": {"saslMechanism": "SCRAM-SHA-256"}}, "rasa-platform:eventQueue.saslMechanism = SCRAM-SHA-256: MSK supports SCRAM-SHA-512"),
    ({"eventQueue": {"saslMechanism": "OAUTHBEARER"}}, "allowed: SCRAM-SHA-512"),
    ({"eventQueue": {"securityProtocol": "SSL"}}, "rasa-platform:eventQueue.securityProtocol = SSL: managed MSK uses SASL over TLS"),
    ({"eventQueue": {"replicationFactor": 5}}, "rasa-platform:eventQueue.replicationFactor = 5: must not exceed the number of brokers (3"),
    ({"trackerStore": {"database": "rasa-db"}}, "rasa-platform:trackerStore.database = rasa-db: RDS needs a letter"),
    ({"trackerStore": {"username": "rasa_admin"}}, "rasa-platform:trackerStore.username = rasa_admin: reserved on RDS or for the admin"),
    ({"trackerStore": {"engineVersion": "12"}}, "rasa-platform:trackerStore.engineVersion = 12: RDS PostgreSQL majors allowed"),
    ({"tags": {"aws:owner": "me"}}, "rasa-platform:tags.aws:owner = me: the aws: prefix is reserved by AWS"),
    ({"tags": {"rasa-platform:stack": "x"}}, "rasa-platform:tags.rasa-platform:stack = x: set by the platform itself"),
    ({"modelStorage": {"endpointUrl": "https://minio.example.com"}},
     "rasa-platform:modelStorage.endpointUrl = https://minio.example.com: applies to existing S3-compatible storage only"),
    ({"modelStorage": {"bucket": "Rasa_Models"}}, "rasa-platform:modelStorage.bucket = Rasa_Models: S3 bucket names are"),
]


@pytest.mark.parametrize("overrides, expected", REJECTED, ids=[e.split(" = ")[0].split(":")[-1] for _, e in REJECTED])
def test_aws_rules_reject_with_one_line_naming_key_value_and_what_is_allowed(overrides, expected):
    s = settings_for("prod", **overrides)
    with pytest.raises(ConfigError) as caught:
        validate(s)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("config error: rasa-platform:")
    assert "\n" not in str(caught.value)


def test_oauthbearer_is_allowed_with_iam_auth():
    validate(settings_for("prod", aws={"iamAuth": True}, eventQueue={"saslMechanism": "OAUTHBEARER"}))


@pytest.mark.parametrize(
    "aws, expected",
    [
        ({"logRetentionDays": 31}, "rasa-platform:aws.logRetentionDays = 31: must be one of CloudWatch's retention periods"),
        ({"addonVersions": {"metrics-server": "v1.0.0"}}, "unknown add-on metrics-server; allowed: vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver"),
        ({"clusterAdminRoleArns": ["arn:aws:iam::1:user/me"]}, "rasa-platform:aws.clusterAdminRoleArns.0 = arn:aws:iam::1:user/me: must be an IAM role ARN"),
        ({"clientSecurityGroupIds": ["default"]}, "must be a security group id"),
        ({"allowedAccountIds": ["12345"]}, "must be a 12-digit AWS account id"),
        ({"natGateway": "single"}, "rasa-platform:aws.natGateway = single: unknown key"),
        ({"mskBrokersPerZone": 0}, "rasa-platform:aws.mskBrokersPerZone = 0: must be between 1 and 4"),
    ],
)
def test_aws_section_values_are_validated_by_the_settings_loader(aws, expected):
    with pytest.raises(ConfigError) as caught:
        settings_for("prod", aws=aws)
    assert expected in str(caught.value)


@pytest.mark.parametrize("overrides", [
    {"trackerStore": {"instanceClass": "db.x9.huge"}},
    {"eventQueue": {"kafkaVersion": "2.8.1"}},
])
def test_a_rejected_plan_registers_nothing(overrides):
    error, registered = provision_error(settings_for("prod", **overrides))
    assert isinstance(error, ConfigError)
    assert registered == []
