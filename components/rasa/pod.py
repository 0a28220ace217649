"""The Rasa Pro pod: one hardened container started with the rendered endpoints.yml.

Credentials Rasa takes from the environment reach the container from Vault through the Agent
injector (components/rasa/vault_delivery.py) when a `VaultDelivery` is given, else from the
`rasa-credentials` Secret (env `valueFrom.secretKeyRef`); never as a literal env value.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.cloud import RASA_SERVICE_ACCOUNT
from components.contracts import WorkloadIdentity
from components.rasa.channels import CHANNELS_DIR, CREDENTIALS_PATH
from components.rasa.endpoints import CA_DIR, ENDPOINTS_DIR, RASA_PORT, RenderedEndpoints
from components.rasa import vault_delivery
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.placement import PodPlacement, pod_spec_fields
from components.rasa.scaling import zone_spread
from components.rasa.vault_delivery import VaultDelivery

meta = k8s.meta.v1
core = k8s.core.v1

RASA_USER_ID = 1001  # the uid the rasa/rasa-pro image runs as
CREDENTIALS_SECRET = "rasa-credentials"
ENDPOINTS_CONFIG_MAP = "rasa-endpoints"
CA_CONFIG_MAP = "rasa-ca-certificates"
CHANNELS_CONFIG_MAP = "rasa-channels"  # credentials.yml (Rasa's name for its channels file)

READINESS_COMMAND = [
    "python",
    "-c",
    "import os,sys,urllib.request;"
    "urllib.request.urlopen('http://127.0.0.1:%d/status?token=' + os.environ['AUTH_TOKEN'], timeout=4);"
    "sys.exit(0)" % RASA_PORT,
]

# Rasa writes here at run time; the root filesystem stays read-only.
WRITABLE_DIRS = {"tmp": "/tmp", "models": "/app/models", "rasa-cache": "/app/.rasa"}
WRITABLE_SIZE = {"tmp": "2Gi", "models": "4Gi", "rasa-cache": "1Gi"}


# Extra pod a rollout starts before stopping an old one (Rasa and the action server): counted in the
# connection budget and in the capacity check (components/capacity.py).
ROLLING_SURGE = 1


@dataclass(frozen=True)
class ContainerResources:
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str


def pod_template(
    *,
    image: str,
    resources: ContainerResources,
    rendered: pulumi.Output[RenderedEndpoints],
    identity: WorkloadIdentity,
    labels: dict[str, str],
    selector: dict[str, str],
    strict_zone_spread: bool,
    placement: PodPlacement,
    credentials_yml: Optional[str],
    delivery: Optional[VaultDelivery] = None,
) -> core.PodTemplateSpecArgs:
    env = container_env(rendered, identity, delivery)
    extra_args = ["--credentials", CREDENTIALS_PATH] if credentials_yml is not None else []
    channels_hash = hashlib.sha256(credentials_yml.encode()).hexdigest()[:16] if credentials_yml is not None else None
    annotations = pulumi.Output.all(rendered, delivery.revision if delivery else "").apply(lambda p: {
        "rasa-platform.io/config-hash": config_hash(p[0]),
        # A changed credentials.yml must roll the pods too.
        **({"rasa-platform.io/channels-hash": channels_hash} if channels_hash else {}),
        **({**vault_delivery.pod_annotations(delivery, p[0].secret_env, "rasa"), vault_delivery.REVISION_ANNOTATION: p[1]}
           if delivery else {}),
    })
    return core.PodTemplateSpecArgs(
        metadata=meta.ObjectMetaArgs(labels={**labels, **identity.pod_labels}, annotations=annotations),
        spec=core.PodSpecArgs(
            service_account_name=RASA_SERVICE_ACCOUNT,
            automount_service_account_token=False,
            termination_grace_period_seconds=60,
            security_context=pod_security_context(RASA_USER_ID),
            topology_spread_constraints=zone_spread(selector, strict_zone_spread),
            containers=[_rasa_container(image, resources, rendered, env, extra_args, credentials_yml is not None, delivery)],
            volumes=[*_volumes(credentials_yml is not None), *([vault_delivery.token_volume()] if delivery else [])],
            **pod_spec_fields(placement),
        ),
    )


def container_env(rendered: pulumi.Output[RenderedEndpoints], identity: WorkloadIdentity,
                  delivery: Optional[VaultDelivery] = None) -> pulumi.Output[list]:
    """The Rasa container's environment (also the verify Job's: it must see what Rasa sees).
    With Vault delivery, credentials are not in it: the entrypoint sources them."""
    return pulumi.Output.all(rendered, identity.env).apply(
        lambda parts: _container_env(parts[0], parts[1] or {}, secret_refs=delivery is None))


def config_hash(rendered: RenderedEndpoints) -> str:
    # A changed endpoints.yml must roll the pods: Kubernetes does not restart them for a ConfigMap.
    content = rendered.endpoints_yml + json.dumps(rendered.ca_files, sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def _rasa_container(
    image: str, resources: ContainerResources, rendered: pulumi.Output[RenderedEndpoints], env: pulumi.Output[list],
    extra_args: list[str], channels: bool, delivery: Optional[VaultDelivery] = None,
) -> core.ContainerArgs:
    return core.ContainerArgs(
        name="rasa",
        image=image,
        image_pull_policy="IfNotPresent",
        # With Vault: `exec rasa run ...` after sourcing what the Agent rendered.
        command=rendered.apply(lambda r: vault_delivery.wrap_command(["rasa", *r.args, *extra_args])) if delivery else None,
        args=None if delivery else rendered.apply(lambda r: [*r.args, *extra_args]),
        ports=[core.ContainerPortArgs(name="http", container_port=RASA_PORT, protocol="TCP")],
        env=env,
        resources=core.ResourceRequirementsArgs(
            requests={"cpu": resources.cpu_request, "memory": resources.memory_request},
            limits={"cpu": resources.cpu_limit, "memory": resources.memory_limit},
        ),
        **_probes(delivery is not None),
        security_context=container_security_context(),
        volume_mounts=_volume_mounts(channels),
    )


def _probes(from_vault: bool = False) -> dict[str, core.ProbeArgs]:
    root = core.HTTPGetActionArgs(path="/", port="http")
    return {
        # Downloading and loading a model can take minutes: the startup probe holds liveness off
        # until `/` answers.
        "startup_probe": core.ProbeArgs(http_get=root, period_seconds=10, failure_threshold=60),
        "liveness_probe": core.ProbeArgs(http_get=root, period_seconds=15, timeout_seconds=5, failure_threshold=4),
        # /status needs the API token; an exec probe reads it from the environment so it never
        # appears in the pod spec. It fails (409) until a model is loaded.
        "readiness_probe": core.ProbeArgs(
            exec_=core.ExecActionArgs(command=vault_delivery.wrap_command(READINESS_COMMAND) if from_vault else READINESS_COMMAND),
            period_seconds=10, timeout_seconds=5, failure_threshold=3
        ),
    }


def _volume_mounts(channels: bool) -> list[core.VolumeMountArgs]:
    return [
        core.VolumeMountArgs(name="endpoints", mount_path=ENDPOINTS_DIR, read_only=True),
        core.VolumeMountArgs(name="ca-certificates", mount_path=CA_DIR, read_only=True),
        *([core.VolumeMountArgs(name="channels", mount_path=CHANNELS_DIR, read_only=True)] if channels else []),
        *(core.VolumeMountArgs(name=v, mount_path=path) for v, path in WRITABLE_DIRS.items()),
    ]


def _volumes(channels: bool) -> list[core.VolumeArgs]:
    return [
        core.VolumeArgs(name="endpoints", config_map=core.ConfigMapVolumeSourceArgs(name=ENDPOINTS_CONFIG_MAP)),
        core.VolumeArgs(name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(name=CA_CONFIG_MAP)),
        *([core.VolumeArgs(name="channels", config_map=core.ConfigMapVolumeSourceArgs(name=CHANNELS_CONFIG_MAP))]
          if channels else []),
        *(core.VolumeArgs(name=v, empty_dir=core.EmptyDirVolumeSourceArgs(size_limit=WRITABLE_SIZE[v])) for v in WRITABLE_DIRS),
    ]


def _container_env(rendered: RenderedEndpoints, identity_env: dict[str, str], secret_refs: bool = True) -> list[dict[str, Any]]:
    plain = {
        **rendered.env,
        **identity_env,
        "HOME": "/tmp",
        "RASA_CACHE_DIRECTORY": "/app/.rasa/cache",
    }
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in sorted(plain.items())]
    return env + (secret_env_entries(rendered.secret_env, CREDENTIALS_SECRET) if secret_refs else [])


def secret_env_entries(secret_env: Mapping[str, str], secret: str) -> list[dict[str, Any]]:
    """Variable → key of the credentials Secret, as `secretKeyRef` entries: the one way a
    credential reaches a container (Rasa's, the verify Job's and the action server's)."""
    return [
        {"name": var, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
        for var, key in sorted(secret_env.items())
    ]
