"""Render Rasa Pro's endpoints.yml and pod environment from resolved connections.

A pure function: no Pulumi, no I/O. Every rule here comes from Rasa Pro's own code
(`../shared/reference/rasa-pro.md`); each trap has its own test in tests/test_endpoints.py.

No secret value ever appears in the text. Secrets reach Rasa in two ways only:
* the tracker store's username and password as Vault references, resolved by Rasa's own Vault
  secrets manager (the only store that resolves references);
* everything else as unquoted `${VAR}` placeholders that Rasa interpolates from the environment,
  where VAR comes from a Kubernetes Secret (`secret_env`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import yaml

from components.contracts import PlatformConnections
from components.rasa.budget import ConnectionBudget

# Where the pod finds what the renderer refers to.
ENDPOINTS_DIR = "/app/config"
ENDPOINTS_PATH = f"{ENDPOINTS_DIR}/endpoints.yml"
CA_DIR = "/etc/rasa-platform/ca"
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
RASA_PORT = 5005

# Logical names of the secrets the pod needs (keys of the Kubernetes Secret).
SECRET_LICENSE = "rasa-license"
SECRET_AUTH_TOKEN = "rasa-auth-token"
SECRET_VAULT_TOKEN = "vault-token"
SECRET_LOCK_STORE_PASSWORD = "lock-store-password"
SECRET_KAFKA_PASSWORD = "event-queue-password"
SECRET_STORAGE_KEY = "model-storage-key"

# Every variable the platform itself may set in the Rasa container (here, in pod.py, and the cloud
# identities'): a stack's `rasa.env` / `rasa.secretEnv` may not set them (checked in settings).
PLATFORM_ENV_NAMES = frozenset({
    "SQL_TRACKER_STORE_SSL_MODE", "SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE", "SQL_POOL_SIZE", "SQL_MAX_OVERFLOW",
    "RDS_SQL_DB_AWS_IAM_ENABLED", "ELASTICACHE_REDIS_AWS_IAM_ENABLED", "AWS_ELASTICACHE_CLUSTER_NAME",
    "LOCK_STORE_PASSWORD", "TICKET_LOCK_LIFETIME", "KAFKA_MSK_AWS_IAM_ENABLED", "KAFKA_SASL_PASSWORD",
    "SECRET_MANAGER", "VAULT_URL", "VAULT_TOKEN", "VAULT_CACERT", "VAULT_CAPATH", "VAULT_RASA_SECRETS_PATH",
    "VAULT_NAMESPACE", "VAULT_TRANSIT_MOUNT_POINT", "AZURE_CONTAINER", "AZURE_ACCOUNT_NAME", "AZURE_ACCOUNT_KEY",
    "BUCKET_NAME", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "IAM_CLOUD_PROVIDER", "SANIC_WORKERS", "RASA_LICENSE", "RASA_PRO_LICENSE",
    "AUTH_TOKEN", "JWT_SECRET", "JWT_METHOD", "LOG_LEVEL", "RASA_TELEMETRY_ENABLED", "HOME", "RASA_CACHE_DIRECTORY",
})
# A variable named like this holds a credential: never a literal value in a pod spec.
_CREDENTIAL_ENV = re.compile(r"(^|.*_)(KEY|TOKEN|PASSWORD|PASSWD|SECRET|LICENSE|CREDENTIALS?)$", re.I)


def is_credential_env_name(name: str) -> bool:
    return bool(_CREDENTIAL_ENV.match(name))


# Of those, the ones a stack sets through a setting of its own.
ENV_SETTINGS = {"LOG_LEVEL": "rasa.logLevel", "RASA_TELEMETRY_ENABLED": "rasa.telemetry"}

# Keys of the one KV v2 secret that holds the tracker store's credentials.
VAULT_KEY_SQL_USERNAME = "sql_store_username"
VAULT_KEY_SQL_PASSWORD = "sql_store_password"


@dataclass(frozen=True)
class RenderOptions:
    """What the renderer needs besides the connections."""

    budget: ConnectionBudget  # also says how many Rasa processes can run at once
    sanic_workers: int = 1
    lock_lifetime_seconds: int = 60
    action_endpoint_url: Optional[str] = None
    nlg_url: Optional[str] = None
    region: Optional[str] = None  # cloud region for SDKs (AWS_DEFAULT_REGION)
    log_level: str = "INFO"  # LOG_LEVEL
    telemetry: bool = False  # RASA_TELEMETRY_ENABLED
    # The stack's own environment: plain values, and variable → logical secret name (`rasa.secretEnv`).
    env: Mapping[str, str] = field(default_factory=dict)
    secret_env: Mapping[str, str] = field(default_factory=dict)
    ca_dir: str = CA_DIR  # where the pod mounts the CA files (tests point it at a temp folder)


@dataclass(frozen=True)
class RenderedEndpoints:
    endpoints_yml: str
    env: dict[str, str]  # plain environment values
    secret_env: dict[str, str]  # env var → logical secret name (a key of the Kubernetes Secret)
    ca_files: dict[str, str]  # file name under CA_DIR → PEM (public certificates)
    args: list[str]  # `rasa` arguments after the entrypoint
    data: dict[str, Any] = field(default_factory=dict)  # the endpoints mapping, for checks


def env_ref(name: str) -> str:
    """An unquoted `${NAME}` placeholder: the only form Rasa interpolates."""
    return "${" + name + "}"


def vault_ref(key: str) -> dict[str, str]:
    return {"source": "secrets_manager.vault", "secret_key": key}


class _Collector:
    def __init__(self, ca_dir: str) -> None:
        self.ca_dir = ca_dir
        self.env: dict[str, str] = {}
        self.secret_env: dict[str, str] = {}
        self.ca_files: dict[str, str] = {}

    def ca(self, name: str, pem: Optional[str]) -> Optional[str]:
        if not pem:
            return None
        self.ca_files[name] = pem
        return f"{self.ca_dir}/{name}"


def render_endpoints(connections: PlatformConnections, options: RenderOptions) -> RenderedEndpoints:
    out = _Collector(options.ca_dir)
    aws_iam = False
    data: dict[str, Any] = {}

    # -- tracker store: PostgreSQL, credentials through Vault ------------------------------------
    pg = connections.tracker_store
    tracker: dict[str, Any] = {
        "type": "sql",
        "dialect": "postgresql",  # exactly: "postgresql+psycopg2" skips SSL env and pool settings
        "url": pg.host,
        "port": pg.port,
        "db": pg.database,
    }
    if pg.iam_auth:
        tracker["username"] = pg.username
        out.env["RDS_SQL_DB_AWS_IAM_ENABLED"] = "true"
        aws_iam = True
    else:
        tracker["username"] = vault_ref(VAULT_KEY_SQL_USERNAME)
        tracker["password"] = vault_ref(VAULT_KEY_SQL_PASSWORD)
    data["tracker_store"] = tracker
    out.env["SQL_TRACKER_STORE_SSL_MODE"] = pg.ssl_mode
    out.env["SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE"] = out.ca("tracker-store-ca.pem", pg.ca_cert_pem) or SYSTEM_CA_BUNDLE
    out.env["SQL_POOL_SIZE"] = str(options.budget.pool_size)
    out.env["SQL_MAX_OVERFLOW"] = str(options.budget.max_overflow)

    # -- lock store: Redis, shared between processes when more than one can run ------------------
    redis = connections.lock_store
    lock: dict[str, Any] = {
        # concurrent_redis is Rasa's choice for several replicas (a rolling update's surge pod
        # counts: it serves beside the old one); it reads `host`, never `url`.
        "type": "concurrent_redis" if options.budget.max_processes > 1 else "redis",
        "host": redis.host,
        "port": redis.port,
        "db": redis.db,
        "key_prefix": redis.key_prefix,
        "use_ssl": bool(redis.use_ssl),  # a real boolean: an interpolated "false" would be truthy
    }
    if redis.password or redis.iam_auth:
        # Rasa's `redis` store refuses a password without a user name and a user name without a
        # password: password-only Redis gets "default".
        lock["username"] = redis.username
    if redis.use_ssl:
        ca = out.ca("lock-store-ca.pem", redis.ca_cert_pem)
        if ca:
            lock["ssl_ca_certs"] = ca
    if redis.iam_auth:
        if not redis.iam_cluster_name:
            raise ValueError("ElastiCache IAM auth needs the replication group's name to sign tokens for")
        out.env["ELASTICACHE_REDIS_AWS_IAM_ENABLED"] = "true"
        out.env["AWS_ELASTICACHE_CLUSTER_NAME"] = str(redis.iam_cluster_name)
        aws_iam = True
    elif redis.password:
        lock["password"] = env_ref("LOCK_STORE_PASSWORD")
        out.secret_env["LOCK_STORE_PASSWORD"] = SECRET_LOCK_STORE_PASSWORD
    data["lock_store"] = lock
    out.env["TICKET_LOCK_LIFETIME"] = str(options.lock_lifetime_seconds)

    # -- event broker: Kafka ----------------------------------------------------------------------
    kafka = connections.event_queue
    servers = kafka.bootstrap_servers
    broker: dict[str, Any] = {
        "type": "kafka",
        "url": ",".join(servers) if isinstance(servers, (list, tuple)) else servers,
        "topic": kafka.topic,
        "client_id": kafka.client_id,
        "partition_by_sender": True,  # keeps one conversation's events in order
        "security_protocol": kafka.security_protocol,
        # Rasa's default is false, and librdkafka then refuses the SASL_SSL producer.
        "ssl_check_hostname": True,
    }
    ca = out.ca("event-queue-ca.pem", kafka.ca_cert_pem)
    if ca:
        broker["ssl_cafile"] = ca
    if kafka.security_protocol == "SASL_SSL":
        broker["sasl_mechanism"] = "OAUTHBEARER" if kafka.iam_auth else kafka.sasl_mechanism
        if kafka.iam_auth:
            out.env["KAFKA_MSK_AWS_IAM_ENABLED"] = "true"
            aws_iam = True
        else:
            broker["sasl_username"] = kafka.username
            broker["sasl_password"] = env_ref("KAFKA_SASL_PASSWORD")
            out.secret_env["KAFKA_SASL_PASSWORD"] = SECRET_KAFKA_PASSWORD
    data["event_broker"] = broker

    # -- secrets manager: Vault (token and CA from the environment) -------------------------------
    vault = connections.vault
    secrets_manager: dict[str, Any] = {
        "type": "vault",
        "url": vault.address,
        "mount_point": vault.mount_point,
        "secrets_path": vault.secrets_path,
    }
    if vault.namespace:
        secrets_manager["namespace"] = vault.namespace
    data["secrets_manager"] = secrets_manager
    # Env wins field by field in Rasa's Vault config; the token never enters the file.
    out.secret_env["VAULT_TOKEN"] = SECRET_VAULT_TOKEN
    vault_ca = out.ca("vault-ca.pem", vault.ca_cert_pem)
    if vault_ca:
        # Rasa's Vault block has no CA option; hvac trusts what VAULT_CACERT names.
        out.env["VAULT_CACERT"] = vault_ca

    # -- optional endpoints -----------------------------------------------------------------------
    if options.action_endpoint_url:
        data["action_endpoint"] = {"url": options.action_endpoint_url}
    if options.nlg_url:
        data["nlg"] = {"url": options.nlg_url}

    # -- model storage: `rasa run --remote-storage` ----------------------------------------------
    storage = connections.model_storage
    args = [
        "run",
        "--enable-api",
        "--port", str(RASA_PORT),
        "--endpoints", ENDPOINTS_PATH,
        "--remote-storage", storage.provider,
        "--model", storage.model_key,
    ]
    if storage.provider == "azure":
        out.env["AZURE_CONTAINER"] = str(storage.bucket)
        out.env["AZURE_ACCOUNT_NAME"] = str(storage.account_name)
        out.secret_env["AZURE_ACCOUNT_KEY"] = SECRET_STORAGE_KEY
    else:
        out.env["BUCKET_NAME"] = str(storage.bucket)
    if storage.provider == "aws":
        if storage.endpoint_url:
            out.env["AWS_ENDPOINT_URL"] = str(storage.endpoint_url)
    region = storage.region or options.region
    if region and (storage.provider == "aws" or aws_iam):
        out.env["AWS_DEFAULT_REGION"] = str(region)
    if aws_iam:
        out.env["IAM_CLOUD_PROVIDER"] = "aws"

    # -- the Rasa process itself ------------------------------------------------------------------
    out.env["SANIC_WORKERS"] = str(options.sanic_workers)
    out.env["LOG_LEVEL"] = options.log_level
    out.env["RASA_TELEMETRY_ENABLED"] = "true" if options.telemetry else "false"
    out.secret_env["RASA_LICENSE"] = SECRET_LICENSE
    out.secret_env["AUTH_TOKEN"] = SECRET_AUTH_TOKEN  # Rasa reads AUTH_TOKEN as --auth-token

    # -- the stack's own variables (LLM keys, channel tokens, ...), never over the platform's -------
    clash = sorted((set(options.env) | set(options.secret_env)) & (PLATFORM_ENV_NAMES | set(out.env) | set(out.secret_env)))
    if clash:
        raise ValueError(f"the platform sets {clash[0]} itself")
    out.env.update(options.env)
    out.secret_env.update(options.secret_env)

    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    return RenderedEndpoints(
        endpoints_yml=text,
        env=dict(sorted(out.env.items())),
        secret_env=dict(sorted(out.secret_env.items())),
        ca_files=out.ca_files,
        args=args,
        data=data,
    )
