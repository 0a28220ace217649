"""Run the real program for a stack under the mock engine and look at what it registered."""

from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator, Mapping
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


class ShippedPreviews(Mapping[str, StackPreview]):
    """Stack name → its preview, each shipped stack previewed at most once, on first use.
    Shared by the whole session: read it, never change it (use `preview(...)` for variants)."""

    def __init__(self, names: list[str]) -> None:
        self._names = list(names)
        self._done: dict[str, StackPreview] = {}

    def __getitem__(self, name: str) -> StackPreview:
        if name not in self._names:
            raise KeyError(f"{name} is not a shipped stack; shipped: {', '.join(self._names)}")
        if name not in self._done:
            self._done[name] = run_stack(name)
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
