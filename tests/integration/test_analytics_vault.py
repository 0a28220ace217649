"""Rasa Pro Services' credentials through Vault, for real: the bootstrap script against a fresh
OpenBao server and real PostgreSQL with TLS creates the analytics database and roles (as a
CREATEDB/CREATEROLE admin that is not a superuser, like RDS' master user), writes its own secret
and grants its own role; OpenBao's Agent renders the pod's file from the template the program
puts on the pod; and the container's wrapped command opens the database with the URL from Vault.

The plan pieces come from the program's own functions (bootstrap_plan, render_environment,
database_url, env_template, wrap_command); only paths are pointed at this machine's files.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import hvac
import psycopg2
import pytest

from components.analytics.environment import (
    SECRET_DATABASE_URL, SECRET_KAFKA_PASSWORD, SECRET_LICENSE, AnalyticsDatabase, AnalyticsOptions, database_url,
    render_environment,
)
from components.contracts import KafkaConnection, NetworkAccess
from components.rasa import vault_delivery
from components.rasa.vault_delivery import VaultDelivery
from components.vault.bootstrap_plan import (
    ANALYTICS_ADMIN_PASSWORD_KEY, ANALYTICS_ADMIN_USERNAME_KEY, ANALYTICS_DATABASE_SCRIPT, ANALYTICS_PASSWORD_KEY,
    ANALYTICS_READ_ONLY_PASSWORD_KEY, AnalyticsDatabaseSetup, BootstrapInputs, WorkloadGrant, bootstrap_plan,
)
from tests.integration.test_vault_bootstrap import CREDENTIALS, make_bootstrap
from tests.support import vault_agent
from tests.support.servers import PostgresServer, random_password

pytestmark = pytest.mark.integration

ADMIN = "analytics_rds_admin"
ROLE, SECRETS_PATH = "rasa-pro-services", "rasa-secrets-analytics"


@pytest.fixture(scope="module")
def rds_admin(postgres: PostgresServer) -> str:
    return postgres.create_rds_like_admin(ADMIN)


def analytics_parts(postgres: PostgresServer, database: str, owner: str, reader: str) -> tuple[list[dict], dict]:
    """The plan's `workloads` and `analytics_database` as the program builds them."""
    plan = bootstrap_plan(BootstrapInputs(
        address="https://unused", has_ca=False, vault_namespace=None, in_cluster=True, namespace="vault",
        mount_point="secret", secrets_path="rasa-secrets", credential_keys=[], clients=[("rasa", "rasa-pro")],
        token_period_hours=24, kubernetes_host="https://kubernetes.default.svc",
        workloads=[WorkloadGrant(name=ROLE, namespace="rasa", service_account="rasa-pro-services",
                                 secrets_path=SECRETS_PATH,
                                 credential_keys=[SECRET_LICENSE, SECRET_KAFKA_PASSWORD, SECRET_DATABASE_URL])],
        analytics_database=AnalyticsDatabaseSetup(
            host="localhost", port=postgres.port, admin_database="postgres", ssl_mode="verify-full", has_ca=True,
            database=database, username=owner, read_only_username=reader),
    ))
    step = dict(plan["analytics_database"])
    # In the Job both files sit in the bootstrap ConfigMap's mount; here, the repository's.
    step.update(script=str(ANALYTICS_DATABASE_SCRIPT), sslrootcert=str(postgres.ca_file))
    return plan["workloads"], step


def consumer() -> KafkaConnection:
    return KafkaConnection(bootstrap_servers=["b-1.kafka.internal:9096"], topic="rasa-core-events",
                           security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", username="rasa-analytics",
                           password="[secret]", network=NetworkAccess(ports=(9096,)), origin="managed")


def test_the_bootstrap_creates_its_database_writes_its_secret_and_the_pod_opens_it_from_vault(
        fresh_vault, postgres: PostgresServer, rds_admin: str, tmp_path: Path) -> None:
    database, owner, reader = "rasa_analytics_vault", "rasa_analytics_vault", "rasa_analytics_vault_ro"
    owner_password, reader_password = random_password("owner"), random_password("reader")
    db = AnalyticsDatabase(host="localhost", port=postgres.port, name=database, username=owner, ssl_mode="verify-full")
    mine = {
        SECRET_LICENSE: "license-" + random_password("lic"),
        SECRET_KAFKA_PASSWORD: "it's a \"kafka\" $password",  # quotes and a dollar survive the shell
        SECRET_DATABASE_URL: database_url(db, owner_password, str(postgres.ca_file)),
    }
    boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
    boot.plan["workloads"], boot.plan["analytics_database"] = analytics_parts(postgres, database, owner, reader)
    for key, value in {**mine, ANALYTICS_ADMIN_USERNAME_KEY: ADMIN, ANALYTICS_ADMIN_PASSWORD_KEY: "not-the-password",
                       ANALYTICS_PASSWORD_KEY: owner_password, ANALYTICS_READ_ONLY_PASSWORD_KEY: reader_password}.items():
        boot.set_credential(key, value)

    # A wrong admin password: the step is named, nothing after it ran, no password printed; a re-run completes.
    code, out, report = boot.run()
    assert code == 1 and report["analytics-database"] == "failed", out
    assert "bootstrap: FAILED at step analytics-database: on localhost:" in out and "kafka-topics" not in report
    assert "not-the-password" not in out and owner_password not in out
    boot.set_credential(ANALYTICS_ADMIN_PASSWORD_KEY, rds_admin)
    code, out, report = boot.run()
    assert code == 0, out
    assert report["analytics-database"] == "changed" and f"database {database}: created, owned by {owner}" in out
    assert owner_password not in out and reader_password not in out
    code, out, report = boot.run()
    assert code == 0 and report["analytics-database"] == report["credentials"] == report["policy"] == "unchanged", out

    # Its own token reads its own secret only; Rasa's cannot read it.
    root = boot.root()
    token = root.auth.token.create(policies=[ROLE], no_default_policy=True)["auth"]["client_token"]
    services = fresh_vault.client(token)
    assert services.secrets.kv.v2.read_secret_version(
        mount_point="secret", path=SECRETS_PATH, raise_on_deleted_version=True)["data"]["data"] == mine
    with pytest.raises(hvac.exceptions.Forbidden):
        services.secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets", raise_on_deleted_version=True)
    rasa_token = root.auth.token.create(policies=["rasa"], no_default_policy=True)["auth"]["client_token"]
    with pytest.raises(hvac.exceptions.Forbidden):
        fresh_vault.client(rasa_token).secrets.kv.v2.read_secret_version(
            mount_point="secret", path=SECRETS_PATH, raise_on_deleted_version=True)

    # The Agent renders the pod's file from the program's template; the wrapped command sees the
    # values and opens the database with the URL, as Rasa Pro Services' migrations will.
    rendered = render_environment(consumer(), db, AnalyticsOptions("rasa-analytics-group", 1, "rasa-analytics-dlq", "INFO"))
    delivery = VaultDelivery(role=ROLE, auth_path="auth/kubernetes", mount_point="secret", secrets_path=SECRETS_PATH,
                             user_id=os.getuid())
    secrets_dir = tmp_path / "vault-secrets"
    # The harness's Agent logs in with a token file, which it first looks up; the injector's Agent
    # logs in with Kubernetes auth and gets its token from the login itself. So the harness token
    # has its role's policy plus lookup-self, nothing more.
    root.sys.create_or_update_policy("agent-harness-lookup", 'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n')
    agent_token = root.auth.token.create(policies=[ROLE, "agent-harness-lookup"], no_default_policy=True)["auth"]["client_token"]
    vault_agent.render_once(fresh_vault, tmp_path, agent_token, vault_delivery.env_template(delivery, rendered.secret_env),
                            secrets_dir / vault_delivery.ENV_FILE)
    probe = (
        "import json, os, psycopg2\n"
        "conn = psycopg2.connect(os.environ['RASA_ANALYTICS_DB_URL'])\n"
        "cur = conn.cursor()\n"
        "cur.execute('CREATE TABLE IF NOT EXISTS rasa_session (id serial PRIMARY KEY)')\n"
        "cur.execute('SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')\n"
        "conn.commit()\n"
        "print(json.dumps({'seen': {k: os.environ.get(k) for k in %r}, 'db': cur.fetchone()}))\n" % sorted(rendered.secret_env)
    )
    argv = vault_delivery.wrap_command([sys.executable, "-c", probe], secrets_dir=str(secrets_dir), token=False)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["seen"] == {"KAFKA_SASL_PASSWORD": mine[SECRET_KAFKA_PASSWORD], "RASA_ANALYTICS_DB_URL": mine[SECRET_DATABASE_URL],
                              "RASA_LICENSE": mine[SECRET_LICENSE], "RASA_PRO_LICENSE": mine[SECRET_LICENSE]}
    assert result["db"] == [owner, database, True]  # its own role, its own database, over verified TLS
    # The BI role the same step made reads the table its owner just created, and only reads.
    with contextlib.closing(psycopg2.connect(host="localhost", port=postgres.port, dbname=database, user=reader,
                                             password=reader_password, sslmode="verify-full",
                                             sslrootcert=str(postgres.ca_file))) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM rasa_session")
        with pytest.raises(psycopg2.Error):
            cur.execute("INSERT INTO rasa_session DEFAULT VALUES")
