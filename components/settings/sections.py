"""The cloud-neutral sections of a stack's settings (`rasa-platform:<section>`).

Every field means the same on every cloud. What only means something on one cloud (instance
classes, node types, VPC or subnet ids, account keys, ...) lives in that cloud's own section,
declared in its package. The string under each field is its description (the README's settings
reference is generated from it).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, Field, SecretStr, field_validator

from components.settings.values import (
    Cidr, DnsLabel, EnvName, HostName, HostPort, HttpsUrl, ImageRepository, ImageTag, KeyPrefix, ObjectKey,
    PemCertificate, Port, Quantity, Section, TopicName, Version, between, matching,
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
    upload_from: Optional[Annotated[str, matching(r".+\.tar\.gz", "a path to a trained model archive (.tar.gz)")]] = None
    """managed: a local trained model (`.tar.gz`, relative to the project folder) uploaded to `modelKey` before Rasa starts, replaced when the file changes; checked against the image's Rasa version first."""
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


class ConfluentSettings(Section):
    """Confluent Cloud (`eventQueue.provider: confluent`): the provider reads the Cloud API key from
    the environment (CONFLUENT_CLOUD_API_KEY, CONFLUENT_CLOUD_API_SECRET), never from a stack file."""

    environment_id: Optional[Annotated[str, matching(r"env-[a-z0-9]{3,12}", "a Confluent environment id (env-...)")]] = None
    """An existing Confluent environment to create the cluster in; unset: one is created for the stack."""
    cluster_type: Literal["basic", "standard"] = "standard"
    """Confluent Kafka cluster type (standard: 99.99 % SLA with multi-zone, RBAC and ACLs)."""
    availability: Literal["SINGLE_ZONE", "MULTI_ZONE"] = "MULTI_ZONE"
    """Zones of the cluster (basic clusters are single-zone only)."""
    region: Optional[str] = None
    """Confluent region (the cloud's region name); unset: the stack's region."""


class EventQueueSettings(Section):
    mode: Literal["managed", "existing"] = "managed"
    """`managed` Kafka created here, or an `existing` cluster."""
    provider: Optional[Literal["msk", "event-hubs", "managed-kafka", "confluent"]] = None
    """managed: who runs Kafka: unset is the cloud's own (aws: msk, azure: event-hubs, gcp: managed-kafka); `confluent` (Confluent Cloud) where the cloud offers it."""
    confluent: ConfluentSettings = ConfluentSettings()
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
    """Path of the one secret holding every credential of Rasa; the action server's secretEnv is under `<this>-actions`."""
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


PathPrefix = Annotated[str, matching(r"/[A-Za-z0-9._~/-]*", "a URL path prefix starting with /")]


class IngressSettings(Section):
    enabled: bool = False
    """Expose Rasa through an Ingress with TLS (for channels)."""
    class_name: Optional[DnsLabel] = None
    """IngressClass to use; default: the one the cloud installs on a created cluster (required on an existing one)."""
    host: Optional[HostName] = None
    """Public host name."""
    cluster_issuer: Optional[DnsLabel] = None
    """cert-manager ClusterIssuer that issues the TLS certificate; default: the one the cloud installs on a created cluster."""
    controller_namespace: Optional[DnsLabel] = None
    """Namespace of the ingress controller (allowed to reach Rasa); default: the one the cloud installs into."""
    controller_installed: bool = False
    """existing cluster: declare that the IngressClass `className` and the ClusterIssuer `clusterIssuer` are installed (else the Ingress is refused)."""
    acme_email: Optional[Annotated[str, matching(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", "an e-mail address")]] = None
    """created cluster: the contact address of the Let's Encrypt account of the installed ClusterIssuer (required)."""
    paths: tuple[PathPrefix, ...] = ()
    """Path prefixes published besides `/webhooks/` (and the socket.io path when that channel is configured); `/` publishes the whole HTTP API (an advisory policy warns)."""


class EgressRule(Section):
    cidr: Cidr
    """Destination address range (`0.0.0.0/0` only when written here)."""
    port: Port
    """Destination port."""
    protocol: Literal["TCP", "UDP"] = "TCP"
    """Protocol."""


class Toleration(Section):
    key: Optional[str] = None
    """Taint key (none with operator Exists: every taint)."""
    operator: Literal["Equal", "Exists"] = "Equal"
    """Equal (key and value) or Exists (key only)."""
    value: Optional[str] = None
    """Taint value (Equal)."""
    effect: Optional[Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]] = None
    """Taint effect tolerated (none: every effect)."""
    toleration_seconds: Optional[Annotated[int, between(0, 86400)]] = None
    """NoExecute: how long the pod stays after the taint appears."""


def _affinity(value: dict[str, Any]) -> dict[str, Any]:
    allowed = {"nodeAffinity", "podAffinity", "podAntiAffinity"}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValueError(f"unknown affinity kind {unknown[0]}; allowed: {', '.join(sorted(allowed))} (Kubernetes' own form)")
    return value


Affinity = Annotated[dict[str, Any], AfterValidator(_affinity)]
# A name Rasa or the action server reads from the environment. Credentials go to secretEnv.
EnvMapping = dict[EnvName, str]
SecretEnvMapping = dict[EnvName, SecretStr]


class PodSchedulingSettings(Section):
    """Where a pod may run and how its image is pulled (Rasa and the action server alike)."""

    node_selector: dict[str, str] = Field(default_factory=dict)
    """Node labels the pods require (`nodeSelector`)."""
    tolerations: tuple[Toleration, ...] = ()
    """Taints the pods tolerate: `{key, operator: Equal|Exists, value, effect, tolerationSeconds}` each."""
    affinity: Optional[Affinity] = None
    """Kubernetes `affinity` (nodeAffinity, podAffinity, podAntiAffinity), in Kubernetes' own form."""
    image_pull_secrets: tuple[DnsLabel, ...] = ()
    """Names of docker-registry Secrets in the namespace for a private registry."""


class ActionServerAutoscalingSettings(Section):
    enabled: bool = False
    """Run a HorizontalPodAutoscaler for the action server (then it owns the replica count)."""
    min_replicas: Annotated[int, between(1, 50)] = 1
    """Fewest action server pods."""
    max_replicas: Annotated[int, between(1, 50)] = 1
    """Most action server pods."""
    target_cpu_percent: Annotated[int, between(10, 95)] = 70
    """Average CPU utilisation the autoscaler aims for."""


class ActionServerSettings(PodSchedulingSettings):
    enabled: bool = False
    """Deploy an action server and wire it as `action_endpoint`."""
    image: Optional[ImageRepository] = None
    """Action server image (may pin a digest: `repo@sha256:...`)."""
    tag: Optional[ImageTag] = None
    """Action server image tag (pinned)."""
    replicas: Annotated[int, between(1, 50)] = 1
    """Action server pods (the autoscaler's start value when it is on)."""
    port: Port = 5055
    """Action server port."""
    resources: ActionServerResourceSettings = ActionServerResourceSettings()
    autoscaling: ActionServerAutoscalingSettings = ActionServerAutoscalingSettings()
    pod_disruption_budget: bool = False
    """Keep a PodDisruptionBudget for the action server (at most one pod down during node drains)."""
    env: EnvMapping = Field(default_factory=dict)
    """Plain environment values of the action server (credential-looking names are refused: use `secretEnv`)."""
    secret_env: SecretEnvMapping = Field(default_factory=dict)
    """Environment name → Pulumi secret (your APIs' keys), delivered like every other credential, never as a literal."""
    egress: tuple[EgressRule, ...] = ()
    """Where the action server may connect (your APIs): `{cidr, port, protocol: TCP|UDP}` each; nothing else but DNS."""
    service_account_annotations: dict[str, str] = Field(default_factory=dict)
    """Annotations of the action server's own service account (e.g. a workload identity made outside this stack)."""
    command: tuple[str, ...] = ("./entrypoint.sh", "start", "--actions", "actions")
    """The image's entrypoint and arguments, exec'd after Vault's environment is sourced (default: rasa/rasa-sdk's ENTRYPOINT + CMD)."""

    @field_validator("command")
    @classmethod
    def _command(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or not all(part.strip() for part in value):
            raise ValueError("must be the image's entrypoint and arguments, a non-empty list of non-empty strings "
                             "(rasa/rasa-sdk: [./entrypoint.sh, start, --actions, actions])")
        return value


class VerifySettings(Section):
    enabled: bool = True
    """Run the verify Job after every change: each service checked as Rasa will reach it; a failure stops `pulumi up` before Rasa's pods roll."""
    require_model: bool = False
    """Fail the verify Job when the model object is missing (set it once a model is uploaded)."""
    timeout_seconds: Annotated[int, between(5, 120)] = 20
    """Timeout of each network call of the checks."""


class RasaSettings(PodSchedulingSettings):
    namespace: DnsLabel = "rasa"
    """Kubernetes namespace for Rasa."""
    image: ImageRepository = "rasa/rasa-pro"
    """Rasa Pro image (may pin a digest: `rasa/rasa-pro@sha256:...`; `tag` still names the version)."""
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
    env: EnvMapping = Field(default_factory=dict)
    """Plain environment values (`RASA_DUCKLING_HTTP_URL`, ...); credential-looking names (`*_KEY`, `*_TOKEN`, `*_PASSWORD`, `*_SECRET`) are refused: use `secretEnv`."""
    secret_env: SecretEnvMapping = Field(default_factory=dict)
    """Environment name → Pulumi secret (`OPENAI_API_KEY`, `AZURE_OPENAI_API_KEY`, channel tokens), delivered like every other credential, never as a literal."""
    credentials: Optional[dict[str, Optional[dict[str, Any]]]] = None
    """The `credentials.yml` content (channels: rest, socketio, slack, twilio, ...), mounted and passed with `--credentials`; secret values are `${VAR}` references to `secretEnv` names."""
    telemetry: bool = False
    """Rasa's anonymous usage telemetry (`RASA_TELEMETRY_ENABLED`)."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """Rasa's log level (`LOG_LEVEL`)."""
    egress: tuple[EgressRule, ...] = ()
    """Destinations Rasa may reach beyond the platform's own services (LLM APIs, telemetry, ...): `{cidr, port, protocol: TCP|UDP}` each, exactly as listed (`0.0.0.0/0` only when written)."""


def _pinned_image(value: str) -> str:
    # Rasa's chart defaults to `<version>-latest`, a moving tag: pinned means a version or a digest.
    if re.fullmatch(r"sha256:[0-9a-f]{64}", value):
        return value
    if value.lower() == "latest" or value.lower().endswith("-latest"):
        raise ValueError("must be a pinned version or sha256:<digest>, not a moving '-latest' tag")
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", value):
        raise ValueError("must be an image tag such as 3.8.0 or sha256:<64 hex digits>")
    return value


PinnedImage = Annotated[str, AfterValidator(_pinned_image)]
RoleName = Annotated[str, matching(r"[a-z_][a-z0-9_]{0,62}", "a PostgreSQL role name")]
DatabaseName = Annotated[str, matching(r"[a-z_][a-z0-9_]{0,62}", "a PostgreSQL database name (lower case, digits, _)")]


class AnalyticsDatabaseSettings(Section):
    mode: Literal["managed", "shared", "existing"] = "shared"
    """`shared`: its own database and role on the tracker store's PostgreSQL server; `existing`: a database you run; `managed`: a PostgreSQL server of its own (the cloud's tracker-store service a second time, sized by `<cloud>.analyticsDatabase`; high availability, backups and protection as the tracker store's)."""
    name: DatabaseName = "rasa_analytics"
    """Database Rasa Pro Services stores its analytics tables in (existing: the database's name)."""
    username: RoleName = "rasa_analytics"
    """Its login role, owner of the database (existing: the role you created)."""
    read_only_username: RoleName = "rasa_analytics_readonly"
    """shared, managed: a login role with SELECT on the analytics tables, for BI tools."""
    host: Optional[HostName] = None
    """existing: PostgreSQL host name."""
    port: Port = 5432
    """existing, managed: PostgreSQL port."""
    password: Optional[SecretStr] = None
    """existing: the role's password, as a secret."""
    ca_cert: Optional[PemCertificate] = None
    """existing: PEM of the CA that signed the server certificate (shared, managed: the tracker store's)."""
    ssl_mode: Literal["verify-full", "verify-ca"] = "verify-full"
    """existing: libpq sslmode (shared, managed: the tracker store's)."""
    egress_cidrs: tuple[Cidr, ...] = ()
    """existing: where Rasa Pro Services may connect to PostgreSQL (default: anywhere, on its port only)."""
    storage_gb: Optional[Annotated[int, between(20, 65536)]] = None
    """managed: the analytics server's allocated storage (unset: trackerStore.storageGb)."""
    max_storage_gb: Optional[Annotated[int, between(20, 65536)]] = None
    """managed: its storage autoscaling ceiling (unset: trackerStore.maxStorageGb; Azure grows in its fixed steps)."""

    def storage(self, tracker_storage_gb: int, tracker_max_storage_gb: int) -> tuple[int, int]:
        """(allocated, ceiling) of a managed analytics server: its own sizes, else the tracker store's."""
        return self.storage_gb or tracker_storage_gb, self.max_storage_gb or tracker_max_storage_gb


class AnalyticsResourceSettings(ResourceSettings):
    cpu_request: Quantity = "1"
    """CPU requested per Rasa Pro Services pod."""
    memory_request: Quantity = "2Gi"
    """Memory requested per Rasa Pro Services pod."""
    cpu_limit: Quantity = "2"
    """CPU limit per Rasa Pro Services pod (Rasa's minimum guidance: 2 vCPU)."""
    memory_limit: Quantity = "4Gi"
    """Memory limit per Rasa Pro Services pod (Rasa's minimum guidance: 4 GB)."""


class AnalyticsSettings(Section):
    enabled: bool = False
    """Deploy Rasa Pro Services: it consumes the event queue's topic and stores conversation analytics in its own database."""
    image: str = "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro-services"
    """Rasa Pro Services image."""
    tag: PinnedImage = "3.8.0"
    """Rasa Pro Services image tag (pinned, never latest or `-latest`) or `sha256:<digest>`."""
    replicas: Annotated[int, between(1, 100)] = 1
    """Rasa Pro Services pods; their consumers never exceed eventQueue.partitions."""
    consumer_count: Annotated[int, between(1, 16)] = 1
    """Kafka consumers per pod (RASA_ANALYTICS_CONSUMER_COUNT)."""
    consumer_group: Annotated[str, matching(r"[A-Za-z0-9._-]{1,249}", "a Kafka consumer group name")] = "rasa-analytics-group"
    """Kafka consumer group (RASA_ANALYTICS_CONSUMER_ID)."""
    dead_letter_topic: TopicName = "rasa-analytics-dlq"
    """Topic events that failed processing are written to (RASA_ANALYTICS_DLQ); managed event queues create it."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """LOGGING_LEVEL of Rasa Pro Services."""
    pod_disruption_budget: bool = False
    """Keep a PodDisruptionBudget (at most one pod down during node drains)."""
    resources: AnalyticsResourceSettings = AnalyticsResourceSettings()
    database: AnalyticsDatabaseSettings = AnalyticsDatabaseSettings()
    consumer_username: Optional[str] = None
    """existing event queue: the consumer's own SASL user (read on the topic and group, write on the dead-letter topic)."""
    consumer_password: Optional[SecretStr] = None
    """existing event queue: that user's SASL password, as a secret."""
    command: tuple[str, ...] = ()
    """The image's ENTRYPOINT and CMD, exec'd after Vault's environment is sourced; required with analytics.enabled (not public: `crane config <image>` shows them)."""

    @field_validator("command")
    @classmethod
    def _command(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value and not all(part.strip() for part in value):
            raise ValueError("must be the image's entrypoint and arguments, a list of non-empty strings")
        return value
