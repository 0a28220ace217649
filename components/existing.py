"""Bring-your-own services: connections built from settings instead of from a cloud.

A section with `mode: existing` names an endpoint the platform team already runs (host, port, TLS
CA, user) and its credential as a Pulumi secret. The result is the same connection type a cloud
package returns, so Rasa cannot tell the difference.
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlparse

import pulumi
from pydantic import SecretStr

from components.contracts import (
    KafkaConnection,
    ModelStorageConnection,
    NetworkAccess,
    PostgresConnection,
    RedisConnection,
    VaultConnection,
)
from infra.settings import StackSettings

ANYWHERE = ("0.0.0.0/0",)


def secret(value: Optional[SecretStr]) -> Optional[pulumi.Output[str]]:
    """A settings credential as a Pulumi secret (None stays None)."""
    return None if value is None else pulumi.Output.secret(value.get_secret_value())


def _cidrs(configured: tuple[str, ...]) -> tuple[str, ...]:
    # Without CIDRs we can still restrict egress to the service's port.
    return configured or ANYWHERE


def tracker_store(s: StackSettings) -> PostgresConnection:
    ts = s.tracker_store
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
        iam_auth=s.cloud == "aws" and s.aws.iam_auth,
        origin="existing",
        network=NetworkAccess(ports=(ts.port,), cidrs=_cidrs(ts.egress_cidrs)),
    )


def lock_store(s: StackSettings) -> RedisConnection:
    ls = s.lock_store
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


def event_queue(s: StackSettings) -> KafkaConnection:
    eq = s.event_queue
    ports = tuple(sorted({int(server.rsplit(":", 1)[1]) for server in eq.bootstrap_servers}))
    return KafkaConnection(
        bootstrap_servers=list(eq.bootstrap_servers),
        topic=eq.topic,
        security_protocol=eq.security_protocol,
        sasl_mechanism=eq.sasl_mechanism if eq.security_protocol == "SASL_SSL" else None,
        username=eq.username,
        password=secret(eq.password),
        ca_cert_pem=eq.ca_cert,
        iam_auth=eq.sasl_mechanism == "OAUTHBEARER" and s.cloud == "aws",
        origin="existing",
        network=NetworkAccess(ports=ports, cidrs=_cidrs(eq.egress_cidrs)),
    )


def model_storage(s: StackSettings) -> ModelStorageConnection:
    ms = s.model_storage
    assert ms.bucket is not None
    provider = {"aws": "aws", "gcp": "gcs", "azure": "azure"}[s.cloud]
    return ModelStorageConnection(
        provider=provider,
        bucket=ms.bucket,
        model_key=ms.model_key,
        region=ms.region or s.region,
        endpoint_url=ms.endpoint_url,
        account_name=ms.account_name,
        account_key=secret(ms.account_key),
        origin="existing",
        network=NetworkAccess(ports=(443,), cidrs=_cidrs(ms.egress_cidrs)),
    )


def vault(s: StackSettings) -> VaultConnection:
    v = s.vault
    assert v.address is not None
    parsed = urlparse(v.address)
    return VaultConnection(
        address=v.address.rstrip("/"),
        mount_point=v.mount_point,
        secrets_path=v.secrets_path,
        namespace=v.namespace,
        ca_cert_pem=v.ca_cert,
        token=secret(v.token),
        origin="existing",
        network=NetworkAccess(ports=(parsed.port or 443,), cidrs=_cidrs(v.egress_cidrs)),
    )

