"""The endpoints.yml Rasa reads on GCP (CA path, SASL PLAIN), and the plan step's refusals: one line
naming key, value and what is allowed, nothing registered."""

from __future__ import annotations

import pytest
import yaml

from components.contracts import NetworkAccess, PlatformConnections, VaultConnection, redact
from components.rasa.budget import max_processes, plan_budget
from components.rasa.endpoints import CA_DIR, RenderOptions, render_endpoints
from infra.settings import ConfigError
from tests.gcp.harness import plan_for

VAULT = VaultConnection(address="https://vault.example.com:8200", origin="existing", network=NetworkAccess(ports=(8200,)))


def render(run):
    r = run.resolved
    connections = PlatformConnections(
        tracker_store=r["tracker_store"], lock_store=r["lock_store"], event_queue=r["event_queue"],
        model_storage=r["model_storage"], vault=VAULT, identity=r["identity"],
    )
    options = RenderOptions(budget=plan_budget(r["tracker_store"].max_connections, max_processes(6, 1, 1)), region=run.settings.region)
    rendered = render_endpoints(redact(connections), options)
    return rendered, yaml.safe_load(rendered.endpoints_yml)


def test_endpoints_trust_memorystores_ca_and_cloud_sqls_ca_and_use_sasl_plain(gcp_prod):
    rendered, data = render(gcp_prod)
    lock = data["lock_store"]
    assert lock["type"] == "concurrent_redis" and lock["use_ssl"] is True and lock["port"] == 6378
    assert lock["ssl_ca_certs"] == f"{CA_DIR}/lock-store-ca.pem" and lock["username"] == "default"
    assert lock["password"] == "${LOCK_STORE_PASSWORD}"
    assert "-----BEGIN CERTIFICATE-----" in rendered.ca_files["lock-store-ca.pem"]
    assert rendered.env["SQL_TRACKER_STORE_SSL_MODE"] == "verify-ca"
    assert rendered.env["SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE"] == f"{CA_DIR}/tracker-store-ca.pem"
    broker = data["event_broker"]
    assert broker["security_protocol"] == "SASL_SSL" and broker["sasl_mechanism"] == "PLAIN"
    assert broker["ssl_check_hostname"] is True and broker["sasl_password"] == "${KAFKA_SASL_PASSWORD}"
    assert broker["sasl_username"].endswith(".iam.gserviceaccount.com")
    assert "ssl_cafile" not in broker  # Google's public roots
    assert "mock-auth" not in rendered.endpoints_yml and "service_account" not in rendered.endpoints_yml


def test_confluent_endpoints_use_the_api_key_as_user(gcp_confluent):
    _, data = render(gcp_confluent)
    broker = data["event_broker"]
    assert broker["sasl_mechanism"] == "PLAIN" and broker["url"].endswith(".gcp.confluent.cloud:9092")
    assert broker["sasl_username"] == gcp_confluent.resolved["event_queue"].username


def lines(**sections):
    with pytest.raises(ConfigError) as caught:
        plan_for(**sections)
    return caught.value.lines


@pytest.mark.parametrize("sections, expected", [
    ({"gcp": {"project": None}}, "config error: rasa-platform:gcp.project = (not set): is required"),
    ({"network": {"cidr": "10.40.0.0/20"}}, "rasa-platform:network.cidr = 10.40.0.0/20: must be a /16 on GCP"),
    ({"trackerStore": {"sslMode": "verify-full"}}, "rasa-platform:trackerStore.sslMode = verify-full: Cloud SQL's per-instance CA"),
    ({"gcp": {"trackerStore": {"tier": "db-custom-3-7680"}}}, "rasa-platform:gcp.trackerStore.tier = db-custom-3-7680: a Cloud SQL tier"),
    ({"lockStore": {"engineVersion": "7.1"}}, "rasa-platform:lockStore.engineVersion = 7.1: Memorystore for Redis versions allowed: 7.2, 7.0"),
    ({"eventQueue": {"saslMechanism": "SCRAM-SHA-512"}}, "rasa-platform:eventQueue.saslMechanism = SCRAM-SHA-512: Managed Kafka"),
    ({"gcp": {"eventQueue": {"memoryGb": 50}}}, "rasa-platform:gcp.eventQueue.memoryGb = 50: Managed Kafka needs 1 to 8 GiB per vCPU"),
    ({"gcp": {"cluster": {"zone": "europe-west3-a"}}}, "rasa-platform:gcp.cluster.zone = europe-west3-a: prod clusters are regional"),
    ({"gcp": {"nodePool": {"machineType": "m6i.large"}}}, "rasa-platform:gcp.nodePool.machineType = m6i.large: a machine type"),
    ({"eventQueue": {"provider": "msk"}}, "rasa-platform:eventQueue.provider = msk: on gcp allowed: managed-kafka, confluent"),
    ({"eventQueue": {"provider": "confluent", "confluent": {"clusterType": "basic"}}},
     "rasa-platform:eventQueue.confluent.availability = MULTI_ZONE: basic Confluent clusters are single-zone"),
])
def test_the_plan_refuses_with_one_line(sections, expected):
    found = lines(**sections)
    assert any(line.startswith(expected) or expected in line for line in found), found


def test_nodes_too_small_for_the_prod_pods_are_refused_before_anything_exists():
    found = lines(gcp={"nodePool": {"machineType": "e2-standard-4"}})
    assert any(line.startswith("config error: rasa-platform:gcp.nodePool.machineType = e2-standard-4: too small") for line in found), found


def test_max_connections_follow_the_tier_and_an_override_wins():
    assert plan_for("dev").cloud_plan.tracker_store_max_connections == 400  # db-custom-2-7680: 7.5 GiB
    assert plan_for("dev", trackerStore={"maxConnections": 250}).cloud_plan.tracker_store_max_connections == 250
