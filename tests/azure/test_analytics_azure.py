"""Azure gives Rasa Pro Services credentials of its own on Event Hubs, its consumer group, its
dead-letter event hub, and the PostgreSQL administrator login for the database setup Job (mock engine)."""

from __future__ import annotations

from tests.azure.harness import plan_for, provision

T = "azure-native:"


def test_the_consumer_has_a_namespace_rule_with_listen_and_send_only(azure_prod):
    (rule,) = azure_prod.of_type(f"{T}eventhub:NamespaceAuthorizationRule")
    assert rule.name == "event-queue-analytics-listen-send"
    assert rule.inputs["authorizationRuleName"] == "analytics-listen-send"
    assert sorted(rule.inputs["rights"]) == ["Listen", "Send"]  # never Manage
    namespace = azure_prod.one(f"{T}eventhub:Namespace")
    assert rule.inputs["namespaceName"] == namespace.inputs["namespaceName"]
    # Rasa's and the other consumers' rules stay hub-level, one right each.
    hub_rules = {r.inputs["authorizationRuleName"]: r.inputs["rights"] for r in azure_prod.of_type(f"{T}eventhub:EventHubAuthorizationRule")}
    assert hub_rules == {"rasa-send": ["Send"], "consumers-listen": ["Listen"]}


def test_the_namespace_holds_only_the_events_hub_and_the_dead_letter_hub(azure_prod):
    # The namespace rule reaches every hub of the namespace: there must be no third one.
    hubs = {r.name: r.inputs for r in azure_prod.of_type(f"{T}eventhub:EventHub")}
    assert {h["eventHubName"] for h in hubs.values()} == {"rasa-core-events", "rasa-analytics-dlq"}
    dlq, main = hubs["event-queue-analytics-dlq"], hubs["event-queue-topic"]
    for key in ("partitionCount", "retentionDescription", "namespaceName", "resourceGroupName"):
        assert dlq[key] == main[key], key
    assert azure_prod.one(f"{T}eventhub:EventHub", "event-queue-analytics-dlq").protect is True


def test_its_consumer_group_is_on_the_events_hub(azure_prod):
    group = azure_prod.one(f"{T}eventhub:ConsumerGroup").inputs
    assert group["consumerGroupName"] == "rasa-analytics-group"
    assert group["eventHubName"] == "rasa-core-events"


def test_its_connection_is_its_own_connection_string_on_the_same_namespace_and_topic(azure_prod):
    rasa, consumer = azure_prod.resolved["event_queue"], azure_prod.resolved["analytics_event_queue"]
    assert (consumer.security_protocol, consumer.sasl_mechanism, consumer.username) == ("SASL_SSL", "PLAIN", "$ConnectionString")
    assert "SharedAccessKeyName=analytics-listen-send" in consumer.password
    assert "EntityPath" not in consumer.password  # namespace-level: the events hub and the dead-letter hub
    assert consumer.password != rasa.password and "SharedAccessKeyName=rasa-send" in rasa.password
    assert consumer.bootstrap_servers == rasa.bootstrap_servers and consumer.topic == rasa.topic == "rasa-core-events"
    assert consumer.network == rasa.network and consumer.client_id == "rasa-analytics"
    assert "azure-native:eventhub:listNamespaceKeys" in azure_prod.calls_made


def test_analytics_waits_for_its_hub_group_and_rule_and_rasa_does_not(shipped_previews):
    resources = {r.name: r for r in shipped_previews["azure-prod"].resources}
    waits = set(resources["analytics-service-account"].dependencies)
    needed = {resources[n].urn for n in ("event-queue-analytics-dlq", "event-queue-analytics-group", "event-queue-analytics-listen-send")}
    assert needed <= waits
    assert not needed & set(resources["rasa-namespace"].dependencies)


def test_the_postgres_administrator_login_is_handed_over_for_the_setup_job(azure_prod):
    admin, tracker = azure_prod.resolved["tracker_store_admin"], azure_prod.resolved["tracker_store"]
    server = azure_prod.one(f"{T}dbforpostgresql:Server").inputs
    assert admin.username == server["administratorLogin"] == "rasaadmin" != tracker.username
    assert admin.database == "postgres" and admin.host == tracker.host
    assert admin.password and admin.password != tracker.password
    assert admin.ssl_mode == tracker.ssl_mode and admin.ca_cert_pem == tracker.ca_cert_pem


def test_dev_without_analytics_has_no_namespace_rule_group_or_dead_letter_hub(azure_dev):
    assert [r.name for r in azure_dev.of_type(f"{T}eventhub:EventHub")] == ["event-queue-topic"]
    assert azure_dev.of_type(f"{T}eventhub:NamespaceAuthorizationRule") == []
    assert azure_dev.of_type(f"{T}eventhub:ConsumerGroup") == []
    assert azure_dev.resolved.get("analytics_event_queue") is None


def test_a_renamed_consumer_group_and_dead_letter_topic_are_what_azure_creates():
    run = provision(plan_for("prod", analytics={"consumerGroup": "bi.group", "deadLetterTopic": "bi-dlq"}))
    assert run.one(f"{T}eventhub:ConsumerGroup").inputs["consumerGroupName"] == "bi.group"
    assert run.one(f"{T}eventhub:EventHub", "event-queue-analytics-dlq").inputs["eventHubName"] == "bi-dlq"
