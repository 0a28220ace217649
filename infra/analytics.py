"""The stack's analytics settings → Rasa Pro Services' explicit inputs, and its stack outputs."""

from __future__ import annotations

import dataclasses
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import existing
from components.analytics.credentials import AnalyticsCredentials, DatabaseTarget
from components.analytics.workload import AnalyticsWorkload, AnalyticsWorkloadArgs
from components.cloud import CloudServices
from components.contracts import KafkaConnection, NetworkAccess, PlatformConnections, PostgresConnection
from components.rasa.placement import PodPlacement
from components.rasa.pod import ContainerResources
from components.rasa.vault_delivery import VaultDelivery
from components.settings.errors import ConfigError
from infra.settings import StackSettings
from infra.vault import AnalyticsBootstrap


def analytics_bootstrap(settings: StackSettings, connections: PlatformConnections,
                        services: CloudServices) -> Optional[AnalyticsBootstrap]:
    """Rasa Pro Services' credentials and database, for the Vault bootstrap (None: analytics off)."""
    if not settings.analytics.enabled:
        return None
    admin = _admin(settings, services)
    database = _database(settings, connections, admin)
    consumer = _consumer(settings, connections.event_queue, services)
    return AnalyticsBootstrap(
        credentials=AnalyticsCredentials("analytics", database, consumer, existing.secret(settings.rasa.license)),
        database=database,
        consumer=consumer,
        read_only_username=settings.analytics.database.read_only_username,
        admin=admin,
    )


def deploy_analytics(
    settings: StackSettings, connections: PlatformConnections, services: CloudServices,
    bootstrap: Optional[AnalyticsBootstrap], delivery: Optional[VaultDelivery], vault_ca_cert_pem: Optional[pulumi.Input[str]],
    placement: PodPlacement, provider: Optional[k8s.Provider], depends_on: list[pulumi.Resource],
) -> Optional[AnalyticsWorkload]:
    if bootstrap is None:
        return None
    assert delivery is not None  # analytics on: infra/vault.py grants it a role
    a = settings.analytics
    r = a.resources
    return AnalyticsWorkload("analytics", AnalyticsWorkloadArgs(
        stack=settings.stack,
        environment=settings.environment,
        namespace=settings.rasa.namespace,
        image=f"{a.image}@{a.tag}" if a.tag.startswith("sha256:") else f"{a.image}:{a.tag}",
        command=tuple(a.command),  # required by the settings rules (the offline preview's stand-in otherwise)
        replicas=a.replicas,
        resources=ContainerResources(r.cpu_request, r.memory_request, r.cpu_limit, r.memory_limit),
        pod_disruption_budget=a.pod_disruption_budget,
        strict_zone_spread=settings.is_prod,
        consumer_group=a.consumer_group,
        consumer_count=a.consumer_count,
        dead_letter_topic=a.dead_letter_topic,
        log_level=a.log_level,
        event_queue=bootstrap.consumer,
        database=bootstrap.database,
        vault_delivery=delivery,
        vault=connections.vault.network,
        vault_ca_cert_pem=vault_ca_cert_pem,
        placement=placement,
        region=settings.region,
        provider=provider,
        depends_on=depends_on,
    ))


def _consumer(settings: StackSettings, producer: KafkaConnection, services: CloudServices) -> KafkaConnection:
    """The consumer's own credentials: the cloud's (managed) or the stack's (existing), never Rasa's."""
    a = settings.analytics
    if settings.event_queue.mode == "managed":
        if services.analytics_event_queue is None:
            raise ConfigError("analytics.enabled", True, f"the managed event queue on {settings.cloud} has no analytics "
                              "consumer yet (with aws.iamAuth: not built); set analytics.enabled: false")
        return services.analytics_event_queue
    if producer.sasl_mechanism in (None, "OAUTHBEARER") or producer.security_protocol != "SASL_SSL":
        return dataclasses.replace(producer, client_id="rasa-analytics")
    return dataclasses.replace(producer, username=a.consumer_username, password=existing.secret(a.consumer_password),
                               client_id="rasa-analytics")


def _admin(settings: StackSettings, services: CloudServices) -> Optional[PostgresConnection]:
    """The admin login the setup Job creates the database and roles with: the tracker server's
    (shared), the analytics server's own (managed), none (existing: the operator's database)."""
    mode = settings.analytics.database.mode
    if mode == "managed":
        assert services.analytics_database_admin is not None  # the cloud's spec lists analytics.database
        return services.analytics_database_admin
    return services.tracker_store_admin if mode == "shared" else None


def _database(settings: StackSettings, c: PlatformConnections, admin: Optional[PostgresConnection]) -> DatabaseTarget:
    db = settings.analytics.database
    if db.mode != "existing":
        # The server the database is on, as Rasa reaches the tracker store (its TLS, CA and network).
        server = admin if db.mode == "managed" else c.tracker_store
        assert server is not None
        return DatabaseTarget(host=server.host, port=server.port, name=db.name, username=db.username,
                              ssl_mode=server.ssl_mode, network=server.network, ca_cert_pem=server.ca_cert_pem)
    assert db.host is not None  # required by the analytics rules
    return DatabaseTarget(
        host=db.host, port=db.port, name=db.name, username=db.username, ssl_mode=db.ssl_mode,
        network=NetworkAccess(ports=(db.port,), cidrs=db.egress_cidrs or existing.ANYWHERE),
        ca_cert_pem=db.ca_cert, password=existing.secret(db.password),
    )


def export_analytics(settings: StackSettings, workload: Optional[AnalyticsWorkload],
                     bootstrap: Optional[AnalyticsBootstrap]) -> None:
    """Where the analytics database is and how a BI tool connects to it read-only (no password)."""
    if workload is None or bootstrap is None:
        return
    db, args = settings.analytics.database, bootstrap.database
    creds = bootstrap.credentials
    # libpq's `system`: the public roots; a private CA (e.g. the RDS bundle): that CA's file.
    ca = "<file with the database CA>" if args.ca_cert_pem is not None else "system"
    pulumi.export("analyticsDatabaseHost", args.host)
    pulumi.export("analyticsDatabasePort", args.port)
    pulumi.export("analyticsDatabaseName", args.name)
    reader = db.read_only_username if creds.read_only_password is not None else args.username
    pulumi.export("analyticsReadOnlyUsername", reader)
    if creds.read_only_password is not None:
        pulumi.export("analyticsReadOnlyPassword", creds.read_only_password)
        if bootstrap.admin is None:  # no admin login here: the operator runs the database script
            pulumi.export("analyticsDatabasePassword", creds.password)
    pulumi.export("analyticsPsqlHint", pulumi.Output.concat(
        "psql 'host=", args.host, f" port={args.port} dbname={args.name} user={reader} sslmode={args.ssl_mode} "
        f"sslrootcert={ca}' (password: pulumi stack output --show-secrets analyticsReadOnlyPassword)"))
