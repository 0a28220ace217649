"""The verify Job: after a deploy, check every service exactly as the Rasa pods will reach them.

A ConfigMap holds the check script (`components/rasa/jobs/verify.py`, one self-contained file)
and a `batch/v1` Job runs it on the Rasa Pro image, with the Rasa pod's service account (its
cloud identity), its endpoints.yml and CA ConfigMaps mounted at the same paths, and the same
environment (credentials only through `secretKeyRef`). Pulumi waits for a Job to complete, so a
failed check fails `pulumi up`; whoever wires the Job in makes the Rasa Deployment depend on it
to have the checks run before the replicas roll.

The Job's name is a digest of everything it runs with (script, image, arguments, environment
wiring, the configuration digest the caller passes): a change of any of them gives a new Job
that runs again, and an unchanged deploy keeps the Job that already passed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.rasa import vault_delivery
from components.rasa.endpoints import CA_DIR, ENDPOINTS_DIR, ENDPOINTS_PATH, is_credential_env_name
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.placement import PodPlacement, pod_spec_fields
from components.rasa.vault_delivery import VaultDelivery

meta = k8s.meta.v1
core = k8s.core.v1
batch = k8s.batch.v1

SCRIPT = Path(__file__).resolve().parent / "jobs" / "verify.py"
SCRIPT_DIR = "/opt/rasa-platform/verify"
RASA_USER_ID = 1001  # the uid the rasa/rasa-pro image runs as
# Variables the checks need whatever the Rasa pod has: a writable HOME on the read-only root.
JOB_ENV_DEFAULTS = {"HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1", "RASA_TELEMETRY_ENABLED": "false"}


# Small: the checks make a few network calls (the capacity check counts this pod too).
VERIFY_REQUESTS = {"cpu": "100m", "memory": "256Mi"}


@dataclass
class VerifyJobArgs:
    namespace: pulumi.Input[str]
    image: pulumi.Input[str]  # the Rasa Pro image, e.g. "rasa/rasa-pro:3.21.0"
    service_account_name: pulumi.Input[str]  # the Rasa pods' account: same cloud identity
    endpoints_config_map: pulumi.Input[str]  # holds `endpoints.yml`, mounted at ENDPOINTS_DIR
    ca_config_map: pulumi.Input[str]  # the CA files endpoints.yml and the env name, at CA_DIR
    # The Rasa container's environment as Kubernetes env entries (EnvVar dicts or EnvVarArgs):
    # plain values for settings, `valueFrom.secretKeyRef` for every credential.
    env: pulumi.Input[Sequence[Any]]
    remote_storage: Optional[pulumi.Input[str]] = None  # Rasa's --remote-storage (aws | gcs | azure)
    model: Optional[pulumi.Input[str]] = None  # Rasa's --model
    model_required: bool = True  # False: a missing model object is reported, not a failure
    config_digest: Optional[pulumi.Input[str]] = None  # of endpoints.yml + CA files: a change re-runs the Job
    check_timeout_seconds: int = 20  # each network call
    active_deadline_seconds: int = 300  # the whole Job, retries included
    backoff_limit: int = 1  # one retry: a check that fails twice is a real failure
    ttl_seconds_after_finished: int = 7 * 24 * 3600  # keep the pod's log for a week
    labels: Mapping[str, str] = field(default_factory=dict)
    placement: PodPlacement = PodPlacement()  # the Rasa pods' nodes, tolerations and pull secrets
    provider: Optional[k8s.Provider] = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    # Credentials from Vault as the Rasa pod gets them (env var → KV key); None: from `env`'s refs.
    vault_delivery: Optional[VaultDelivery] = None
    secret_env: Optional[pulumi.Input[Mapping[str, str]]] = None


def verify_args(args: VerifyJobArgs, remote_storage: Optional[str], model: Optional[str]) -> list[str]:
    argv = ["--endpoints", ENDPOINTS_PATH, "--timeout", str(args.check_timeout_seconds)]
    if remote_storage:
        argv += ["--remote-storage", remote_storage]
        if model:
            argv += ["--model", model]
    if not args.model_required:
        argv.append("--model-optional")
    return argv


def camel(value: Any) -> Any:
    """An EnvVarArgs (or nested *Args) as the camelCase dict Kubernetes takes; dicts as they are."""
    if hasattr(value, "__dict__") and type(value).__module__.startswith("pulumi_kubernetes"):
        value = {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k).rstrip("_"): v for k, v in vars(value).items()}
    if isinstance(value, dict):
        return {k: camel(v) for k, v in value.items() if v is not None}
    return value


def plain_env(entries: Sequence[Any]) -> list[dict[str, Any]]:
    """Env entries as camelCase dicts, defaults added, and no credential given as a literal."""
    out: list[dict[str, Any]] = []
    for entry in entries:
        entry = camel(entry)
        name = entry["name"]
        if "value" in entry and is_credential_env_name(name):
            raise ValueError(f"verify job: env {name} looks like a credential: give it as valueFrom.secretKeyRef, "
                             "never as a literal value in the pod spec")
        out.append(entry)
    names = {e["name"] for e in out}
    out += [{"name": k, "value": v} for k, v in JOB_ENV_DEFAULTS.items() if k not in names]
    return out


def job_digest(script: str, parts: Mapping[str, Any]) -> str:
    text = json.dumps({"script": hashlib.sha256(script.encode()).hexdigest(), **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


class VerifyJob(pulumi.ComponentResource):
    def __init__(self, name: str, args: VerifyJobArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:rasa:VerifyJob", name, None, opts)
        script = SCRIPT.read_text()
        labels = {**args.labels, "app.kubernetes.io/component": "verify"}
        child = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=args.depends_on or None)

        self.script = core.ConfigMap(
            f"{name}-script",
            metadata=meta.ObjectMetaArgs(name="rasa-verify-script", namespace=args.namespace, labels=labels),
            data={"verify.py": script},
            opts=child,
        )

        env = pulumi.Output.from_input(args.env).apply(plain_env)
        argv = pulumi.Output.all(args.remote_storage, args.model).apply(lambda v: verify_args(args, v[0], v[1]))
        digest = pulumi.Output.all(
            image=args.image, namespace=args.namespace, service_account=args.service_account_name,
            endpoints=args.endpoints_config_map, ca=args.ca_config_map, env=env, argv=argv,
            config=args.config_digest, secret_env=args.secret_env,
            job={"deadline": args.active_deadline_seconds, "backoff": args.backoff_limit,
                 "ttl": args.ttl_seconds_after_finished},
        ).apply(lambda parts: job_digest(script, parts))
        self.job_name = digest.apply(lambda d: f"rasa-verify-{d}")

        volumes = {
            "verify-script": (SCRIPT_DIR, core.VolumeArgs(
                name="verify-script", config_map=core.ConfigMapVolumeSourceArgs(name="rasa-verify-script"))),
            "endpoints": (ENDPOINTS_DIR, core.VolumeArgs(
                name="endpoints", config_map=core.ConfigMapVolumeSourceArgs(name=args.endpoints_config_map))),
            "ca-certificates": (CA_DIR, core.VolumeArgs(
                name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(name=args.ca_config_map))),
            "tmp": ("/tmp", core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="256Mi"))),
        }
        delivery = args.vault_delivery
        if delivery is not None:
            volumes["vault-token"] = (None, vault_delivery.token_volume())
        self.job = batch.Job(
            f"{name}-job",
            metadata=meta.ObjectMetaArgs(name=self.job_name, namespace=args.namespace, labels=labels),
            spec=batch.JobSpecArgs(
                backoff_limit=args.backoff_limit,
                active_deadline_seconds=args.active_deadline_seconds,
                ttl_seconds_after_finished=args.ttl_seconds_after_finished,
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=labels, annotations=pulumi.Output.from_input(args.secret_env).apply(
                        lambda env: vault_delivery.pod_annotations(delivery, env or {}, "verify")) if delivery else None),
                    spec=core.PodSpecArgs(
                        restart_policy="Never",
                        service_account_name=args.service_account_name,
                        automount_service_account_token=False,  # the checks never call the Kubernetes API
                        security_context=pod_security_context(RASA_USER_ID),
                        containers=[core.ContainerArgs(
                            name="verify",
                            image=args.image,
                            image_pull_policy="IfNotPresent",
                            command=vault_delivery.wrap_command(["python", f"{SCRIPT_DIR}/verify.py"]) if delivery
                            else ["python", f"{SCRIPT_DIR}/verify.py"],
                            args=argv,
                            env=env,
                            resources=core.ResourceRequirementsArgs(
                                requests=VERIFY_REQUESTS,
                                limits={"cpu": "1", "memory": "1Gi"},  # importing Rasa for its own reading
                            ),
                            security_context=container_security_context(),
                            volume_mounts=[core.VolumeMountArgs(name=v, mount_path=path, read_only=v != "tmp")
                                           for v, (path, _) in volumes.items() if path],
                        )],
                        volumes=[volume for _, volume in volumes.values()],
                        **pod_spec_fields(args.placement),
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.provider, depends_on=[self.script, *args.depends_on],
                # Pulumi waits for the Job to complete; a failed check fails the update. A Job that
                # failed is replaced under the same name by the next `pulumi up`: delete it first.
                delete_before_replace=True,
                custom_timeouts=pulumi.CustomTimeouts(create=f"{args.active_deadline_seconds + 120}s"),
            ),
        )
        self.register_outputs({"jobName": self.job_name})
