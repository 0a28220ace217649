"""The bootstrap Job: components/vault/jobs/bootstrap.py run in the cluster on the Rasa Pro image.

In Vault's namespace, never Rasa's: its own service account; a ConfigMap with the script, the plan
(no secret) and Vault's CA; the credentials it writes to Vault as a Secret of that namespace,
mounted as files; and, in-cluster, the `vault-init` Secret that receives the recovery keys and
root token, which only this account may read or patch (a Role naming that one Secret). The
program creates `vault-init` empty and never touches its data again (`ignore_changes`), and a
`pulumi destroy` leaves it behind (`retain_on_delete`): losing it would lose the recovery keys.

The Job's name is a digest of everything it runs with (script, plan, image, credential values
through a salted hash): any change gives a new Job that runs the steps again, an unchanged
deploy keeps the Job that already passed. Pulumi waits for it to complete; a failed step fails
`pulumi up` with the step named in the Job's log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.cloud import VAULT_BOOTSTRAP_SERVICE_ACCOUNT
from components.contracts import NetworkAccess
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.network_policy import egress_rules
from components.rasa.placement import PodPlacement, pod_spec_fields
from components.rasa.verify_job import job_digest  # the same naming rule as the verify Job
from components.vault.bootstrap_plan import (
    ANALYTICS_DATABASE_SCRIPT, BOOTSTRAP_SCRIPT, CA_DIR, CREDENTIALS_DIR, INIT_SECRET, SCRIPT_DIR,
)

meta = k8s.meta.v1
core = k8s.core.v1
batch = k8s.batch.v1
rbac = k8s.rbac.v1

SERVICE_ACCOUNT = VAULT_BOOTSTRAP_SERVICE_ACCOUNT
CONFIG_MAP = "vault-bootstrap"
CREDENTIALS_SECRET = "vault-bootstrap-credentials"
RASA_USER_ID = 1001  # the uid the rasa/rasa-pro image runs as
REQUESTS = {"cpu": "100m", "memory": "256Mi"}
POD_SELECTOR = {"app.kubernetes.io/component": "vault-bootstrap"}  # its pods (its own and Vault's NetworkPolicies)


@dataclass
class BootstrapJobArgs:
    namespace: pulumi.Input[str]
    image: str  # the Rasa Pro image (ships hvac, psycopg2, confluent-kafka)
    plan: pulumi.Input[dict]  # bootstrap_plan(...): no secret inside
    credentials: Mapping[str, pulumi.Input[str]]  # file name in CREDENTIALS_DIR → secret value
    ca_cert_pem: Optional[pulumi.Input[str]]  # Vault's CA (None: a public CA)
    initialises: bool  # in-cluster: the Job needs the Kubernetes API for `vault-init`
    egress: Sequence[NetworkAccess]  # where its pod may connect (Vault, the API, a database), DNS besides
    # Keys generated here (random, 48 characters) and written like the others → aliases of the
    # generator's earlier place in the state; `generated` outputs their values.
    generated: Mapping[str, Sequence[pulumi.Alias]] = field(default_factory=dict)
    # More public CA files the steps verify servers with (file name → PEM), beside Vault's at CA_DIR.
    ca_files: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # A cloud identity for its service account (e.g. MSK's Kafka administrator: an IRSA role
    # annotation) and the environment its SDK needs beside it.
    service_account_annotations: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    active_deadline_seconds: int = 900  # a new cluster's Vault pods start first
    backoff_limit: int = 2
    ttl_seconds_after_finished: int = 7 * 24 * 3600
    labels: Mapping[str, str] = field(default_factory=dict)
    # Where it may run: Rasa's nodes (selector, tolerations); no pull secrets (Vault's namespace has none).
    placement: PodPlacement = field(default_factory=PodPlacement)
    provider: Optional[k8s.Provider] = None
    depends_on: Sequence[pulumi.Resource] = ()


def credentials_digest(salt: str, credentials: Mapping[str, str]) -> str:
    """Changes when any credential changes; salted (a per-stack random value) so the Job's name
    says nothing about the values themselves."""
    return hashlib.sha256((salt + json.dumps(dict(credentials), sort_keys=True)).encode()).hexdigest()[:16]


def _mapping(values: Mapping[str, pulumi.Input[str]]) -> pulumi.Input[dict]:
    # Output.all() of no keyword arguments is a list, not a mapping.
    return pulumi.Output.all(**dict(values)) if values else {}


class BootstrapJob(pulumi.ComponentResource):
    def __init__(self, name: str, args: BootstrapJobArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:vault:BootstrapJob", name, None, opts)
        self.args = args
        script = BOOTSTRAP_SCRIPT.read_text()
        # Beside it, the analytics database script its analytics-database step runs.
        analytics_script = ANALYTICS_DATABASE_SCRIPT.read_text()
        labels = {**args.labels, **POD_SELECTOR}
        self.generated: dict[str, pulumi.Output[str]] = {
            key: pulumi.Output.secret(random.RandomPassword(
                f"{name}-{key}", length=48, special=False,
                opts=pulumi.ResourceOptions(parent=self, aliases=list(aliases))).result)
            for key, aliases in args.generated.items()
        }
        credentials = {**args.credentials, **self.generated}
        child = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on) or None)

        self.service_account = core.ServiceAccount(
            f"{name}-service-account",
            metadata=meta.ObjectMetaArgs(name=SERVICE_ACCOUNT, namespace=args.namespace, labels=labels,
                                         annotations=args.service_account_annotations or None),
            automount_service_account_token=False,  # projected below, only where the API is needed
            opts=child,
        )
        self.credentials = core.Secret(
            f"{name}-credentials",
            metadata=meta.ObjectMetaArgs(name=CREDENTIALS_SECRET, namespace=args.namespace, labels=labels),
            type="Opaque",
            string_data=pulumi.Output.secret(pulumi.Output.all(**credentials)),
            opts=child,
        )
        self.config = core.ConfigMap(
            f"{name}-config",
            metadata=meta.ObjectMetaArgs(name=CONFIG_MAP, namespace=args.namespace, labels=labels),
            data=pulumi.Output.all(args.plan, args.ca_cert_pem, _mapping(args.ca_files)).apply(lambda p: {
                "bootstrap.py": script,
                ANALYTICS_DATABASE_SCRIPT.name: analytics_script,
                "plan.json": json.dumps(p[0], indent=2, sort_keys=True),
                **({"ca.crt": p[1]} if p[1] else {}),
                **p[2],
            }),
            opts=child,
        )
        access = self._init_secret_access(name, labels, child) if args.initialises else []
        selector = POD_SELECTOR
        # Nobody may reach the Job's pod; it may reach only what its steps talk to.
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=meta.ObjectMetaArgs(name=SERVICE_ACCOUNT, namespace=args.namespace, labels=labels),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(match_labels=selector),
                policy_types=["Ingress", "Egress"],
                ingress=[],
                egress=egress_rules(args.egress, None, None),
            ),
            opts=child,
        )

        salt = random.RandomPassword(f"{name}-digest-salt", length=32, special=False, opts=pulumi.ResourceOptions(parent=self))
        secret_digest = pulumi.Output.all(salt.result, pulumi.Output.all(**credentials)).apply(
            lambda p: credentials_digest(p[0], p[1]))
        digest = pulumi.Output.all(
            # A salted, truncated hash of random values: safe to show as a name.
            credentials=pulumi.Output.unsecret(secret_digest),
            plan=args.plan, image=args.image, namespace=args.namespace, ca=args.ca_cert_pem,
            ca_files=_mapping(args.ca_files),
            job={"deadline": args.active_deadline_seconds, "backoff": args.backoff_limit},
        ).apply(lambda parts: job_digest(script + analytics_script, parts))
        self.job_name = digest.apply(lambda d: f"vault-bootstrap-{d}")
        self.job = batch.Job(
            f"{name}-job",
            metadata=meta.ObjectMetaArgs(name=self.job_name, namespace=args.namespace, labels=labels),
            spec=batch.JobSpecArgs(
                backoff_limit=args.backoff_limit,
                active_deadline_seconds=args.active_deadline_seconds,
                ttl_seconds_after_finished=args.ttl_seconds_after_finished,
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=labels),
                    spec=self._pod_spec(),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.provider,
                depends_on=[self.service_account, self.credentials, self.config, self.network_policy, *access,
                            *args.depends_on],
                delete_before_replace=True,
                custom_timeouts=pulumi.CustomTimeouts(create=f"{args.active_deadline_seconds + 120}s"),
            ),
        )
        self.register_outputs({"jobName": self.job_name})

    def _init_secret_access(self, name: str, labels: Mapping[str, str], child: pulumi.ResourceOptions) -> list:
        a = self.args
        init = core.Secret(
            f"{name}-init",
            metadata=meta.ObjectMetaArgs(name=INIT_SECRET, namespace=a.namespace, labels=dict(labels),
                                         annotations={"rasa-platform.io/holds": "Vault recovery keys and root token"}),
            type="Opaque",
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(
                ignore_changes=["data", "stringData", "metadata.annotations"], retain_on_delete=True)),
        )
        role = rbac.Role(
            f"{name}-init-role",
            metadata=meta.ObjectMetaArgs(name=SERVICE_ACCOUNT, namespace=a.namespace, labels=dict(labels)),
            rules=[rbac.PolicyRuleArgs(api_groups=[""], resources=["secrets"], resource_names=[INIT_SECRET],
                                       verbs=["get", "patch"])],
            opts=child,
        )
        binding = rbac.RoleBinding(
            f"{name}-init-role-binding",
            metadata=meta.ObjectMetaArgs(name=SERVICE_ACCOUNT, namespace=a.namespace, labels=dict(labels)),
            role_ref=rbac.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role", name=SERVICE_ACCOUNT),
            subjects=[rbac.SubjectArgs(kind="ServiceAccount", name=SERVICE_ACCOUNT, namespace=a.namespace)],
            opts=child,
        )
        return [init, role, binding]

    def _pod_spec(self) -> core.PodSpecArgs:
        a = self.args
        volumes = {
            "bootstrap": (SCRIPT_DIR, core.VolumeArgs(name="bootstrap", config_map=core.ConfigMapVolumeSourceArgs(
                name=CONFIG_MAP, items=[core.KeyToPathArgs(key=k, path=k)
                                        for k in ("bootstrap.py", ANALYTICS_DATABASE_SCRIPT.name, "plan.json")]))),
            "credentials": (CREDENTIALS_DIR, core.VolumeArgs(name="credentials", secret=core.SecretVolumeSourceArgs(
                secret_name=CREDENTIALS_SECRET, default_mode=0o400))),
            "tmp": ("/tmp", core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="64Mi"))),
        }
        ca_files = [*(["ca.crt"] if a.ca_cert_pem is not None else []), *sorted(a.ca_files)]
        if ca_files:
            volumes["ca-certificates"] = (CA_DIR, core.VolumeArgs(name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(
                name=CONFIG_MAP, items=[core.KeyToPathArgs(key=f, path=f) for f in ca_files])))
        if a.initialises:
            # The Kubernetes API token, for `vault-init` only (the Role above).
            volumes["api-token"] = ("/var/run/secrets/kubernetes.io/serviceaccount", core.VolumeArgs(
                name="api-token", projected=core.ProjectedVolumeSourceArgs(sources=[
                    core.VolumeProjectionArgs(service_account_token=core.ServiceAccountTokenProjectionArgs(
                        path="token", expiration_seconds=3600)),
                    core.VolumeProjectionArgs(config_map=core.ConfigMapProjectionArgs(
                        name="kube-root-ca.crt", items=[core.KeyToPathArgs(key="ca.crt", path="ca.crt")])),
                ])))
        return core.PodSpecArgs(
            restart_policy="Never",
            service_account_name=SERVICE_ACCOUNT,
            automount_service_account_token=False,
            security_context=pod_security_context(RASA_USER_ID),
            **pod_spec_fields(a.placement),
            containers=[core.ContainerArgs(
                name="bootstrap",
                image=a.image,
                image_pull_policy="IfNotPresent",
                command=["python", f"{SCRIPT_DIR}/bootstrap.py"],
                args=["--plan", f"{SCRIPT_DIR}/plan.json"],
                env=[core.EnvVarArgs(name="HOME", value="/tmp"), core.EnvVarArgs(name="PYTHONDONTWRITEBYTECODE", value="1"),
                     *(core.EnvVarArgs(name=k, value=v) for k, v in sorted(a.env.items()))],
                resources=core.ResourceRequirementsArgs(requests=REQUESTS, limits={"cpu": "500m", "memory": "512Mi"}),
                security_context=container_security_context(),
                volume_mounts=[core.VolumeMountArgs(name=v, mount_path=path, read_only=v != "tmp")
                               for v, (path, _) in volumes.items()],
            )],
            volumes=[volume for _, volume in volumes.values()],
        )
