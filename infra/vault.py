"""Vault's part of the wiring: settings → the Vault deployment → the bootstrap Job → delivery to Rasa.

infra/platform.py calls `deploy_vault` before rendering (Rasa's endpoints.yml names Vault's
address and CA), then `bootstrap` with every credential of the stack (the mapping it would
otherwise have put in a Kubernetes Secret), and hands `delivery(...)` to the Rasa workload,
whose Deployment waits for the bootstrap Job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components import existing
from components.analytics import workload as analytics_workload
from components.analytics.credentials import AnalyticsCredentials, DatabaseTarget
from components.cloud import RASA_SERVICE_ACCOUNT, CloudServices
from components.contracts import KafkaConnection, NetworkAccess, PlatformConnections, PostgresConnection
from components.rasa import labels as rasa_labels
from components.rasa.action_server import ACTION_SERVER_USER_ID, SERVICE_ACCOUNT as ACTION_SERVER_ACCOUNT
from components.rasa.endpoints import CA_DIR, SECRET_AUTH_TOKEN, VAULT_KEY_SQL_PASSWORD, VAULT_KEY_SQL_USERNAME
from components.rasa.placement import PodPlacement, image_reference, on_the_same_nodes
from components.rasa.pod import RASA_USER_ID
from components.rasa.vault_delivery import VaultDelivery
from components.vault import chart
from components.vault.bootstrap_job import SERVICE_ACCOUNT as BOOTSTRAP_SERVICE_ACCOUNT, BootstrapJob, BootstrapJobArgs
from components.vault.bootstrap_plan import (
    ADMIN_TOKEN_KEY, ANALYTICS_ADMIN_PASSWORD_KEY, ANALYTICS_ADMIN_USERNAME_KEY, ANALYTICS_CA_FILE,
    ANALYTICS_PASSWORD_KEY, ANALYTICS_READ_ONLY_PASSWORD_KEY, DATABASE_ADMIN_PASSWORD_KEY, DATABASE_ADMIN_USERNAME_KEY,
    KAFKA_CA_FILE, KUBERNETES_AUTH_PATH, RASA_ROLE, TRACKER_CA_FILE, AnalyticsDatabaseSetup, BootstrapInputs, DatabaseUser,
    KafkaAdministration, KafkaConsumer, WorkloadGrant, bootstrap_plan,
)
from components.vault.deployment import ExternalVault, InClusterVault, VaultDeployment, VaultDeploymentArgs
from infra.settings import StackSettings

# In-cluster, Vault reaches the API server by its in-cluster name with its own account's CA.
IN_CLUSTER_API = "https://kubernetes.default.svc"
VAULT_CA_FILE = f"{CA_DIR}/vault-ca.pem"  # where the renderer puts Vault's CA in Rasa's pods
# The action server's own policy, role and secret (`<vault.secretsPath>-actions`): Rasa's token
# cannot read it and the action server's cannot read Rasa's.
ACTION_SERVER_ROLE = "rasa-action-server"
ACTION_SERVER_SECRETS_SUFFIX = "-actions"
# Rasa Pro Services likewise: its own policy, role and secret (`<vault.secretsPath>-analytics`).
ANALYTICS_ROLE = "rasa-pro-services"
ANALYTICS_SECRETS_SUFFIX = "-analytics"


@dataclass(frozen=True)
class AnalyticsBootstrap:
    """What the bootstrap does for Rasa Pro Services: write its secret, grant it a role, and, with the
    server's admin login at hand (`admin`), create its database and roles first."""

    credentials: AnalyticsCredentials
    database: DatabaseTarget
    consumer: KafkaConnection  # the Kafka user its credentials are for; its Deployment renders the same
    read_only_username: str
    admin: Optional[PostgresConnection] = None


def analytics_secrets_path(settings: StackSettings) -> str:
    return settings.vault.secrets_path + ANALYTICS_SECRETS_SUFFIX


def action_server_secrets_path(settings: StackSettings) -> str:
    return settings.vault.secrets_path + ACTION_SERVER_SECRETS_SUFFIX


def action_server_uses_vault(settings: StackSettings) -> bool:
    """Only an action server with secretEnv gets an Agent, a role and a secret."""
    a = settings.rasa.action_server
    return a.enabled and bool(a.secret_env)


@dataclass
class VaultWiring:
    deployment: VaultDeployment
    bootstrap: Optional[BootstrapJob] = None


def deploy_vault(settings: StackSettings, services: CloudServices, provider: k8s.Provider,
                 labels: Mapping[str, str]) -> VaultDeployment:
    v = settings.vault
    if v.mode == "in-cluster":
        # infra/settings refused in-cluster on a stack whose cloud does not seal Vault.
        assert services.vault_seal is not None, "in-cluster Vault without the cloud's seal"
        mode: InClusterVault | ExternalVault = InClusterVault(
            servers=v.servers, storage_size=v.storage_size, audit_storage_size=v.audit_storage_size,
            storage_class=v.storage_class, seal=services.vault_seal, strict_zone_spread=settings.is_prod,
        )
        namespace = services.vault_seal.namespace
    else:
        assert v.address is not None  # checked by infra/settings
        mode = ExternalVault(address=v.address.rstrip("/"), ca_cert_pem=v.ca_cert, namespace=v.namespace,
                             egress_cidrs=tuple(v.egress_cidrs))
        namespace = v.kubernetes_namespace
    return VaultDeployment("vault", VaultDeploymentArgs(
        namespace=namespace,
        mode=mode,
        mount_point=v.mount_point,
        secrets_path=v.secrets_path,
        injector_replicas=2 if settings.is_prod else 1,
        client_service_accounts=[(settings.rasa.namespace, RASA_SERVICE_ACCOUNT),
                                 *([(settings.rasa.namespace, ACTION_SERVER_ACCOUNT)] if action_server_uses_vault(settings) else []),
                                 *([(settings.rasa.namespace, analytics_workload.SERVICE_ACCOUNT)] if settings.analytics.enabled else [])],
        client_pods=[*((settings.rasa.namespace, rasa_labels.selector(settings.stack, component))
                       for component in ("server", "verify", *(["action-server"] if action_server_uses_vault(settings) else []))),
                     *([(settings.rasa.namespace, analytics_workload.selector(settings.stack))] if settings.analytics.enabled else [])],
        labels=dict(labels),
        provider=provider,
        depends_on=list(services.workload_depends_on),
    ))


def vault_credentials(secret_values: Mapping[str, pulumi.Input[str]], c: PlatformConnections) -> dict[str, pulumi.Input[str]]:
    """Every key of the one KV v2 secret: each entry of the stack's credentials mapping under its
    logical name, and the tracker store's user and password under the keys endpoints.yml names."""
    out: dict[str, pulumi.Input[str]] = dict(secret_values)
    ts = c.tracker_store
    if not ts.iam_auth and ts.password is not None:
        out[VAULT_KEY_SQL_USERNAME] = ts.username
        out[VAULT_KEY_SQL_PASSWORD] = ts.password
    return out


def bootstrap(settings: StackSettings, deployment: VaultDeployment, credentials: Mapping[str, pulumi.Input[str]],
              connections: PlatformConnections, services: CloudServices,
              provider: k8s.Provider, labels: Mapping[str, str],
              action_server_credentials: Mapping[str, pulumi.Input[str]] = {},
              analytics: Optional[AnalyticsBootstrap] = None, placement: PodPlacement = PodPlacement()) -> BootstrapJob:
    """The Job writing `credentials` (and, when the stack sets none, a generated API token under
    SECRET_AUTH_TOKEN) to Vault, `action_server_credentials` to the action server's own secret and
    Rasa Pro Services' credentials to its own (creating its database first when it can)."""
    v, rasa = settings.vault, settings.rasa
    in_cluster = v.mode == "in-cluster"
    assert not set(credentials) & set(action_server_credentials), "one key, one secret"
    files = {key: pulumi.Output.secret(value) for key, value in {**credentials, **action_server_credentials}.items()}
    workloads = [WorkloadGrant(
        name=ACTION_SERVER_ROLE, namespace=rasa.namespace, service_account=ACTION_SERVER_ACCOUNT,
        secrets_path=action_server_secrets_path(settings), credential_keys=sorted(action_server_credentials),
    )] if action_server_uses_vault(settings) and action_server_credentials else []
    ca_files: dict[str, pulumi.Input[str]] = {}  # beside Vault's CA, for the steps that verify servers
    analytics_database, analytics_egress = None, []
    if analytics is not None:
        assert not set(analytics.credentials.vault_values) & set(files), "one key, one secret"
        files.update(analytics.credentials.vault_values)
        workloads.append(WorkloadGrant(
            name=ANALYTICS_ROLE, namespace=rasa.namespace, service_account=analytics_workload.SERVICE_ACCOUNT,
            secrets_path=analytics_secrets_path(settings), credential_keys=sorted(analytics.credentials.vault_values)))
        analytics_database, analytics_egress = _analytics_database_setup(analytics, files, ca_files)
    if not in_cluster:
        files[ADMIN_TOKEN_KEY] = existing.secret(v.admin_token)  # required by infra/settings
    ns = deployment.args.namespace
    pg, admin = connections.tracker_store, services.tracker_store_admin
    database_user = None
    if admin is not None and VAULT_KEY_SQL_PASSWORD in credentials:
        # The bootstrap logs in as the administrator and creates Rasa's role with the password in Vault.
        files[DATABASE_ADMIN_USERNAME_KEY] = pulumi.Output.secret(admin.username)
        files[DATABASE_ADMIN_PASSWORD_KEY] = pulumi.Output.secret(admin.password)
        if pg.ca_cert_pem is not None:
            ca_files[TRACKER_CA_FILE] = pg.ca_cert_pem
        database_user = pulumi.Output.from_input(pg.host).apply(lambda host: DatabaseUser(
            host=host, port=pg.port, database=pg.database, admin_database=admin.database, ssl_mode=pg.ssl_mode,
            has_ca=pg.ca_cert_pem is not None, username_key=VAULT_KEY_SQL_USERNAME, password_key=VAULT_KEY_SQL_PASSWORD))
    kafka, kafka_admin = kafka_administration(settings, services), services.kafka_admin
    if kafka_admin is not None:
        assert (kafka_admin.namespace, kafka_admin.service_account) == (ns, BOOTSTRAP_SERVICE_ACCOUNT), \
            "the cloud bound its Kafka administrator to another service account than the bootstrap's"
        if kafka_admin.ca_cert_pem is not None:
            ca_files[KAFKA_CA_FILE] = kafka_admin.ca_cert_pem
    plan = pulumi.Output.all(database_user, analytics_database, kafka).apply(lambda inputs: bootstrap_plan(BootstrapInputs(
        address=deployment.bootstrap_address,
        has_ca=deployment.ca_cert_pem is not None,
        vault_namespace=v.namespace if not in_cluster else None,
        in_cluster=in_cluster,
        namespace=ns,
        mount_point=v.mount_point,
        secrets_path=v.secrets_path,
        credential_keys=sorted({*credentials, SECRET_AUTH_TOKEN}),
        clients=[(rasa.namespace, RASA_SERVICE_ACCOUNT)],
        token_period_hours=v.token_period_hours,
        kubernetes_host=IN_CLUSTER_API if in_cluster else str(v.kubernetes_host),
        kubernetes_ca_cert=None if in_cluster else v.kubernetes_ca_cert,
        audit_file=chart.AUDIT_FILE if in_cluster else None,
        database_user=inputs[0],
        workloads=workloads,
        analytics_database=inputs[1],
        kafka=inputs[2],
    )))
    return BootstrapJob("vault-bootstrap", BootstrapJobArgs(
        namespace=ns,
        image=image_reference(rasa.image, rasa.tag),  # repo:tag, or repo:tag@sha256:... when pinned
        plan=plan,
        credentials=files,
        generated={} if SECRET_AUTH_TOKEN in credentials else {SECRET_AUTH_TOKEN: api_token_aliases()},
        ca_cert_pem=deployment.ca_cert_pem,
        ca_files=ca_files,
        initialises=in_cluster,
        egress=_distinct([deployment.connection.network,
                          *([NetworkAccess(ports=(443,))] if in_cluster else []),  # the API server, for `vault-init`
                          *([pg.network] if database_user is not None else []), *analytics_egress,
                          *([kafka_admin.network, *kafka_admin.identity.network] if kafka_admin is not None else [])]),
        service_account_annotations=kafka_admin.identity.service_account_annotations if kafka_admin is not None else {},
        env=_plain(kafka_admin.identity.env) if kafka_admin is not None else {},
        labels=dict(labels),
        placement=on_the_same_nodes(placement, pull_secrets=False),  # Rasa's nodes, as it runs Rasa's image
        provider=provider,
        # Its analytics-database step needs the cloud's analytics server, admin and database first.
        depends_on=[deployment.release, *(kafka_admin.ready if kafka_admin is not None else ()),
                    *(services.analytics_depends_on if analytics is not None else ())],
    ))


def _plain(env: pulumi.Input[dict[str, str]]) -> dict[str, str]:
    # A Job's pod spec is immutable: its environment is known when the program runs, never an Output.
    assert isinstance(env, dict), "the bootstrap's environment must be plain values"
    return dict(env)


def _distinct(accesses: list[NetworkAccess]) -> list[NetworkAccess]:
    """One egress rule per destination (the API server and AWS STS are both 443 anywhere)."""
    return [a for i, a in enumerate(accesses) if a not in accesses[:i]]


def kafka_administration(settings: StackSettings, services: CloudServices) -> pulumi.Output[Optional[KafkaAdministration]]:
    """The bootstrap's kafka-acls step where the cloud hands over a Kafka administrator: Rasa's SCRAM
    user writes the topic; with analytics, Rasa Pro Services' user reads it with its group and
    writes its dead-letter topic. The cloud creates the topics themselves as resources."""
    admin, producer, consumer = services.kafka_admin, services.event_queue, services.analytics_event_queue
    if admin is None:
        return pulumi.Output.from_input(None)
    assert producer is not None and producer.username is not None, "a Kafka administrator without a SCRAM producer"
    analytics = settings.analytics
    with_consumer = analytics.enabled and consumer is not None
    return pulumi.Output.all(
        admin.bootstrap_servers, producer.topic, producer.username, consumer.username if with_consumer else None,
    ).apply(lambda v: KafkaAdministration(
        bootstrap_servers=v[0],
        security_protocol=admin.security_protocol,
        sasl_mechanism=admin.sasl_mechanism,
        region=admin.region,
        has_ca=admin.ca_cert_pem is not None,
        topic=v[1],
        producer=f"User:{v[2]}",
        consumers=[KafkaConsumer(principal=f"User:{v[3]}", group=analytics.consumer_group,
                                 dead_letter_topic=analytics.dead_letter_topic)] if v[3] else [],
    ))


def _analytics_database_setup(
    analytics: AnalyticsBootstrap, files: dict[str, pulumi.Input[str]], ca_files: dict[str, pulumi.Input[str]],
) -> tuple[Optional[pulumi.Output[AnalyticsDatabaseSetup]], list[NetworkAccess]]:
    """The analytics-database step's plan and where it connects; adds the credentials and CA it reads
    to `files` and `ca_files`. Only with the server's admin login and passwords generated here (an
    existing database is its operator's)."""
    admin, db, creds = analytics.admin, analytics.database, analytics.credentials
    if admin is None or creds.read_only_password is None:
        return None, []
    files[ANALYTICS_ADMIN_USERNAME_KEY] = pulumi.Output.secret(admin.username)
    files[ANALYTICS_ADMIN_PASSWORD_KEY] = pulumi.Output.secret(admin.password)
    files[ANALYTICS_PASSWORD_KEY] = pulumi.Output.secret(creds.password)
    files[ANALYTICS_READ_ONLY_PASSWORD_KEY] = creds.read_only_password
    setup = pulumi.Output.from_input(db.host).apply(lambda host: AnalyticsDatabaseSetup(
        host=host, port=db.port, admin_database=admin.database, ssl_mode=db.ssl_mode, has_ca=db.ca_cert_pem is not None,
        database=db.name, username=db.username, read_only_username=analytics.read_only_username))
    if db.ca_cert_pem is not None:
        ca_files[ANALYTICS_CA_FILE] = db.ca_cert_pem
    return setup, [db.network]


def delivery(settings: StackSettings, deployment: VaultDeployment, job: BootstrapJob) -> VaultDelivery:
    return _delivery(settings, deployment, job, RASA_ROLE, settings.vault.secrets_path, RASA_USER_ID)


def action_server_delivery(settings: StackSettings, deployment: VaultDeployment,
                           job: BootstrapJob) -> Optional[VaultDelivery]:
    if not action_server_uses_vault(settings):
        return None
    return _delivery(settings, deployment, job, ACTION_SERVER_ROLE, action_server_secrets_path(settings),
                     ACTION_SERVER_USER_ID)


def analytics_delivery(settings: StackSettings, deployment: VaultDeployment, job: BootstrapJob) -> Optional[VaultDelivery]:
    if not settings.analytics.enabled:
        return None
    return _delivery(settings, deployment, job, ANALYTICS_ROLE, analytics_secrets_path(settings),
                     analytics_workload.USER_ID, ca_file=analytics_workload.VAULT_CA_FILE)


def _delivery(settings: StackSettings, deployment: VaultDeployment, job: BootstrapJob, role: str,
              secrets_path: str, user_id: int, ca_file: str = VAULT_CA_FILE) -> VaultDelivery:
    v = settings.vault
    return VaultDelivery(
        role=role,
        auth_path=f"auth/{KUBERNETES_AUTH_PATH}",
        mount_point=v.mount_point,
        secrets_path=secrets_path,
        user_id=user_id,
        ca_file=ca_file if deployment.ca_cert_pem is not None else None,
        vault_namespace=v.namespace if v.mode == "external" else None,
        revision=job.job_name,
    )


def api_token_aliases() -> list[pulumi.Alias]:
    """Rasa's generated API token lived in the workload while the workload put credentials in a
    Secret; it is generated by the bootstrap now, so it is written to Vault before Rasa exists."""
    workload = pulumi.resource.create_urn("rasa", "rasa-platform:rasa:Workload")
    return [pulumi.Alias(name="rasa-api-token", parent=workload)]
