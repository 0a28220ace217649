"""The endpoints.yml Rasa reads when everything comes from AWS: SCRAM/AUTH-token mode and IAM mode.

The connections are the ones `AWS.provision` returned (resolved under the mock engine), rendered by
the foundation's renderer exactly as infra/platform.py does (credentials redacted first).
"""

from __future__ import annotations

import pytest
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
    # the prod preset's HPA maximum plus the rolling-update surge: several processes share locks
    options = RenderOptions(
        budget=plan_budget(r["tracker_store"].max_connections, max_processes(6, 1, 1)),
        region=run.settings.region,
    )
    rendered = render_endpoints(redact(connections), options)
    return rendered, yaml.safe_load(rendered.endpoints_yml), r


def test_password_mode_renders_scram_kafka_auth_token_redis_and_vault_backed_postgres(prod_run):
    rendered, data, r = render(prod_run)
    broker = data["event_broker"]
    assert broker["security_protocol"] == "SASL_SSL" and broker["sasl_mechanism"] == "SCRAM-SHA-512"
    assert broker["ssl_check_hostname"] is True and broker["sasl_username"] == "rasa"
    assert broker["sasl_password"] == "${KAFKA_SASL_PASSWORD}"
    assert broker["url"].count(":9096") == 3 and broker["topic"] == "rasa-core-events"
    lock = data["lock_store"]
    assert lock["type"] == "concurrent_redis" and lock["host"] == r["lock_store"].host
    assert lock["use_ssl"] is True and lock["username"] == "default" and lock["password"] == "${LOCK_STORE_PASSWORD}"
    assert "ssl_ca_certs" not in lock  # ElastiCache chains to public roots
    tracker = data["tracker_store"]
    assert tracker["dialect"] == "postgresql" and tracker["url"] == r["tracker_store"].host
    assert tracker["password"] == {"source": "secrets_manager.vault", "secret_key": "sql_store_password"}
    assert rendered.env["SQL_TRACKER_STORE_SSL_MODE"] == "verify-full"
    assert rendered.env["BUCKET_NAME"] == r["model_storage"].bucket and rendered.env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert rendered.args[rendered.args.index("--remote-storage") + 1] == "aws"
    assert "IAM_CLOUD_PROVIDER" not in rendered.env
    for credential in (r["tracker_store"].password, r["lock_store"].password, r["event_queue"].password):
        assert credential and credential not in rendered.endpoints_yml and credential not in str(rendered.env)


def test_iam_mode_renders_oauthbearer_and_iam_switches_with_no_passwords(iam_run):
    rendered, data, r = render(iam_run)
    broker = data["event_broker"]
    assert broker["security_protocol"] == "SASL_SSL" and broker["sasl_mechanism"] == "OAUTHBEARER"
    assert "sasl_password" not in broker and "sasl_username" not in broker
    assert broker["url"].count(":9098") == 3
    assert "password" not in data["lock_store"]
    assert data["lock_store"]["username"] == "rasa-aws-test-lock-rasa"
    assert data["tracker_store"]["username"] == "rasa" and "password" not in data["tracker_store"]
    env = rendered.env
    assert env["IAM_CLOUD_PROVIDER"] == "aws" and env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert env["RDS_SQL_DB_AWS_IAM_ENABLED"] == "true"
    assert env["ELASTICACHE_REDIS_AWS_IAM_ENABLED"] == "true"
    assert env["AWS_ELASTICACHE_CLUSTER_NAME"] == "rasa-aws-test-lock"
    assert env["KAFKA_MSK_AWS_IAM_ENABLED"] == "true"
    assert not {"LOCK_STORE_PASSWORD", "KAFKA_SASL_PASSWORD"} & set(rendered.secret_env)


@pytest.mark.parametrize("run_name", ["prod_run", "iam_run"])
def test_rasa_egress_reaches_the_data_subnets_on_each_service_port(run_name, request):
    r = request.getfixturevalue(run_name).resolved
    for name in ("tracker_store", "lock_store", "event_queue"):
        assert r[name].network.cidrs == ["10.40.192.0/22", "10.40.196.0/22", "10.40.200.0/22"], name
    ports = {name: r[name].network.ports for name in ("tracker_store", "lock_store", "event_queue")}
    assert ports["tracker_store"] == (5432,) and ports["lock_store"] == (6379,)
    assert ports["event_queue"] == ((9098,) if run_name == "iam_run" else (9096,))
