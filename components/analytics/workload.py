"""Rasa Pro Services on Kubernetes: consumes the event queue's topic into its own database.

In the Rasa namespace (restricted pod security): its service account (no API token), the
credentials Secret (license, SASL password, database URL: `secretKeyRef` only, never a literal or
a ConfigMap), a CA ConfigMap, the database setup Job when an admin login for the tracker server
is at hand (components/analytics/jobs/analytics_database.py on the Rasa image), the Deployment
(probed on /healthcheck:8732 as Rasa's chart does), a PodDisruptionBudget and a NetworkPolicy that
admits no one and lets it reach only Kafka, its database, Vault and DNS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.analytics.environment import (
    CA_DIR, HEALTH_PATH, HEALTH_PORT, SECRET_DATABASE_URL, SECRET_KAFKA_PASSWORD, SECRET_LICENSE, AnalyticsDatabase,
    AnalyticsEnvironment, AnalyticsOptions, database_url, render_environment,
)
from components.analytics.setup_job import DatabaseSetupJob, DatabaseSetupJobArgs
from components.contracts import KafkaConnection, NetworkAccess, PostgresConnection, redact, resolve
from components.rasa import labels as rasa_labels
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.network_policy import egress_rules
from components.rasa.pod import ROLLING_SURGE, ContainerResources
from components.rasa.scaling import disruption_budget, zone_spread  # the same as Rasa's pods

meta = k8s.meta.v1
core = k8s.core.v1
apps = k8s.apps.v1
networking = k8s.networking.v1

NAME = "rasa-pro-services"
COMPONENT = "analytics"
SERVICE_ACCOUNT = "rasa-pro-services"
CREDENTIALS_SECRET = "rasa-analytics-credentials"
CA_CONFIG_MAP = "rasa-analytics-ca-certificates"
USER_ID = 1001  # not root; the image's own user is unknown here (README: what only a cluster shows)


@dataclass(frozen=True)
class DatabaseTarget:
    """The analytics database as deployed: where it is and how its role logs in."""

    host: pulumi.Input[str]
    port: int
    name: str
    username: str
    ssl_mode: str
    network: NetworkAccess  # where the pod may connect for it
    ca_cert_pem: Optional[pulumi.Input[str]] = None
    password: Optional[pulumi.Input[str]] = None  # existing: the role's; None: generated here


@dataclass(frozen=True)
class AnalyticsWorkloadArgs:
    """Every value the workload reads; infra/platform.py maps the stack's settings onto it."""

    stack: str
    environment: str  # labels only
    namespace: str
    image: str  # repository:tag or repository@sha256:...
    replicas: int
    resources: ContainerResources
    pod_disruption_budget: bool
    strict_zone_spread: bool  # prod: pods wait for a free zone rather than share one
    consumer_group: str
    consumer_count: int
    dead_letter_topic: str
    log_level: str
    event_queue: KafkaConnection  # the consumer's own credentials, never Rasa's producer
    database: DatabaseTarget
    read_only_username: str
    license: pulumi.Input[str]  # secret
    vault: NetworkAccess  # Vault delivery (in progress) needs the pod to reach Vault
    # The tracker server's admin login: set (shared database), a Job creates the database and roles
    # first; None, the database must exist (existing) or be created by hand / the bootstrap job.
    database_admin: Optional[PostgresConnection] = None
    setup_image: Optional[str] = None  # the Rasa Pro image (it ships psycopg2); needed with database_admin
    region: Optional[str] = None
    provider: Optional[k8s.Provider] = None
    depends_on: Sequence[pulumi.Resource] = ()


class AnalyticsWorkload(pulumi.ComponentResource):
    def __init__(self, name: str, args: AnalyticsWorkloadArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:analytics:Workload", name, None, opts)
        self.args = args
        self.labels = {**rasa_labels.common(args.stack, args.environment), **selector(args.stack)}
        self.selector = selector(args.stack)
        self.rendered = self._render()

        self.password, self.read_only_password = self._passwords(name)
        self.service_account = core.ServiceAccount(
            f"{name}-service-account", metadata=self._metadata(SERVICE_ACCOUNT),
            automount_service_account_token=False,  # it never calls the Kubernetes API
            opts=self._options(*args.depends_on),
        )
        self.credentials = self._secret(name)
        self.ca_certificates = core.ConfigMap(
            f"{name}-ca-certificates", metadata=self._metadata(CA_CONFIG_MAP),
            data=self.rendered.apply(lambda r: dict(r.ca_files)), opts=self._options(*args.depends_on),
        )
        self.setup_job = self._setup_job(name)
        self.deployment = self._deployment(name)
        self.disruption_budget = self._disruption_budget(name)
        self.network_policy = self._network_policy(name)
        self.register_outputs({"databaseHost": args.database.host, "databaseName": args.database.name})

    # -- helpers ------------------------------------------------------------------------------

    def _options(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self.args.provider, depends_on=list(depends_on) or None)

    def _metadata(self, name: str = NAME, **extra) -> meta.ObjectMetaArgs:
        return meta.ObjectMetaArgs(name=name, namespace=self.args.namespace, labels=self.labels, **extra)

    def _render(self) -> pulumi.Output[AnalyticsEnvironment]:
        a = self.args
        options = AnalyticsOptions(a.consumer_group, a.consumer_count, a.dead_letter_topic, a.log_level, a.region)
        # The renderer sees credentials only as "present": its output holds no secret.
        return pulumi.Output.all(resolve(redact(a.event_queue)), a.database.host, a.database.ca_cert_pem).apply(
            lambda parts: render_environment(parts[0], _database(a.database, parts[1], parts[2]), options))

    # -- resources ----------------------------------------------------------------------------

    def _passwords(self, name: str) -> tuple[pulumi.Input[str], Optional[pulumi.Output[str]]]:
        db = self.args.database
        if db.password is not None:
            return db.password, None  # an existing database: its role and password are the operator's

        def generated(suffix: str) -> pulumi.Output[str]:
            # URL-safe: the password travels inside RASA_ANALYTICS_DB_URL (quoted anyway).
            result = random.RandomPassword(f"{name}-{suffix}", length=40, special=True, override_special="-_.~",
                                           min_lower=4, min_upper=4, min_numeric=4, opts=pulumi.ResourceOptions(parent=self))
            return pulumi.Output.secret(result.result)

        return generated("database-password"), generated("read-only-password")

    def _secret(self, name: str) -> core.Secret:
        a = self.args
        db = a.database
        url = pulumi.Output.all(self.rendered, db.host, self.password).apply(
            lambda parts: database_url(_database(db, parts[1], None), parts[2], parts[0].database_ca_path))
        values: dict[str, pulumi.Input[str]] = {SECRET_LICENSE: a.license, SECRET_DATABASE_URL: url}
        if a.event_queue.password is not None:
            values[SECRET_KAFKA_PASSWORD] = a.event_queue.password
        needed = self.rendered.apply(lambda r: sorted(set(r.secret_env.values())))
        return core.Secret(
            f"{name}-credentials",
            metadata=self._metadata(CREDENTIALS_SECRET),
            type="Opaque",
            string_data=needed.apply(lambda keys: pulumi.Output.secret(pulumi.Output.all(**{k: values[k] for k in keys}))),
            opts=self._options(*a.depends_on),
        )

    def _setup_job(self, name: str) -> Optional[DatabaseSetupJob]:
        a = self.args
        if a.database_admin is None or self.read_only_password is None:
            return None
        assert a.setup_image, "the setup Job runs on the Rasa Pro image"
        return DatabaseSetupJob(
            f"{name}-database-setup",
            DatabaseSetupJobArgs(
                namespace=a.namespace, image=a.setup_image, labels=self.labels, admin=a.database_admin,
                database=a.database.name, owner=a.database.username, owner_password=self.password,
                read_only_username=a.read_only_username, read_only_password=self.read_only_password,
                ca_config_map=CA_CONFIG_MAP, ca_dir=CA_DIR, ca_path=self.rendered.apply(lambda r: r.database_ca_path),
                provider=a.provider, depends_on=[*a.depends_on, self.ca_certificates],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _deployment(self, name: str) -> apps.Deployment:
        a = self.args
        waits = [self.service_account, self.credentials, self.ca_certificates, *([self.setup_job] if self.setup_job else [])]
        return apps.Deployment(
            f"{name}-deployment",
            metadata=self._metadata(),
            spec=apps.DeploymentSpecArgs(
                replicas=a.replicas,
                selector=meta.LabelSelectorArgs(match_labels=self.selector),
                strategy=apps.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    # The surge pod is counted in the connection budget and the capacity check.
                    rolling_update=apps.RollingUpdateDeploymentArgs(max_surge=ROLLING_SURGE, max_unavailable=0),
                ),
                revision_history_limit=5,
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=self.labels),
                    spec=core.PodSpecArgs(
                        service_account_name=SERVICE_ACCOUNT,
                        automount_service_account_token=False,
                        termination_grace_period_seconds=60,  # consumers commit their offsets on the way out
                        security_context=pod_security_context(USER_ID),
                        topology_spread_constraints=zone_spread(self.selector, a.strict_zone_spread),
                        containers=[self._container()],
                        volumes=[
                            core.VolumeArgs(name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(name=CA_CONFIG_MAP)),
                            core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="1Gi")),
                        ],
                    ),
                ),
            ),
            opts=self._options(*waits),
        )

    def _container(self) -> core.ContainerArgs:
        r = self.args.resources
        health = core.HTTPGetActionArgs(path=HEALTH_PATH, port="health")
        return core.ContainerArgs(
            name="rasa-pro-services",
            image=self.args.image,
            image_pull_policy="IfNotPresent",
            ports=[core.ContainerPortArgs(name="health", container_port=HEALTH_PORT, protocol="TCP")],
            env=self.rendered.apply(container_env),
            resources=core.ResourceRequirementsArgs(
                requests={"cpu": r.cpu_request, "memory": r.memory_request},
                limits={"cpu": r.cpu_limit, "memory": r.memory_limit},
            ),
            # Migrations run before it serves: the startup probe gives them up to 10 minutes.
            startup_probe=core.ProbeArgs(http_get=health, period_seconds=10, failure_threshold=60),
            liveness_probe=core.ProbeArgs(http_get=health, period_seconds=15, timeout_seconds=5, failure_threshold=6),
            readiness_probe=core.ProbeArgs(http_get=health, period_seconds=15, timeout_seconds=5, failure_threshold=6),
            security_context=container_security_context(),
            volume_mounts=[
                core.VolumeMountArgs(name="ca-certificates", mount_path=CA_DIR, read_only=True),
                core.VolumeMountArgs(name="tmp", mount_path="/tmp"),
            ],
        )

    def _disruption_budget(self, name: str) -> Optional[k8s.policy.v1.PodDisruptionBudget]:
        if not self.args.pod_disruption_budget:
            return None
        return disruption_budget(f"{name}-disruption-budget", self._metadata(), self.selector, self._options(*self.args.depends_on))

    def _network_policy(self, name: str) -> networking.NetworkPolicy:
        a = self.args
        return networking.NetworkPolicy(
            f"{name}-network-policy",
            metadata=self._metadata(),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=self.selector),
                policy_types=["Ingress", "Egress"],
                ingress=[],  # nobody calls it; the kubelet's probes are not subject to NetworkPolicy
                egress=egress_rules((a.event_queue.network, a.database.network, a.vault), None, None),
            ),
            opts=self._options(*a.depends_on),
        )


def selector(stack: str) -> dict[str, str]:
    """Immutable once deployed: the Deployment's selector."""
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": stack, "app.kubernetes.io/component": COMPONENT}


def container_env(rendered: AnalyticsEnvironment) -> list[dict]:
    env: list[dict] = [{"name": k, "value": v} for k, v in rendered.env.items()]
    env += [{"name": var, "valueFrom": {"secretKeyRef": {"name": CREDENTIALS_SECRET, "key": key}}}
            for var, key in rendered.secret_env.items()]
    return env + [{"name": "HOME", "value": "/tmp"}]


def _database(target: DatabaseTarget, host: str, ca_cert_pem: Optional[str]) -> AnalyticsDatabase:
    return AnalyticsDatabase(host=host, port=target.port, name=target.name, username=target.username,
                             ssl_mode=target.ssl_mode, ca_cert_pem=ca_cert_pem)

