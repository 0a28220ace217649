"""IAM bindings and their scopes (Rasa, Kafka client, Vault seal, nodes) and both Kafka providers."""

from __future__ import annotations

import base64
import re

from tests.gcp.harness import PROJECT

POOL = f"serviceAccount:{PROJECT}.svc.id.goog"


def account(run, account_id):
    return next(a for a in run.of_type("gcp:serviceaccount/account:Account") if a.inputs["accountId"] == account_id)


def test_rasa_may_only_read_the_bucket_as_its_own_kubernetes_service_account(gcp_prod):
    rasa = account(gcp_prod, "rasa-gcp-test-rasa")
    bindings = [b for b in gcp_prod.of_type("gcp:serviceaccount/iAMMember:IAMMember") if "rasa-gcp-test-rasa@" in b.inputs["serviceAccountId"]]
    assert [(b.inputs["role"], b.inputs["member"]) for b in bindings] == [
        ("roles/iam.workloadIdentityUser", f"{POOL}[rasa/rasa-pro]")]
    roles = sorted(b.inputs["role"] for b in gcp_prod.of_type("gcp:storage/bucketIAMMember:BucketIAMMember"))
    assert roles == ["roles/storage.legacyBucketReader", "roles/storage.legacyObjectReader"]
    email = f"{rasa.inputs['accountId']}@{PROJECT}.iam.gserviceaccount.com"
    assert gcp_prod.resolved["identity"].service_account_annotations == {"iam.gke.io/gcp-service-account": email}


def test_upload_from_the_cluster_swaps_the_object_reader_for_object_user():
    from tests.gcp.harness import plan_for, provision
    run = provision(plan_for("dev", gcp={"cluster": {"zone": "europe-west3-a"}}, modelStorage={"allowUploadFromCluster": True}))
    roles = sorted(b.inputs["role"] for b in run.of_type("gcp:storage/bucketIAMMember:BucketIAMMember"))
    assert roles == ["roles/storage.legacyBucketReader", "roles/storage.objectUser"]


def test_managed_kafka_is_private_cmek_and_rasa_uses_sasl_plain_with_a_dedicated_account(gcp_prod):
    cluster = gcp_prod.one("gcp:managedkafka/cluster:Cluster")
    gcp_config = cluster.inputs["gcpConfig"]
    assert gcp_config["kmsKey"] == gcp_prod.key_id("event-queue")
    assert gcp_config["accessConfig"] == {"networkConfigs": [{"subnet": f"projects/{PROJECT}/regions/europe-west3/subnetworks/rasa-gcp-test-nodes"}]}
    assert cluster.protect is True
    topic = gcp_prod.one("gcp:managedkafka/topic:Topic", "event-queue-topic")
    assert topic.inputs["topicId"] == "rasa-core-events" and topic.inputs["replicationFactor"] == 3
    assert topic.inputs["configs"]["min.insync.replicas"] == "2"
    grants = [g for g in gcp_prod.of_type("gcp:projects/iAMMember:IAMMember") if "-kafka@" in g.inputs["member"]]
    assert [g.inputs["role"] for g in grants] == ["roles/managedkafka.client"]
    assert "clusters/rasa-gcp-test-events" in grants[0].inputs["condition"]["expression"]
    connection = gcp_prod.resolved["event_queue"]
    key = gcp_prod.one("gcp:serviceaccount/key:Key", "event-queue-client-key")
    assert connection.sasl_mechanism == "PLAIN" and connection.security_protocol == "SASL_SSL"
    assert connection.username == f"rasa-gcp-test-kafka@{PROJECT}.iam.gserviceaccount.com"
    # The password is the key file, base64-encoded, as the key resource returns it.
    assert connection.password == gcp_prod.outputs_of(key)["privateKey"]
    assert base64.b64decode(connection.password).startswith(b'{"type": "service_account"')
    assert connection.bootstrap_servers == [f"bootstrap.rasa-gcp-test-events.europe-west3.managedkafka.{PROJECT}.cloud.goog:9092"]
    acl = gcp_prod.one("gcp:managedkafka/acl:Acl", "event-queue-topic-acl")
    assert acl.inputs["aclId"] == "topic/rasa-core-events" and topic.urn in acl.dependencies
    # Rasa writes; the analytics consumer (prod: analytics on) reads; nobody else.
    analytics = gcp_prod.resolved["analytics_event_queue"].username
    assert {(e["principal"], e["operation"]) for e in acl.inputs["aclEntries"]} == {
        (f"User:{connection.username}", "WRITE"), (f"User:{connection.username}", "DESCRIBE"),
        (f"User:{analytics}", "READ"), (f"User:{analytics}", "DESCRIBE")}


def test_consumers_named_in_settings_may_read_the_topic_and_nothing_else():
    from tests.gcp.harness import plan_for, provision
    analytics = f"analytics@{PROJECT}.iam.gserviceaccount.com"
    run = provision(plan_for("prod", gcp={"eventQueue": {"consumers": [analytics]}}))
    entries = run.one("gcp:managedkafka/acl:Acl", "event-queue-topic-acl").inputs["aclEntries"]
    assert sorted(e["operation"] for e in entries if e["principal"] == f"User:{analytics}") == ["DESCRIBE", "READ"]
    assert all(e["permissionType"] == "ALLOW" and e["host"] == "*" for e in entries)


def test_confluent_builds_a_cluster_a_topic_and_a_producer_key_limited_by_acls(gcp_confluent):
    assert gcp_confluent.of_type("gcp:managedkafka/cluster:Cluster") == []
    cluster = gcp_confluent.one("confluentcloud:index/kafkaCluster:KafkaCluster")
    assert cluster.inputs["cloud"] == "GCP" and cluster.inputs["region"] == "europe-west3"
    assert cluster.inputs["availability"] == "MULTI_ZONE" and "standard" in cluster.inputs and cluster.protect is True
    acls = [a for a in gcp_confluent.of_type("confluentcloud:index/kafkaAcl:KafkaAcl") if "-producer-" in a.name]
    assert sorted(a.inputs["operation"] for a in acls) == ["DESCRIBE", "WRITE"]
    producer = next(s for s in gcp_confluent.of_type("confluentcloud:index/serviceAccount:ServiceAccount") if s.name.endswith("-producer"))
    producer_id = gcp_confluent.mocks.outputs_for(producer.type, producer.name, producer.inputs)[0]
    assert {a.inputs["principal"] for a in acls} == {f"User:{producer_id}"}
    assert {(a.inputs["resourceType"], a.inputs["resourceName"], a.inputs["patternType"]) for a in acls} == {("TOPIC", "rasa-core-events", "LITERAL")}
    admin_roles = gcp_confluent.of_type("confluentcloud:index/roleBinding:RoleBinding")
    assert [r.inputs["principal"] for r in admin_roles] != [f"User:{producer_id}"]  # the admin, never the producer
    connection = gcp_confluent.resolved["event_queue"]
    key = next(k for k in gcp_confluent.of_type("confluentcloud:index/apiKey:ApiKey") if k.name.endswith("-producer-key"))
    assert connection.username == gcp_confluent.mocks.outputs_for(key.type, key.name, key.inputs)[0]
    assert connection.sasl_mechanism == "PLAIN" and connection.bootstrap_servers[0].endswith(".gcp.confluent.cloud:9092")
    assert not connection.bootstrap_servers[0].startswith("SASL_SSL://")


def test_the_vault_seal_account_may_only_use_its_key_as_vaults_service_account(gcp_prod):
    seal = gcp_prod.services.vault_seal
    assert seal.seal_type == "gcpckms"
    role = gcp_prod.one("gcp:projects/iAMCustomRole:IAMCustomRole")
    assert sorted(role.inputs["permissions"]) == [
        "cloudkms.cryptoKeyVersions.useToDecrypt", "cloudkms.cryptoKeyVersions.useToEncrypt", "cloudkms.cryptoKeys.get"]
    grants = gcp_prod.grants_on("vault-seal")
    assert len(grants) == 1 and re.fullmatch(rf"projects/{PROJECT}/roles/rasa_gcp_test_vault_seal_[0-9a-f]{{8}}", grants[0].inputs["role"])
    assert grants[0].inputs["member"] == f"serviceAccount:rasa-gcp-test-vault-seal@{PROJECT}.iam.gserviceaccount.com"
    binding = next(b for b in gcp_prod.of_type("gcp:serviceaccount/iAMMember:IAMMember") if "vault-seal@" in b.inputs["serviceAccountId"])
    assert binding.inputs["member"] == f"{POOL}[vault/vault]"
    assert seal.parameters["project"] == PROJECT and seal.parameters["crypto_key"] == "vault-seal"


def test_the_node_pool_account_holds_only_the_default_node_role(gcp_prod):
    grants = [g for g in gcp_prod.of_type("gcp:projects/iAMMember:IAMMember") if "-gke-nodes@" in g.inputs["member"]]
    assert [g.inputs["role"] for g in grants] == ["roles/container.defaultNodeServiceAccount"]


def test_rasas_egress_reaches_the_gke_metadata_server_for_its_tokens(gcp_prod):
    network = gcp_prod.resolved["identity"].network
    assert [(n.ports, tuple(n.cidrs)) for n in network] == [((80,), ("169.254.169.254/32",)), ((988,), ("169.254.169.252/32",))]
    assert gcp_prod.services.vault_seal.identity.network == network
