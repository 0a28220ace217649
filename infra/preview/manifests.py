"""The Kubernetes objects the program registered, as they will be applied.

Objects come in Helm's install order of kinds (namespaces first, then what pods need: service
accounts, secrets, config maps, ..., then workloads and what scales them), then by namespace and
name; kinds Helm does not list come last, by kind. The order the program registered them in is
not used: the SDK registers concurrently, so it changes from run to run.

Keys follow the convention of hand-written manifests: apiVersion, kind, metadata, spec, then the
rest; metadata as name, namespace, labels, annotations; a container's name and image first; every
named list entry (env, ports, volumes, volumeMounts, ...) with its name first. Other keys keep the
recorded (sorted) order.
"""

from __future__ import annotations

from typing import Any

from infra.preview.engine import RecordedResource

# Helm 3's InstallOrder (pkg/releaseutil/kind_sorter.go), list kinds left out.
KIND_ORDER = (
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
    "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
    "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
)

OBJECT_KEYS = ("apiVersion", "kind", "metadata", "spec")
METADATA_KEYS = ("name", "generateName", "namespace", "labels", "annotations")
CONTAINER_KEYS = ("name", "image")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def kubernetes_manifests(resources: list[RecordedResource]) -> list[dict[str, Any]]:
    manifests = []
    for r in resources:
        if not r.type.startswith("kubernetes:") or r.type.startswith("pulumi:providers"):
            continue
        if r.type.startswith("kubernetes:helm.sh/"):
            continue  # a Helm release renders its objects at deploy time: its values are in resources.json
        group_version, kind = r.type.split(":")[1:3]
        group, version = group_version.split("/")
        manifest = {"apiVersion": version if group == "core" else f"{group}/{version}", "kind": kind}
        manifest.update({k: v for k, v in r.inputs.items() if k not in ("apiVersion", "kind")})
        manifests.append(conventional_order(manifest))
    return sorted(manifests, key=manifest_sort_key)


def manifest_sort_key(manifest: dict[str, Any]) -> tuple[int, str, str, str]:
    kind = manifest.get("kind", "")
    metadata = manifest.get("metadata") or {}
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, kind, str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def conventional_order(manifest: dict[str, Any]) -> dict[str, Any]:
    """One object with its keys in the conventional order, recursively."""
    return _first(_ordered(manifest, None), OBJECT_KEYS)


def _ordered(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        inner = {k: _ordered(v, k) for k, v in value.items()}
        return _first(inner, METADATA_KEYS) if key == "metadata" else inner
    if isinstance(value, list):
        items = [_ordered(v, None) for v in value]
        first = CONTAINER_KEYS if key in CONTAINER_LISTS else ("name",)
        return [_first(v, first) if isinstance(v, dict) else v for v in items]
    return value


def _first(mapping: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    head = {k: mapping[k] for k in keys if k in mapping}
    return {**head, **{k: v for k, v in mapping.items() if k not in head}}
