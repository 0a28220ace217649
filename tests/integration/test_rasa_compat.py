"""The rendered endpoints.yml and environment, judged by Rasa Pro 3.21's own code.

Part A renders several deployment shapes and asks Rasa (scripts/rasa_check.py in Rasa's own
virtualenv) what it builds from them, without connecting anywhere: the endpoint loader with
`${VAR}` interpolation, the SQL engine settings, the lock store and Kafka producer objects,
the Vault config, the persistor's variables, the AWS IAM signers and the CLI parser.

Part B renders against real local servers with TLS (PostgreSQL, Redis, OpenBao) and lets Rasa
use them as `rasa run` would: Vault-resolved tracker credentials, a tracker saved and read back
over verified TLS, the pool the budget planned, a lock contended between two "pods".

Part C fetches a model the way `--remote-storage aws --model <key>` does, from an S3 emulator.

Expectations are stated from the connections and options given to the renderer, never copied
from its output, so a renderer that drifts from Rasa's behaviour fails here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any, Optional

import pytest

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
from components.rasa.budget import plan_budget
from components.rasa.endpoints import RASA_PORT
from tests.support import variants
from tests.support.pod import AUTH_TOKEN_VALUE, Pod, render_pod
from tests.support.rasa_env import RasaRunner
from tests.support.servers import PostgresServer, RedisServer, S3Server, VaultServer
from tests.support.tls import TestCA

pytestmark = pytest.mark.integration

DUMMY_AWS = {"AWS_ACCESS_KEY_ID": "AKIAINTEGRATIONTEST", "AWS_SECRET_ACCESS_KEY": "integration-test-secret"}


def fingerprint(value: str) -> str:
    """Same as scripts/rasa_check.py: how the report names a secret without showing it."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def walk_strings(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from walk_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk_strings(v)
    elif isinstance(value, str):
        yield value


# =============================================================================================
# Part A: deployment shapes, checked without connecting
# =============================================================================================

VARIANTS = {  # name -> builder taking the private CA's PEM
    "scram-ha": variants.scram_ha,
    "single-replica-public-ca": lambda ca: variants.single_replica_public_ca(),
    "aws-iam": variants.aws_iam,
    "azure": variants.azure,
}
LOCK_STORE_TYPES = {"ConcurrentRedisLockStore": "concurrent_redis", "RedisLockStore": "redis"}


@dataclasses.dataclass
class Checked:
    variant: variants.Variant
    pod: Pod
    report: dict


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def checked(request, test_ca: TestCA, rasa: RasaRunner, tmp_path_factory) -> Checked:
    variant = VARIANTS[request.param](test_ca.cert_pem)
    pod = render_pod(variant.connections, variant.options, tmp_path_factory.mktemp(variant.name), variant.vault_token)
    env = {**pod.env, **(DUMMY_AWS if variant.aws_credentials else {})}
    report = rasa.run(["load", "kafka-producer", "iam"], env, endpoints=pod.endpoints_file)
    assert report["load"].get("loaded"), f"Rasa's endpoint loader refused the file: {report['load']}"
    return Checked(variant, pod, report)


def test_every_section_loads_with_the_intended_type(checked: Checked) -> None:
    opts, eps = checked.variant.options, checked.report["load"]["endpoints"]
    assert eps["tracker_store"]["type"] == "sql"
    # several processes at once (replicas, a surge pod, workers) need Rasa's concurrent lock store
    assert eps["lock_store"]["type"] == LOCK_STORE_TYPES[checked.variant.lock_store_class]
    assert eps["event_broker"]["type"] == "kafka"
    assert eps["models"] is None  # the model comes from remote storage, not a model server
    assert (eps["action_endpoint"] or {}).get("url") == opts.action_endpoint_url
    assert (eps["nlg"] or {}).get("url") == opts.nlg_url


def test_env_placeholders_are_interpolated_by_rasa(checked: Checked) -> None:
    """`${VAR}` must reach Rasa as the variable's value: quoted or misspelt, it stays literal."""
    load, conns = checked.report["load"], checked.variant.connections
    leftovers = [s for s in walk_strings(load["endpoints"]) if "${" in s]
    assert not leftovers, f"uninterpolated placeholders: {leftovers}"

    lock_kwargs = load["endpoints"]["lock_store"]["kwargs"]
    if conns.lock_store.password:
        assert lock_kwargs["password"] == fingerprint(conns.lock_store.password)
        assert load["lock_store"]["connection"]["password"] == fingerprint(conns.lock_store.password)
    else:  # IAM auth: no password may reach Rasa at all
        assert lock_kwargs.get("password") is None and load["lock_store"]["connection"]["password"] is None
    broker = load["endpoints"]["event_broker"]["kwargs"]
    if conns.event_queue.password:
        assert broker["sasl_password"] == fingerprint(conns.event_queue.password)
        assert load["event_broker"]["kafka_config"]["sasl.password"] == fingerprint(conns.event_queue.password)
    else:
        assert broker.get("sasl_password") is None and "sasl.password" not in load["event_broker"]["kafka_config"]


def test_tracker_store_reaches_postgres_as_planned(checked: Checked) -> None:
    load, pg, opts = checked.report["load"], checked.variant.connections.tracker_store, checked.variant.options
    kwargs = load["endpoints"]["tracker_store"]["kwargs"]
    assert load["endpoints"]["tracker_store"]["url"] == pg.host
    assert (kwargs["port"], kwargs["db"]) == (pg.port, pg.database)

    engine = load["tracker_engine"]
    # drivername exactly "postgresql": only then does Rasa apply the SSL and pool variables
    assert engine["drivername"] == "postgresql"
    assert (engine["host"], engine["port"], engine["database"]) == (pg.host, pg.port, pg.database)
    engine_kwargs = engine["engine_kwargs"]
    assert engine_kwargs["pool_size"] == opts.budget.pool_size
    assert engine_kwargs["max_overflow"] == opts.budget.max_overflow
    assert engine_kwargs["connect_args"]["sslmode"] == pg.ssl_mode
    root_cert = Path(engine_kwargs["connect_args"]["sslrootcert"])
    if pg.ca_cert_pem:
        assert root_cert.read_text() == pg.ca_cert_pem
    else:
        assert root_cert.is_file(), f"sslrootcert {root_cert} does not exist"

    if pg.iam_auth:
        assert kwargs["username"] == pg.username and "password" not in kwargs
        assert load["vault_managed_properties"] == {}
    else:
        # credentials only by reference, resolved by Rasa's Vault secrets manager
        assert load["vault_managed_properties"] == {"vault": ["password", "username"]}
        assert kwargs["username"]["secret_key"] == endpoints_module.VAULT_KEY_SQL_USERNAME
        assert kwargs["password"]["secret_key"] == endpoints_module.VAULT_KEY_SQL_PASSWORD


def test_lock_store_object_is_what_rasa_recommends(checked: Checked) -> None:
    load, redis, opts = checked.report["load"], checked.variant.connections.lock_store, checked.variant.options
    store = load["lock_store"]
    assert "error" not in store, store.get("error")
    assert store["class"] == checked.variant.lock_store_class
    assert store["key_prefix"].startswith(redis.key_prefix + ":"), "Rasa replaced a non-alphanumeric key prefix"
    conn = store["connection"]
    assert (conn["host"], conn["port"], conn["db"]) == (redis.host, redis.port, redis.db)
    assert conn["connection_class"] == ("SSLConnection" if redis.use_ssl else "Connection")
    assert conn["ssl_cert_reqs"] == "required" and conn["ssl_check_hostname"] is True
    if redis.ca_cert_pem:
        assert Path(conn["ssl_ca_certs"]).read_text() == redis.ca_cert_pem
    if redis.iam_auth:
        assert conn["credential_provider"] == "AWSElasticacheRedisIAMCredentialsProvider"
    else:
        assert conn["credential_provider"] is None
        assert conn["username"] == "default"  # password-only AUTH needs the user name
    assert load["lock_lifetime"] == opts.lock_lifetime_seconds


def test_kafka_producer_config_is_accepted_by_librdkafka(checked: Checked) -> None:
    """confluent-kafka is a dependency of rasa-pro without extras: Rasa's own producer factory
    builds a real librdkafka producer from the config (brokers need not be reachable)."""
    load, kafka = checked.report["load"], checked.variant.connections.event_queue
    broker = load["event_broker"]
    assert "error" not in broker, broker.get("error")
    assert broker["class"] == "KafkaEventBroker"
    assert broker["partition_by_sender"] is True
    assert broker["topic"] == kafka.topic
    config = broker["kafka_config"]
    assert config["bootstrap.servers"] == ",".join(kafka.bootstrap_servers)
    assert config["security.protocol"] == kafka.security_protocol
    if kafka.security_protocol == "SASL_SSL":
        # Rasa's default (ssl_check_hostname false) gives an empty algorithm librdkafka refuses
        assert config["ssl.endpoint.identification.algorithm"] == "https"
        assert config["sasl.mechanism"] == ("OAUTHBEARER" if kafka.iam_auth else kafka.sasl_mechanism)
        if kafka.iam_auth:
            assert broker["iam_credentials_provider"] == "AWSMSKafkaIAMCredentialsProvider"
            assert "oauth_cb" in config
        else:
            assert config["sasl.username"] == kafka.username
    if checked.variant.kafka_ca:
        assert Path(config["ssl.ca.location"]).read_text() == kafka.ca_cert_pem
    else:  # the public CAs of the system bundle
        assert config.get("ssl.ca.location") is None
    assert broker["producer"] == {"class": "Producer"}, broker["producer"]


def test_vault_settings_and_ca(checked: Checked) -> None:
    manager, vault = checked.report["load"]["secrets_manager"], checked.variant.connections.vault
    assert manager["type"] == "vault"
    assert manager["url"] == vault.address
    assert manager["token"] == fingerprint(checked.variant.vault_token)  # from VAULT_TOKEN, never from the file
    assert (manager["mount_point"], manager["secrets_path"]) == (vault.mount_point, vault.secrets_path)
    assert manager["namespace"] == vault.namespace
    cacert = checked.pod.env.get("VAULT_CACERT")
    if vault.ca_cert_pem:
        # Rasa's Vault block has no CA option; hvac reads VAULT_CACERT at import
        assert cacert and Path(cacert).read_text() == vault.ca_cert_pem
    else:
        assert cacert is None


def test_model_storage_variables_are_the_ones_rasa_reads(checked: Checked) -> None:
    env, storage = checked.report["load"]["remote_storage_env"], checked.variant.connections.model_storage
    value = lambda constant: env[constant]["value"]  # noqa: E731
    if storage.provider == "azure":
        assert value("AZURE_CONTAINER_ENV") == storage.bucket
        assert value("AZURE_ACCOUNT_NAME_ENV") == storage.account_name
        assert value("AZURE_ACCOUNT_KEY_ENV") == fingerprint(storage.account_key)
    else:
        assert value("BUCKET_NAME_ENV") == storage.bucket
    assert value("AWS_ENDPOINT_URL_ENV") == (storage.endpoint_url if storage.provider == "aws" else None)
    assert value("REMOTE_STORAGE_PATH_ENV") is None  # deprecated by Rasa; the key goes in --model


def test_aws_iam_signers_use_the_rendered_identity(checked: Checked) -> None:
    iam, conns = checked.report["iam"], checked.variant.connections
    assert "error" not in iam, iam.get("error")
    region = checked.variant.options.region
    expected = {
        "tracker_store": conns.tracker_store.iam_auth,
        "lock_store": conns.lock_store.iam_auth,
        "event_broker": conns.event_queue.iam_auth,
    }
    for service, enabled in expected.items():
        if not enabled:
            assert iam[service] is None, f"IAM auth switched on for {service} though not asked for"
            continue
        signed = iam[service]
        assert signed["signed"] and signed["region"] == region, signed
    if conns.tracker_store.iam_auth:
        assert iam["tracker_store"]["user"] == conns.tracker_store.username
        assert iam["tracker_store"]["target"] == f"{conns.tracker_store.host}:{conns.tracker_store.port}/"
    if conns.lock_store.iam_auth:
        assert iam["lock_store"]["user"] == conns.lock_store.username
        assert iam["lock_store"]["target"] == f"{conns.lock_store.iam_cluster_name}/"
    if conns.event_queue.iam_auth:
        assert iam["event_broker"]["action"] == "kafka-cluster:Connect"


def test_rendered_text_holds_no_secret(checked: Checked) -> None:
    text = checked.pod.rendered_text()
    assert checked.pod.secret_values  # at least the license and the API token
    for name, value in checked.pod.secret_values.items():
        assert value not in text, f"secret {name} appears in rendered, non-secret output"
    conns = checked.variant.connections
    for value in (conns.tracker_store.password, conns.lock_store.password, conns.event_queue.password,
                  checked.variant.vault_token, conns.model_storage.account_key):
        if value:
            assert value not in text


def test_check_report_holds_no_secret(checked: Checked) -> None:
    """rasa_check.py is meant for real pods too: its report names secrets only by fingerprint."""
    report = json.dumps(checked.report)
    assert checked.pod.secret_values
    for name, value in checked.pod.secret_values.items():
        assert value not in report, f"secret {name} appears in the rasa_check report"


def test_rasa_cli_accepts_the_rendered_arguments(test_ca: TestCA, rasa: RasaRunner, tmp_path: Path) -> None:
    """All variants in one process: Rasa's CLI parser takes ~12 s to build."""
    pods = {}
    for name, make in VARIANTS.items():
        variant = make(test_ca.cert_pem)
        pods[name] = (variant, render_pod(variant.connections, variant.options, tmp_path / name, variant.vault_token))
    arg_lists = [pod.rendered.args for _, pod in pods.values()]
    report = rasa.run(["args"], {"AUTH_TOKEN": AUTH_TOKEN_VALUE}, extra_args=("--args", json.dumps(arg_lists)))
    assert isinstance(report["args"], list), report["args"]
    for (name, (variant, _)), parsed in zip(pods.items(), report["args"], strict=True):
        storage = variant.connections.model_storage
        assert parsed["command"] == "rasa.cli.run.run", name
        assert parsed["enable_api"] is True and parsed["port"] == RASA_PORT, name
        assert parsed["endpoints"] == endpoints_module.ENDPOINTS_PATH, name
        assert (parsed["remote_storage"], parsed["model"]) == (storage.provider, storage.model_key), name
        # AUTH_TOKEN from the Secret becomes --auth-token's default
        assert parsed["auth_token"] == fingerprint(AUTH_TOKEN_VALUE), name


def test_lock_store_without_password_is_accepted(test_ca: TestCA, rasa: RasaRunner, tmp_path: Path) -> None:
    variant = variants.single_replica_public_ca()
    no_auth = dataclasses.replace(variant.connections.lock_store, password=None)
    conns = dataclasses.replace(variant.connections, lock_store=no_auth)
    pod = render_pod(conns, variant.options, tmp_path)
    report = rasa.run(["load"], pod.env, endpoints=pod.endpoints_file)
    assert "error" not in report["load"]["lock_store"], report["load"]["lock_store"]["error"]


# =============================================================================================
# Part B: live, against local TLS servers
# =============================================================================================


def local_net(port: int) -> NetworkAccess:
    return NetworkAccess(ports=(port,), cidrs=("127.0.0.1/32",))


@dataclasses.dataclass
class LocalPlatform:
    """The local servers as a cloud package would describe them, and rendering against them."""

    postgres: PostgresServer
    redis: RedisServer
    vault: VaultServer
    s3: S3Server
    ca_pem: str
    vault_token: str

    def connections(self, model_key: str = "models/rasa-bot") -> PlatformConnections:
        # PostgreSQL and Vault as `localhost`: verify-full and hvac then compare a DNS name.
        pg, redis, s3 = self.postgres, self.redis, self.s3
        return PlatformConnections(
            tracker_store=PostgresConnection(
                host="localhost", port=pg.port, database=pg.database, username=pg.username,
                max_connections=pg.max_connections, origin="existing", network=local_net(pg.port),
                password=pg.password, ca_cert_pem=self.ca_pem, ssl_mode="verify-full",
            ),
            lock_store=RedisConnection(
                host=redis.host, port=redis.port, origin="existing", network=local_net(redis.port),
                password=redis.password, ca_cert_pem=self.ca_pem, db=1, key_prefix="rasa",
            ),
            event_queue=KafkaConnection(  # no local Kafka: part A covers the broker
                bootstrap_servers=["localhost:9093"], topic="rasa-events", origin="existing",
                network=local_net(9093), username="rasa", password=variants.secret("kafka"), ca_cert_pem=self.ca_pem,
            ),
            model_storage=ModelStorageConnection(
                provider="aws", bucket=s3.bucket, model_key=model_key, origin="existing",
                region=s3.region, endpoint_url=s3.endpoint_url,
            ),
            vault=VaultConnection(
                address=self.vault.address, origin="existing", network=local_net(443),
                ca_cert_pem=self.ca_pem,
            ),
            identity=WorkloadIdentity(),
        )

    def render(self, directory: Path, *, max_replicas: int = 3, surge: int = 1,
               budget_processes: Optional[int] = None, model_key: str = "models/rasa-bot") -> Pod:
        opts = variants.options(self.postgres.max_connections, max_replicas, surge=surge, region=self.s3.region)
        if budget_processes is not None:
            opts = dataclasses.replace(opts, budget=plan_budget(self.postgres.max_connections, budget_processes))
        return render_pod(self.connections(model_key), opts, directory, self.vault_token)


@pytest.fixture(scope="module")
def rasa_vault_token(vault: VaultServer, postgres: PostgresServer) -> str:
    """What the bootstrap job does: store the tracker credentials in KV v2 and give Rasa a
    renewable token that can read exactly that secret."""
    admin = vault.client()
    admin.secrets.kv.v2.create_or_update_secret(
        mount_point="secret", path="rasa-secrets",
        secret={endpoints_module.VAULT_KEY_SQL_USERNAME: postgres.username,
                endpoints_module.VAULT_KEY_SQL_PASSWORD: postgres.password},
    )
    admin.sys.create_or_update_policy("rasa-read", 'path "secret/data/rasa-secrets" { capabilities = ["read"] }')
    token = admin.auth.token.create(policies=["rasa-read"], ttl="1h", renewable=True)
    return token["auth"]["client_token"]


@pytest.fixture(scope="module")
def local(postgres, redis_tls, vault, s3, test_ca, rasa_vault_token) -> LocalPlatform:
    return LocalPlatform(postgres, redis_tls, vault, s3, test_ca.cert_pem, rasa_vault_token)


def test_tracker_store_via_vault_over_verified_tls(local: LocalPlatform, rasa: RasaRunner,
                                                   tmp_path: Path) -> None:
    postgres = local.postgres
    pod = local.render(tmp_path)
    report = rasa.run(["tracker-store"], pod.env, endpoints=pod.endpoints_file)["tracker-store"]
    assert "error" not in report, report.get("traceback")

    assert report["secrets_managers"] == "vault"  # loaded at startup from endpoints.yml + env
    assert report["classes"][0] == "AuthRetryTrackerStore"  # re-reads Vault on auth failure
    assert report["classes"][-1] == "SQLTrackerStore"
    assert report["events_equal"], (report["events_saved"], report["events_restored"])

    session = report["session"]
    assert session["ssl"] is True and session["tls_version"].startswith("TLSv1.")
    assert (session["user"], session["database"]) == (postgres.username, postgres.database)  # from Vault
    assert session["libpq"]["sslmode"] == "verify-full"
    assert Path(session["libpq"]["sslrootcert"]).read_text() == pod.rendered.ca_files["tracker-store-ca.pem"]
    assert (report["pool"]["size"], report["pool"]["max_overflow"]) == (
        pod.options.budget.pool_size, pod.options.budget.max_overflow)

    # the events really are in the database, under the tracker's conversation id
    with contextlib.closing(postgres.connect(admin=True, database=postgres.database)) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM events WHERE sender_id = %s", (report["sender_id"],))
            assert cur.fetchone()[0] == len(report["events_saved"])

    text = pod.rendered_text()
    for value in (postgres.password, local.vault.root_token, local.vault_token, local.redis.password):
        assert value not in text


def test_vault_ca_reaches_rasa_only_through_vault_cacert(local: LocalPlatform, rasa: RasaRunner,
                                                        tmp_path: Path) -> None:
    """Negative control: without VAULT_CACERT, Rasa's hvac client cannot verify the private CA,
    so the rendered variable is what makes the Vault connection work."""
    pod = local.render(tmp_path)
    env = {k: v for k, v in pod.env.items() if k != "VAULT_CACERT"}
    report = rasa.run(["tracker-store"], env, endpoints=pod.endpoints_file)["tracker-store"]
    assert "error" in report and "CERTIFICATE_VERIFY_FAILED" in report["error"], report


@pytest.mark.parametrize("replicas,surge", [(1, 0), (3, 1)], ids=["redis", "concurrent_redis"])
def test_lock_store_serialises_a_conversation_across_pods(local: LocalPlatform, rasa: RasaRunner,
                                                          tmp_path: Path, replicas: int, surge: int) -> None:
    redis_tls = local.redis
    pod = local.render(tmp_path, max_replicas=replicas, surge=surge)
    report = rasa.run(["lock-store"], pod.env, endpoints=pod.endpoints_file)["lock-store"]
    assert "error" not in report, report.get("traceback")

    expected_class = "ConcurrentRedisLockStore" if replicas + surge > 1 else "RedisLockStore"
    assert report["class"] == expected_class
    conn = report["connection"]
    assert conn["connection_class"] == "SSLConnection" and conn["username"] == "default" and conn["db"] == 1
    assert report["lock_lifetime"] == int(pod.rendered.env["TICKET_LOCK_LIFETIME"])
    assert report["keys_while_held"] and all(k.startswith("rasa:") for k in report["keys_while_held"])
    assert report["second_pod_waited"] and report["second_pod_queued"]
    assert report["second_pod_acquired_after_release"] and not report["locks_left"]

    # server side, checked without Rasa: releasing left nothing behind in any database
    conversation = report["conversation_id"]
    for db in (0, 1):
        assert not redis_tls.client(db=db).keys(f"*{conversation}*")


def test_pool_budget_holds_against_the_real_connection_limit(local: LocalPlatform, rasa: RasaRunner,
                                                             tmp_path: Path) -> None:
    """Every Rasa process holds all the connections its pool allows at once: the planned total
    fits the server's limit, and each pool stops at its own share."""
    postgres = local.postgres
    budget = plan_budget(postgres.max_connections, processes=2)
    pod = local.render(tmp_path, budget_processes=budget.max_processes)
    assert pod.options.budget == budget
    report = rasa.run(["pool"], pod.env, endpoints=pod.endpoints_file,
                      extra_args=("--processes", str(budget.max_processes), "--overcommit-probe"))["pool"]
    assert "error" not in report, report.get("traceback")
    assert report["per_process_limit"] == [budget.per_process] * budget.max_processes
    assert report["held"] == report["server_sessions_of_user"] == budget.total
    assert budget.total <= budget.ceiling < postgres.max_connections
    assert report["refused"], "the overcommit probe asked for one connection more than the pool allows"
    assert all("QueuePool limit" in r for r in report["refused"]), report["refused"]


def test_without_the_budget_one_process_exhausts_the_server(local: LocalPlatform, rasa: RasaRunner,
                                                            tmp_path: Path) -> None:
    """Negative control for the budget: with Rasa's defaults (50 + 100 per process) a single
    process runs into the server's max_connections."""
    postgres = local.postgres
    pod = local.render(tmp_path)
    env = {k: v for k, v in pod.env.items() if k not in ("SQL_POOL_SIZE", "SQL_MAX_OVERFLOW")}
    report = rasa.run(["pool"], env, endpoints=pod.endpoints_file, extra_args=("--processes", "1"))["pool"]
    assert "error" not in report, report.get("traceback")
    assert report["per_process_limit"] == [150]
    assert report["held"] < postgres.max_connections
    refusal = report["refused"][0] or ""
    assert "too many clients" in refusal or "slots are reserved" in refusal, refusal


# =============================================================================================
# Part C: model storage, S3 emulator over HTTPS
# =============================================================================================


def model_archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"not a real model, only bytes to compare"
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("model_key", ["models/rasa-bot", "models/rasa-bot-2.tar.gz"],
                         ids=["key-without-extension", "key-with-extension"])
def test_remote_storage_fetches_the_model(local: LocalPlatform, rasa: RasaRunner, tmp_path: Path,
                                          model_key: str) -> None:
    """`--remote-storage aws --model <key>` with the rendered BUCKET_NAME / AWS_ENDPOINT_URL /
    AWS_DEFAULT_REGION. Rasa appends `.tar.gz` to a key without it. The emulator uses the test
    CA, so the test adds AWS_CA_BUNDLE (real S3 has a public certificate) and dummy keys (IRSA
    gives real ones)."""
    s3 = local.s3
    archive = model_archive()
    object_key = model_key if model_key.endswith(".tar.gz") else f"{model_key}.tar.gz"
    s3.client().put_object(Bucket=s3.bucket, Key=object_key, Body=archive)

    pod = local.render(tmp_path, model_key=model_key)
    env = {**pod.env, **DUMMY_AWS, "AWS_CA_BUNDLE": str(s3.ca_file)}
    report = rasa.run(["persistor"], env, extra_args=(
        "--storage", pod.arg("--remote-storage"), "--model", pod.arg("--model")))["persistor"]
    assert "error" not in report, report.get("traceback")
    assert report["class"] == "AWSPersistor"
    assert report["reported_size"] == len(archive)
    downloaded = report["files"][Path(object_key).name]
    assert downloaded["sha256"] == hashlib.sha256(archive).hexdigest()
