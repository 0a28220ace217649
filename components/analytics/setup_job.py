"""The analytics database setup Job: components/analytics/jobs/analytics_database.py on the Rasa Pro
image (it ships psycopg2), logged in as the tracker server's admin, before Rasa Pro Services starts.

Its credentials sit in a Secret of their own that only this Job mounts (the admin password never
reaches the analytics pods), and it runs under a NetworkPolicy that lets it reach the database
and DNS only. Like the verify Job, its name is a digest of what it runs with: a changed script,
image, database or role runs it again; an unchanged deploy keeps the Job that passed. The Vault
bootstrap job (issue 11) is meant to run the same script; then this Job can go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.contracts import PostgresConnection
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.network_policy import egress_rules
from components.rasa.verify_job import job_digest, plain_env

meta = k8s.meta.v1
core = k8s.core.v1
batch = k8s.batch.v1
networking = k8s.networking.v1

SCRIPT = Path(__file__).resolve().parent / "jobs" / "analytics_database.py"
SCRIPT_DIR = "/opt/rasa-platform/analytics"
SECRET = "rasa-analytics-database-setup"
RASA_USER_ID = 1001  # the uid the rasa/rasa-pro image runs as
REQUESTS = {"cpu": "100m", "memory": "128Mi"}  # a handful of SQL statements (counted in the capacity check)


@dataclass
class DatabaseSetupJobArgs:
    namespace: str
    image: str  # the Rasa Pro image
    labels: Mapping[str, str]
    admin: PostgresConnection  # the tracker server, logged in as its admin
    database: str
    owner: str
    owner_password: pulumi.Input[str]  # secret
    read_only_username: str
    read_only_password: pulumi.Input[str]  # secret
    ca_config_map: str  # holds the database CA file
    ca_dir: str
    ca_path: pulumi.Input[str]  # the database CA file inside ca_dir (or the image's bundle)
    active_deadline_seconds: int = 300
    provider: Optional[k8s.Provider] = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class DatabaseSetupJob(pulumi.ComponentResource):
    def __init__(self, name: str, args: DatabaseSetupJobArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:analytics:DatabaseSetupJob", name, None, opts)
        script = SCRIPT.read_text()
        labels = {**args.labels, "app.kubernetes.io/component": "analytics-setup"}
        child = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=args.depends_on or None)
        admin = args.admin
        if admin.password is None:
            raise ValueError("the analytics database setup needs the admin's password")

        self.secret = core.Secret(
            f"{name}-credentials",
            metadata=meta.ObjectMetaArgs(name=SECRET, namespace=args.namespace, labels=labels),
            type="Opaque",
            string_data=pulumi.Output.secret({
                "admin-password": admin.password, "analytics-password": args.owner_password,
                "read-only-password": args.read_only_password,
            }),
            opts=child,
        )
        self.script = core.ConfigMap(
            f"{name}-script",
            metadata=meta.ObjectMetaArgs(name="rasa-analytics-database-script", namespace=args.namespace, labels=labels),
            data={"analytics_database.py": script},
            opts=child,
        )
        self.network_policy = networking.NetworkPolicy(
            f"{name}-network-policy",
            metadata=meta.ObjectMetaArgs(name="rasa-analytics-setup", namespace=args.namespace, labels=labels),
            spec=networking.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels={"app.kubernetes.io/component": "analytics-setup",
                                                                  "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"]}),
                policy_types=["Ingress", "Egress"],
                ingress=[],
                egress=egress_rules((admin.network,), None, None),
            ),
            opts=child,
        )

        def from_secret(key: str) -> dict:
            return {"secretKeyRef": {"name": SECRET, "key": key}}

        env = pulumi.Output.all(admin.host, args.ca_path).apply(lambda parts: plain_env([
            {"name": "ADMIN_HOST", "value": parts[0]},
            {"name": "ADMIN_PORT", "value": str(admin.port)},
            {"name": "ADMIN_DB", "value": "postgres"},
            {"name": "ADMIN_USER", "value": str(admin.username)},
            {"name": "ADMIN_PASSWORD", "valueFrom": from_secret("admin-password")},
            {"name": "ANALYTICS_DB", "value": args.database},
            {"name": "ANALYTICS_USER", "value": args.owner},
            {"name": "ANALYTICS_PASSWORD", "valueFrom": from_secret("analytics-password")},
            {"name": "READONLY_USER", "value": args.read_only_username},
            {"name": "READONLY_PASSWORD", "valueFrom": from_secret("read-only-password")},
            {"name": "PGSSLMODE", "value": admin.ssl_mode},
            {"name": "PGSSLROOTCERT", "value": parts[1]},
        ]))
        digest = pulumi.Output.all(image=args.image, namespace=args.namespace, env=env).apply(
            lambda parts: job_digest(script, parts))
        self.job_name = digest.apply(lambda d: f"rasa-analytics-setup-{d}")
        self.job = batch.Job(
            f"{name}-job",
            metadata=meta.ObjectMetaArgs(name=self.job_name, namespace=args.namespace, labels=labels),
            spec=batch.JobSpecArgs(
                backoff_limit=2,  # the database may still be coming up on a first deploy
                active_deadline_seconds=args.active_deadline_seconds,
                ttl_seconds_after_finished=7 * 24 * 3600,
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=labels),
                    spec=core.PodSpecArgs(
                        restart_policy="Never",
                        automount_service_account_token=False,
                        security_context=pod_security_context(RASA_USER_ID),
                        containers=[core.ContainerArgs(
                            name="analytics-setup",
                            image=args.image,
                            image_pull_policy="IfNotPresent",
                            command=["python", f"{SCRIPT_DIR}/analytics_database.py"],
                            env=env,
                            resources=core.ResourceRequirementsArgs(requests=REQUESTS, limits={"cpu": "500m", "memory": "256Mi"}),
                            security_context=container_security_context(),
                            volume_mounts=[
                                core.VolumeMountArgs(name="script", mount_path=SCRIPT_DIR, read_only=True),
                                core.VolumeMountArgs(name="ca-certificates", mount_path=args.ca_dir, read_only=True),
                                core.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                            ],
                        )],
                        volumes=[
                            core.VolumeArgs(name="script", config_map=core.ConfigMapVolumeSourceArgs(name="rasa-analytics-database-script")),
                            core.VolumeArgs(name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(name=args.ca_config_map)),
                            core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="64Mi")),
                        ],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.provider, depends_on=[self.secret, self.script, self.network_policy, *args.depends_on],
                delete_before_replace=True,  # a failed Job is replaced under the same name
                custom_timeouts=pulumi.CustomTimeouts(create=f"{args.active_deadline_seconds + 120}s"),
            ),
        )
        self.register_outputs({"jobName": self.job_name})
