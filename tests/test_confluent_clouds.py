"""`eventQueue.provider: confluent` on AWS and Azure (issue 10): Confluent Cloud in the stack's cloud and
region instead of MSK / Event Hubs, Rasa and Rasa Pro Services wired to it (mock engine and the whole
program under the offline preview)."""

from __future__ import annotations

import pytest

from components.registry import CLOUDS
from infra.settings import ConfigError
from tests.aws import harness as aws_harness
from tests.azure import harness as azure_harness
from tests.previewing import preview

C = "confluentcloud:index/"
CONFLUENT = {"mode": "managed", "provider": "confluent", "saslMechanism": "PLAIN", "topic": "rasa-core-events", "partitions": 6}
# What each cloud would otherwise build for its own Kafka (none of it may exist with Confluent).
OWN_KAFKA = {
    "aws": ("aws:msk/", "aws:secretsmanager/"),
    "azure": ("azure-native:eventhub:",),
}


def test_every_cloud_offers_its_own_kafka_first_and_confluent():
    assert CLOUDS["aws"].event_queue_providers == ("msk", "confluent")
    assert CLOUDS["azure"].event_queue_providers == ("event-hubs", "confluent")
    assert CLOUDS["gcp"].event_queue_providers == ("managed-kafka", "confluent")
    for spec in CLOUDS.values():
        if spec.event_queue_providers:
            assert {f"{C}kafkaCluster:KafkaCluster", f"{C}kafkaAcl:KafkaAcl"} <= spec.mocks.resource_types, spec.name


def acls_of(run, account: str) -> set[tuple[str, str, str]]:
    """(resource type, resource name, operation) of every ACL naming that service account."""
    found = run.one(f"{C}serviceAccount:ServiceAccount", account)
    principal = f"User:{run.mocks.outputs_for(found.type, found.name, found.inputs)[0]}"
    return {(a.inputs["resourceType"], a.inputs["resourceName"], a.inputs["operation"])
            for a in run.of_type(f"{C}kafkaAcl:KafkaAcl") if a.inputs["principal"] == principal}


@pytest.fixture(scope="module")
def runs():
    return {
        "aws": aws_harness.provision(aws_harness.plan_for("prod", eventQueue=CONFLUENT)),
        "azure": azure_harness.provision(azure_harness.plan_for("prod", eventQueue=CONFLUENT)),
    }


@pytest.mark.parametrize("cloud,confluent_cloud,region", [("aws", "AWS", "eu-central-1"), ("azure", "AZURE", "westeurope")])
def test_confluent_replaces_the_clouds_own_kafka(runs, cloud, confluent_cloud, region):
    run = runs[cloud]
    own = [r.name for r in run.resources if r.type.startswith(OWN_KAFKA[cloud])]
    assert own == []
    cluster = run.one(f"{C}kafkaCluster:KafkaCluster")
    assert (cluster.inputs["cloud"], cluster.inputs["region"]) == (confluent_cloud, region)
    assert cluster.inputs["availability"] == "MULTI_ZONE" and "standard" in cluster.inputs and cluster.protect is True
    topic = run.one(f"{C}kafkaTopic:KafkaTopic", "event-queue-topic")
    assert topic.inputs["topicName"] == "rasa-core-events" and topic.inputs["partitionsCount"] == 6


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_rasa_produces_with_a_key_limited_to_write_and_describe_on_its_topic(runs, cloud):
    run = runs[cloud]
    assert acls_of(run, "event-queue-producer") == {
        ("TOPIC", "rasa-core-events", "WRITE"), ("TOPIC", "rasa-core-events", "DESCRIBE")}
    key = run.one(f"{C}apiKey:ApiKey", "event-queue-producer-key")
    rasa = run.resolved["event_queue"]
    assert rasa.username == run.mocks.outputs_for(key.type, key.name, key.inputs)[0]
    assert (rasa.security_protocol, rasa.sasl_mechanism, rasa.client_id) == ("SASL_SSL", "PLAIN", "rasa")
    assert rasa.bootstrap_servers[0].endswith(f".{cloud}.confluent.cloud:9092")
    # Confluent's public endpoint: Rasa's egress is its port, anywhere.
    assert rasa.network.ports == (9092,)


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_analytics_consumes_with_a_confluent_key_of_its_own(runs, cloud):
    run = runs[cloud]
    assert acls_of(run, "event-queue-analytics") == {
        ("TOPIC", "rasa-core-events", "READ"), ("TOPIC", "rasa-core-events", "DESCRIBE"),
        ("GROUP", "rasa-analytics-group", "READ"),
        ("TOPIC", "rasa-analytics-dlq", "WRITE"), ("TOPIC", "rasa-analytics-dlq", "DESCRIBE")}
    analytics, rasa = run.resolved["analytics_event_queue"], run.resolved["event_queue"]
    assert analytics.username != rasa.username and analytics.password != rasa.password
    assert analytics.bootstrap_servers == rasa.bootstrap_servers and analytics.client_id == "rasa-analytics"
    dlq = run.one(f"{C}kafkaTopic:KafkaTopic", "event-queue-analytics-dlq")
    assert dlq.inputs["topicName"] == "rasa-analytics-dlq" and dlq.protect is True


@pytest.mark.parametrize("stack,bootstrap", [("aws-prod", ".aws.confluent.cloud:9092"), ("azure-prod", ".azure.confluent.cloud:9092")])
def test_the_whole_program_wires_rasa_and_analytics_to_confluent(stack, bootstrap):
    result = preview(stack, eventQueue=CONFLUENT)
    assert result.policy["mandatoryFailures"] == 0, result.policy["violations"]
    types = {r.type for r in result.resources}
    assert not any(t.startswith(("aws:msk/", "azure-native:eventhub:")) for t in types)
    endpoints = next(r for r in result.resources if r.name == "rasa-endpoints")
    assert bootstrap in str(endpoints.inputs)
    resources = {r.name: r for r in result.resources}
    # Rasa Pro Services waits for its dead-letter topic, its ACLs and key; Rasa does not.
    waits = set(resources["analytics-service-account"].dependencies)
    needed = {resources[n].urn for n in ("event-queue-analytics-dlq", "event-queue-analytics-key")}
    assert needed <= waits and not needed & set(resources["rasa-namespace"].dependencies)


def test_a_provider_another_cloud_offers_is_one_config_line():
    with pytest.raises(ConfigError) as caught:
        aws_harness.plan_for("prod", eventQueue={**CONFLUENT, "provider": "event-hubs", "saslMechanism": "SCRAM-SHA-512"})
    assert str(caught.value) == "config error: rasa-platform:eventQueue.provider = event-hubs: on aws allowed: msk, confluent"


def test_confluent_takes_sasl_plain_only():
    with pytest.raises(ConfigError) as caught:
        azure_harness.plan_for("prod", eventQueue={**CONFLUENT, "saslMechanism": "SCRAM-SHA-512"})
    assert str(caught.value) == (
        "config error: rasa-platform:eventQueue.saslMechanism = SCRAM-SHA-512: Confluent Cloud authenticates with an "
        "API key over SASL/PLAIN; allowed: PLAIN")


def test_msk_is_still_the_default_and_the_explicit_msk_on_aws():
    run = aws_harness.provision(aws_harness.plan_for("dev", eventQueue={"provider": "msk"}))
    assert len(run.of_type("aws:msk/cluster:Cluster")) == 1 and run.of_type(f"{C}kafkaCluster:KafkaCluster") == []
