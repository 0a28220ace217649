"""The seam between cloud-neutral code and a cloud package.

Each cloud package (`components/<cloud>/`) exports one `CloudSpec`; components/registry.py lists
them. Settings, presets, the mock engine, the README generator and bring-your-own services iterate
the registry, so adding a cloud is its package plus one registry line.

A spec carries:
* its settings section (`rasa-platform:<cloud>`): every size, id and key that only means something
  on that cloud, and its presets per environment (its own section only);
* its plan step: every check and derived number (such as the tracker database's connection limit)
  computed once, before anything is registered, reporting all problems together;
* its provision step: the components that create what settings call `managed` / `create`;
* its mock outputs for the offline engine, and its tag (label) scheme;
* how long its slow resource types typically take to create (the preview's deploy-time estimate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import pulumi
from pydantic import SecretStr

from components.contracts import (
    KafkaAdminAccess,
    KafkaConnection,
    ModelStorageConnection,
    PostgresConnection,
    RedisConnection,
    VaultSealConfig,
    WorkloadIdentity,
)
from components.settings.errors import Problems
from components.settings.stack import StackSettings
from components.settings.values import Section

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

# The Kubernetes service account Rasa runs as; clouds bind workload identities to it.
RASA_SERVICE_ACCOUNT = "rasa-pro"
# The Vault bootstrap Job's, in Vault's namespace; a cloud binds its Kafka administrator to it.
VAULT_BOOTSTRAP_SERVICE_ACCOUNT = "vault-bootstrap"


def vault_namespace(settings: StackSettings, seal_namespace: str) -> str:
    """Where Vault's bootstrap Job runs (infra/vault.py): in-cluster, the namespace the cloud's seal
    identity is bound to; with an external Vault, `vault.kubernetesNamespace`."""
    return seal_namespace if settings.vault.mode == "in-cluster" else settings.vault.kubernetes_namespace


@dataclass(frozen=True)
class TagScheme:
    """How the platform's own tags are spelled on a cloud, and which user tags it accepts."""

    stack_key: str  # e.g. `rasa-platform:stack` on AWS; GCP label keys allow no `:`
    environment_key: str
    max_user_tags: int
    # Why the cloud would reject this user tag, or None.
    problem: Callable[[str, str], Optional[str]]

    def platform_tags(self, stack: str, environment: str, user_tags: Mapping[str, str]) -> dict[str, str]:
        return {**user_tags, self.stack_key: stack, self.environment_key: environment}

    def check(self, user_tags: Mapping[str, str], problems: Problems) -> None:
        if len(user_tags) > self.max_user_tags:
            problems.add("tags", f"{len(user_tags)} tags", f"at most {self.max_user_tags} besides the platform's own")
        for key, value in user_tags.items():
            if key in (self.stack_key, self.environment_key):
                problems.add(f"tags.{key}", value, "set by the platform itself")
                continue
            why = self.problem(key, value)
            if why:
                problems.add(f"tags.{key}", value, why)


@dataclass(frozen=True)
class ExistingAccess:
    """How Rasa reaches bring-your-own services on this cloud (components/existing.py)."""

    iam_auth: bool = False  # existing PostgreSQL and Kafka (OAUTHBEARER) reached with the cloud's IAM
    model_storage_endpoint_url: Optional[str] = None  # S3-compatible stores
    model_storage_account_name: Optional[str] = None  # Azure Blob Storage
    model_storage_account_key: Optional[SecretStr] = None


@dataclass(frozen=True)
class CloudPlan:
    """What a cloud's plan step decided; clouds extend it with what their provision step needs."""

    settings: StackSettings
    # The managed tracker database's connection limit (from its size), for the connection budget,
    # and the stack key that sets that size (named when the budget cannot fit).
    tracker_store_max_connections: Optional[int] = None
    tracker_store_size_key: str = "trackerStore.maxConnections"
    # The analytics server's (analytics.database.mode managed) connection limit and the stack key
    # that sets it: Rasa Pro Services' connections must fit it (components/analytics/budget.py).
    analytics_database_max_connections: Optional[int] = None
    analytics_database_size_key: str = ""
    existing: ExistingAccess = ExistingAccess()


@dataclass(frozen=True)
class IngressController:
    """What an Ingress names, installed by a cloud package on a cluster it creates: the IngressClass,
    the controller's namespace (admitted by Rasa's NetworkPolicy), the cert-manager ClusterIssuer,
    and (once provisioned) the resources the Ingress must wait for."""

    class_name: str
    controller_namespace: str
    cluster_issuer: Optional[str]  # None: no issuer is installed; TLS is the stack's to arrange
    ready: tuple[pulumi.Resource, ...] = ()
    # What this controller needs on an Ingress to serve it over HTTPS only.
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CloudServices:
    """What one cloud provisioned. A field is None when that service is `existing`."""

    kubernetes_provider: Optional["k8s.Provider"] = None  # None when cluster.mode is existing
    tracker_store: Optional[PostgresConnection] = None
    lock_store: Optional[RedisConnection] = None
    event_queue: Optional[KafkaConnection] = None
    model_storage: Optional[ModelStorageConnection] = None
    identity: WorkloadIdentity = field(default_factory=WorkloadIdentity)
    # The in-cluster Vault's auto-unseal on this cloud (None: no seal key was asked for).
    vault_seal: Optional[VaultSealConfig] = None
    # Rasa Pro Services' own consumer on the managed event queue: read on the topic and its consumer
    # group, write on the dead-letter topic (`analytics.deadLetterTopic`, created by the cloud too).
    # AWS: a SCRAM user; Azure: a namespace-level Event Hubs rule with Listen + Send (one connection
    # string must reach the events hub and the DLQ hub); GCP: a service account of its own with Kafka
    # ACLs; Confluent (any cloud): a service account and API key with ACLs. None: no consumer yet.
    analytics_event_queue: Optional[KafkaConnection] = None
    # The managed tracker server's admin login (its `database` is where the administrator logs in):
    # the Vault bootstrap creates Rasa's role with it, the analytics setup Job the analytics database
    # and roles. Never handed to Rasa.
    tracker_store_admin: Optional[PostgresConnection] = None
    # The same for the analytics server of its own (analytics.database.mode managed): a second
    # instance of the cloud's tracker-store component; Rasa Pro Services' database is on it.
    analytics_database_admin: Optional[PostgresConnection] = None
    # The Kafka administrator the Vault bootstrap logs in as, to grant the ACLs of the event queue's
    # SCRAM users (Rasa's producer, the analytics consumer) that the cloud's API cannot grant (MSK:
    # an IAM role for the bootstrap's service account). None: no ACL for the bootstrap to grant.
    kafka_admin: Optional[KafkaAdminAccess] = None
    # Stack outputs an operator needs next (cluster name, bucket, seal key, ...).
    outputs: dict[str, pulumi.Input] = field(default_factory=dict)
    # Resources the Rasa workload must wait for (e.g. node groups, add-ons).
    workload_depends_on: tuple[pulumi.Resource, ...] = ()
    # What Rasa Pro Services waits for besides those (its dead-letter topic).
    analytics_depends_on: tuple[pulumi.Resource, ...] = ()
    # The model object uploaded from `modelStorage.uploadFrom` (S3 object, blob, GCS object): the Rasa
    # Deployment waits for it, and only then waits for its pods to be ready.
    model_object: Optional[pulumi.Resource] = None
    # The ingress controller and issuer installed on a created cluster (None: not asked for).
    ingress_controller: Optional[IngressController] = None


# The offline engine's answers: (id, outputs) for a resource, a result for a data source.
MockResource = Callable[[str, str, dict[str, Any], str], tuple[str, dict[str, Any]]]
MockCall = Callable[[str, dict[str, Any], str], dict[str, Any]]


@dataclass(frozen=True)
class CloudMocks:
    """What the cloud would compute for each resource type and data source it uses (offline only).
    Every type its provision step registers must be listed: the conformance suite checks it."""

    resource_types: frozenset[str] = frozenset()
    call_tokens: frozenset[str] = frozenset()
    resource: Optional[MockResource] = None  # (type, name, inputs, region) -> (id, outputs)
    call: Optional[MockCall] = None  # (token, args, region) -> result

    def merged_with(self, other: "CloudMocks") -> "CloudMocks":
        """These mocks plus a cross-cloud package's (Confluent Cloud runs on every cloud): `other`
        answers for the types and tokens it lists, these for the rest."""

        def resource(resource_type: str, name: str, inputs: dict[str, Any], region: str) -> tuple[str, dict[str, Any]]:
            answer = other.resource if resource_type in other.resource_types else self.resource
            assert answer is not None, resource_type
            return answer(resource_type, name, inputs, region)

        def call(token: str, args: dict[str, Any], region: str) -> dict[str, Any]:
            answer = other.call if token in other.call_tokens else self.call
            assert answer is not None, token
            return answer(token, args, region)

        return CloudMocks(self.resource_types | other.resource_types, self.call_tokens | other.call_tokens, resource, call)


@dataclass(frozen=True)
class CreationTime:
    """How long creating one resource of a type typically takes, and where that figure comes from."""

    minutes: float
    source: str  # a URL (provider docs, an issue thread with a log) or how the figure was measured
    basis: str = ""  # what the source shows, in a few words ("'Creation complete after 10m6s'")


def _no_plan(settings: StackSettings, section: Section, problems: Problems) -> CloudPlan:
    return CloudPlan(settings)


@dataclass(frozen=True)
class CloudSpec:
    name: str  # the `cloud` value and the settings section key (`rasa-platform:<name>`)
    title: str
    settings_model: type[Section]
    regions: frozenset[str]
    # `rasa run --remote-storage` for this cloud's object store (aws | gcs | azure).
    remote_storage: str
    tags: TagScheme
    # The Pulumi SDK its resources come from and the property that carries tags (GCP: labels).
    sdk: str = ""
    tag_property: str = "tags"
    # Environment → values of this cloud's own section.
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # What `StackSettings.managed()` may name on this cloud (empty: bring-your-own only so far).
    managed: frozenset[str] = frozenset()
    # Its provision step gives Rasa Pro Services a consumer of its own on a managed event queue
    # (`CloudServices.analytics_event_queue`); False: analytics is refused with a managed queue.
    analytics_consumer: bool = False
    # The `eventQueue.provider` values its provision step builds (its own Kafka first; empty: only unset).
    event_queue_providers: tuple[str, ...] = ()
    # Credentials inside this cloud's section (paths below `rasa-platform:<name>`): must be secrets.
    secret_fields: tuple[tuple[str, ...], ...] = ()
    # Existing PostgreSQL / Kafka are reached with the cloud's IAM (no password) under these settings.
    existing_iam_auth: Callable[[Any], bool] = lambda section: False
    # Credentials this stack must set, as (full key path, why); the offline preview fills placeholders.
    required_secrets: Callable[[StackSettings, Any], list[tuple[tuple[str, ...], str]]] = lambda settings, section: []
    # Checks and derived numbers, registering nothing; adds every problem to `problems`.
    plan: Callable[[StackSettings, Any, Problems], CloudPlan] = _no_plan
    provision: Optional[Callable[[Any], CloudServices]] = None
    mocks: CloudMocks = CloudMocks()
    # What its provision step installs for an Ingress on a cluster it creates (None: it cannot yet).
    ingress_controller: Optional[IngressController] = None
    # Its provision step uploads `modelStorage.uploadFrom` and returns `CloudServices.model_object`.
    uploads_models: bool = False
    # Resource type → typical creation time, for the types that take noticeable time (every key must
    # be a type its mocks list); the offline preview's first-deploy estimate reads it via the registry.
    creation_times: Mapping[str, CreationTime] = field(default_factory=dict)
    description: str = ""
    # Will provision hand back a `vault_seal` under these settings (the in-cluster Vault needs one),
    # and the setting that asks for it (named when it is missing).
    seals_vault: Callable[[Any], bool] = lambda section: False
    vault_seal_setting: str = ""
