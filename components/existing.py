"""Bring-your-own services: connections built from settings instead of from a cloud.

A section with `mode: existing` names an endpoint the platform team already runs (host, port, TLS
CA, user) and its credential as a Pulumi secret. The result is the same connection type a cloud
package returns, so Rasa cannot tell the difference. What differs per cloud (IAM auth, an
S3-compatible endpoint, an Azure account key) arrives as the cloud plan's `ExistingAccess`.
"""

from __future__ import annotations

from typing import Optional
import pulumi
from pydantic import SecretStr

from components.cloud import ExistingAccess
from components.contracts import (
    KafkaConnection,
    ModelStorageConnection,
    NetworkAccess,
    PostgresConnection,
    RedisConnection,
)
from components.settings.sections import (
    EventQueueSettings, LockStoreSettings, ModelStorageSettings, TrackerStoreSettings,
)

ANYWHERE = ("0.0.0.0/0",)


def secret(value: Optional[SecretStr]) -> Optional[pulumi.Output[str]]:
    """A settings credential as a Pulumi secret (None stays None)."""
    return None if value is None else pulumi.Output.secret(value.get_secret_value())


def _cidrs(configured: tuple[str, ...]) -> tuple[str, ...]:
    # Without CIDRs we can still restrict egress to the service's port.
    return configured or ANYWHERE


def tracker_store(ts: TrackerStoreSettings, access: ExistingAccess) -> PostgresConnection:
    assert ts.host is not None and ts.max_connections is not None  # checked by settings
    return PostgresConnection(
        host=ts.host,
        port=ts.port,
        database=ts.database,
        username=ts.username,
        password=secret(ts.password),
        ca_cert_pem=ts.ca_cert,
        ssl_mode=ts.ssl_mode,
        max_connections=ts.max_connections,
        iam_auth=access.iam_auth,
        origin="existing",
        network=NetworkAccess(ports=(ts.port,), cidrs=_cidrs(ts.egress_cidrs)),
    )


def lock_store(ls: LockStoreSettings) -> RedisConnection:
    assert ls.host is not None
    return RedisConnection(
        host=ls.host,
        port=ls.port,
        username=ls.username,
        password=secret(ls.password),
        use_ssl=ls.tls,
        ca_cert_pem=ls.ca_cert,
        db=ls.db,
        key_prefix=ls.key_prefix,
        origin="existing",
        network=NetworkAccess(ports=(ls.port,), cidrs=_cidrs(ls.egress_cidrs)),
    )


def event_queue(eq: EventQueueSettings, access: ExistingAccess) -> KafkaConnection:
    ports = tuple(sorted({int(server.rsplit(":", 1)[1]) for server in eq.bootstrap_servers}))
    return KafkaConnection(
        bootstrap_servers=list(eq.bootstrap_servers),
        topic=eq.topic,
        security_protocol=eq.security_protocol,
        sasl_mechanism=eq.sasl_mechanism if eq.security_protocol == "SASL_SSL" else None,
        username=eq.username,
        password=secret(eq.password),
        ca_cert_pem=eq.ca_cert,
        iam_auth=eq.sasl_mechanism == "OAUTHBEARER" and access.iam_auth,
        origin="existing",
        network=NetworkAccess(ports=ports, cidrs=_cidrs(eq.egress_cidrs)),
    )


def model_storage(
    ms: ModelStorageSettings, remote_storage: str, region: Optional[str], access: ExistingAccess,
) -> ModelStorageConnection:
    """`remote_storage` is the cloud's `rasa run --remote-storage` value (aws | gcs | azure)."""
    assert ms.bucket is not None
    return ModelStorageConnection(
        provider=remote_storage,  # type: ignore[arg-type]  (a registered cloud's value)
        bucket=ms.bucket,
        model_key=ms.model_key,
        region=ms.region or region,
        endpoint_url=access.model_storage_endpoint_url,
        account_name=access.model_storage_account_name,
        account_key=secret(access.model_storage_account_key),
        origin="existing",
        network=NetworkAccess(ports=(443,), cidrs=_cidrs(ms.egress_cidrs)),
    )
