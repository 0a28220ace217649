"""GCP gives Rasa Pro Services a consumer of its own (Managed Kafka service account or Confluent key),
its dead-letter topic, Kafka ACLs for exactly its rights, and the Cloud SQL admin login (mock engine)."""

from __future__ import annotations

import base64

from tests.gcp.harness import PROJECT, plan_for, provision

ANALYTICS = f"rasa-gcp-test-analytics@{PROJECT}.iam.gserviceaccount.com"
CONFLUENT = "confluentcloud:index/"


def _entries(acl) -> set[tuple[str, str]]:
    assert all(e["permissionType"] == "ALLOW" and e["host"] == "*" for e in acl.inputs["aclEntries"])
    return {(e["principal"], e["operation"]) for e in acl.inputs["aclEntries"]}


def test_the_analytics_account_holds_managedkafka_client_on_this_cluster_only(gcp_prod):
    account = gcp_prod.one("gcp:serviceaccount/account:Account", "event-queue-analytics")
    assert account.inputs["accountId"] == "rasa-gcp-test-analytics"
    grants = [g for g in gcp_prod.of_type("gcp:projects/iAMMember:IAMMember") if g.inputs["member"] == f"serviceAccount:{ANALYTICS}"]
    assert [g.inputs["role"] for g in grants] == ["roles/managedkafka.client"]
    assert grants[0].inputs["condition"]["expression"] == (
        f'resource.name.startsWith("projects/{PROJECT}/locations/europe-west3/clusters/rasa-gcp-test-events")')
    # No other grant anywhere: no bucket, key or workload identity binding names it.
    named = [r for r in gcp_prod.resources if ANALYTICS in str(r.inputs) and r.type.endswith("IAMMember")]
    assert named == grants


def test_its_sasl_password_is_its_own_key_file_on_the_same_brokers(gcp_prod):
    rasa, consumer = gcp_prod.resolved["event_queue"], gcp_prod.resolved["analytics_event_queue"]
    key = gcp_prod.one("gcp:serviceaccount/key:Key", "event-queue-analytics-key")
    assert key.inputs["privateKeyType"] == "TYPE_GOOGLE_CREDENTIALS_FILE"
    assert consumer.username == ANALYTICS != rasa.username
    assert consumer.password == gcp_prod.outputs_of(key)["privateKey"] != rasa.password
    assert base64.b64decode(consumer.password).startswith(b'{"type": "service_account"')
    assert (consumer.security_protocol, consumer.sasl_mechanism) == ("SASL_SSL", "PLAIN")
    assert consumer.bootstrap_servers == rasa.bootstrap_servers and consumer.topic == rasa.topic == "rasa-core-events"
    assert consumer.network == rasa.network and consumer.client_id == "rasa-analytics"


def test_acls_read_the_topic_and_group_and_write_the_dead_letter_topic_only(gcp_prod):
    acls = {a.inputs["aclId"]: a for a in gcp_prod.of_type("gcp:managedkafka/acl:Acl")}
    assert set(acls) == {"topic/rasa-core-events", "consumerGroup/rasa-analytics-group", "topic/rasa-analytics-dlq"}
    me = f"User:{ANALYTICS}"
    assert {op for who, op in _entries(acls["topic/rasa-core-events"]) if who == me} == {"READ", "DESCRIBE"}
    assert _entries(acls["consumerGroup/rasa-analytics-group"]) == {(me, "READ")}
    assert _entries(acls["topic/rasa-analytics-dlq"]) == {(me, "WRITE"), (me, "DESCRIBE")}
    dlq = gcp_prod.one("gcp:managedkafka/topic:Topic", "event-queue-analytics-dlq")
    assert dlq.urn in acls["topic/rasa-analytics-dlq"].dependencies


def test_settings_consumers_and_the_analytics_account_share_the_topic_acl():
    reader = f"bi@{PROJECT}.iam.gserviceaccount.com"
    run = provision(plan_for("prod", gcp={"eventQueue": {"consumers": [reader]}}))
    entries = _entries(run.one("gcp:managedkafka/acl:Acl", "event-queue-topic-acl"))
    for who in (reader, ANALYTICS):
        assert {op for principal, op in entries if principal == f"User:{who}"} == {"READ", "DESCRIBE"}


def test_the_dead_letter_topic_matches_the_events_topic_and_is_protected(gcp_prod):
    dlq = gcp_prod.one("gcp:managedkafka/topic:Topic", "event-queue-analytics-dlq")
    main = gcp_prod.one("gcp:managedkafka/topic:Topic", "event-queue-topic")
    assert dlq.inputs["topicId"] == "rasa-analytics-dlq"
    for key in ("partitionCount", "replicationFactor", "configs", "cluster"):
        assert dlq.inputs[key] == main.inputs[key], key
    assert dlq.protect is True


def test_analytics_waits_for_its_topic_acls_and_key_and_rasa_does_not(shipped_previews):
    resources = {r.name: r for r in shipped_previews["gcp-prod"].resources}
    waits = set(resources["analytics-service-account"].dependencies)
    needed = {resources[n].urn for n in ("event-queue-analytics-dlq", "event-queue-analytics-group-acl",
                                          "event-queue-analytics-dlq-acl", "event-queue-analytics-key", "tracker-store-admin")}
    assert needed <= waits
    assert not needed & set(resources["rasa-namespace"].dependencies)


def test_the_cloud_sql_admin_login_is_handed_over_for_the_setup_job(gcp_prod):
    admin, tracker = gcp_prod.resolved["tracker_store_admin"], gcp_prod.resolved["tracker_store"]
    user = gcp_prod.one("gcp:sql/user:User", "tracker-store-admin")
    assert user.inputs["name"] == admin.username == "rasa_admin" != tracker.username
    assert user.inputs["type"] == "BUILT_IN" and "password" in user.secret_paths
    assert admin.password == user.inputs["password"] and admin.password != tracker.password
    assert admin.database == "postgres" and admin.host == tracker.host
    assert (admin.ssl_mode, admin.ca_cert_pem) == (tracker.ssl_mode, tracker.ca_cert_pem)


def test_rasa_admin_is_reserved_for_the_platform():
    import pytest

    from infra.settings import ConfigError
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", trackerStore={"username": "rasa_admin"})
    assert "rasa-platform:trackerStore.username = rasa_admin: reserved on Cloud SQL" in str(caught.value)


def test_dev_without_analytics_has_no_analytics_account_topic_or_acls(gcp_dev):
    assert [t.name for t in gcp_dev.of_type("gcp:managedkafka/topic:Topic")] == ["event-queue-topic"]
    assert [a.inputs["aclId"] for a in gcp_dev.of_type("gcp:managedkafka/acl:Acl")] == ["topic/rasa-core-events"]
    assert not any("analytics" in a.inputs["accountId"] for a in gcp_dev.of_type("gcp:serviceaccount/account:Account"))
    assert gcp_dev.resolved.get("analytics_event_queue") is None


def test_confluent_gives_analytics_a_key_of_its_own_limited_by_acls(gcp_confluent):
    run = gcp_confluent
    accounts = {a.name: run.mocks.outputs_for(a.type, a.name, a.inputs)[0] for a in run.of_type(f"{CONFLUENT}serviceAccount:ServiceAccount")}
    consumer = f"User:{accounts['event-queue-analytics']}"
    acls = {(a.inputs["resourceType"], a.inputs["resourceName"], a.inputs["operation"])
            for a in run.of_type(f"{CONFLUENT}kafkaAcl:KafkaAcl") if a.inputs["principal"] == consumer}
    assert acls == {("TOPIC", "rasa-core-events", "READ"), ("TOPIC", "rasa-core-events", "DESCRIBE"),
                    ("GROUP", "rasa-analytics-group", "READ"),
                    ("TOPIC", "rasa-analytics-dlq", "WRITE"), ("TOPIC", "rasa-analytics-dlq", "DESCRIBE")}
    assert all(a.inputs["patternType"] == "LITERAL" and a.inputs["permission"] == "ALLOW"
               for a in run.of_type(f"{CONFLUENT}kafkaAcl:KafkaAcl"))
    # No role binding for it: only the admin holds one.
    assert consumer not in {r.inputs["principal"] for r in run.of_type(f"{CONFLUENT}roleBinding:RoleBinding")}
    dlq = run.one(f"{CONFLUENT}kafkaTopic:KafkaTopic", "event-queue-analytics-dlq")
    assert dlq.inputs["topicName"] == "rasa-analytics-dlq" and dlq.protect is True
    key = run.one(f"{CONFLUENT}apiKey:ApiKey", "event-queue-analytics-key")
    connection, rasa = run.resolved["analytics_event_queue"], run.resolved["event_queue"]
    assert connection.username == run.mocks.outputs_for(key.type, key.name, key.inputs)[0] != rasa.username
    assert connection.password and connection.password != rasa.password
    assert connection.sasl_mechanism == "PLAIN" and connection.bootstrap_servers == rasa.bootstrap_servers
    assert connection.client_id == "rasa-analytics"
