"""The bootstrap script (components/vault/jobs/bootstrap.py) against a real OpenBao server.

The server is started fresh for each test in server mode, with file storage and a Shamir seal,
so initialisation really happens; the script runs as the Job runs it (a separate Python process
with a plan file and a credentials directory), here with the program's own Python, which has
the client libraries the Rasa Pro image ships (hvac, psycopg2, confluent-kafka).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import hvac
import pytest

from components.contracts import (
    KafkaConnection, ModelStorageConnection, PlatformConnections, PostgresConnection, RedisConnection, VaultConnection,
    WorkloadIdentity,
)
from components.rasa import endpoints as endpoints_module
from components.rasa import vault_delivery
from components.rasa.endpoints import VAULT_KEY_SQL_PASSWORD, VAULT_KEY_SQL_USERNAME
from components.rasa.vault_delivery import VaultDelivery
from components.vault.bootstrap_plan import BOOTSTRAP_SCRIPT
from tests.support import variants, vault_agent
from tests.support.kafka import kafka_server
from tests.support.pod import render_pod
from tests.support.servers import FreshVaultServer, PostgresServer, ServerError, random_password
from tests.support.tls import TestCA

pytestmark = pytest.mark.integration

RASA_USER = "rasa_boot"  # the role the bootstrap creates (the server's own app role is another)


@dataclass
class Bootstrap:
    vault: FreshVaultServer
    workdir: Path
    plan: dict

    @property
    def credentials_dir(self) -> Path:
        return Path(self.plan["credentials_dir"])

    @property
    def key_dir(self) -> Path:
        return Path(self.plan["key_store"]["directory"])

    def set_credential(self, key: str, value: str) -> None:
        self.credentials_dir.mkdir(parents=True, exist_ok=True)
        (self.credentials_dir / key).write_text(value)

    def run(self) -> tuple[int, str, dict]:
        plan_file, report = self.workdir / "plan.json", self.workdir / "report.json"
        plan_file.write_text(json.dumps(self.plan))
        report.unlink(missing_ok=True)
        done = subprocess.run([sys.executable, str(BOOTSTRAP_SCRIPT), "--plan", str(plan_file), "--report", str(report)],
                              capture_output=True, text=True, timeout=180)
        return done.returncode, done.stdout + done.stderr, json.loads(report.read_text()) if report.exists() else {}

    def root(self) -> hvac.Client:
        return self.vault.client((self.key_dir / "root-token").read_text())


def make_bootstrap(vault: FreshVaultServer, tmp_path: Path, credentials: dict[str, str],
                   database_user: dict | None = None) -> Bootstrap:
    plan = {
        "address": vault.address,
        "ca_file": str(vault.ca_file),
        "initialise": True,
        "init": {"seal": "shamir", "shares": 3, "threshold": 2},
        "key_store": {"type": "file", "directory": str(tmp_path / "keys")},
        "audit": {"path": "file", "file_path": str(vault.audit_dir / "audit.log")},
        "kv_mount": "secret",
        "secrets_path": "rasa-secrets",
        # Nothing here reviews tokens: the config and role are written and read back, logins are
        # what a cluster shows.
        "kubernetes_auth": {"path": "kubernetes", "kubernetes_host": "https://kubernetes.default.svc",
                            "kubernetes_ca_cert": vault.ca_file.read_text()},
        "policy": {"name": "rasa"},
        "role": {"name": "rasa", "service_accounts": ["rasa-pro"], "namespaces": ["rasa"], "token_period": "24h"},
        "credentials_dir": str(tmp_path / "credentials"),
        "credentials": sorted(credentials),
        "database_user": database_user,
        "wait_seconds": 20,
        "timeout_seconds": 10,
    }
    boot = Bootstrap(vault, tmp_path, plan)
    for key, value in credentials.items():
        boot.set_credential(key, value)
    return boot


CREDENTIALS = {
    VAULT_KEY_SQL_USERNAME: "rasa",
    VAULT_KEY_SQL_PASSWORD: random_password("sql"),
    endpoints_module.SECRET_LICENSE: "license-" + random_password("lic"),
    endpoints_module.SECRET_LOCK_STORE_PASSWORD: random_password("redis"),
}


def test_first_run_initialises_and_configures_and_a_second_run_changes_nothing(fresh_vault, tmp_path):
    boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
    code, out, report = boot.run()
    assert code == 0, out
    assert report["initialise"] == "changed" and report["unseal"] == "changed"
    for step in ("audit", "kv", "kubernetes-auth", "policy", "role", "credentials"):
        assert report[step] == "changed", (step, out)
    assert report["database-user"] == report["kafka-topics"] == report["kafka-acls"] == "skipped"
    for step in report:
        assert f"bootstrap: {step}: {report[step]}: " in out  # each step says what it did

    root = boot.root()
    assert fresh_vault.client().sys.is_initialized() and not root.sys.is_sealed()
    assert len(json.loads((boot.key_dir / "keys").read_text())) == 3
    assert oct((boot.key_dir / "root-token").stat().st_mode & 0o777) == "0o600"
    stored = root.secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets", raise_on_deleted_version=True)
    assert stored["data"]["data"] == CREDENTIALS
    version = stored["data"]["metadata"]["version"]
    role = root.read("auth/kubernetes/role/rasa")["data"]
    assert role["bound_service_account_names"] == ["rasa-pro"] and role["bound_service_account_namespaces"] == ["rasa"]
    assert role["token_period"] == 24 * 3600 and role["token_policies"] == ["rasa"] and role["token_max_ttl"] == 0
    assert role["token_no_default_policy"] is True
    assert root.sys.list_enabled_audit_devices()["data"]["file/"]["options"]["file_path"].endswith("audit.log")
    assert (fresh_vault.audit_dir / "audit.log").stat().st_size > 0

    code, out, report = boot.run()
    assert code == 0, out
    assert set(report.values()) <= {"unchanged", "skipped"}, report
    assert root.secrets.kv.v2.read_secret_version(
        mount_point="secret", path="rasa-secrets", raise_on_deleted_version=True)["data"]["metadata"]["version"] == version

    # No secret value in what the Job logs.
    for value in [*CREDENTIALS.values(), (boot.key_dir / "root-token").read_text(),
                  *json.loads((boot.key_dir / "keys").read_text())]:
        if len(value) > 6:
            assert value not in out


def test_an_initialisation_whose_keys_never_reached_the_store_is_named_not_passed_over(fresh_vault, tmp_path):
    # As when sys/init's answer was lost on the way back: Vault is initialised, the store is empty.
    fresh_vault.client().sys.initialize(secret_shares=3, secret_threshold=2)
    boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
    code, out, report = boot.run()
    assert code != 0 and report["initialise"] == "failed"
    assert "bootstrap: FAILED at step initialise: Vault is initialised but " in out
    assert "holds no keys or root token: they were never stored" in out
    assert "unseal" not in report  # nothing after it ran


def test_a_token_of_the_rasa_policy_reads_its_secret_and_nothing_else(fresh_vault, tmp_path):
    boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
    code, out, _ = boot.run()
    assert code == 0, out
    root = boot.root()
    root.secrets.kv.v2.create_or_update_secret(mount_point="secret", path="other-app", secret={"k": "v"})
    # What the Kubernetes role issues: a periodic token with the Rasa policy only.
    token = root.auth.token.create(policies=["rasa"], period="24h", no_default_policy=True)["auth"]["client_token"]
    rasa = fresh_vault.client(token)

    data = rasa.secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets", raise_on_deleted_version=True)
    assert data["data"]["data"][VAULT_KEY_SQL_PASSWORD] == CREDENTIALS[VAULT_KEY_SQL_PASSWORD]
    refused = [
        lambda: rasa.secrets.kv.v2.read_secret_version(mount_point="secret", path="other-app", raise_on_deleted_version=True),
        lambda: rasa.secrets.kv.v2.create_or_update_secret(mount_point="secret", path="rasa-secrets", secret={"x": "y"}),
        lambda: rasa.secrets.kv.v2.list_secrets(mount_point="secret", path=""),
        lambda: rasa.secrets.kv.v2.read_secret_metadata(mount_point="secret", path="rasa-secrets"),
        lambda: rasa.sys.read_policy("rasa"),
        lambda: rasa.read("auth/kubernetes/role/rasa"),
        lambda: rasa.auth.token.create(policies=["rasa"]),
    ]
    for attempt in refused:
        with pytest.raises(hvac.exceptions.Forbidden):
            attempt()
    # Rasa renews its periodic token itself.
    assert rasa.auth.token.renew_self()["auth"]["renewable"] is True


def test_the_action_servers_role_reads_only_its_own_secret_and_rasas_cannot_read_it(fresh_vault, tmp_path):
    actions = {"actions-env.CRM_API_KEY": "crm-" + random_password("crm")}
    boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
    boot.plan["workloads"] = [{
        "policy": "rasa-action-server", "secrets_path": "rasa-secrets-actions", "credentials": sorted(actions),
        "role": {"name": "rasa-action-server", "service_accounts": ["rasa-action-server"], "namespaces": ["rasa"],
                 "token_period": "24h"},
    }]
    for key, value in actions.items():
        boot.set_credential(key, value)
    code, out, _ = boot.run()
    assert code == 0, out
    assert "wrote policy rasa-action-server" in out and "secret/rasa-secrets-actions: wrote actions-env.CRM_API_KEY" in out
    root = boot.root()
    role = root.read("auth/kubernetes/role/rasa-action-server")["data"]
    assert role["bound_service_account_names"] == ["rasa-action-server"] and role["token_policies"] == ["rasa-action-server"]
    # Rasa's secret holds none of the action server's keys, and the other way round.
    rasa_data = root.secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets",
                                                       raise_on_deleted_version=True)["data"]["data"]
    assert not set(actions) & set(rasa_data)
    token = root.auth.token.create(policies=["rasa-action-server"], no_default_policy=True)["auth"]["client_token"]
    action_server = fresh_vault.client(token)
    data = action_server.secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets-actions",
                                                           raise_on_deleted_version=True)["data"]["data"]
    assert data == actions
    with pytest.raises(hvac.exceptions.Forbidden):
        action_server.secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets", raise_on_deleted_version=True)
    with pytest.raises(hvac.exceptions.Forbidden):
        action_server.auth.token.renew_self()  # it never talks to Vault after its Agent's one login
    rasa_token = root.auth.token.create(policies=["rasa"], no_default_policy=True)["auth"]["client_token"]
    with pytest.raises(hvac.exceptions.Forbidden):
        fresh_vault.client(rasa_token).secrets.kv.v2.read_secret_version(
            mount_point="secret", path="rasa-secrets-actions", raise_on_deleted_version=True)
    # Idempotent: a second run changes nothing for either workload.
    code, out, report = boot.run()
    assert code == 0 and report["policy"] == report["role"] == report["credentials"] == "unchanged", out


def database_user_plan(postgres: PostgresServer, database: str | None = None) -> dict:
    return {
        "host": "localhost", "port": postgres.port, "database": database or postgres.database,
        "sslmode": "verify-full", "sslrootcert": str(postgres.ca_file),
        "admin_username_key": "database_admin_username", "admin_password_key": "database_admin_password",
        "username_key": VAULT_KEY_SQL_USERNAME, "password_key": VAULT_KEY_SQL_PASSWORD,
    }


def test_a_failed_step_is_named_and_a_rerun_completes(fresh_vault, postgres, tmp_path):
    credentials = {VAULT_KEY_SQL_USERNAME: RASA_USER, VAULT_KEY_SQL_PASSWORD: random_password("sql")}
    boot = make_bootstrap(fresh_vault, tmp_path, credentials, database_user_plan(postgres))
    boot.plan["credentials"] = sorted(credentials)  # the admin's own login is not Rasa's: not in Vault
    boot.set_credential("database_admin_username", postgres.admin_username)
    boot.set_credential("database_admin_password", "not-the-admin-password")

    code, out, report = boot.run()
    assert code == 1
    assert "bootstrap: FAILED at step database-user: cannot log in as the database administrator" in out
    assert report["database-user"] == "failed" and report["credentials"] == "changed"
    assert "kafka-topics" not in report  # nothing after the failed step ran
    assert "not-the-admin-password" not in out

    boot.set_credential("database_admin_password", postgres.admin_password)
    code, out, report = boot.run()
    assert code == 0, out
    assert report["initialise"] == "unchanged" and report["credentials"] == "unchanged"
    assert report["database-user"] == "changed" and f"created role {RASA_USER}" in out
    with contextlib.closing(_connect_as(postgres, RASA_USER, credentials[VAULT_KEY_SQL_PASSWORD])):
        pass


def test_rotation_a_new_password_reaches_vault_and_the_database(fresh_vault, postgres, tmp_path):
    """Rotation as the README describes it: Pulumi generates a new password (here: a new value of
    the same credential file), the bootstrap writes it to Vault and to the database role."""
    user = RASA_USER + "_rot"
    credentials = {VAULT_KEY_SQL_USERNAME: user, VAULT_KEY_SQL_PASSWORD: random_password("old")}
    boot = make_bootstrap(fresh_vault, tmp_path, credentials, database_user_plan(postgres))
    boot.plan["credentials"] = sorted(credentials)
    boot.set_credential("database_admin_username", postgres.admin_username)
    boot.set_credential("database_admin_password", postgres.admin_password)
    assert boot.run()[0] == 0

    new = random_password("new")
    boot.set_credential(VAULT_KEY_SQL_PASSWORD, new)
    code, out, report = boot.run()
    assert code == 0, out
    assert report["credentials"] == "changed" and f"wrote {VAULT_KEY_SQL_PASSWORD}" in out
    assert report["database-user"] == "changed" and f"set the password of {user}" in out
    stored = boot.root().secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets",
                                                           raise_on_deleted_version=True)["data"]["data"]
    assert stored[VAULT_KEY_SQL_PASSWORD] == new
    with contextlib.closing(_connect_as(postgres, user, new)):
        pass
    with pytest.raises(Exception):
        _connect_as(postgres, user, credentials[VAULT_KEY_SQL_PASSWORD])


def test_an_external_vault_is_configured_with_the_admin_token_and_never_initialised(vault, tmp_path):
    """`vault.mode: external`: the dev-mode server of the other tests stands in for HCP Vault."""
    ext = FreshVaultServer(address=vault.address, ca_file=vault.ca_file, storage_dir=tmp_path, audit_dir=tmp_path)
    boot = make_bootstrap(ext, tmp_path, CREDENTIALS)
    boot.plan.update(initialise=False, key_store=None, audit=None, admin_token_key="vault_admin_token",
                     secrets_path="rasa-secrets-external", kv_mount="secret")
    boot.plan["policy"]["name"] = "rasa-external"
    boot.plan["role"]["name"] = "rasa-external"
    boot.set_credential("vault_admin_token", vault.root_token)
    code, out, report = boot.run()
    assert code == 0, out
    assert report["key-store"] == report["initialise"] == report["unseal"] == "skipped"
    assert report["kv"] == "unchanged" and report["credentials"] == "changed"
    assert vault.root_token not in out


def _connect_as(postgres: PostgresServer, user: str, password: str):
    import psycopg2

    return psycopg2.connect(host="localhost", port=postgres.port, dbname=postgres.database, user=user, password=password,
                            sslmode="verify-full", sslrootcert=str(postgres.ca_file), connect_timeout=5)


def test_rasa_resolves_the_credentials_the_bootstrap_wrote_and_a_tracker_round_trips(
        fresh_vault, postgres, rasa, test_ca, tmp_path):
    """Rasa Pro's own Vault secrets manager, in its own virtualenv, against what the bootstrap
    wrote: the role it created in PostgreSQL, read through a token of the Rasa policy."""
    user, password, database = RASA_USER + "_rasa", random_password("sql"), "rasa_bootstrapped"
    # A database of its own: the other tests' Rasa tables in `rasa` belong to another role.
    with contextlib.closing(postgres.connect(admin=True)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {database}")
            cur.execute(f"CREATE DATABASE {database}")
    credentials = {VAULT_KEY_SQL_USERNAME: user, VAULT_KEY_SQL_PASSWORD: password}
    boot = make_bootstrap(fresh_vault, tmp_path, credentials, database_user_plan(postgres, database))
    boot.plan["credentials"] = sorted(credentials)
    boot.set_credential("database_admin_username", postgres.admin_username)
    boot.set_credential("database_admin_password", postgres.admin_password)
    code, out, _ = boot.run()
    assert code == 0, out
    token = boot.root().auth.token.create(policies=["rasa"], period="24h", no_default_policy=True)["auth"]["client_token"]

    net = variants.net(1)
    connections = PlatformConnections(
        tracker_store=PostgresConnection(
            host="localhost", port=postgres.port, database=database, username=user,
            max_connections=postgres.max_connections, origin="existing", network=net,
            password=password, ca_cert_pem=test_ca.cert_pem, ssl_mode="verify-full",
        ),
        lock_store=RedisConnection(host="localhost", port=6379, origin="existing", network=net),
        event_queue=KafkaConnection(bootstrap_servers=["localhost:9093"], topic="rasa-events", origin="existing",
                                    network=net, security_protocol="SSL", sasl_mechanism=None),
        model_storage=ModelStorageConnection(provider="aws", bucket="b", model_key="m", origin="existing"),
        vault=VaultConnection(address=fresh_vault.address, origin="managed", network=net,
                              ca_cert_pem=test_ca.cert_pem),
        identity=WorkloadIdentity(),
    )
    pod = render_pod(connections, variants.options(postgres.max_connections, 1), tmp_path / "pod", token)
    report = rasa.run(["tracker-store"], pod.env, endpoints=pod.endpoints_file)["tracker-store"]
    assert "error" not in report, report.get("traceback")
    assert report["secrets_managers"] == "vault"
    assert report["events_equal"], (report["events_saved"], report["events_restored"])
    assert (report["session"]["user"], report["session"]["database"]) == (user, database)  # from Vault
    assert password not in pod.rendered_text()


def test_the_agent_renders_the_env_file_rasa_sources(fresh_vault, tmp_path):
    """The Agent template and the entrypoint of components/rasa/vault_delivery.py, run for real:
    OpenBao's own Agent renders `rasa-env` and the token sink from the secret the bootstrap wrote,
    and the wrapped command sees exactly the values, shell metacharacters and quotes included."""
    awkward = "it's $HOME `id` \\ \"quoted\" ; exit 1"
    credentials = {**CREDENTIALS, endpoints_module.SECRET_AUTH_TOKEN: awkward}
    boot = make_bootstrap(fresh_vault, tmp_path, credentials)
    code, out, _ = boot.run()
    assert code == 0, out
    token = boot.root().auth.token.create(policies=["rasa"], period="24h", no_default_policy=True)["auth"]["client_token"]

    delivery = VaultDelivery(role="rasa", auth_path="auth/kubernetes", mount_point="secret",
                             secrets_path="rasa-secrets", user_id=os.getuid())
    secret_env = {"AUTH_TOKEN": endpoints_module.SECRET_AUTH_TOKEN, "RASA_LICENSE": endpoints_module.SECRET_LICENSE,
                  "LOCK_STORE_PASSWORD": endpoints_module.SECRET_LOCK_STORE_PASSWORD, "VAULT_TOKEN": "vault-token"}
    secrets_dir = tmp_path / "vault-secrets"
    vault_agent.render_once(fresh_vault, tmp_path, token, vault_delivery.env_template(delivery, secret_env),
                            secrets_dir / vault_delivery.ENV_FILE)

    script = "import json, os; print(json.dumps({k: os.environ.get(k) for k in %r}))" % sorted(secret_env)
    argv = vault_delivery.wrap_command([sys.executable, "-c", script], secrets_dir=str(secrets_dir))
    seen = json.loads(subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True, env={"PATH": "/usr/bin:/bin"}).stdout)
    assert seen == {
        "AUTH_TOKEN": awkward,
        "RASA_LICENSE": CREDENTIALS[endpoints_module.SECRET_LICENSE],
        "LOCK_STORE_PASSWORD": CREDENTIALS[endpoints_module.SECRET_LOCK_STORE_PASSWORD],
        "VAULT_TOKEN": token,  # the Agent's token, which Rasa's own secrets manager then uses
    }
    assert oct((secrets_dir / vault_delivery.ENV_FILE).stat().st_mode & 0o777) == "0o400"


@pytest.fixture
def kafka(test_ca: TestCA):
    try:
        with kafka_server(test_ca) as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


def test_kafka_topics_are_created_with_the_planned_partitions_once(fresh_vault, kafka, tmp_path):
    """A real Kafka-protocol broker (Tansu behind verified TLS, tests/support/kafka.py)."""
    from confluent_kafka.admin import AdminClient

    topic = "rasa-core-events-bootstrap"
    boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
    boot.plan["kafka"] = {"bootstrap_servers": [kafka.bootstrap], "security_protocol": "SSL", "ca_file": str(kafka.ca_file),
                          "topics": [{"name": topic, "partitions": 3, "replication_factor": 1}]}
    code, out, report = boot.run()
    assert code == 0, out
    assert report["kafka-topics"] == "changed" and f"created {topic} (3 partitions × 1)" in out
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap, "security.protocol": "SSL", "ssl.ca.location": str(kafka.ca_file)})
    assert len(admin.list_topics(timeout=10).topics[topic].partitions) == 3
    code, out, report = boot.run()
    assert code == 0, out
    assert report["kafka-topics"] == "unchanged"


class FakeSecretsApi:
    """The one Kubernetes API call pattern the bootstrap makes for `vault-init`: GET and a merge
    PATCH of one Secret, with the service account's bearer token, over TLS."""

    def __init__(self, ca: TestCA, workdir: Path, namespace: str, name: str, token: str) -> None:
        import http.server
        import ssl
        import threading

        self.path = f"/api/v1/namespaces/{namespace}/secrets/{name}"
        self.data: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, code: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _allowed(self) -> bool:
                api.requests.append((self.command, self.path))
                if self.headers.get("Authorization") != f"Bearer {token}":
                    self._answer(401, {"reason": "Unauthorized"})
                    return False
                if self.path != api.path:
                    self._answer(403, {"reason": "Forbidden"})  # the Role names this one Secret
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                if self._allowed():
                    self._answer(200, {"data": dict(api.data)})

            def do_PATCH(self) -> None:  # noqa: N802
                if not self._allowed():
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for key, value in (body.get("stringData") or {}).items():
                    api.data[key] = base64.b64encode(value.encode()).decode()
                self._answer(200, {"data": dict(api.data)})

        cert, key = ca.issue_server_cert().write(workdir, "api")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_in_the_cluster_the_keys_go_to_the_init_secret_through_the_api(fresh_vault, test_ca, tmp_path):
    """The key store the Job uses (`vault-init` through the Kubernetes API with its projected
    token), against a stand-in API server: the keys land there, and a second run reads them back."""
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("projected-token")
    (account / "ca.crt").write_text(test_ca.cert_pem)
    api = FakeSecretsApi(test_ca, tmp_path, "vault", "vault-init", "projected-token")
    try:
        boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
        boot.plan["key_store"] = {"type": "kubernetes", "namespace": "vault", "secret": "vault-init", "api": api.url,
                                  "account_dir": str(account)}
        code, out, report = boot.run()
        assert code == 0, out
        assert "keys and root token in Secret vault/vault-init" in out
        stored = {k: base64.b64decode(v).decode() for k, v in api.data.items()}
        assert set(stored) == {"root-token", "keys"} and len(json.loads(stored["keys"])) == 3
        assert fresh_vault.client(stored["root-token"]).auth.token.lookup_self()["data"]["policies"] == ["root"]
        assert {method for method, _ in api.requests} == {"GET", "PATCH"}
        code, out, report = boot.run()  # authenticates with the root token read back from the API
        assert code == 0 and report["initialise"] == "unchanged", out
        # A token the API refuses stops the Job before Vault is touched.
        (account / "token").write_text("stale-token")
        code, out, report = boot.run()
        assert code == 1 and "bootstrap: FAILED at step key-store: PATCH Secret vault/vault-init: HTTP 401" in out
    finally:
        api.close()


def fake_service_account_jwt(namespace: str, account: str) -> str:
    """A JWT shaped like a projected service-account token (the stand-in API reviews it)."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {"iss": "kubernetes/serviceaccount", "sub": f"system:serviceaccount:{namespace}:{account}",
              "kubernetes.io/serviceaccount/namespace": namespace,
              "kubernetes.io/serviceaccount/service-account.name": account,
              "kubernetes.io/serviceaccount/service-account.uid": hashlib.sha256(account.encode()).hexdigest()[:32]}
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.{part({'sig': 'stand-in'})}"


class FakeTokenReviewApi(FakeSecretsApi):
    """TokenReview as the API server answers it: the reviewed token's service account."""

    def __init__(self, ca: TestCA, workdir: Path) -> None:
        super().__init__(ca, workdir, "-", "-", "-")
        handler = self.server.RequestHandlerClass

        def do_POST(h) -> None:  # noqa: N802
            body = json.loads(h.rfile.read(int(h.headers["Content-Length"])))
            token = body["spec"]["token"]
            claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
            self.requests.append(("POST", h.path))
            h._answer(201, {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "status": {
                "authenticated": True,
                "user": {"username": claims["sub"], "uid": claims["kubernetes.io/serviceaccount/service-account.uid"],
                         "groups": ["system:serviceaccounts"]}}})

        handler.do_POST = do_POST


def test_rasas_service_account_logs_in_with_kubernetes_auth_and_reads_only_its_secret(fresh_vault, test_ca, tmp_path):
    """The role the bootstrap writes, used as the Agent uses it: Vault reviews the pod's token at the
    (stand-in) API server, binds it to Rasa's account and namespace, and issues a periodic token of
    the Rasa policy. Another account of the same namespace is refused."""
    api = FakeTokenReviewApi(test_ca, tmp_path)
    try:
        boot = make_bootstrap(fresh_vault, tmp_path, CREDENTIALS)
        boot.plan["kubernetes_auth"] = {"path": "kubernetes", "kubernetes_host": api.url,
                                        "kubernetes_ca_cert": test_ca.cert_pem, "use_client_token_for_review": True}
        code, out, _ = boot.run()
        assert code == 0, out
        client = fresh_vault.client()
        login = client.auth.kubernetes.login(role="rasa", jwt=fake_service_account_jwt("rasa", "rasa-pro"))["auth"]
        assert login["policies"] == ["rasa"] and login["renewable"] is True
        assert login["lease_duration"] == 24 * 3600  # the period
        assert ("POST", "/apis/authentication.k8s.io/v1/tokenreviews") in api.requests
        rasa = fresh_vault.client(login["client_token"])
        data = rasa.secrets.kv.v2.read_secret_version(mount_point="secret", path="rasa-secrets", raise_on_deleted_version=True)
        assert data["data"]["data"] == CREDENTIALS
        with pytest.raises(hvac.exceptions.Forbidden):
            rasa.secrets.kv.v2.create_or_update_secret(mount_point="secret", path="rasa-secrets", secret={"x": "y"})
        for namespace, account in (("rasa", "other"), ("default", "rasa-pro")):
            with pytest.raises((hvac.exceptions.Forbidden, hvac.exceptions.InvalidRequest)):
                client.auth.kubernetes.login(role="rasa", jwt=fake_service_account_jwt(namespace, account))
    finally:
        api.close()
