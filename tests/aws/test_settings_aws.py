"""AWS settings: presets, the plan step (the tracker store's connection limit), and every
AWS-only rejection."""

from __future__ import annotations

import pytest

from components.aws.network import subnet_plan
from components.aws.regions import AWS_REGIONS, short_code
from components.aws.tracker_store import INSTANCE_CLASS_MEMORY_GIB, max_connections_for
from infra.settings import ConfigError, ConfigErrors
from tests.aws.harness import plan_for, settings_for
from tests.previewing import run_stack


def test_presets_scale_protection_and_redundancy_with_the_environment():
    dev, prod = settings_for("dev"), settings_for("prod")
    assert (dev.network.zones, prod.network.zones) == (2, 3)
    assert (dev.aws.nat_gateways, prod.aws.nat_gateways) == ("single", "perZone")
    assert (dev.aws.flow_logs, prod.aws.flow_logs) == (False, True)
    assert (dev.protection, prod.protection) == (False, True)
    assert (dev.aws.log_retention_days, prod.aws.log_retention_days) == (30, 365)
    assert prod.aws.tracker_store.instance_class == "db.r6g.large"
    assert prod.aws.lock_store.node_type.startswith("cache.")
    assert prod.aws.event_queue.broker_instance_type.startswith("kafka.")
    assert (dev.aws.event_queue.broker_storage_gb, prod.aws.event_queue.broker_storage_gb) == (20, 500)
    assert (dev.aws.node_group.instance_type, prod.aws.node_group.instance_type) == ("m6i.large", "m6i.2xlarge")
    # the generic prod preset: highly available, protected, long backups
    assert prod.tracker_store.high_availability and prod.protection
    assert prod.tracker_store.backup_days == 14 and prod.lock_store.high_availability


def test_a_stack_value_overrides_the_aws_preset():
    s = settings_for("prod", aws={"natGateways": "single", "nodeGroup": {"instanceType": "m7i.2xlarge"}}, protection=False)
    assert s.aws.nat_gateways == "single" and s.protection is False
    assert s.aws.node_group.instance_type == "m7i.2xlarge"
    assert s.aws.node_group.disk_gb == 50  # the rest of the section keeps its defaults


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
    plan = plan_for("prod", aws={"trackerStore": {"instanceClass": instance_class}})
    assert plan.cloud_plan.tracker_store_max_connections == expected == max_connections_for(instance_class)
    assert plan.budget.max_connections == expected  # the budget uses the plan's number, computed once


def test_an_explicit_max_connections_wins_over_the_instance_class():
    plan = plan_for("prod", trackerStore={"maxConnections": 300})
    assert plan.cloud_plan.tracker_store_max_connections == 300 == plan.budget.max_connections


def test_an_unknown_instance_class_is_one_line_naming_the_key_and_the_allowed_classes():
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", aws={"trackerStore": {"instanceClass": "db.x9.huge"}})
    message = str(caught.value)
    assert message.startswith("config error: rasa-platform:aws.trackerStore.instanceClass = db.x9.huge: unknown RDS PostgreSQL instance class; allowed: ")
    assert "\n" not in message
    assert all(name in message for name in INSTANCE_CLASS_MEMORY_GIB)


@pytest.mark.parametrize("key, value", [
    ("clusterAdminRoleArns", ["arn:aws:iam::123456789012:role/platform-admins"]),
    ("allowedAccountIds", ["111122223333"]),
    ("permissionsBoundaryArn", "arn:aws:iam::444455556666:policy/boundary"),
])
def test_a_documentation_example_account_is_refused_before_anything_exists(key, value):
    """Copied from AWS's docs (or a stack's example), it would fail only inside a real account."""
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", aws={key: value})
    message = str(caught.value)
    assert message.startswith(f"config error: rasa-platform:aws.{key}")
    assert "is an example from AWS's documentation, not a real account: use your own account id" in message
    assert "\n" not in message


def test_a_real_account_in_the_same_places_is_accepted():
    plan = plan_for("prod", aws={"clusterAdminRoleArns": ["arn:aws:iam::246813579024:role/platform-admins"],
                                 "allowedAccountIds": ["246813579024"]})
    assert plan.cloud_plan.aws.allowed_account_ids == ("246813579024",)


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
    ({"network": {"mode": "existing"},
      "aws": {"network": {"privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]}}},
     "rasa-platform:aws.network.vpcId = (not set): is required when network.mode is existing"),
    ({"network": {"mode": "existing"},
      "aws": {"network": {"vpcId": "vpc-0123456789abcdef0", "privateSubnetIds": ["subnet-0123456789abcdef0"]}},
      "eventQueue": {"replicationFactor": 1}},
     "rasa-platform:aws.network.privateSubnetIds = [\"subnet-0123456789abcdef0\"]: needs one private subnet in each of 2 or 3"),
    ({"cluster": {"mode": "existing", "name": "platform", "context": "platform"}},
     "rasa-platform:network.mode = create: must be existing when cluster.mode is existing"),
    ({"cluster": {"mode": "existing", "context": "platform"}, "network": {"mode": "existing"},
      "aws": {"network": {"vpcId": "vpc-0123456789abcdef0",
                          "privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1",
                                               "subnet-0123456789abcdef2"]}}},
     "rasa-platform:cluster.name = (not set): is required on AWS when cluster.mode is existing"),
    ({"cluster": {"kubernetesVersion": "1.33"}, "aws": {"nodeGroup": {"instanceType": None}}},
     "rasa-platform:aws.nodeGroup.instanceType = (not set): is required when cluster.mode is create"),
    ({"cluster": {"kubernetesVersion": "33"}}, "rasa-platform:cluster.kubernetesVersion = 33: must be an EKS version"),
    ({"lockStore": {"username": "rasa"}}, "rasa-platform:lockStore.username = rasa: an ElastiCache AUTH token belongs to the user 'default'"),
    ({"lockStore": {"engineVersion": "6.2"}}, "rasa-platform:lockStore.engineVersion = 6.2: ElastiCache Redis OSS 7.x"),
    ({"lockStore": {"tls": False}}, "rasa-platform:lockStore.tls = false: ElastiCache here always requires TLS"),
    ({"aws": {"lockStore": {"nodeType": "r7g.large"}}}, "rasa-platform:aws.lockStore.nodeType = r7g.large: must be an ElastiCache node type"),
    ({"aws": {"eventQueue": {"kafkaVersion": "2.8.1"}}}, "rasa-platform:aws.eventQueue.kafkaVersion = 2.8.1: MSK supports Kafka 3.6, 3.7, 3.8, 3.9"),
    ({"aws": {"eventQueue": {"brokerInstanceType": "m7g.large"}}},
     "rasa-platform:aws.eventQueue.brokerInstanceType = m7g.large: must be an MSK broker type"),
    ({"eventQueue": {"saslMechanism": "SCRAM-SHA-256"}}, "rasa-platform:eventQueue.saslMechanism = SCRAM-SHA-256: MSK supports SCRAM-SHA-512"),
    ({"eventQueue": {"saslMechanism": "OAUTHBEARER"}}, "allowed: SCRAM-SHA-512"),
    ({"eventQueue": {"securityProtocol": "SSL"}}, "rasa-platform:eventQueue.securityProtocol = SSL: managed MSK uses SASL over TLS"),
    ({"eventQueue": {"replicationFactor": 5}}, "rasa-platform:eventQueue.replicationFactor = 5: must not exceed the number of brokers (3"),
    ({"trackerStore": {"database": "rasa-db"}}, "rasa-platform:trackerStore.database = rasa-db: RDS needs a letter"),
    ({"trackerStore": {"username": "rasa_admin"}}, "rasa-platform:trackerStore.username = rasa_admin: reserved on RDS or for the admin"),
    ({"trackerStore": {"engineVersion": "12"}}, "rasa-platform:trackerStore.engineVersion = 12: RDS PostgreSQL majors allowed"),
    ({"tags": {"aws:owner": "me"}}, "rasa-platform:tags.aws:owner = me: the aws: prefix is reserved by AWS"),
    ({"tags": {"rasa-platform:stack": "x"}}, "rasa-platform:tags.rasa-platform:stack = x: set by the platform itself"),
    ({"aws": {"modelStorage": {"endpointUrl": "https://minio.example.com"}}},
     "rasa-platform:aws.modelStorage.endpointUrl = https://minio.example.com: applies to existing S3-compatible storage only"),
    ({"region": "eu-centrl-1"}, "rasa-platform:region = eu-centrl-1: not a region of AWS; allowed: af-south-1, "),
    ({"modelStorage": {"bucket": "Rasa_Models"}}, "rasa-platform:modelStorage.bucket = Rasa_Models: S3 bucket names are"),
]


@pytest.mark.parametrize("overrides, expected", REJECTED, ids=[e.split(" = ")[0].split(":")[-1] for _, e in REJECTED])
def test_aws_rules_reject_with_one_line_naming_key_value_and_what_is_allowed(overrides, expected):
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", **overrides)
    assert not isinstance(caught.value, ConfigErrors), str(caught.value)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("config error: rasa-platform:")
    assert "\n" not in str(caught.value)


def test_every_aws_problem_of_a_stack_is_reported_at_once():
    with pytest.raises(ConfigErrors) as caught:
        plan_for("prod", region="eu-centrl-1", lockStore={"tls": False},
                 aws={"eventQueue": {"kafkaVersion": "2.8.1"}}, rasa={"ingress": {"enabled": True, "host": "bot.example.com"}})
    keys = [error.key for error in caught.value.errors]
    assert keys == ["region", "lockStore.tls", "aws.eventQueue.kafkaVersion", "rasa.ingress.acmeEmail"]
    assert len(str(caught.value).splitlines()) == 4


def test_oauthbearer_is_allowed_with_iam_auth():
    plan = plan_for("prod", aws={"iamAuth": True}, eventQueue={"saslMechanism": "OAUTHBEARER"}, analytics={"enabled": False})
    assert plan.cloud_plan.existing.iam_auth is True


def test_every_region_has_a_short_code_like_aws_host_names():
    assert short_code("eu-central-1") == "euc1" and short_code("us-east-1") == "use1"
    assert short_code("ap-southeast-2") == "apse2" and short_code("us-gov-west-1") == "usgw1"
    assert len({short_code(r) for r in AWS_REGIONS}) == len(AWS_REGIONS)


@pytest.mark.parametrize(
    "aws, expected",
    [
        ({"logRetentionDays": 31}, "rasa-platform:aws.logRetentionDays = 31: must be one of CloudWatch's retention periods"),
        ({"addonVersions": {"kube-state-metrics": "v1.0.0"}}, "unknown add-on kube-state-metrics; allowed: vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver, metrics-server"),
        ({"clusterAdminRoleArns": ["arn:aws:iam::1:user/me"]}, "rasa-platform:aws.clusterAdminRoleArns.0 = arn:aws:iam::1:user/me: must be an IAM role ARN"),
        ({"clientSecurityGroupIds": ["default"]}, "must be a security group id"),
        ({"allowedAccountIds": ["12345"]}, "must be a 12-digit AWS account id"),
        ({"natGateway": "single"}, "rasa-platform:aws.natGateway = single: unknown key"),
        ({"eventQueue": {"brokersPerZone": 0}}, "rasa-platform:aws.eventQueue.brokersPerZone = 0: must be between 1 and 4"),
        ({"network": {"vpcId": "vpc-1"}}, "rasa-platform:aws.network.vpcId = vpc-1: must be a VPC id"),
        ({"network": {"privateSubnetIds": ["subnet-zz"]}}, "rasa-platform:aws.network.privateSubnetIds.0 = subnet-zz: must be a subnet id"),
    ],
)
def test_aws_section_values_are_validated_by_the_settings_loader(aws, expected):
    with pytest.raises(ConfigError) as caught:
        settings_for("prod", aws=aws)
    assert expected in str(caught.value)


@pytest.mark.parametrize("overrides, key", [
    ({"aws": {"trackerStore": {"instanceClass": "db.x9.huge"}}}, "aws.trackerStore.instanceClass"),
    ({"aws": {"eventQueue": {"kafkaVersion": "2.8.1"}}}, "aws.eventQueue.kafkaVersion"),
])
def test_a_rejected_plan_registers_nothing(overrides, key):
    result = run_stack("aws-prod", overrides=overrides)
    assert f"rasa-platform:{key} = " in (result.config_error or "")
    assert result.resources == []
