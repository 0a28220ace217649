"""Rasa Pro Services' environment, rendered from resolved connections. Pure: no Pulumi, no I/O.

The variable names are the ones Rasa documents for the Rasa Pro Services container
(https://rasa.com/docs/reference/config/environment-variables/#rasa-pro-services) and that Rasa's
own chart (`rasa`, templates of `rasaProServices`) sets. No credential is ever a plain value:
the license, the SASL password and the database URL (it carries the password) are keys of Rasa Pro
Services' own Vault secret, which the Vault Agent renders into the file its container sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote, urlencode

from components.contracts import KafkaConnection

CA_DIR = "/etc/rasa-platform/analytics-ca"
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
HEALTH_PORT = 8732  # Rasa's chart probes /healthcheck here
HEALTH_PATH = "/healthcheck"

# Keys of Rasa Pro Services' own Vault secret (`<vault.secretsPath>-analytics`).
SECRET_LICENSE = "analytics-license"
SECRET_KAFKA_PASSWORD = "analytics-kafka-sasl-password"
SECRET_DATABASE_URL = "analytics-db-url"
DATABASE_CA_FILE = "database-ca.pem"


@dataclass(frozen=True)
class AnalyticsDatabase:
    """Where Rasa Pro Services stores its tables (resolved values)."""

    host: str
    port: int
    name: str
    username: str
    ssl_mode: str  # verify-full | verify-ca
    ca_cert_pem: Optional[str] = None  # None: the image's CA bundle


@dataclass(frozen=True)
class AnalyticsOptions:
    consumer_group: str
    consumer_count: int
    dead_letter_topic: str
    log_level: str
    region: Optional[str] = None  # AWS_DEFAULT_REGION with MSK IAM
    ca_dir: str = CA_DIR  # where the pod mounts the CA files (tests point it at a temp folder)


@dataclass(frozen=True)
class AnalyticsEnvironment:
    env: dict[str, str]  # plain values
    secret_env: dict[str, str]  # variable → key of its Vault secret
    ca_files: dict[str, str]  # file name under ca_dir → PEM (public certificates)
    database_ca_path: str  # the sslrootcert the database URL names


def render_environment(kafka: KafkaConnection, database: AnalyticsDatabase, options: AnalyticsOptions) -> AnalyticsEnvironment:
    """`kafka` is the consumer's own connection (resolved; its password may be redacted)."""
    ca_files: dict[str, str] = {}

    def ca(name: str, pem: Optional[str]) -> str:
        if pem:
            ca_files[name] = pem
        return _ca_path(options.ca_dir, name, bool(pem))

    servers = kafka.bootstrap_servers
    env = {
        "KAFKA_BROKER_ADDRESS": ",".join(servers) if isinstance(servers, (list, tuple)) else str(servers),
        "KAFKA_TOPIC": str(kafka.topic),
        "KAFKA_SECURITY_PROTOCOL": kafka.security_protocol,
        # Same trust as Rasa's producer: the broker's CA (librdkafka verifies the host name by default).
        "KAFKA_SSL_CA_LOCATION": ca("event-queue-ca.pem", kafka.ca_cert_pem),
        "RASA_ANALYTICS_CONSUMER_ID": options.consumer_group,
        "RASA_ANALYTICS_CONSUMER_COUNT": str(options.consumer_count),
        "RASA_ANALYTICS_DLQ": options.dead_letter_topic,
        "LOGGING_LEVEL": options.log_level,
        # Its schema is migrated by the image itself before it consumes (Rasa's default, written out).
        "RUN_ANALYTICS_DB_MIGRATIONS": "true",
    }
    # RASA_LICENSE is the documented name; Rasa's chart sets RASA_PRO_LICENSE for this image (older
    # releases read only that one): both, from the one key.
    secret_env = {"RASA_LICENSE": SECRET_LICENSE, "RASA_PRO_LICENSE": SECRET_LICENSE,
                  "RASA_ANALYTICS_DB_URL": SECRET_DATABASE_URL}
    if kafka.security_protocol == "SASL_SSL":
        if kafka.iam_auth:
            env.update({"KAFKA_SASL_MECHANISM": "OAUTHBEARER", "KAFKA_MSK_AWS_IAM_ENABLED": "true", "IAM_CLOUD_PROVIDER": "aws"})
            if options.region:
                env["AWS_DEFAULT_REGION"] = options.region
        else:
            if not kafka.username or not kafka.password:
                raise ValueError("the analytics consumer needs its own SASL user and password")
            env["KAFKA_SASL_MECHANISM"] = str(kafka.sasl_mechanism)
            env["KAFKA_SASL_USERNAME"] = str(kafka.username)
            secret_env["KAFKA_SASL_PASSWORD"] = SECRET_KAFKA_PASSWORD
    return AnalyticsEnvironment(
        env=dict(sorted(env.items())),
        secret_env=dict(sorted(secret_env.items())),
        ca_files=ca_files,
        database_ca_path=ca(DATABASE_CA_FILE, database.ca_cert_pem),
    )


def database_ca_path(has_ca: bool, ca_dir: str = CA_DIR) -> str:
    """The sslrootcert the database URL names: the mounted CA, else the image's bundle."""
    return _ca_path(ca_dir, DATABASE_CA_FILE, has_ca)


def _ca_path(ca_dir: str, name: str, mounted: bool) -> str:
    return f"{ca_dir}/{name}" if mounted else SYSTEM_CA_BUNDLE


def database_url(database: AnalyticsDatabase, password: str, ca_path: str) -> str:
    """RASA_ANALYTICS_DB_URL: TLS verified against the mounted CA, as Rasa's tracker store does.
    A secret (it carries the password): only ever written to Vault, through the bootstrap."""
    user, secret = quote(database.username, safe=""), quote(password, safe="")
    query = urlencode({"sslmode": database.ssl_mode, "sslrootcert": ca_path}, safe="/", quote_via=quote)
    return f"postgresql://{user}:{secret}@{database.host}:{database.port}/{quote(database.name, safe='')}?{query}"


def librdkafka_config(env: dict[str, str]) -> dict[str, str]:
    """The consumer settings those variables stand for, as librdkafka names them.

    Our reading of Rasa Pro Services' documented variables (its code is not public): the tests hand
    the result to confluent-kafka's Consumer and read events Rasa's own producer wrote. Hostname
    verification is librdkafka's default (`https`) and written out here."""
    config = {
        "bootstrap.servers": env["KAFKA_BROKER_ADDRESS"],
        "security.protocol": env["KAFKA_SECURITY_PROTOCOL"],
        "group.id": env["RASA_ANALYTICS_CONSUMER_ID"],
        "ssl.endpoint.identification.algorithm": "https",
    }
    if "KAFKA_SSL_CA_LOCATION" in env:
        config["ssl.ca.location"] = env["KAFKA_SSL_CA_LOCATION"]
    if env["KAFKA_SECURITY_PROTOCOL"].startswith("SASL"):
        config["sasl.mechanism"] = env["KAFKA_SASL_MECHANISM"]
        if "KAFKA_SASL_USERNAME" in env:
            config["sasl.username"] = env["KAFKA_SASL_USERNAME"]
            config["sasl.password"] = env["KAFKA_SASL_PASSWORD"]
    return config
