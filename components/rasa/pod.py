"""The Rasa Pro pod: one hardened container started with the rendered endpoints.yml.

Credentials Rasa takes from the environment reach the container from Vault through the Agent
injector (components/rasa/vault_delivery.py) when a `VaultDelivery` is given, else from the
`rasa-credentials` Secret (env `valueFrom.secretKeyRef`); never as a literal env value.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.cloud import RASA_SERVICE_ACCOUNT
from components.contracts import WorkloadIdentity
from components.rasa.endpoints import CA_DIR, ENDPOINTS_DIR, RASA_PORT, RenderedEndpoints
from components.rasa import vault_delivery
from components.rasa.hardening import container_security_context, pod_security_context
from components.rasa.vault_delivery import VaultDelivery

meta = k8s.meta.v1
core = k8s.core.v1

RASA_USER_ID = 1001  # the uid the rasa/rasa-pro image runs as
CREDENTIALS_SECRET = "rasa-credentials"
ENDPOINTS_CONFIG_MAP = "rasa-endpoints"
CA_CONFIG_MAP = "rasa-ca-certificates"

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
    delivery: Optional[VaultDelivery] = None,
) -> core.PodTemplateSpecArgs:
    env = container_env(rendered, identity, delivery)
    annotations = pulumi.Output.all(rendered, delivery.revision if delivery else "").apply(lambda p: {
        "rasa-platform.io/config-hash": config_hash(p[0]),
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
            topology_spread_constraints=_zone_spread(selector, strict_zone_spread),
            containers=[_rasa_container(image, resources, rendered, env, delivery)],
            volumes=[*_volumes(), *([vault_delivery.token_volume()] if delivery else [])],
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
    delivery: Optional[VaultDelivery] = None,
) -> core.ContainerArgs:
    return core.ContainerArgs(
        name="rasa",
        image=image,
        image_pull_policy="IfNotPresent",
        # With Vault: `exec rasa run ...` after sourcing what the Agent rendered.
        command=rendered.apply(lambda r: vault_delivery.wrap_command(["rasa", *r.args])) if delivery else None,
        args=None if delivery else rendered.apply(lambda r: list(r.args)),
        ports=[core.ContainerPortArgs(name="http", container_port=RASA_PORT, protocol="TCP")],
        env=env,
        resources=core.ResourceRequirementsArgs(
            requests={"cpu": resources.cpu_request, "memory": resources.memory_request},
            limits={"cpu": resources.cpu_limit, "memory": resources.memory_limit},
        ),
        **_probes(delivery is not None),
        security_context=container_security_context(),
        volume_mounts=_volume_mounts(),
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


def _volume_mounts() -> list[core.VolumeMountArgs]:
    return [
        core.VolumeMountArgs(name="endpoints", mount_path=ENDPOINTS_DIR, read_only=True),
        core.VolumeMountArgs(name="ca-certificates", mount_path=CA_DIR, read_only=True),
        *(core.VolumeMountArgs(name=v, mount_path=path) for v, path in WRITABLE_DIRS.items()),
    ]


def _volumes() -> list[core.VolumeArgs]:
    return [
        core.VolumeArgs(name="endpoints", config_map=core.ConfigMapVolumeSourceArgs(name=ENDPOINTS_CONFIG_MAP)),
        core.VolumeArgs(name="ca-certificates", config_map=core.ConfigMapVolumeSourceArgs(name=CA_CONFIG_MAP)),
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
    env += [
        {"name": var, "valueFrom": {"secretKeyRef": {"name": CREDENTIALS_SECRET, "key": key}}}
        for var, key in sorted(rendered.secret_env.items()) if secret_refs
    ]
    return env


def _zone_spread(selector: dict[str, str], strict: bool) -> list[core.TopologySpreadConstraintArgs]:
    # Strict (prod): a zone outage must not take every replica; otherwise one zone is acceptable.
    return [
        core.TopologySpreadConstraintArgs(
            topology_key="topology.kubernetes.io/zone",
            max_skew=1,
            when_unsatisfiable="DoNotSchedule" if strict else "ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=selector),
        ),
        core.TopologySpreadConstraintArgs(
            topology_key="kubernetes.io/hostname",
            max_skew=1,
            when_unsatisfiable="ScheduleAnyway",
            label_selector=meta.LabelSelectorArgs(match_labels=selector),
        ),
    ]
