"""The endpoints.yml renderer: every trap from Rasa Pro's own code, one test each."""

from __future__ import annotations

import dataclasses
import re

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
from components.rasa.budget import plan_budget
from components.rasa.endpoints import (
    CA_DIR,
    ENDPOINTS_PATH,
    SECRET_KAFKA_PASSWORD,
    SECRET_LOCK_STORE_PASSWORD,
    SECRET_STORAGE_KEY,
    RenderOptions,
    render_endpoints,
)

PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
SECRETS = ("pg-Secret-1", "redis-Secret-2", "kafka-Secret-3", "vault-Secret-4", "azure-Secret-5")
NET = NetworkAccess(ports=(1,))


def connections(**changes) -> PlatformConnections:
    base = PlatformConnections(
        tracker_store=PostgresConnection(
            host="db.internal", port=5432, database="rasa", username="rasa", password=SECRETS[0],
            max_connections=200, origin="existing", network=NET,
        ),
        lock_store=RedisConnection(host="redis.internal", port=6379, password=SECRETS[1], origin="existing", network=NET),
        event_queue=KafkaConnection(
            bootstrap_servers=["b-1.kafka:9096", "b-2.kafka:9096"], topic="rasa-core-events", username="rasa",
            password=SECRETS[2], origin="existing", network=NET,
        ),
        model_storage=ModelStorageConnection(
            provider="aws", bucket="models-bucket", model_key="models/bot.tar.gz", region="eu-central-1", origin="existing"
        ),
        vault=VaultConnection(address="https://vault.internal:8200", origin="existing", network=NET),
        identity=WorkloadIdentity(),
    )
    for field, value in changes.items():
        base = dataclasses.replace(base, **{field: value})
    return base


def render(conns=None, *, processes=2, workers=1, **options):
    return render_endpoints(
        conns or connections(),
        RenderOptions(budget=plan_budget(200, processes), sanic_workers=workers, **options),
    )


def loaded(rendered) -> dict:
    return yaml.safe_load(rendered.endpoints_yml)


# -- lock store ----------------------------------------------------------------------------------

def test_several_processes_get_concurrent_redis_with_host_not_url():
    data = loaded(render(processes=4))
    lock = data["lock_store"]
    assert lock["type"] == "concurrent_redis"  # lower case: Rasa compares case-sensitively
    assert lock["host"] == "redis.internal"
    assert "url" not in lock  # concurrent_redis ignores url and would connect to localhost


def test_one_process_still_gets_a_redis_lock_store_never_in_memory():
    lock = loaded(render(processes=1))["lock_store"]
    assert lock["type"] == "redis"
    assert lock["host"] == "redis.internal"


def test_one_replica_with_a_rolling_update_surge_shares_locks():
    # one replica plus the surge pod of a rollout: two processes serve at once
    assert loaded(render(processes=2))["lock_store"]["type"] == "concurrent_redis"


def test_password_only_redis_sends_username_default():
    lock = loaded(render())["lock_store"]
    assert lock["username"] == "default"
    assert lock["password"] == "${LOCK_STORE_PASSWORD}"


def test_use_ssl_is_a_real_boolean_never_interpolated():
    rendered = render()
    assert re.search(r"^  use_ssl: true$", rendered.endpoints_yml, re.M)
    data = loaded(rendered)
    assert data["lock_store"]["use_ssl"] is True
    assert data["event_broker"]["ssl_check_hostname"] is True and data["event_broker"]["partition_by_sender"] is True
    interpolated = [line for line in rendered.endpoints_yml.splitlines() if "${" in line]
    assert interpolated, "expected ${VAR} placeholders to check"
    assert not [line for line in interpolated if re.search(r"(use_ssl|ssl_check_hostname|partition_by_sender): ", line)]


def test_key_prefix_is_passed_as_configured():
    conns = connections(lock_store=dataclasses.replace(connections().lock_store, key_prefix="botA"))
    assert loaded(render(conns))["lock_store"]["key_prefix"] == "botA"


# -- tracker store -------------------------------------------------------------------------------

def test_tracker_store_dialect_is_exactly_postgresql():
    tracker = loaded(render())["tracker_store"]
    assert tracker["type"] == "sql"
    assert tracker["dialect"] == "postgresql"  # postgresql+psycopg2 skips SSL env and pool settings
    assert tracker["url"] == "db.internal" and tracker["port"] == 5432 and tracker["db"] == "rasa"


def test_tracker_credentials_are_vault_references():
    tracker = loaded(render())["tracker_store"]
    assert tracker["username"] == {"source": "secrets_manager.vault", "secret_key": "sql_store_username"}
    assert tracker["password"] == {"source": "secrets_manager.vault", "secret_key": "sql_store_password"}


def test_tracker_tls_is_verify_full_with_a_root_certificate():
    env = render().env
    assert env["SQL_TRACKER_STORE_SSL_MODE"] == "verify-full"
    assert env["SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE"] == "/etc/ssl/certs/ca-certificates.crt"
    with_ca = connections(tracker_store=dataclasses.replace(connections().tracker_store, ca_cert_pem=PEM))
    rendered = render(with_ca)
    assert rendered.env["SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE"] == f"{CA_DIR}/tracker-store-ca.pem"
    assert rendered.ca_files["tracker-store-ca.pem"] == PEM


def test_pool_size_env_comes_from_the_budget():
    rendered = render(processes=8, workers=2)
    budget = plan_budget(200, 8)
    assert rendered.env["SQL_POOL_SIZE"] == str(budget.pool_size)
    assert rendered.env["SQL_MAX_OVERFLOW"] == str(budget.max_overflow)
    assert "POSTGRESQL_POOL_SIZE" not in rendered.env  # the docs' name is not what Rasa reads


# -- event broker --------------------------------------------------------------------------------

def test_sasl_ssl_sets_ssl_check_hostname_true():
    broker = loaded(render())["event_broker"]
    assert broker["security_protocol"] == "SASL_SSL"
    assert broker["ssl_check_hostname"] is True
    assert broker["sasl_mechanism"] == "SCRAM-SHA-512"


def test_partition_by_sender_keeps_conversations_in_order():
    broker = loaded(render())["event_broker"]
    assert broker["partition_by_sender"] is True
    assert broker["url"] == "b-1.kafka:9096,b-2.kafka:9096"
    assert broker["topic"] == "rasa-core-events"


def test_kafka_password_is_an_env_placeholder_and_ca_is_a_file():
    kafka = dataclasses.replace(connections().event_queue, ca_cert_pem=PEM)
    rendered = render(connections(event_queue=kafka))
    broker = loaded(rendered)["event_broker"]
    assert broker["sasl_password"] == "${KAFKA_SASL_PASSWORD}"
    assert rendered.secret_env["KAFKA_SASL_PASSWORD"] == SECRET_KAFKA_PASSWORD
    assert broker["ssl_cafile"] == f"{CA_DIR}/event-queue-ca.pem"


def test_event_hubs_style_plain_sasl_keeps_literal_connection_string_username():
    kafka = dataclasses.replace(connections().event_queue, sasl_mechanism="PLAIN", username="$ConnectionString")
    broker = loaded(render(connections(event_queue=kafka)))["event_broker"]
    assert broker["sasl_username"] == "$ConnectionString"
    assert broker["sasl_mechanism"] == "PLAIN"


# -- secrets -------------------------------------------------------------------------------------

def test_env_placeholders_are_unquoted_so_rasa_interpolates_them():
    text = render().endpoints_yml
    placeholders = re.findall(r".*\$\{[A-Z_]+\}.*", text)
    assert placeholders, "expected ${VAR} placeholders"
    for line in placeholders:
        assert re.fullmatch(r"\s*\w+: \$\{[A-Z_]+\}", line), f"quoted or embedded placeholder: {line!r}"


def test_no_secret_value_ever_appears_in_the_text_or_plain_env():
    azure = ModelStorageConnection(
        provider="azure", bucket="models", model_key="m.tar.gz", account_name="acct", account_key=SECRETS[4], origin="existing"
    )
    rendered = render(connections(model_storage=azure))
    everything = rendered.endpoints_yml + repr(rendered.env) + repr(rendered.args)
    for secret in SECRETS:
        assert secret not in everything


def test_vault_block_carries_no_token_and_token_comes_from_the_environment():
    rendered = render()
    sm = loaded(rendered)["secrets_manager"]
    assert sm == {"type": "vault", "url": "https://vault.internal:8200", "mount_point": "secret", "secrets_path": "rasa-secrets"}
    assert "VAULT_TOKEN" in rendered.secret_env
    assert "VAULT_CACERT" not in rendered.env


def test_private_vault_ca_is_trusted_through_vault_cacert():
    vault = dataclasses.replace(connections().vault, ca_cert_pem=PEM, namespace="admin")
    rendered = render(connections(vault=vault))
    assert rendered.env["VAULT_CACERT"] == f"{CA_DIR}/vault-ca.pem"
    assert loaded(rendered)["secrets_manager"]["namespace"] == "admin"


def test_redis_ca_file_is_referenced_when_given():
    redis = dataclasses.replace(connections().lock_store, ca_cert_pem=PEM)
    rendered = render(connections(lock_store=redis))
    assert loaded(rendered)["lock_store"]["ssl_ca_certs"] == f"{CA_DIR}/lock-store-ca.pem"
    assert rendered.secret_env["LOCK_STORE_PASSWORD"] == SECRET_LOCK_STORE_PASSWORD


# -- model storage and the command line ----------------------------------------------------------

def test_remote_storage_flags_and_model_key():
    rendered = render()
    assert rendered.args[:2] == ["run", "--enable-api"]
    assert rendered.args[rendered.args.index("--endpoints") + 1] == ENDPOINTS_PATH
    assert rendered.args[rendered.args.index("--remote-storage") + 1] == "aws"
    assert rendered.args[rendered.args.index("--model") + 1] == "models/bot.tar.gz"
    assert rendered.env["BUCKET_NAME"] == "models-bucket"
    assert rendered.env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert rendered.secret_env["AUTH_TOKEN"] and rendered.secret_env["RASA_LICENSE"]


def test_s3_compatible_endpoint_is_passed():
    storage = dataclasses.replace(connections().model_storage, endpoint_url="https://minio.internal:9000")
    assert render(connections(model_storage=storage)).env["AWS_ENDPOINT_URL"] == "https://minio.internal:9000"


def test_azure_storage_uses_account_key_from_a_secret():
    azure = ModelStorageConnection(
        provider="azure", bucket="models", model_key="m.tar.gz", account_name="acct", account_key="k", origin="existing"
    )
    rendered = render(connections(model_storage=azure))
    assert rendered.args[rendered.args.index("--remote-storage") + 1] == "azure"
    assert rendered.env["AZURE_CONTAINER"] == "models" and rendered.env["AZURE_ACCOUNT_NAME"] == "acct"
    assert rendered.secret_env["AZURE_ACCOUNT_KEY"] == SECRET_STORAGE_KEY
    assert "BUCKET_NAME" not in rendered.env


def test_gcs_uses_bucket_name_and_no_aws_region():
    gcs = ModelStorageConnection(provider="gcs", bucket="models", model_key="m.tar.gz", origin="existing")
    rendered = render(connections(model_storage=gcs))
    assert rendered.env["BUCKET_NAME"] == "models"
    assert "AWS_DEFAULT_REGION" not in rendered.env


# -- AWS IAM auth --------------------------------------------------------------------------------

def test_aws_iam_auth_for_every_service_drops_passwords():
    base = connections()
    conns = connections(
        tracker_store=dataclasses.replace(base.tracker_store, password=None, iam_auth=True),
        lock_store=dataclasses.replace(base.lock_store, password=None, iam_auth=True, username="rasa", iam_cluster_name="rasa-redis"),
        event_queue=dataclasses.replace(base.event_queue, password=None, iam_auth=True, username=None),
    )
    rendered = render(conns)
    data = loaded(rendered)
    assert data["tracker_store"]["username"] == "rasa" and "password" not in data["tracker_store"]
    assert data["lock_store"]["username"] == "rasa" and "password" not in data["lock_store"]
    assert data["lock_store"]["use_ssl"] is True
    assert data["event_broker"]["sasl_mechanism"] == "OAUTHBEARER" and "sasl_password" not in data["event_broker"]
    assert data["event_broker"]["ssl_check_hostname"] is True
    env = rendered.env
    assert env["IAM_CLOUD_PROVIDER"] == "aws"
    assert env["RDS_SQL_DB_AWS_IAM_ENABLED"] == "true"
    assert env["ELASTICACHE_REDIS_AWS_IAM_ENABLED"] == "true"
    assert env["AWS_ELASTICACHE_CLUSTER_NAME"] == "rasa-redis"
    assert env["KAFKA_MSK_AWS_IAM_ENABLED"] == "true"
    assert env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert "LOCK_STORE_PASSWORD" not in rendered.secret_env and "KAFKA_SASL_PASSWORD" not in rendered.secret_env


# -- optional endpoints --------------------------------------------------------------------------

def test_action_server_and_nlg_endpoints():
    data = loaded(render(action_endpoint_url="http://actions:5055/webhook", nlg_url="https://nlg.acme.com/nlg"))
    assert data["action_endpoint"] == {"url": "http://actions:5055/webhook"}
    assert data["nlg"] == {"url": "https://nlg.acme.com/nlg"}
    assert "action_endpoint" not in loaded(render())


@pytest.mark.parametrize("key", ["tracker_store", "lock_store", "event_broker", "secrets_manager"])
def test_every_service_is_present(key):
    assert key in loaded(render())


def test_redis_without_auth_sends_no_username():
    # Rasa's `redis` store refuses a user name without a password at start
    no_auth = dataclasses.replace(connections().lock_store, password=None)
    lock = loaded(render(connections(lock_store=no_auth), processes=1))["lock_store"]
    assert "username" not in lock and "password" not in lock


def test_iam_redis_without_cluster_name_is_refused():
    iam = dataclasses.replace(connections().lock_store, password=None, iam_auth=True, iam_cluster_name=None)
    with pytest.raises(ValueError, match="replication group"):
        render(connections(lock_store=iam))
