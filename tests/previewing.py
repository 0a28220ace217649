"""Run the real program for a stack under the mock engine and look at what it registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from infra.preview import RecordedResource, StackPreview, kubernetes_manifests, run_stack


def preview(stack: str = "byo-dev", stacks_dir: Optional[Path] = None, **overrides: Any) -> StackPreview:
    """Preview a shipped stack with top-level config keys overridden (deep values replace whole sections)."""
    kwargs = {"stacks_dir": stacks_dir} if stacks_dir else {}
    result = run_stack(stack, overrides=overrides, **kwargs)
    assert result.config_error is None, result.config_error
    return result


def manifest(result: StackPreview, kind: str, name: str) -> dict[str, Any]:
    for m in kubernetes_manifests(result.resources):
        if m["kind"] == kind and m["metadata"]["name"] == name:
            return m
    raise AssertionError(f"no {kind} {name}; have {[(m['kind'], m['metadata']['name']) for m in kubernetes_manifests(result.resources)]}")


def manifests_of_kind(result: StackPreview, kind: str) -> list[dict[str, Any]]:
    return [m for m in kubernetes_manifests(result.resources) if m["kind"] == kind]


def resources_of_type(result: StackPreview, type_: str) -> list[RecordedResource]:
    return [r for r in result.resources if r.type == type_]


def rasa_container(result: StackPreview) -> dict[str, Any]:
    deployment = manifest(result, "Deployment", "rasa-pro")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}

