"""Stack settings: the one place that reads the stack's config.

`stacks/Pulumi.<stack>.yaml` → an environment preset (dev | staging | prod) → the stack's own values
→ one immutable, typed `StackSettings`. Every invalid value is rejected here, before any resource
is registered, as exactly one line:

    config error: rasa-platform:trackerStore.backupDays = 0: must be between 7 and 35

Unknown keys are errors: a typo must never fall back to a default silently.

Credentials (`password`, `token`, `license`, ...) must be Pulumi secrets
(`pulumi config set --secret --path 'rasa-platform:trackerStore.password' ...`); a credential
written in plain text in a stack file is rejected.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Optional, get_args

import pulumi
from pydantic import BaseModel, Field, SecretStr, ValidationError

from infra.config_types import (
    Cidr, DnsLabel, HostName, HostPort, HttpsUrl, ImageTag, KeyPrefix, ObjectKey, PemCertificate,
    Port, Quantity, Section, TopicName, Version, between, matching,
)
from infra.presets import deep_merge, preset_for
from infra.settings_aws import AwsSettings

PROJECT = "rasa-platform"
CLOUDS = ("aws", "azure", "gcp")
ENVIRONMENTS = ("dev", "staging", "prod")
# Clouds whose managed services are built; the others accept `existing` services only.
CLOUDS_WITH_MANAGED_SERVICES = ("aws",)


class ConfigError(pulumi.RunError):
    """A bad config value. RunError makes `pulumi up` print the message without a traceback."""

    def __init__(self, key: str, value: Any, problem: str):
        self.key = key
        self.value = value
        self.problem = problem
        super().__init__(f"config error: {PROJECT}:{key} = {_show(value)}: {problem}")


# ---------------------------------------------------------------------------------------------
# Sections


class NetworkSettings(Section):
    mode: Literal["create", "existing"] = "create"
    """`create` a network for the managed services, or use an `existing` one."""
    cidr: Cidr = "10.40.0.0/16"
    """Address range of a created network."""
    zones: Annotated[int, between(2, 3)] = 3
    """Availability zones a created network spans."""
    vpc_id: Optional[str] = None
    """existing: the network (VPC) id."""
    private_subnet_ids: tuple[str, ...] = ()
    """existing: subnets for nodes and data services (one per zone)."""
    public_subnet_ids: tuple[str, ...] = ()
    """existing: subnets for load balancers and NAT."""


class ClusterSettings(Section):
    mode: Literal["create", "existing"] = "create"
    """`create` a Kubernetes cluster, or deploy onto an `existing` one."""
    name: Optional[DnsLabel] = None
    """The cluster's name (existing: used to find its workload-identity issuer)."""
    kubernetes_version: Version = "1.33"
    """create: the pinned Kubernetes minor version."""
    node_instance_type: Optional[str] = None
    """create: node machine type (cloud preset when unset)."""
    node_count_min: Annotated[int, between(1, 100)] = 2
    """create: smallest node count."""
    node_count_max: Annotated[int, between(1, 100)] = 4
    """create: largest node count."""
    public_access_cidrs: tuple[Cidr, ...] = ()
    """create: CIDRs allowed to reach the API endpoint publicly; none keeps it private."""
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
    allow_upload_from_cluster: bool = False
    """Let Rasa's identity write models (training in the cluster); read-only otherwise."""
    noncurrent_version_days: Annotated[int, between(1, 3650)] = 30
    """managed: days old model versions are kept."""
    endpoint_url: Optional[HttpsUrl] = None
    """existing, S3-compatible stores only: the endpoint URL."""
    region: Optional[str] = None
    """existing: the bucket's region when it differs from `region`."""
    account_name: Optional[str] = None
    """existing, Azure: the storage account."""
    account_key: Optional[SecretStr] = None
    """existing, Azure: the account key (Rasa supports key auth only)."""
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
    node_type: Optional[str] = None
    """managed: node size (cloud preset when unset)."""
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
    instance_class: Optional[str] = None
    """managed: instance size (cloud preset when unset)."""
    storage_gb: Annotated[int, between(20, 65536)] = 50
    """managed: allocated storage."""
    max_storage_gb: Annotated[int, between(20, 65536)] = 200
    """managed: storage autoscaling ceiling."""
    backup_days: Annotated[int, between(7, 35)] = 7
    """managed: days of automated backups."""
    high_availability: bool = False
    """managed: a standby in another zone (Multi-AZ / zone-redundant / regional)."""
    deletion_protection: bool = False
    """managed: refuse deletion, keep a final snapshot, and protect the resource in Pulumi."""
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
    """existing: SASL mechanism (OAUTHBEARER = MSK IAM on AWS)."""
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
    kafka_version: Version = "3.8.0"
    """managed: Kafka version."""
    broker_instance_type: Optional[str] = None
    """managed: broker size (cloud preset when unset)."""
    broker_storage_gb: Annotated[int, between(1, 16384)] = 100
    """managed: storage per broker."""
    egress_cidrs: tuple[Cidr, ...] = ()
    """existing: where Rasa may connect to the brokers (default: anywhere, on their ports only)."""


class VaultSettings(Section):
    mode: Literal["managed", "existing"] = "existing"
    """`existing` Vault (HCP Vault or your own); the in-cluster deployment comes later."""
    address: Optional[HttpsUrl] = None
    """existing: https address of Vault."""
    ca_cert: Optional[PemCertificate] = None
    """existing: PEM of a private CA that signed Vault's certificate (becomes VAULT_CACERT)."""
    namespace: Optional[str] = None
    """Vault Enterprise / HCP namespace."""
    mount_point: Annotated[str, matching(r"[A-Za-z0-9_-]+", "a KV mount name")] = "secret"
    """KV v2 mount holding Rasa's secret."""
    secrets_path: Annotated[str, matching(r"[A-Za-z0-9_/-]+", "a KV path")] = "rasa-secrets"
    """Path of the one secret holding Rasa's keys (sql_store_username, sql_store_password)."""
    token: Optional[SecretStr] = None
    """existing: Rasa's Vault token (read-only on that path), as a secret."""
    egress_cidrs: tuple[Cidr, ...] = ()
    """existing: where Rasa may connect to Vault (default: anywhere, on its port only)."""


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
    nlg_url: Optional[HttpsUrl] = None
    """URL of an NLG server (`nlg` endpoint)."""
    ingress_from_namespaces: tuple[DnsLabel, ...] = ()
    """Namespaces besides Rasa's own whose pods may call Rasa on 5005."""
    service_account_annotations: dict[str, str] = Field(default_factory=dict)
    """Extra service-account annotations, e.g. a workload identity made outside this stack."""


class StackSettings(Section):
    """Everything the program needs, validated. Built only by `load_settings`."""

    stack: str
    cloud: Literal["aws", "azure", "gcp"]
    """Where managed services run (required)."""
    environment: Literal["dev", "staging", "prod"]
    """Preset of sizes and protections (required)."""
    region: Optional[str] = None
    """Cloud region (required when anything is managed)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Tags / labels on every cloud resource."""
    network: NetworkSettings = NetworkSettings()
    cluster: ClusterSettings = ClusterSettings()
    model_storage: ModelStorageSettings = ModelStorageSettings()
    lock_store: LockStoreSettings = LockStoreSettings()
    tracker_store: TrackerStoreSettings = TrackerStoreSettings()
    event_queue: EventQueueSettings = EventQueueSettings()
    vault: VaultSettings = VaultSettings()
    rasa: RasaSettings = RasaSettings()
    aws: AwsSettings = AwsSettings()
    # Secrets the offline preview filled in because the stack file could not hold them.
    placeholder_secrets: tuple[str, ...] = ()

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    def any_managed(self) -> bool:
        return any(s.mode == "managed" for s in self.services().values()) or self.cluster.mode == "create"

    def services(self) -> dict[str, Any]:
        return {
            "modelStorage": self.model_storage,
            "lockStore": self.lock_store,
            "trackerStore": self.tracker_store,
            "eventQueue": self.event_queue,
            "vault": self.vault,
        }


# ---------------------------------------------------------------------------------------------
# Loading


def load_settings(
    raw_config: dict[str, Any],
    secret_keys: set[str],
    stack: str,
    *,
    placeholder_for_missing_secrets: bool = False,
) -> StackSettings:
    """Validate a stack's config (keys without the `rasa-platform:` prefix) into StackSettings.

    `raw_config` maps top-level keys to values as Pulumi hands them over (objects may arrive as
    JSON text). `secret_keys` are the top-level keys Pulumi holds as secrets. The offline preview
    sets `placeholder_for_missing_secrets`, because secrets never live in the repo's stack files.
    Raises ConfigError (one line) on the first problem.
    """
    values = {key: _decode(value) for key, value in raw_config.items()}
    cloud = values.get("cloud")
    environment = values.get("environment")
    if cloud is None:
        raise ConfigError("cloud", None, f"is required; allowed: {', '.join(CLOUDS)}")
    if cloud not in CLOUDS:
        raise ConfigError("cloud", cloud, f"unknown cloud; allowed: {', '.join(CLOUDS)}")
    if environment is None:
        raise ConfigError("environment", None, f"is required; allowed: {', '.join(ENVIRONMENTS)}")
    if environment not in ENVIRONMENTS:
        raise ConfigError("environment", environment, f"allowed: {', '.join(ENVIRONMENTS)}")

    for internal in ("stack", "placeholderSecrets", "placeholder_secrets"):
        if internal in values:  # set by the program, never by config
            raise ConfigError(internal, values[internal], "unknown key; allowed keys here: " + ", ".join(_allowed_keys(())))
    merged = deep_merge(preset_for(environment, cloud), values)
    merged["stack"] = stack
    try:
        settings = StackSettings.model_validate(merged)
    except ValidationError as exc:
        raise _first_error(exc, merged) from None

    _check_secrets_are_secret(values, secret_keys)
    placeholders = _check_required(settings, placeholder_for_missing_secrets)
    if placeholders:
        settings = _with_placeholders(settings, placeholders)
    return settings


def load_from_pulumi() -> StackSettings:
    """Read `rasa-platform:*` from the running Pulumi program's config."""
    from pulumi.runtime import config as runtime_config

    everything: dict[str, Any] = {}
    everything.update(runtime_config.get_config_env())
    everything.update(runtime_config.CONFIG.get())
    prefix = f"{PROJECT}:"
    raw = {k[len(prefix):]: v for k, v in everything.items() if k.startswith(prefix)}
    secret_keys = set(runtime_config._SECRET_KEYS.get()) | set(runtime_config.get_config_secret_keys_env())
    secrets = {k[len(prefix):] for k in secret_keys if k.startswith(prefix)}
    return load_settings(raw, secrets, pulumi.get_stack())


def _decode(value: Any) -> Any:
    # Pulumi hands object and list values to the program as JSON text.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


# Credentials: (path, what must hold them). Checked for being secret and for presence.
SECRET_FIELDS: tuple[tuple[str, ...], ...] = (
    ("rasa", "license"),
    ("rasa", "authToken"),
    ("vault", "token"),
    ("trackerStore", "password"),
    ("lockStore", "password"),
    ("eventQueue", "password"),
    ("modelStorage", "accountKey"),
    ("cluster", "kubeconfig"),
)


def _check_secrets_are_secret(values: dict[str, Any], secret_keys: set[str]) -> None:
    for path in SECRET_FIELDS:
        section = values.get(path[0])
        if isinstance(section, dict) and section.get(path[1]) is not None and path[0] not in secret_keys:
            raise ConfigError(
                ".".join(path),
                "[plain text]",
                f"credentials must be Pulumi secrets: pulumi config set --secret --path '{PROJECT}:{'.'.join(path)}' ...",
            )


def _require(condition: bool, key: str, value: Any, problem: str) -> None:
    if not condition:
        raise ConfigError(key, value, problem)


def _check_required(s: StackSettings, placeholders_allowed: bool) -> list[tuple[str, ...]]:
    """Cross-field rules. Returns the secret paths the preview may fill with placeholders."""
    missing_secrets: list[tuple[str, ...]] = []

    def need_secret(path: tuple[str, ...], value: Optional[SecretStr], why: str) -> None:
        if value is None:
            if placeholders_allowed:
                missing_secrets.append(path)
            else:
                raise ConfigError(
                    ".".join(path), None,
                    f"is required {why}: pulumi config set --secret --path '{PROJECT}:{'.'.join(path)}' ...",
                )

    managed = [name for name, svc in s.services().items() if svc.mode == "managed"]
    if s.cluster.mode == "create":
        managed.append("cluster")
    if managed and s.cloud not in CLOUDS_WITH_MANAGED_SERVICES:
        raise ConfigError(
            f"{managed[0]}.mode", "create" if managed[0] == "cluster" else "managed",
            f"managed services are available on {', '.join(CLOUDS_WITH_MANAGED_SERVICES)} so far; "
            f"on {s.cloud} allowed: existing",
        )
    if managed:
        _require(bool(s.region), "region", s.region, f"is required when a service is managed ({managed[0]})")
    _require(
        s.vault.mode == "existing", "vault.mode", s.vault.mode,
        "the in-cluster Vault deployment is not built yet; allowed: existing (HCP Vault or your own)",
    )

    if s.cluster.mode == "existing":
        _require(
            bool(s.cluster.context or s.cluster.kubeconfig), "cluster.context", None,
            "an existing cluster needs cluster.context or cluster.kubeconfig (never the ambient default)",
        )
    _require(
        s.cluster.node_count_min <= s.cluster.node_count_max, "cluster.nodeCountMin", s.cluster.node_count_min,
        f"must not exceed cluster.nodeCountMax ({s.cluster.node_count_max})",
    )

    ts = s.tracker_store
    if ts.mode == "existing":
        _require(ts.host is not None, "trackerStore.host", None, "is required when trackerStore.mode is existing")
        _require(
            ts.max_connections is not None, "trackerStore.maxConnections", None,
            "is required when trackerStore.mode is existing (the server's max_connections, for Rasa's pool budget)",
        )
        if not (s.aws.iam_auth and s.cloud == "aws"):
            need_secret(("trackerStore", "password"), ts.password, "when trackerStore.mode is existing")
    _require(ts.storage_gb <= ts.max_storage_gb, "trackerStore.storageGb", ts.storage_gb,
             f"must not exceed trackerStore.maxStorageGb ({ts.max_storage_gb})")

    ls = s.lock_store
    if ls.mode == "existing":
        _require(ls.host is not None, "lockStore.host", None, "is required when lockStore.mode is existing")
        need_secret(("lockStore", "password"), ls.password, "when lockStore.mode is existing (Redis AUTH)")

    eq = s.event_queue
    if eq.mode == "existing":
        _require(bool(eq.bootstrap_servers), "eventQueue.bootstrapServers", None,
                 "is required when eventQueue.mode is existing (list of host:port)")
        if eq.security_protocol == "SASL_SSL" and eq.sasl_mechanism != "OAUTHBEARER":
            _require(eq.username is not None, "eventQueue.username", None, "is required with SASL_SSL")
            need_secret(("eventQueue", "password"), eq.password, "with SASL_SSL")

    ms = s.model_storage
    if ms.mode == "existing":
        label = "container" if s.cloud == "azure" else "bucket"
        _require(ms.bucket is not None, "modelStorage.bucket", None, f"is required when modelStorage.mode is existing (the {label})")
        if s.cloud == "azure":
            _require(ms.account_name is not None, "modelStorage.accountName", None, "is required for Azure Blob Storage")
            need_secret(("modelStorage", "accountKey"), ms.account_key, "for Azure Blob Storage (Rasa supports account keys only)")
    if ms.endpoint_url is not None:
        _require(s.cloud == "aws", "modelStorage.endpointUrl", ms.endpoint_url, "applies to S3 (cloud aws) only")

    v = s.vault
    _require(v.address is not None, "vault.address", None, "is required when vault.mode is existing (https://host:8200)")
    need_secret(("vault", "token"), v.token, "when vault.mode is existing (Rasa's Vault token)")

    r = s.rasa
    need_secret(("rasa", "license"), r.license, "(your Rasa Pro license)")
    a = r.autoscaling
    _require(a.min_replicas <= a.max_replicas, "rasa.autoscaling.minReplicas", a.min_replicas,
             f"must not exceed rasa.autoscaling.maxReplicas ({a.max_replicas})")
    if a.enabled:
        _require(a.min_replicas <= r.replicas <= a.max_replicas, "rasa.replicas", r.replicas,
                 f"must be between rasa.autoscaling.minReplicas ({a.min_replicas}) and maxReplicas ({a.max_replicas})")
    if r.ingress.enabled:
        _require(r.ingress.host is not None, "rasa.ingress.host", None, "is required when rasa.ingress.enabled is true")
        _require(r.ingress.cluster_issuer is not None, "rasa.ingress.clusterIssuer", None,
                 "is required when rasa.ingress.enabled is true (the cert-manager issuer for its TLS certificate)")
    if r.action_server.enabled:
        _require(r.action_server.image is not None, "rasa.actionServer.image", None, "is required when rasa.actionServer.enabled is true")
        _require(r.action_server.tag is not None, "rasa.actionServer.tag", None, "is required when rasa.actionServer.enabled is true")
    return missing_secrets


PLACEHOLDER_SECRET = "offline-preview-placeholder"


def _with_placeholders(settings: StackSettings, paths: list[tuple[str, ...]]) -> StackSettings:
    updates: dict[str, Any] = {}
    for section_alias, field_alias in paths:
        section_name = _field_name(StackSettings, section_alias)
        section = updates.get(section_name, getattr(settings, section_name))
        updates[section_name] = section.model_copy(
            update={_field_name(type(section), field_alias): SecretStr(PLACEHOLDER_SECRET)}
        )
    updates["placeholder_secrets"] = tuple(".".join(p) for p in paths)
    return settings.model_copy(update=updates)


def _field_name(model: type[BaseModel], alias: str) -> str:
    for name, info in model.model_fields.items():
        if info.alias == alias or name == alias:
            return name
    raise KeyError(alias)


# ---------------------------------------------------------------------------------------------
# Turning pydantic's errors into one line


def _first_error(exc: ValidationError, merged: dict[str, Any]) -> ConfigError:
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    key = ".".join(loc)
    value = _lookup(merged, error["loc"])
    kind = error["type"]
    if kind == "missing":
        return ConfigError(key, None, "is required")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(error["loc"][:-1])
        return ConfigError(key, value, f"unknown key; allowed keys here: {', '.join(allowed)}")
    if kind == "literal_error":
        return ConfigError(key, value, f"allowed: {error['ctx']['expected'].replace(chr(39), '')}")
    messages: dict[str, str] = {
        "int_parsing": "must be a whole number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "bool_parsing": "must be true or false",
        "bool_type": "must be true or false",
        "string_type": "must be a string",
        "dict_type": "must be a mapping of keys to values",
        "model_type": "must be a mapping of keys to values",
        "tuple_type": "must be a list",
        "list_type": "must be a list",
    }
    if kind in messages:
        return ConfigError(key, value, messages[kind])
    message = error["msg"]
    message = message.removeprefix("Value error, ")
    return ConfigError(key, value, message[0].lower() + message[1:])


def _lookup(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, (list, tuple)) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = StackSettings
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        info = next((f for n, f in model.model_fields.items() if f.alias == part or n == part), None)
        if info is None:
            return []
        model = _unwrap_model(info.annotation)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    hidden = {"stack", "placeholder_secrets"}
    return sorted(f.alias or n for n, f in model.model_fields.items() if n not in hidden)


def _unwrap_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _show(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr) or (isinstance(value, dict) and "secure" in value):
        return "[secret]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."
