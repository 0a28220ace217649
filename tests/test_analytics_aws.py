"""AWS gives Rasa Pro Services its own MSK SCRAM user and its dead-letter topic (mock engine)."""

from __future__ import annotations

import json

import pytest

from tests.aws.harness import plan_for, provision
from infra.settings import ConfigError


@pytest.fixture(scope="module")
def prod():
    return provision(plan_for("prod"))


def test_the_consumer_has_an_amazonmsk_secret_of_its_own_under_the_event_queue_key(prod):
    secret = prod.one("aws:secretsmanager/secret:Secret", "event-queue-analytics-scram-secret")
    assert secret.inputs["namePrefix"].startswith("AmazonMSK_") and "analytics" in secret.inputs["namePrefix"]
    assert secret.inputs["kmsKeyId"] == prod.key_arn("event-queue")  # MSK refuses the AWS-managed key
    value = prod.one("aws:secretsmanager/secretVersion:SecretVersion", "event-queue-analytics-scram-secret-value")
    assert "secretString" in value.secret_paths
    consumer = prod.resolved["analytics_event_queue"]
    assert json.loads(value.inputs["secretString"]) == {"username": "rasa-analytics", "password": consumer.password}
    (statement,) = prod.one("aws:secretsmanager/secretPolicy:SecretPolicy", "event-queue-analytics-scram-secret-policy").policy()["Statement"]
    assert statement["Principal"] == {"Service": "kafka.amazonaws.com"} and statement["Action"] == "secretsmanager:getSecretValue"


def test_both_users_are_associated_with_the_cluster_in_one_authoritative_association(prod):
    association = prod.one("aws:msk/scramSecretAssociation:ScramSecretAssociation")
    rasa = prod.one("aws:secretsmanager/secret:Secret", "event-queue-scram-secret")
    analytics = prod.one("aws:secretsmanager/secret:Secret", "event-queue-analytics-scram-secret")
    assert association.inputs["secretArnLists"] == [prod.arn_of(rasa), prod.arn_of(analytics)]
    for name in ("event-queue-scram-secret-value", "event-queue-analytics-scram-secret-value"):
        assert prod.one("aws:secretsmanager/secretVersion:SecretVersion", name).urn in association.dependencies


def test_its_connection_is_its_own_on_the_same_brokers_and_topic(prod):
    rasa, consumer = prod.resolved["event_queue"], prod.resolved["analytics_event_queue"]
    assert consumer.username == "rasa-analytics" != rasa.username
    assert consumer.password and consumer.password != rasa.password
    assert consumer.bootstrap_servers == rasa.bootstrap_servers and consumer.topic == rasa.topic == "rasa-core-events"
    assert (consumer.security_protocol, consumer.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert consumer.network == rasa.network and consumer.client_id == "rasa-analytics"


def test_the_dead_letter_topic_is_a_resource_analytics_waits_for(prod, shipped_previews):
    dlq = prod.one("aws:msk/topic:Topic", "event-queue-analytics-dlq")
    main = prod.one("aws:msk/topic:Topic", "event-queue-topic")
    assert dlq.inputs["name"] == "rasa-analytics-dlq"
    for key in ("partitionCount", "replicationFactor", "configs", "clusterArn"):
        assert dlq.inputs[key] == main.inputs[key], key
    assert dlq.protect is True
    # In the whole program: Rasa Pro Services waits for it (and for its SCRAM user); Rasa does not.
    resources = {r.name: r for r in shipped_previews["aws-prod"].resources}
    waits = set(resources["analytics-service-account"].dependencies)
    assert {resources["event-queue-analytics-dlq"].urn, resources["event-queue-scram-users"].urn} <= waits
    assert resources["event-queue-analytics-dlq"].urn not in resources["rasa-namespace"].dependencies


def test_the_tracker_server_admin_login_is_handed_over_for_the_setup_job(prod):
    admin, tracker = prod.resolved["tracker_store_admin"], prod.resolved["tracker_store"]
    assert admin.username == "rasa_admin" and admin.database == "postgres"
    assert admin.host == tracker.host and admin.password and admin.password != tracker.password
    assert admin.ssl_mode == "verify-full"


def test_dev_without_analytics_has_one_user_and_no_dead_letter_topic():
    dev = provision(plan_for("dev"))
    assert [r.name for r in dev.of_type("aws:msk/topic:Topic")] == ["event-queue-topic"]
    assert len(dev.one("aws:msk/scramSecretAssociation:ScramSecretAssociation").inputs["secretArnLists"]) == 1
    assert dev.services.analytics_event_queue is None


def test_msk_iam_with_analytics_is_refused_before_anything_exists():
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", aws={"iamAuth": True})
    assert str(caught.value) == (
        "config error: rasa-platform:analytics.enabled = true: with aws.iamAuth the MSK event queue has no analytics "
        "consumer yet (its IAM role is not built); set analytics.enabled: false or aws.iamAuth: false")
