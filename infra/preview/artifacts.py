"""The files the preview writes per stack."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Optional

import yaml

from infra.preview.engine import RecordedResource, StackPreview
from infra.preview.manifests import kubernetes_manifests
from infra.preview.stackfile import REPO
from infra.preview.summary import PLACEHOLDER_NOTE, summary_markdown

DEFAULT_OUT = REPO / "build" / "preview"


def endpoints_yml(resources: list[RecordedResource]) -> Optional[str]:
    for r in resources:
        if r.type == "kubernetes:core/v1:ConfigMap" and r.inputs.get("metadata", {}).get("name") == "rasa-endpoints":
            return r.inputs.get("data", {}).get("endpoints.yml")
    return None


def mermaid_graph(resources: list[RecordedResource]) -> str:
    """Top-level components (children of the stack) and the dependencies between them; using a
    provider counts as depending on it (the Kubernetes provider must exist before the workload)."""
    by_urn = {r.urn: r for r in resources}

    def top(urn: str) -> str:
        node = by_urn.get(urn)
        while node is not None and node.parent in by_urn:
            node = by_urn[node.parent]
        return node.urn if node else urn

    def node_id(urn: str) -> str:
        return "n" + str(sorted(tops).index(urn))

    tops = {top(r.urn) for r in resources}
    members = Counter(top(r.urn) for r in resources)
    edges = set()
    for r in resources:
        for dep in [*r.dependencies, *([r.provider] if r.provider else [])]:
            a, b = top(dep), top(r.urn)
            if a != b and a in tops:
                edges.add((a, b))
    lines = ["flowchart LR"]
    for urn in sorted(tops):
        res = by_urn[urn]
        label = f"{res.type.split(':')[-1]}<br/>{res.name}<br/>{members[urn]} resources"
        lines.append(f'  {node_id(urn)}["{label}"]')
    for a, b in sorted(edges):
        lines.append(f"  {node_id(a)} --> {node_id(b)}")
    return "\n".join(lines) + "\n"


def render_artifacts(p: StackPreview) -> dict[str, str]:
    """File name → content, in the order they are written. A pure function of the preview:
    the same commit gives the same bytes (resources in `in_stable_order`, manifests in kind
    order, mapping keys sorted where the program's order is not kept)."""
    return {
        "resources.json": _json([r.as_json() for r in p.resources]),
        "endpoints.yml": f"# {PLACEHOLDER_NOTE}\n" + (endpoints_yml(p.resources) or ""),
        "manifests.yaml": yaml.safe_dump_all(kubernetes_manifests(p.resources), sort_keys=False),
        "graph.mmd": mermaid_graph(p.resources),
        "policy.json": _json(p.policy),
        "outputs.json": _json(p.outputs),
        "summary.md": summary_markdown(p),
    }


ARTIFACTS = ("resources.json", "endpoints.yml", "manifests.yaml", "graph.mmd", "policy.json", "outputs.json", "summary.md")


def _json(value: object) -> str:
    return json.dumps(value, indent=2, default=str) + "\n"


def write_artifacts(p: StackPreview, out_dir: Path) -> Path:
    target = out_dir / p.name
    target.mkdir(parents=True, exist_ok=True)
    for name, text in render_artifacts(p).items():
        # bytes, not the locale's text encoding: the summary holds non-ASCII (×, ≤)
        (target / name).write_bytes(text.encode("utf-8"))
    return target
