"""The endpoints.yml Rasa reads when everything comes from Azure: Event Hubs over SASL PLAIN with
`$ConnectionString`, Managed Redis on 10000 with TLS, Flexible Server with verify-full, Blob
Storage with the account key as a secret environment variable.

The connections are the ones `AZURE.provision` returned (resolved under the mock engine), rendered
by the foundation's renderer exactly as infra/platform.py does (credentials redacted first).
"""

from __future__ import annotations

import yaml

from components.contracts import NetworkAccess, PlatformConnections, VaultConnection, redact
from components.rasa.budget import max_processes, plan_budget
from components.rasa.endpoints import RenderOptions, render_endpoints

VAULT = VaultConnection(address="https://vault.example.com:8200", origin="existing", network=NetworkAccess(ports=(8200,)))


def render(run):
    r = run.resolved
    connections = PlatformConnections(
        tracker_store=r["tracker_store"], lock_store=r["lock_store"], event_queue=r["event_queue"],
        model_storage=r["model_storage"], vault=VAULT, identity=r["identity"],
    )
    options = RenderOptions(budget=plan_budget(r["tracker_store"].max_connections, max_processes(6, 1, 1)),
                            region=run.settings.region)
    rendered = render_endpoints(redact(connections), options)
    return rendered, yaml.safe_load(rendered.endpoints_yml), r


def test_event_hubs_kafka_is_sasl_plain_with_the_connection_string(azure_prod):
    rendered, data, r = render(azure_prod)
    broker = data["event_broker"]
    assert broker["type"] == "kafka" and broker["security_protocol"] == "SASL_SSL" and broker["sasl_mechanism"] == "PLAIN"
    assert broker["sasl_username"] == "$ConnectionString"  # a literal, never interpolated
    assert broker["sasl_password"] == "${KAFKA_SASL_PASSWORD}" and broker["ssl_check_hostname"] is True
    assert broker["url"] == r["event_queue"].bootstrap_servers[0] and broker["url"].endswith(".servicebus.windows.net:9093")
    assert broker["topic"] == "rasa-core-events" and broker["partition_by_sender"] is True
    assert "$ConnectionString" in rendered.endpoints_yml and "${ConnectionString}" not in rendered.endpoints_yml


def test_managed_redis_lock_store_uses_tls_the_default_user_and_database_0(azure_prod):
    _, data, r = render(azure_prod)
    lock = data["lock_store"]
    assert lock["type"] == "concurrent_redis" and lock["host"] == r["lock_store"].host and lock["port"] == 10000
    assert lock["use_ssl"] is True and lock["username"] == "default" and lock["password"] == "${LOCK_STORE_PASSWORD}"
    assert lock["db"] == 0 and "ssl_ca_certs" not in lock  # public roots


def test_tracker_store_and_blob_storage(azure_prod):
    rendered, data, r = render(azure_prod)
    tracker = data["tracker_store"]
    assert tracker["dialect"] == "postgresql" and tracker["url"].endswith(".postgres.database.azure.com")
    assert tracker["password"] == {"source": "secrets_manager.vault", "secret_key": "sql_store_password"}
    assert rendered.env["SQL_TRACKER_STORE_SSL_MODE"] == "verify-full"
    assert rendered.args[rendered.args.index("--remote-storage") + 1] == "azure"
    assert rendered.env["AZURE_CONTAINER"] == "models" and rendered.env["AZURE_ACCOUNT_NAME"] == r["model_storage"].account_name
    assert "AZURE_ACCOUNT_KEY" in rendered.secret_env and "AZURE_ACCOUNT_KEY" not in rendered.env
    for credential in (r["tracker_store"].password, r["lock_store"].password, r["event_queue"].password, r["model_storage"].account_key):
        assert credential and credential not in rendered.endpoints_yml and credential not in str(rendered.env)


def test_rasa_egress_reaches_the_endpoint_and_postgres_subnets_on_each_service_port(azure_prod):
    r = azure_prod.resolved
    assert r["tracker_store"].network.cidrs == ["10.40.64.0/18", "10.40.128.0/27"]
    ports = {name: r[name].network.ports for name in ("tracker_store", "lock_store", "event_queue", "model_storage")}
    assert ports == {"tracker_store": (5432,), "lock_store": (10000,), "event_queue": (9093,), "model_storage": (443,)}
