"""Resolved connections (plain values) for the deployment shapes the renderer must handle.

Each variant is what one cloud or one choice of settings hands to the renderer. Hosts are
fictitious (nothing connects in the compatibility checks); secrets are random per test session
so that a leak into rendered text cannot pass unnoticed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Optional

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
from components.rasa.budget import max_processes, plan_budget
from components.rasa.endpoints import RenderOptions

REGION = "eu-central-1"
EVENT_HUBS_USERNAME = "$ConnectionString"  # Azure Event Hubs' fixed SASL user name


def secret(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(12)}"


def net(*ports: int) -> NetworkAccess:
    return NetworkAccess(ports=ports, cidrs=("10.0.0.0/16",))


@dataclass(frozen=True)
class Variant:
    name: str
    connections: PlatformConnections
    options: RenderOptions
    # what Rasa must end up with (stated independently of the renderer's output)
    lock_store_class: str
    kafka_ca: bool
    # dummy AWS credentials: where IRSA would give real ones, Rasa's SDK calls need some
    aws_credentials: bool = False
    # what the Agent would render as VAULT_TOKEN (the harness plays the Agent)
    vault_token: str = field(default_factory=lambda: secret("vault"))


def options(max_connections: int, max_replicas: int, *, sanic_workers: int = 1, surge: int = 1,
            action_url: Optional[str] = None, nlg_url: Optional[str] = None,
            region: Optional[str] = None, lock_lifetime: int = 60) -> RenderOptions:
    """Options as the platform derives them: the budget counts every process that can serve at
    once (replicas plus the rolling-update surge, times Sanic workers)."""
    budget = plan_budget(max_connections, max_processes(max_replicas, surge, sanic_workers))
    return RenderOptions(
        budget=budget, sanic_workers=sanic_workers, lock_lifetime_seconds=lock_lifetime,
        action_endpoint_url=action_url, nlg_url=nlg_url, region=region,
    )


def scram_ha(ca_pem: str) -> Variant:
    """Three replicas, every service on a private CA, Kafka with SCRAM, actions and NLG."""
    conns = PlatformConnections(
        tracker_store=PostgresConnection(
            host="tracker.db.internal", port=5432, database="rasa", username="rasa_app", max_connections=400,
            origin="existing", network=net(5432), password=secret("pg"), ca_cert_pem=ca_pem,
        ),
        lock_store=RedisConnection(
            host="locks.redis.internal", port=6380, origin="existing", network=net(6380),
            password=secret("redis"), ca_cert_pem=ca_pem, db=1, key_prefix="rasaprod",
        ),
        event_queue=KafkaConnection(
            bootstrap_servers=["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"], topic="rasa-events",
            origin="existing", network=net(9096), security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
            username="rasa-producer", password=secret("kafka"), ca_cert_pem=ca_pem,
        ),
        model_storage=ModelStorageConnection(
            provider="aws", bucket="rasa-models-prod", model_key="models/bot.tar.gz", origin="existing",
            region=REGION,
        ),
        vault=VaultConnection(
            address="https://vault.vault.svc:8200", origin="existing", network=net(8200),
            ca_cert_pem=ca_pem, namespace="team-a",
        ),
        identity=WorkloadIdentity(),
    )
    return Variant(
        "scram-ha", conns,
        options(400, 3, sanic_workers=2, action_url="https://actions.rasa.svc:5055/webhook",
                nlg_url="https://nlg.rasa.svc:5056/nlg", region=REGION, lock_lifetime=90),
        lock_store_class="ConcurrentRedisLockStore", kafka_ca=True,
    )


def single_replica_public_ca() -> Variant:
    """One process only (one replica, one worker, no surge pod: lock store `redis`), services with
    publicly trusted certificates, Kafka over plain SSL (no SASL), GCS model storage."""
    conns = PlatformConnections(
        tracker_store=PostgresConnection(
            host="10.20.0.5", port=5432, database="rasa", username="rasa", max_connections=100,
            origin="managed", network=net(5432), password=secret("pg"), ssl_mode="verify-ca",
        ),
        lock_store=RedisConnection(
            host="10.20.0.6", port=6378, origin="managed", network=net(6378), password=secret("redis"),
        ),
        event_queue=KafkaConnection(
            bootstrap_servers=["kafka-0.example.com:9093"], topic="rasa-core-events", origin="existing",
            network=net(9093), security_protocol="SSL", sasl_mechanism=None,
        ),
        model_storage=ModelStorageConnection(
            provider="gcs", bucket="rasa-models-dev", model_key="models/latest", origin="managed",
        ),
        vault=VaultConnection(address="https://vault.example.com", origin="existing", network=net(443)),
        identity=WorkloadIdentity(),
    )
    return Variant("single-replica-public-ca", conns, options(100, 1, surge=0), lock_store_class="RedisLockStore",
                   kafka_ca=False)


def aws_iam(ca_pem: str) -> Variant:
    """RDS, ElastiCache and MSK with IAM authentication: no passwords anywhere."""
    conns = PlatformConnections(
        tracker_store=PostgresConnection(
            host="rasa.cluster-abc.eu-central-1.rds.amazonaws.com", port=5432, database="rasa",
            username="rasa_iam", max_connections=200, origin="managed", network=net(5432),
            ca_cert_pem=ca_pem, iam_auth=True,
        ),
        lock_store=RedisConnection(
            host="master.rasa-locks.abc.euc1.cache.amazonaws.com", port=6379, origin="managed",
            network=net(6379), username="rasa-iam-user", iam_auth=True, iam_cluster_name="rasa-locks",
        ),
        event_queue=KafkaConnection(
            bootstrap_servers=["b-1.rasa.abc.kafka.eu-central-1.amazonaws.com:9098"], topic="rasa-events",
            origin="managed", network=net(9098), security_protocol="SASL_SSL", iam_auth=True,
        ),
        model_storage=ModelStorageConnection(
            provider="aws", bucket="rasa-models", model_key="models/bot", origin="managed", region=REGION,
        ),
        vault=VaultConnection(address="https://vault.vault.svc:8200", origin="managed", network=net(8200),
                              ca_cert_pem=ca_pem),
        identity=WorkloadIdentity(
            service_account_annotations={"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/rasa"}),
    )
    return Variant("aws-iam", conns, options(200, 2, region=REGION), lock_store_class="ConcurrentRedisLockStore",
                   kafka_ca=False, aws_credentials=True)


def azure(ca_pem: str) -> Variant:
    """Azure: Flexible Server, Cache for Redis (access key, password-only AUTH), Event Hubs' Kafka
    endpoint (PLAIN with the connection string), Blob storage with an account key."""
    namespace_cs = (f"Endpoint=sb://rasa-ns.servicebus.windows.net/;SharedAccessKeyName=rasa-send;"
                    f"SharedAccessKey={secrets.token_urlsafe(24)}=")
    conns = PlatformConnections(
        tracker_store=PostgresConnection(
            host="rasa-pg.postgres.database.azure.com", port=5432, database="rasa", username="rasa",
            max_connections=859, origin="managed", network=net(5432), password=secret("pg"), ca_cert_pem=ca_pem,
        ),
        lock_store=RedisConnection(
            host="rasa-locks.redis.cache.windows.net", port=6380, origin="managed", network=net(6380),
            password=secret("redis"),
        ),
        event_queue=KafkaConnection(
            bootstrap_servers=["rasa-ns.servicebus.windows.net:9093"], topic="rasa-events", origin="managed",
            network=net(9093), security_protocol="SASL_SSL", sasl_mechanism="PLAIN",
            username=EVENT_HUBS_USERNAME, password=namespace_cs,
        ),
        model_storage=ModelStorageConnection(
            provider="azure", bucket="models", model_key="bot.tar.gz", origin="managed",
            account_name="rasamodels", account_key=secret("azkey"),
        ),
        vault=VaultConnection(address="https://vault.vault.svc:8200", origin="managed", network=net(8200),
                              ca_cert_pem=ca_pem),
        identity=WorkloadIdentity(),
    )
    return Variant("azure", conns, options(859, 4), lock_store_class="ConcurrentRedisLockStore", kafka_ca=False)
