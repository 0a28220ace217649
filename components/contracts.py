"""The connection types every cloud hands to Rasa.

A cloud package (or the bring-your-own path) returns one connection per backing service. Rasa's
workload never sees a cloud type: it only reads these. Each type is used in two states:

* while deploying, fields hold ``pulumi.Input`` values (outputs of cloud resources), and every
  credential is a Pulumi secret;
* after ``resolve_connections``, the same dataclass holds plain Python values; that is what the
  pure ``endpoints.yml`` renderer takes.

Fields that shape the generated configuration (TLS on/off, auth mode, ports, the connection
limit) are plain values from the start, so the renderer's decisions never wait on the cloud.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Optional, TypeVar

import pulumi

Origin = Literal["managed", "existing"]
ModelStorageProvider = Literal["aws", "gcs", "azure"]
KafkaSecurityProtocol = Literal["SSL", "SASL_SSL"]
KafkaSaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]
PostgresSslMode = Literal["verify-full", "verify-ca", "require"]



@dataclass(frozen=True)
class NetworkAccess:
    """Where the Rasa pod must be allowed to connect (used for its egress NetworkPolicy)."""

    ports: tuple[int, ...]
    cidrs: pulumi.Input[list[str]] = ("0.0.0.0/0",)
    # A service that runs in this cluster: these pods of that namespace (labels as sorted pairs),
    # instead of `cidrs` (NetworkPolicies see the pod behind a Service's cluster IP).
    in_cluster: Optional[tuple[str, tuple[tuple[str, str], ...]]] = None


@dataclass(frozen=True)
class PostgresConnection:
    host: pulumi.Input[str]
    port: int
    database: str
    username: pulumi.Input[str]
    # The connection limit of the server: Rasa's pool is sized against it (connection budget).
    max_connections: int
    origin: Origin
    network: NetworkAccess
    password: Optional[pulumi.Input[str]] = None  # secret; None with IAM auth
    ca_cert_pem: Optional[pulumi.Input[str]] = None  # None: trust the image's CA bundle
    ssl_mode: PostgresSslMode = "verify-full"
    iam_auth: bool = False
    # A server-side name for the policy pack / outputs (RDS identifier, "existing", ...).
    resource_name: pulumi.Input[str] = "existing"

    def admin_login(self, username: pulumi.Input[str], password: pulumi.Input[str]) -> "PostgresConnection":
        """The same server, TLS and network, logged in as its admin on the `postgres` database
        (the analytics setup Job creates databases and roles with it)."""
        return dataclasses.replace(self, username=username, password=password, database="postgres")


@dataclass(frozen=True)
class RedisConnection:
    host: pulumi.Input[str]
    port: int
    origin: Origin
    network: NetworkAccess
    username: pulumi.Input[str] = "default"  # password-only Redis needs "default" (Rasa trap)
    password: Optional[pulumi.Input[str]] = None  # secret; None with IAM auth
    use_ssl: bool = True
    ca_cert_pem: Optional[pulumi.Input[str]] = None
    db: int = 1
    key_prefix: str = "rasa"
    iam_auth: bool = False
    # ElastiCache IAM auth signs tokens for this replication group / cache name.
    iam_cluster_name: Optional[pulumi.Input[str]] = None
    resource_name: pulumi.Input[str] = "existing"


@dataclass(frozen=True)
class KafkaConnection:
    bootstrap_servers: pulumi.Input[list[str]]
    topic: pulumi.Input[str]
    origin: Origin
    network: NetworkAccess
    security_protocol: KafkaSecurityProtocol = "SASL_SSL"
    sasl_mechanism: Optional[KafkaSaslMechanism] = "SCRAM-SHA-512"
    username: Optional[pulumi.Input[str]] = None
    password: Optional[pulumi.Input[str]] = None  # secret
    ca_cert_pem: Optional[pulumi.Input[str]] = None
    iam_auth: bool = False
    client_id: str = "rasa"
    resource_name: pulumi.Input[str] = "existing"


@dataclass(frozen=True)
class ModelStorageConnection:
    provider: ModelStorageProvider
    bucket: pulumi.Input[str]  # bucket (S3/GCS) or container (Azure)
    model_key: str  # object key passed to `rasa run --model`
    origin: Origin
    region: Optional[pulumi.Input[str]] = None
    endpoint_url: Optional[pulumi.Input[str]] = None  # S3-compatible endpoints only
    account_name: Optional[pulumi.Input[str]] = None  # Azure
    account_key: Optional[pulumi.Input[str]] = None  # Azure, secret (Rasa supports keys only)
    network: NetworkAccess = NetworkAccess(ports=(443,))
    resource_name: pulumi.Input[str] = "existing"


@dataclass(frozen=True)
class VaultConnection:
    address: pulumi.Input[str]  # https://host:port
    origin: Origin
    network: NetworkAccess
    mount_point: str = "secret"  # KV v2 mount
    secrets_path: str = "rasa-secrets"  # one secret holding every key of the deployment
    namespace: Optional[str] = None
    ca_cert_pem: Optional[pulumi.Input[str]] = None
    # No token: Rasa's is the Agent's, exported by the wrapper (components/rasa/vault_delivery.py).


@dataclass(frozen=True)
class WorkloadIdentity:
    """What the cloud hands the Rasa pod so it can reach cloud APIs without static keys."""

    service_account_annotations: pulumi.Input[dict[str, str]] = field(default_factory=dict)
    pod_labels: dict[str, str] = field(default_factory=dict)
    env: pulumi.Input[dict[str, str]] = field(default_factory=dict)
    # Where the pod must connect to obtain its credentials (e.g. GKE's metadata server), for its egress.
    network: tuple[NetworkAccess, ...] = ()


@dataclass(frozen=True)
class KafkaAdminAccess:
    """How the Vault bootstrap Job logs in to a managed Kafka as its administrator, to grant the
    ACLs its SCRAM users need where the cloud's API cannot (MSK: an IAM role, through the
    brokers' IAM listener). Handed to cloud-neutral code, which builds the bootstrap's plan."""

    bootstrap_servers: pulumi.Input[list[str]]
    network: NetworkAccess  # the administrator's port on the brokers
    # The bootstrap's service account, which `identity` is bound to (the cloud trusts that one only).
    namespace: str
    service_account: str
    # What that service account and its pod carry (annotations, env), and where the pod must
    # connect to obtain its credentials (e.g. AWS STS).
    identity: WorkloadIdentity
    security_protocol: KafkaSecurityProtocol = "SASL_SSL"
    sasl_mechanism: str = "AWS_MSK_IAM"  # OAUTHBEARER with a token signed for `region`
    region: Optional[str] = None
    ca_cert_pem: Optional[pulumi.Input[str]] = None  # None: a public CA (the image's bundle)
    # What must exist before the Job logs in (the identity's permissions).
    ready: tuple[pulumi.Resource, ...] = ()


@dataclass(frozen=True)
class VaultSealConfig:
    """How an in-cluster Vault auto-unseals on one cloud; the Vault component stays cloud-neutral.

    `seal_type` and `parameters` become the server's `seal "<seal_type>" { key = "value" ... }` stanza
    (awskms: region, kms_key_id; azurekeyvault: tenant_id, vault_name, key_name; gcpckms: project,
    region, key_ring, crypto_key). `identity` binds the Vault server's Kubernetes service account to
    the cloud identity that may use only that key (annotations, pod labels, env)."""

    seal_type: Literal["awskms", "azurekeyvault", "gcpckms"]
    parameters: Mapping[str, pulumi.Input[str]]
    identity: WorkloadIdentity = field(default_factory=WorkloadIdentity)
    # The Kubernetes service account `identity` is bound to: the Vault servers run as it.
    namespace: str = "vault"
    service_account: str = "vault"


@dataclass(frozen=True)
class PlatformConnections:
    tracker_store: PostgresConnection
    lock_store: RedisConnection
    event_queue: KafkaConnection
    model_storage: ModelStorageConnection
    vault: VaultConnection
    identity: WorkloadIdentity


C = TypeVar("C")


def resolve(connection: C) -> pulumi.Output[C]:
    """Wait for every Input field of a connection dataclass and rebuild it with plain values.

    Nested dataclasses are resolved too. Secrets stay secret: the resulting Output is marked
    secret when any field was, so callers must not export it unmasked.
    """
    if not dataclasses.is_dataclass(connection):
        return pulumi.Output.from_input(connection)
    names = [f.name for f in dataclasses.fields(connection)]
    values = [resolve(getattr(connection, n)) for n in names]
    return pulumi.Output.all(*values).apply(
        lambda resolved: dataclasses.replace(connection, **dict(zip(names, resolved)))
    )


SECRET_FIELDS = ("password", "account_key")
SECRET_PRESENT = "[secret]"


def redact(connection: C) -> C:
    """The same connection with every credential replaced by a marker of its presence.

    The endpoints.yml renderer only needs to know whether a credential exists; handing it the
    redacted connection keeps its output free of secrets (and not marked secret by Pulumi).
    """
    if not dataclasses.is_dataclass(connection):
        return connection
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(connection):
        value = getattr(connection, f.name)
        if f.name in SECRET_FIELDS:
            changes[f.name] = None if value is None else SECRET_PRESENT
        elif dataclasses.is_dataclass(value):
            changes[f.name] = redact(value)
    return dataclasses.replace(connection, **changes)
