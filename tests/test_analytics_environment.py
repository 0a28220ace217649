"""Rasa Pro Services' environment (pure renderer) and the consumer librdkafka builds from it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from confluent_kafka import Consumer, KafkaException

from components.analytics.environment import (
    SYSTEM_CA_BUNDLE, AnalyticsDatabase, AnalyticsOptions, database_url, librdkafka_config, render_environment,
)
from components.contracts import KafkaConnection, NetworkAccess

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
NET = NetworkAccess(ports=(9096,))
OPTIONS = AnalyticsOptions("rasa-analytics-group", 2, "rasa-analytics-dlq", "INFO", region="eu-central-1", ca_dir="/ca")
DB = AnalyticsDatabase("db.internal", 5432, "rasa_analytics", "rasa_analytics", "verify-full", PEM)


def scram(**changes) -> KafkaConnection:
    values = dict(bootstrap_servers=["b-1:9096", "b-2:9096"], topic="rasa-core-events", origin="managed", network=NET,
                  username="rasa-analytics", password="[secret]", ca_cert_pem=PEM)
    return KafkaConnection(**{**values, **changes})


def test_scram_consumer_environment():
    r = render_environment(scram(), DB, OPTIONS)
    assert r.env == {
        "KAFKA_BROKER_ADDRESS": "b-1:9096,b-2:9096", "KAFKA_TOPIC": "rasa-core-events",
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "rasa-analytics", "KAFKA_SSL_CA_LOCATION": "/ca/event-queue-ca.pem",
        "RASA_ANALYTICS_CONSUMER_ID": "rasa-analytics-group", "RASA_ANALYTICS_CONSUMER_COUNT": "2",
        "RASA_ANALYTICS_DLQ": "rasa-analytics-dlq", "LOGGING_LEVEL": "INFO", "RUN_ANALYTICS_DB_MIGRATIONS": "true",
    }
    # Rasa's documented RASA_LICENSE and the RASA_PRO_LICENSE Rasa's chart sets for this image: one key.
    assert r.secret_env == {"KAFKA_SASL_PASSWORD": "analytics-kafka-sasl-password", "RASA_ANALYTICS_DB_URL": "analytics-db-url",
                            "RASA_LICENSE": "analytics-license", "RASA_PRO_LICENSE": "analytics-license"}
    assert r.ca_files == {"event-queue-ca.pem": PEM, "database-ca.pem": PEM}
    assert r.database_ca_path == "/ca/database-ca.pem"
    assert "[secret]" not in str(r.env)


def test_public_certificates_use_the_image_bundle_and_msk_iam_needs_no_password():
    r = render_environment(scram(ca_cert_pem=None, iam_auth=True, sasl_mechanism="OAUTHBEARER", username=None, password=None),
                           AnalyticsDatabase("db", 5432, "a", "a", "verify-full"), OPTIONS)
    assert r.env["KAFKA_SSL_CA_LOCATION"] == SYSTEM_CA_BUNDLE and r.database_ca_path == SYSTEM_CA_BUNDLE and r.ca_files == {}
    assert (r.env["KAFKA_SASL_MECHANISM"], r.env["KAFKA_MSK_AWS_IAM_ENABLED"], r.env["IAM_CLOUD_PROVIDER"],
            r.env["AWS_DEFAULT_REGION"]) == ("OAUTHBEARER", "true", "aws", "eu-central-1")
    assert "KAFKA_SASL_PASSWORD" not in r.secret_env and "KAFKA_SASL_USERNAME" not in r.env


def test_a_sasl_consumer_without_its_own_user_is_refused():
    with pytest.raises(ValueError, match="its own SASL user and password"):
        render_environment(scram(username=None), DB, OPTIONS)


def test_database_url_verifies_tls_against_the_mounted_ca_and_quotes_the_password():
    password = "p@ss:w/rd#%?&="
    url = database_url(DB, password, "/ca/database-ca.pem")
    parts = urlsplit(url)
    assert parts.scheme == "postgresql" and parts.hostname == "db.internal" and parts.port == 5432
    assert parts.path == "/rasa_analytics" and parts.username == "rasa_analytics"
    assert parse_qs(parts.query) == {"sslmode": ["verify-full"], "sslrootcert": ["/ca/database-ca.pem"]}
    from urllib.parse import unquote
    assert unquote(parts.password) == password and password not in url


def consumer_env(**changes) -> dict[str, str]:
    r = render_environment(scram(**changes), DB, OPTIONS)
    return {**r.env, "KAFKA_SASL_PASSWORD": "a-consumer-password", "KAFKA_SSL_CA_LOCATION": SYSTEM_CA_BUNDLE}


def test_librdkafka_accepts_the_consumer_built_from_the_rendered_environment():
    config = librdkafka_config(consumer_env())
    assert config == {
        "bootstrap.servers": "b-1:9096,b-2:9096", "security.protocol": "SASL_SSL", "group.id": "rasa-analytics-group",
        "ssl.endpoint.identification.algorithm": "https", "ssl.ca.location": SYSTEM_CA_BUNDLE,
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "rasa-analytics", "sasl.password": "a-consumer-password",
    }
    Consumer(config).close()  # librdkafka validates every property here, before any connection


def test_the_acceptance_check_can_fail():
    """librdkafka really reads the CA file and the protocol at construction (not at first connect)."""
    config = librdkafka_config(consumer_env())
    with pytest.raises(KafkaException, match="ssl.ca.location"):
        Consumer({**config, "ssl.ca.location": "/no/such/ca.pem"})
    with pytest.raises(KafkaException, match="security.protocol"):
        Consumer({**config, "security.protocol": "SASL_TLS"})
