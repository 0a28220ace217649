"""The Kubernetes objects the program registered, as they will be applied."""

from __future__ import annotations

from typing import Any

from infra.preview.engine import RecordedResource


def kubernetes_manifests(resources: list[RecordedResource]) -> list[dict[str, Any]]:
    manifests = []
    for r in resources:
        if not r.type.startswith("kubernetes:") or r.type.startswith("pulumi:providers"):
            continue
        group_version, kind = r.type.split(":")[1:3]
        group, version = group_version.split("/")
        manifest = {"apiVersion": version if group == "core" else f"{group}/{version}", "kind": kind}
        manifest.update({k: v for k, v in r.inputs.items() if k not in ("apiVersion", "kind")})
        manifests.append(manifest)
    return manifests
