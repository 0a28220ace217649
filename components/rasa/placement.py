"""Where a pod may run and how its image is pulled: node selector, tolerations, affinity, pull
secrets, and the image reference (a tag, optionally pinned to a digest). Shared by Rasa, its verify
Job and the action server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi_kubernetes as k8s

core = k8s.core.v1


@dataclass(frozen=True)
class PodPlacement:
    node_selector: Mapping[str, str] = field(default_factory=dict)
    # Kubernetes' own form (key, operator, value, effect, tolerationSeconds).
    tolerations: tuple[Mapping[str, Any], ...] = ()
    affinity: Optional[Mapping[str, Any]] = None  # nodeAffinity / podAffinity / podAntiAffinity
    image_pull_secrets: tuple[str, ...] = ()


def pod_spec_fields(placement: PodPlacement) -> dict[str, Any]:
    """The PodSpecArgs keyword arguments for a placement (absent fields stay unset)."""
    fields: dict[str, Any] = {}
    if placement.node_selector:
        fields["node_selector"] = dict(placement.node_selector)
    if placement.tolerations:
        fields["tolerations"] = [
            core.TolerationArgs(
                key=t.get("key"), operator=t.get("operator"), value=t.get("value"), effect=t.get("effect"),
                toleration_seconds=t.get("tolerationSeconds"),
            )
            for t in placement.tolerations
        ]
    if placement.affinity:
        fields["affinity"] = dict(placement.affinity)
    if placement.image_pull_secrets:
        fields["image_pull_secrets"] = [core.LocalObjectReferenceArgs(name=n) for n in placement.image_pull_secrets]
    return fields


def on_the_same_nodes(placement: PodPlacement, pull_secrets: bool) -> PodPlacement:
    """Rasa's node selector and tolerations for another pod (its affinity names Rasa's own pods, so
    it stays Rasa's); its pull secrets only in Rasa's namespace, where those Secrets exist."""
    return PodPlacement(node_selector=placement.node_selector, tolerations=placement.tolerations,
                        image_pull_secrets=placement.image_pull_secrets if pull_secrets else ())


def image_reference(image: str, tag: str) -> str:
    """`repo:tag`, or `repo:tag@sha256:...` when the image pins a digest: the digest decides what
    runs, the tag keeps the version readable (and is what the model check reads)."""
    repository, _, digest = image.partition("@")
    return f"{repository}:{tag}@{digest}" if digest else f"{repository}:{tag}"
