"""Rasa Pro Services' consumer, built from the environment the program renders for it, reads the
events Rasa Pro's own KafkaEventBroker published: a real Kafka-protocol broker (Tansu, behind
the tests' TLS terminator, see tests/support/kafka.py), Rasa 3.21 in its own virtualenv.

The consumer is librdkafka (confluent-kafka) configured the way Rasa Pro Services' documented
variables say; the Rasa Pro Services image itself is not run here (README: what only a cluster
with the real image shows)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from confluent_kafka import Consumer, KafkaError

from components.analytics.environment import AnalyticsDatabase, AnalyticsOptions, librdkafka_config, render_environment
from components.contracts import (
    KafkaConnection, ModelStorageConnection, NetworkAccess, PlatformConnections, PostgresConnection, RedisConnection,
    VaultConnection, WorkloadIdentity,
)
from tests.support import variants
from tests.support.kafka import KafkaServer, TlsTerminator, kafka_server
from tests.support.pod import render_pod
from tests.support.rasa_env import RasaRunner
from tests.support.servers import ServerError
from tests.support.tls import TestCA

pytestmark = pytest.mark.integration

TOPIC = "rasa-core-events"
DLQ = "rasa-analytics-dlq"
GROUP = "rasa-analytics-group"


@pytest.fixture(scope="module")
def kafka(test_ca: TestCA) -> Iterator[KafkaServer]:
    try:
        with kafka_server(test_ca) as server:
            server.create_topic(TOPIC, partitions=2)
            server.create_topic(DLQ)
            yield server
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


def net(server: str) -> NetworkAccess:
    return NetworkAccess(ports=(int(server.rsplit(":", 1)[1]),), cidrs=("127.0.0.1/32",))


def broker_connection(kafka: KafkaServer, ca: str, **changes) -> KafkaConnection:
    values = dict(bootstrap_servers=[kafka.bootstrap], topic=TOPIC, origin="existing", network=net(kafka.bootstrap),
                  security_protocol="SSL", sasl_mechanism=None, ca_cert_pem=ca)
    return KafkaConnection(**{**values, **changes})


def rasa_connections(kafka: KafkaServer, ca: str) -> PlatformConnections:
    """Rasa's pod as the program renders it; only its event broker is reached here."""
    unused = NetworkAccess(ports=(1,))
    return PlatformConnections(
        tracker_store=PostgresConnection(host="db.invalid", port=5432, database="rasa", username="rasa", max_connections=100,
                                         origin="existing", network=unused, password="unused", ca_cert_pem=ca),
        lock_store=RedisConnection(host="redis.invalid", port=6379, origin="existing", network=unused, password="unused"),
        event_queue=broker_connection(kafka, ca),
        model_storage=ModelStorageConnection(provider="aws", bucket="models", model_key="m", origin="existing"),
        vault=VaultConnection(address="https://vault.invalid:8200", origin="existing", network=unused),
        identity=WorkloadIdentity(),
    )


def analytics_env(consumer: KafkaConnection, directory: Path, secrets: dict[str, str]) -> dict[str, str]:
    """The Rasa Pro Services container's environment: rendered env, CA files where the pod mounts
    them, and the Secret's values for each secretKeyRef."""
    ca_dir = directory / "analytics-ca"
    ca_dir.mkdir(parents=True, exist_ok=True)
    rendered = render_environment(consumer, AnalyticsDatabase("db.invalid", 5432, "rasa_analytics", "rasa_analytics", "verify-full"),
                                  AnalyticsOptions(GROUP, 1, DLQ, "INFO", ca_dir=str(ca_dir)))
    for name, pem in rendered.ca_files.items():
        (ca_dir / name).write_text(pem)
    return {**rendered.env, **{var: secrets[key] for var, key in rendered.secret_env.items() if key in secrets}}


def consume_until(config: dict[str, str], topic: str, wanted: str, timeout: float = 45) -> dict:
    """Join the consumer group, read the topic from the start, return the event of `wanted`."""
    errors: list[str] = []
    consumer = Consumer({**config, "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "error_cb": lambda err: errors.append(str(err))})
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            body = json.loads(message.value())
            if body.get("sender_id") == wanted:
                return {"body": body, "key": message.key().decode() if message.key() else None,
                        "assignment": [tp.topic for tp in consumer.assignment()]}
    finally:
        consumer.close()
    raise AssertionError(f"no event of {wanted} on {topic} within {timeout} s; client errors: {errors[-5:]}")


def test_analytics_reads_back_what_rasa_s_event_broker_published(kafka: KafkaServer, test_ca: TestCA, rasa: RasaRunner,
                                                                 tmp_path: Path) -> None:
    pod = render_pod(rasa_connections(kafka, test_ca.cert_pem), variants.options(100, 2, surge=1), tmp_path / "rasa")
    sender = f"analytics-{uuid.uuid4().hex[:8]}"
    report = rasa.run(["kafka-roundtrip"], pod.env, endpoints=pod.endpoints_file, extra_args=("--sender", sender))["kafka-roundtrip"]
    assert "error" not in report, report.get("traceback")
    assert report["class"] == "KafkaEventBroker" and report["received"]["sender_id"] == sender

    handshakes = kafka.terminator.handshakes
    env = analytics_env(broker_connection(kafka, test_ca.cert_pem, client_id="rasa-analytics"), tmp_path, {})
    assert env["KAFKA_TOPIC"] == TOPIC and env["RASA_ANALYTICS_CONSUMER_ID"] == GROUP
    assert Path(env["KAFKA_SSL_CA_LOCATION"]).read_text() == test_ca.cert_pem
    received = consume_until(librdkafka_config(env), env["KAFKA_TOPIC"], sender)
    assert received["body"]["event"] == "user" and received["body"]["text"] == "hello from the integration test"
    assert received["key"] == sender  # Rasa partitions by sender: one conversation stays in order
    assert received["assignment"] and set(received["assignment"]) == {TOPIC}
    assert kafka.terminator.handshakes > handshakes  # verified TLS, as in the cluster


def test_a_broker_certificate_for_another_name_is_refused(kafka: KafkaServer, test_ca: TestCA, tmp_path: Path) -> None:
    """Hostname verification is on: a terminator whose certificate (same CA) names another host is refused."""
    cert, key = test_ca.issue_server_cert(common_name="other.invalid", names=("other.invalid",)).write(tmp_path, "other")
    impostor = TlsTerminator(cert, key, kafka.plaintext_port)
    try:
        env = analytics_env(broker_connection(kafka, test_ca.cert_pem, bootstrap_servers=[f"localhost:{impostor.port}"]),
                            tmp_path, {})
        errors: list[KafkaError] = []
        consumer = Consumer({**librdkafka_config(env), "error_cb": errors.append})
        try:
            with pytest.raises(Exception):
                consumer.list_topics(TOPIC, timeout=8)
        finally:
            consumer.close()
    finally:
        impostor.close()
    assert impostor.handshakes == 0 and impostor.failed_handshakes > 0
    assert any("certificate verify failed" in str(e) for e in errors), errors


def test_the_scram_consumer_reaches_the_broker_s_scram_exchange(test_ca: TestCA, tmp_path: Path) -> None:
    """SASL_SSL with SCRAM-SHA-512, as on MSK: Tansu runs the exchange inside TLS and refuses the user
    (it can store none, tests/support/kafka.py) — the rendered SASL settings are the ones sent."""
    try:
        with kafka_server(test_ca, authentication=True) as broker:
            consumer_conn = broker_connection(broker, test_ca.cert_pem, security_protocol="SASL_SSL",
                                              sasl_mechanism="SCRAM-SHA-512", username="rasa-analytics", password="[secret]")
            env = analytics_env(consumer_conn, tmp_path, {"analytics-kafka-sasl-password": "the-consumer-password"})
            assert (env["KAFKA_SASL_MECHANISM"], env["KAFKA_SASL_USERNAME"]) == ("SCRAM-SHA-512", "rasa-analytics")
            errors: list[KafkaError] = []
            consumer = Consumer({**librdkafka_config(env), "error_cb": errors.append})
            try:
                with pytest.raises(Exception):
                    consumer.list_topics(TOPIC, timeout=8)
            finally:
                consumer.close()
            assert broker.terminator.handshakes > 0
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    text = " ".join(str(e) for e in errors)
    assert "SASL" in text and "authentication" in text.lower(), text
    assert "the-consumer-password" not in text
