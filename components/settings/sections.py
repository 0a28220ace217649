"""The cloud-neutral sections of a stack's settings (`rasa-platform:<section>`).

Every field means the same on every cloud. What only means something on one cloud (instance
classes, node types, VPC or subnet ids, account keys, ...) lives in that cloud's own section,
declared in its package. The string under each field is its description (the README's settings
reference is generated from it).
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, SecretStr, field_validator

from components.settings.values import (
    Cidr, DnsLabel, HostName, HostPort, HttpsUrl, ImageTag, KeyPrefix, ObjectKey, PemCertificate,
    Port, Quantity, Section, TopicName, Version, between, matching,
)


class NetworkSettings(Section):
    mode: Literal["create", "existing"] = "create"
    """`create` a network for the managed services, or use an `existing` one (its ids: the cloud's section)."""
    cidr: Cidr = "10.40.0.0/16"
    """Address range of a created network."""
    zones: Annotated[int, between(2, 3)] = 3
    """Availability zones a created network spans."""


class ClusterSettings(Section):
    mode: Literal["create", "existing"] = "create"
    """`create` a Kubernetes cluster, or deploy onto an `existing` one."""
    name: Optional[DnsLabel] = None
    """The cluster's name (existing: used to find its workload-identity issuer)."""
    kubernetes_version: Version = "1.33"
    """create: the pinned Kubernetes minor version."""
    node_count_min: Annotated[int, between(1, 100)] = 2
    """create: smallest node count."""
    node_count_max: Annotated[int, between(1, 100)] = 4
    """create: largest node count."""
    public_access_cidrs: tuple[Cidr, ...] = ()
    """create: CIDRs allowed to reach the API endpoint publicly; none keeps it private."""
    api_access_cidrs: tuple[Cidr, ...] = ()
    """create: private networks (a CI runner's VPC, a peered network, a VPN) that may reach the private API endpoint on 443."""
    context: Optional[str] = None
    """existing: the kubeconfig context to deploy with (this or `kubeconfig` is required)."""
    kubeconfig: Optional[SecretStr] = None
    """existing: a whole kubeconfig, as a secret."""


class ModelStorageSettings(Section):
    mode: Literal["managed", "existing"] = "managed"
    """`managed` bucket created here, or an `existing` bucket / container."""
    bucket: Optional[str] = None
    """existing: bucket (S3, GCS) or container (Azure) name."""
    model_key: ObjectKey = "models/rasa-model.tar.gz"
    """Object key Rasa loads at start (`rasa run --model`)."""
    upload_from: Optional[str] = None
    """managed: a local trained model (`.tar.gz`) uploaded to `modelKey` before Rasa starts, replaced when the file changes."""
    allow_upload_from_cluster: bool = False
    """Let Rasa's identity write models (training in the cluster); read-only otherwise."""
    noncurrent_version_days: Annotated[int, between(1, 3650)] = 30
    """managed: days old model versions are kept."""
    region: Optional[str] = None
    """existing: the bucket's region when it differs from `region`."""
    egress_cidrs: tuple[Cidr, ...] = ("0.0.0.0/0",)
    """Where Rasa may connect on 443 for the object store."""


class LockStoreSettings(Section):
    mode: Literal["managed", "existing"] = "managed"
    """`managed` Redis created here, or an `existing` one."""
    host: Optional[HostName] = None
    """existing: Redis host name."""
    port: Port = 6379
    """existing: Redis port."""
    tls: bool = True
    """existing: connect with TLS (the policy pack requires it)."""
    ca_cert: Optional[PemCertificate] = None
    """existing: PEM of a private CA that signed the server certificate."""
    username: str = "default"
    """ACL user; `default` for password-only Redis (managed ElastiCache with an AUTH token: `default`)."""
    password: Optional[SecretStr] = None
    """existing: AUTH password, as a secret."""
    db: Annotated[int, between(0, 15)] = 1
    """Redis database number."""
    key_prefix: KeyPrefix = "rasa"
    """Prefix of Rasa's lock keys (alphanumeric)."""
    lock_lifetime_seconds: Annotated[int, between(10, 3600)] = 60
    """How long a conversation lock lives (`TICKET_LOCK_LIFETIME`)."""
    engine_version: Version = "7.1"
    """managed: Redis engine version."""
    high_availability: bool = False
    """managed: replicas in other zones with automatic failover."""
    snapshot_days: Annotated[int, between(0, 35)] = 0
    """managed: days of snapshots kept."""
    egress_cidrs: tuple[Cidr, ...] = ()
    """existing: where Rasa may connect to Redis (default: anywhere, on the Redis port only)."""


class TrackerStoreSettings(Section):
    mode: Literal["managed", "existing"] = "managed"
    """`managed` PostgreSQL created here, or an `existing` server."""
    host: Optional[HostName] = None
    """existing: PostgreSQL host name."""
    port: Port = 5432
    """existing: PostgreSQL port."""
    database: DnsLabel = "rasa"
    """Database Rasa stores conversations in."""
    username: Annotated[str, matching(r"[a-z_][a-z0-9_]{0,62}", "a PostgreSQL role name")] = "rasa"
    """Rasa's database role."""
    password: Optional[SecretStr] = None
    """existing: the role's password, as a secret (written to Vault for Rasa)."""
    ca_cert: Optional[PemCertificate] = None
    """PEM of the CA that signed the server certificate (else the image's bundle); managed RDS needs the RDS CA bundle."""
    ssl_mode: Literal["verify-full", "verify-ca"] = "verify-full"
    """libpq sslmode Rasa connects with."""
    max_connections: Optional[Annotated[int, between(10, 100000)]] = None
    """The server's max_connections, which sizes Rasa's connection budget: required for existing; managed: sets it."""
    engine_version: Version = "16"
    """managed: PostgreSQL major version."""
    storage_gb: Annotated[int, between(20, 65536)] = 50
    """managed: allocated storage."""
    max_storage_gb: Annotated[int, between(20, 65536)] = 200
    """managed: storage autoscaling ceiling."""
    backup_days: Annotated[int, between(7, 35)] = 7
    """managed: days of automated backups."""
    high_availability: bool = False
    """managed: a standby in another zone (Multi-AZ / zone-redundant / regional)."""
    egress_cidrs: tuple[Cidr, ...] = ()
    """existing: where Rasa may connect to PostgreSQL (default: anywhere, on its port only)."""


class EventQueueSettings(Section):
    mode: Literal["managed", "existing"] = "managed"
    """`managed` Kafka created here, or an `existing` cluster."""
    bootstrap_servers: tuple[HostPort, ...] = ()
    """existing: bootstrap brokers as host:port."""
    security_protocol: Literal["SASL_SSL", "SSL"] = "SASL_SSL"
    """existing: Kafka security protocol (TLS always)."""
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN", "OAUTHBEARER"] = "SCRAM-SHA-512"
    """SASL mechanism (OAUTHBEARER: the cloud's IAM, e.g. MSK IAM on AWS)."""
    username: Optional[str] = None
    """existing: SASL user name (`$ConnectionString` for Event Hubs)."""
    password: Optional[SecretStr] = None
    """existing: SASL password, as a secret."""
    ca_cert: Optional[PemCertificate] = None
    """existing: PEM of a private CA that signed the broker certificates."""
    topic: TopicName = "rasa-core-events"
    """Topic Rasa writes to; must be the one consumers read (Rasa Analytics: rasa-core-events)."""
    partitions: Annotated[int, between(1, 1000)] = 6
    """managed: the topic's partitions."""
    replication_factor: Annotated[int, between(1, 5)] = 3
    """managed: the topic's replication factor."""
    retention_hours: Annotated[int, between(1, 8760)] = 168
    """managed: how long the topic keeps events."""
    egress_cidrs: tuple[Cidr, ...] = ()
    """existing: where Rasa may connect to the brokers (default: anywhere, on their ports only)."""


VAULT_MODES = ("in-cluster", "external")


class VaultSettings(Section):
    mode: Literal["in-cluster", "external"] = "in-cluster"
    """`in-cluster`: the official Vault chart deployed here (raft HA, TLS, the cloud's auto-unseal), or an `external` Vault (HCP Vault Dedicated or your own); the bootstrap Job configures either."""
    servers: Annotated[int, between(1, 5)] = 1
    """in-cluster: Vault servers (raft voters; 3 in prod). Odd numbers keep a quorum."""
    storage_size: Quantity = "10Gi"
    """in-cluster: each server's raft data volume."""
    audit_storage_size: Quantity = "10Gi"
    """in-cluster: each server's audit log volume (a file audit device is enabled on it)."""
    storage_class: Optional[DnsLabel] = None
    """in-cluster: StorageClass of the data and audit volumes (default: the cluster's default)."""
    kubernetes_namespace: DnsLabel = "vault"
    """external: namespace of the Agent injector and the bootstrap Job (in-cluster, Vault runs where the cloud's seal identity is bound, e.g. `aws.vaultSeal.namespace`)."""
    token_period_hours: Annotated[int, between(1, 768)] = 24
    """Period of Rasa's Vault tokens: renewable for ever, each renewal good for this long."""
    address: Optional[HttpsUrl] = None
    """external: https address of Vault."""
    ca_cert: Optional[PemCertificate] = None
    """external: PEM of a private CA that signed Vault's certificate (becomes VAULT_CACERT)."""
    namespace: Optional[str] = None
    """external: Vault Enterprise / HCP namespace."""
    admin_token: Optional[SecretStr] = None
    """external: a token the bootstrap configures Vault with (mounts, auth, policies, the secret), as a secret."""
    kubernetes_host: Optional[HttpsUrl] = None
    """external: the cluster's API address as Vault reaches it (Vault reviews Rasa's service-account tokens there)."""
    kubernetes_ca_cert: Optional[PemCertificate] = None
    """external: PEM of the cluster API's CA (for Vault's token reviews)."""
    mount_point: Annotated[str, matching(r"[A-Za-z0-9_-]+", "a KV mount name")] = "secret"
    """KV v2 mount holding Rasa's secret."""
    secrets_path: Annotated[str, matching(r"[A-Za-z0-9_/-]+", "a KV path")] = "rasa-secrets"
    """Path of the one secret holding every credential of Rasa (and its action server)."""
    egress_cidrs: tuple[Cidr, ...] = ()
    """external: where Rasa may connect to Vault (default: anywhere, on its port only)."""

    @field_validator("mode", mode="before")
    @classmethod
    def _renamed(cls, value: object) -> object:
        if value == "existing":
            raise ValueError("renamed to `external` (same meaning: HCP Vault or your own); allowed: in-cluster, external")
        return value


class AutoscalingSettings(Section):
    enabled: bool = False
    """Run a HorizontalPodAutoscaler (then it owns the replica count)."""
    min_replicas: Annotated[int, between(1, 100)] = 1
    """Fewest Rasa pods."""
    max_replicas: Annotated[int, between(1, 100)] = 1
    """Most Rasa pods (sizes the connection budget)."""
    target_cpu_percent: Annotated[int, between(10, 95)] = 70
    """Average CPU utilisation the autoscaler aims for."""


class ResourceSettings(Section):
    cpu_request: Quantity = "1"
    """CPU requested per Rasa pod."""
    memory_request: Quantity = "2Gi"
    """Memory requested per Rasa pod."""
    cpu_limit: Quantity = "2"
    """CPU limit per Rasa pod."""
    memory_limit: Quantity = "4Gi"
    """Memory limit per Rasa pod."""


class ActionServerResourceSettings(ResourceSettings):
    cpu_request: Quantity = "250m"
    """CPU requested per action server pod."""
    memory_request: Quantity = "512Mi"
    """Memory requested per action server pod."""
    cpu_limit: Quantity = "1"
    """CPU limit per action server pod."""
    memory_limit: Quantity = "1Gi"
    """Memory limit per action server pod."""


class IngressSettings(Section):
    enabled: bool = False
    """Expose Rasa through an Ingress with TLS (for channels)."""
    class_name: str = "nginx"
    """IngressClass to use."""
    host: Optional[HostName] = None
    """Public host name."""
    cluster_issuer: Optional[str] = None
    """cert-manager ClusterIssuer that issues the TLS certificate."""
    controller_namespace: DnsLabel = "ingress-nginx"
    """Namespace of the ingress controller (allowed to reach Rasa)."""


class ActionServerSettings(Section):
    enabled: bool = False
    """Deploy an action server and wire it as `action_endpoint`."""
    image: Optional[str] = None
    """Action server image."""
    tag: Optional[ImageTag] = None
    """Action server image tag (pinned)."""
    replicas: Annotated[int, between(1, 50)] = 1
    """Action server pods."""
    port: Port = 5055
    """Action server port."""
    resources: ActionServerResourceSettings = ActionServerResourceSettings()


class VerifySettings(Section):
    enabled: bool = True
    """Run the verify Job after every change: each service checked as Rasa will reach it; a failure stops `pulumi up` before Rasa's pods roll."""
    require_model: bool = False
    """Fail the verify Job when the model object is missing (set it once a model is uploaded)."""
    timeout_seconds: Annotated[int, between(5, 120)] = 20
    """Timeout of each network call of the checks."""


class RasaSettings(Section):
    namespace: DnsLabel = "rasa"
    """Kubernetes namespace for Rasa."""
    image: str = "rasa/rasa-pro"
    """Rasa Pro image."""
    tag: ImageTag = "3.21.0"
    """Rasa Pro image tag (pinned, never latest)."""
    license: Optional[SecretStr] = None
    """Your Rasa Pro license, as a secret (required)."""
    auth_token: Optional[SecretStr] = None
    """HTTP API token, as a secret; generated when unset."""
    replicas: Annotated[int, between(1, 100)] = 1
    """Rasa pods (the autoscaler's start value when it is on)."""
    sanic_workers: Annotated[int, between(1, 16)] = 1
    """Rasa processes per pod (SANIC_WORKERS)."""
    autoscaling: AutoscalingSettings = AutoscalingSettings()
    pod_disruption_budget: bool = False
    """Keep a PodDisruptionBudget (at most one pod down during node drains)."""
    resources: ResourceSettings = ResourceSettings()
    ingress: IngressSettings = IngressSettings()
    action_server: ActionServerSettings = ActionServerSettings()
    verify: VerifySettings = VerifySettings()
    nlg_url: Optional[HttpsUrl] = None
    """URL of an NLG server (`nlg` endpoint)."""
    ingress_from_namespaces: tuple[DnsLabel, ...] = ()
    """Namespaces besides Rasa's own whose pods may call Rasa on 5005."""
    service_account_annotations: dict[str, str] = Field(default_factory=dict)
    """Extra service-account annotations, e.g. a workload identity made outside this stack."""
