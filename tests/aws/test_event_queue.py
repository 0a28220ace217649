"""MSK event queue: TLS everywhere, SCRAM or IAM, no public access, customer key, broker logs, topic."""

from __future__ import annotations

import json

import pytest

from components.aws.event_queue import min_insync_replicas, msk_kafka_version


def kafka(run):
    return run.one("aws:msk/cluster:Cluster")


def properties(run) -> dict[str, str]:
    text = run.one("aws:msk/configuration:Configuration").inputs["serverProperties"]
    return dict(line.split("=", 1) for line in text.strip().splitlines())


def test_tls_between_clients_and_brokers_and_inside_the_cluster_and_customer_key_at_rest(prod_run):
    encryption = kafka(prod_run).inputs["encryptionInfo"]
    assert encryption["encryptionInTransit"] == {"clientBroker": "TLS", "inCluster": True}
    assert encryption["encryptionAtRestKmsKeyArn"] == prod_run.key_arn("event-queue")


def test_scram_for_rasa_iam_for_acl_administration_never_unauthenticated_never_public(prod_run):
    cluster = kafka(prod_run).inputs
    # SCRAM for Rasa; IAM so that an IAM-authorised admin can create the first ACLs (MSK has no
    # super users, and allow.everyone.if.no.acl.found is false)
    assert cluster["clientAuthentication"] == {"sasl": {"scram": True, "iam": True}, "unauthenticated": False}
    assert "tls" not in cluster["clientAuthentication"]
    assert cluster["brokerNodeGroupInfo"]["connectivityInfo"] == {"publicAccess": {"type": "DISABLED"}}


def test_brokers_one_per_zone_in_the_data_subnets_behind_the_scram_port(prod_run, dev_run):
    cluster = kafka(prod_run)
    group = cluster.inputs["brokerNodeGroupInfo"]
    assert cluster.inputs["numberOfBrokerNodes"] == 3 and len(group["clientSubnets"]) == 3
    data = {r.urn for r in prod_run.of_type("aws:ec2/subnet:Subnet") if "-data-" in r.name}
    assert len(data) == 3 and data <= set(cluster.dependencies)
    assert kafka(dev_run).inputs["numberOfBrokerNodes"] == 2
    sg = prod_run.one("aws:ec2/securityGroup:SecurityGroup", "event-queue-sg")
    assert [(r["fromPort"], r["toPort"]) for r in sg.inputs["ingress"]] == [(9096, 9096), (9098, 9098)]
    assert all(r["securityGroups"] == [prod_run.cluster_security_group_id] for r in sg.inputs["ingress"])
    assert sg.inputs["egress"] == []
    assert group["storageInfo"] == {"ebsStorageInfo": {"volumeSize": 500}}


def test_broker_logs_go_to_an_encrypted_log_group(prod_run):
    logs = kafka(prod_run).inputs["loggingInfo"]["brokerLogs"]
    group = prod_run.one("aws:cloudwatch/logGroup:LogGroup", "event-queue-broker-logs")
    assert logs["cloudwatchLogs"] == {"enabled": True, "logGroup": group.inputs["name"]}
    assert logs["firehose"] == {"enabled": False} and logs["s3"] == {"enabled": False}
    assert group.inputs["kmsKeyId"] == prod_run.key_arn("logs")


def test_configuration_never_auto_creates_topics_or_opens_access_without_acls(prod_run, dev_run):
    prod, dev = properties(prod_run), properties(dev_run)
    for props in (prod, dev):
        assert props["auto.create.topics.enable"] == "false"
        assert props["allow.everyone.if.no.acl.found"] == "false"
        assert props["unclean.leader.election.enable"] == "false"
    assert (prod["default.replication.factor"], prod["min.insync.replicas"]) == ("3", "2")
    assert (dev["default.replication.factor"], dev["min.insync.replicas"]) == ("2", "1")
    configuration = prod_run.one("aws:msk/configuration:Configuration")
    assert configuration.inputs["kafkaVersions"] == ["3.8.x"] and kafka(prod_run).inputs["kafkaVersion"] == "3.8.x"
    assert configuration.urn in kafka(prod_run).dependencies


def test_topic_is_a_resource_with_replication_and_retention_from_settings(prod_run, dev_run):
    topic = prod_run.one("aws:msk/topic:Topic", "event-queue-topic")
    assert topic.inputs["name"] == "rasa-core-events"
    assert topic.inputs["partitionCount"] == 6 and topic.inputs["replicationFactor"] == 3
    assert json.loads(topic.inputs["configs"]) == {
        "cleanup.policy": "delete", "retention.ms": str(168 * 3600 * 1000), "min.insync.replicas": "2",
    }
    assert topic.inputs["clusterArn"] == prod_run.arn_of(kafka(prod_run))
    assert topic.protect is True
    dev_topic = dev_run.one("aws:msk/topic:Topic", "event-queue-topic")
    assert dev_topic.inputs["replicationFactor"] == 2 and json.loads(dev_topic.inputs["configs"])["min.insync.replicas"] == "1"


def test_scram_secret_is_amazonmsk_named_customer_key_encrypted_and_readable_by_msk_only(prod_run):
    secret = prod_run.one("aws:secretsmanager/secret:Secret", "event-queue-scram-secret")
    assert secret.inputs["namePrefix"].startswith("AmazonMSK_")
    assert secret.inputs["kmsKeyId"] == prod_run.key_arn("event-queue")
    value = prod_run.one("aws:secretsmanager/secretVersion:SecretVersion", "event-queue-scram-secret-value")
    assert "secretString" in value.secret_paths
    credentials = json.loads(value.inputs["secretString"])
    connection = prod_run.resolved["event_queue"]
    assert credentials == {"username": "rasa", "password": connection.password}
    (statement,) = prod_run.one("aws:secretsmanager/secretPolicy:SecretPolicy", "event-queue-scram-secret-policy").policy()["Statement"]
    assert statement["Principal"] == {"Service": "kafka.amazonaws.com"}
    assert statement["Action"] == "secretsmanager:getSecretValue"
    association = prod_run.one("aws:msk/scramSecretAssociation:ScramSecretAssociation")
    assert association.inputs["secretArnLists"][0] == prod_run.arn_of(secret)  # then analytics' (tests/test_analytics_aws.py)
    assert value.urn in association.dependencies  # the secret has its value before MSK reads it


def test_scram_connection_carries_the_scram_brokers_and_the_topic(prod_run):
    connection = prod_run.resolved["event_queue"]
    assert connection.security_protocol == "SASL_SSL" and connection.sasl_mechanism == "SCRAM-SHA-512"
    assert connection.username == "rasa" and connection.password
    assert len(connection.bootstrap_servers) == 3 and all(s.endswith(":9096") for s in connection.bootstrap_servers)
    assert connection.topic == "rasa-core-events" and connection.ca_cert_pem is None
    assert connection.network.ports == (9096,)


def test_iam_mode_uses_msk_iam_on_its_port_and_no_scram_secret(iam_run):
    cluster = kafka(iam_run).inputs
    assert cluster["clientAuthentication"] == {"sasl": {"scram": False, "iam": True}, "unauthenticated": False}
    assert iam_run.of_type("aws:secretsmanager/secret:Secret") == []
    assert iam_run.of_type("aws:msk/scramSecretAssociation:ScramSecretAssociation") == []
    (rule,) = iam_run.one("aws:ec2/securityGroup:SecurityGroup", "event-queue-sg").inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"]) == (9098, 9098)
    connection = iam_run.resolved["event_queue"]
    assert connection.iam_auth is True and connection.sasl_mechanism == "OAUTHBEARER"
    assert connection.username is None and connection.password is None
    assert len(connection.bootstrap_servers) == 3 and all(s.endswith(":9098") for s in connection.bootstrap_servers)


@pytest.mark.parametrize("version, msk", [("3.8.0", "3.8.x"), ("3.9", "3.9.x"), ("3.6.0", "3.6.0"), ("2.8.1", None)])
def test_kafka_versions_map_to_msk_names(version, msk):
    assert msk_kafka_version(version) == msk


def test_min_insync_replicas_lets_a_write_survive_one_broker_down():
    assert [min_insync_replicas(rf) for rf in (1, 2, 3, 4)] == [1, 1, 2, 2]


def test_rasa_waits_for_the_topic_and_its_scram_user(shipped_previews):
    """The Rasa namespace (everything of Rasa's, the verify Job first) waits for what its producer needs."""
    resources = shipped_previews["aws-prod"].resources
    (namespace,) = [r for r in resources if r.type == "kubernetes:core/v1:Namespace" and r.name == "rasa-namespace"]
    (topic,) = [r for r in resources if r.type == "aws:msk/topic:Topic" and r.name == "event-queue-topic"]
    (users,) = [r for r in resources if r.type == "aws:msk/scramSecretAssociation:ScramSecretAssociation"]
    assert {topic.urn, users.urn} <= set(namespace.dependencies)


def test_with_iam_there_is_no_scram_user_to_wait_for(iam_run):
    assert iam_run.of_type("aws:msk/scramSecretAssociation:ScramSecretAssociation") == []
    assert iam_run.of_type("aws:msk/topic:Topic")
