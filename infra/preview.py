"""Offline preview: run the real program for a stack under Pulumi's mock engine.

    python -m infra.preview [--stack NAME | --all] [--out DIR]

No Pulumi CLI, no cloud credentials, no cluster. For each stack it writes to DIR/NAME/:
resources.json (every registered resource with its dependencies and masked inputs),
endpoints.yml (as the pod will read it), manifests.yaml (every Kubernetes object as it will be
applied), graph.mmd (components and their dependencies), policy.json (the policy pack's verdict)
and summary.md (for a pull-request comment), and prints a summary per stack.

Exit codes: 0 all good; 1 a mandatory policy failed; 2 a config error (one line naming the stack).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pulumi
import yaml
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra.mocks import PlatformMocks
from infra.presets import deep_merge
from infra.settings import PROJECT, ConfigError, StackSettings, load_stack

REPO = Path(__file__).resolve().parent.parent
STACKS_DIR = REPO / "stacks"
DEFAULT_OUT = REPO / "build" / "preview"
MASK = "[secret]"
UNKNOWN = "[unknown]"


# ---------------------------------------------------------------------------------------------
# Recording what the program registers


@dataclass
class RecordedResource:
    type: str
    name: str
    urn: str
    parent: Optional[str]
    custom: bool
    provider: Optional[str]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    protect: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "parent": self.parent,
            "custom": self.custom,
            "provider": self.provider,
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
            "protect": self.protect,
            "inputs": self.inputs,
        }


class RecordingMonitor(MockMonitor):
    """The mock monitor, plus a record of every RegisterResource request (inputs with secrets
    masked, and the dependency graph the engine would see)."""

    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.recorded: list[Any] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # Like the engine: a child's type is qualified by its parent's whole type chain, and
        # children of the root stack are not qualified at all.
        if parent and "::pulumi:pulumi:Stack::" not in parent:
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_}::{name}"

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.recorded.append(self.record(request, response.urn))
        return response

    def record(self, request, urn: str) -> Any:
        """What is kept of one registration (subclasses may keep more)."""
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        return RecordedResource(
            type=request.type,
            name=request.name,
            urn=urn,
            parent=request.parent or None,
            custom=bool(request.custom),
            # a provider reference is "<urn>::<id>"
            provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={k: sorted(set(v.urns)) for k, v in request.propertyDependencies.items() if v.urns},
            inputs=mask(inputs),
            protect=bool(request.protect),
        )


def mask(value: Any) -> Any:
    """Replace every secret with MASK and every unknown with UNKNOWN, recursively."""
    if rpc.is_rpc_secret(value):
        inner = rpc.unwrap_rpc_secret(value)
        # A secret mapping keeps its keys visible (which credentials exist), never its values.
        return {k: MASK for k in inner} if isinstance(inner, dict) else MASK
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, (list, tuple)):
        return [mask(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format carries every number as a double
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# ---------------------------------------------------------------------------------------------
# Reading a stack file the way Pulumi hands it to the program


def read_stack_file(path: Path) -> tuple[dict[str, Any], set[str]]:
    """Return (rasa-platform config without prefix, keys holding secrets).

    Secure values (`{secure: v1:...}`) cannot be decrypted without the Pulumi CLI: they are kept
    as placeholders and their keys marked secret, exactly the keys Pulumi would mark.
    """
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    raw: dict[str, Any] = {}
    secret_keys: set[str] = set()
    prefix = f"{PROJECT}:"
    for key, value in config.items():
        if not key.startswith(prefix):
            continue  # provider config such as aws:region belongs to the providers
        short = key[len(prefix):]
        cleaned, had_secret = _strip_secure(value)
        if had_secret:
            secret_keys.add(short)
        # Pulumi passes objects and lists as JSON text and scalars as strings.
        if isinstance(cleaned, (dict, list)):
            raw[short] = json.dumps(cleaned)
        elif isinstance(cleaned, bool):
            raw[short] = "true" if cleaned else "false"
        else:
            raw[short] = str(cleaned)
    return raw, secret_keys


def _strip_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return "offline-preview-secure-value", True
    if isinstance(value, dict):
        found = False
        out = {}
        for k, v in value.items():
            out[k], s = _strip_secure(v)
            found |= s
        return out, found
    if isinstance(value, list):
        items = [_strip_secure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


# ---------------------------------------------------------------------------------------------
# Running the program


@dataclass
class StackPreview:
    name: str
    settings: Optional[StackSettings] = None
    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    config_error: Optional[str] = None
    policy: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what `pulumi up` would print as warnings

    @property
    def exit_code(self) -> int:
        if self.config_error:
            return 2
        return 1 if self.policy.get("mandatoryFailures") else 0


def run_stack(name: str, overrides: Optional[dict[str, Any]] = None, stacks_dir: Path = STACKS_DIR) -> StackPreview:
    """Preview one stack. `overrides` (top-level key → value, mappings merged into the stack
    file's) are how tests build insecure or broken variants of a shipped stack."""
    from infra import platform

    result = StackPreview(name)
    path = stacks_dir / f"Pulumi.{name}.yaml"
    if not path.exists():
        result.config_error = f"config error: stack file {path} not found"
        return result
    raw, secret_keys = read_stack_file(path)
    for key, value in (overrides or {}).items():
        current = json.loads(raw[key]) if key in raw and raw[key][:1] == "{" else None
        if isinstance(value, dict) and isinstance(current, dict):
            value = deep_merge(current, value)
        raw[key] = json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)
    try:
        plan = load_stack(raw, secret_keys, name, placeholder_for_missing_secrets=True)
    except ConfigError as exc:
        result.config_error = str(exc)
        return result
    settings = plan.settings
    result.settings = settings

    mocks = PlatformMocks(settings.region)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_all_config({f"{PROJECT}:{k}": v for k, v in raw.items()}, [f"{PROJECT}:{k}" for k in secret_keys])
    set_root_resource(None)  # a fresh root Stack resource for every previewed stack
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=name, preview=False, monitor=monitor,
        logger=_warnings_logger(name, result.warnings),
    )

    async def collect_outputs() -> dict[str, Any]:
        root = pulumi.runtime.get_root_resource()
        collected = {}
        for key, value in root.outputs.items():
            output = pulumi.Output.from_input(value)
            resolved = await output.future(with_unknowns=True)
            collected[key] = MASK if await output.is_secret() else mask(resolved)
        return collected

    def body():
        platform.export(platform.deploy(plan))

    try:
        _sync_await(run_pulumi_func(body))
        result.outputs = _sync_await(collect_outputs())
    except ConfigError as exc:
        result.config_error = str(exc)
        return result
    result.resources = monitor.recorded
    result.policy = evaluate_policies(result)
    return result


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


def _warnings_logger(stack: str, sink: list[str]) -> logging.Logger:
    """The mock engine's log: warnings from the program are kept for the summary, not printed."""
    logger = logging.getLogger(f"rasa-platform.preview.{stack}")
    logger.handlers = [_ListHandler(sink)]
    logger.propagate = False
    return logger


def evaluate_policies(result: StackPreview) -> dict[str, Any]:
    try:
        from policies.offline import evaluate
    except ImportError:  # the pack is optional for the program itself
        return {"pack": None, "rulesEvaluated": [], "violations": [], "mandatoryFailures": 0}
    resources = [
        {"type": r.type, "name": r.name, "urn": r.urn, "props": r.inputs, "parent": r.parent,
         "dependencies": r.dependencies, "propertyDependencies": r.property_dependencies,
         "provider": r.provider, "protect": r.protect}
        for r in result.resources
    ]
    assert result.settings is not None
    return evaluate(resources, {"environment": result.settings.environment})


# ---------------------------------------------------------------------------------------------
# Artifacts


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


def endpoints_yml(resources: list[RecordedResource]) -> Optional[str]:
    for r in resources:
        if r.type == "kubernetes:core/v1:ConfigMap" and r.inputs.get("metadata", {}).get("name") == "rasa-endpoints":
            return r.inputs.get("data", {}).get("endpoints.yml")
    return None


def mermaid_graph(resources: list[RecordedResource]) -> str:
    """Top-level components (children of the stack) and the dependencies between them."""
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
        for dep in r.dependencies:
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


def summary_rows(p: StackPreview) -> list[tuple[str, str]]:
    s = p.settings
    assert s is not None
    budget = p.outputs.get("connectionBudget") or {}
    rows = [
        ("cloud / environment", f"{s.cloud} / {s.environment}"),
        ("resources registered", str(len(p.resources))),
        ("Kubernetes objects", str(len(kubernetes_manifests(p.resources)))),
        ("services", ", ".join(f"{k}={v}" for k, v in (p.outputs.get("serviceOrigins") or {}).items())),
        (
            "connection budget",
            f"{budget.get('maxProcesses')} processes × ({budget.get('poolSize')} + {budget.get('maxOverflow')}) = "
            f"{budget.get('total')} ≤ {budget.get('ceiling')} of {budget.get('maxConnections')}",
        ),
        ("policy", _policy_line(p.policy)),
    ]
    if s.placeholder_secrets:
        rows.append(("secrets to set before `pulumi up`", ", ".join(s.placeholder_secrets)))
    for warning in p.warnings:
        rows.append(("warning", warning))
    return rows


def _policy_line(policy: dict[str, Any]) -> str:
    if not policy.get("pack"):
        return "policy pack not installed"
    violations = policy.get("violations", [])
    advisory = sum(1 for v in violations if v.get("enforcement") != "mandatory")
    return (
        f"{len(policy.get('rulesEvaluated', []))} rules, {policy.get('mandatoryFailures', 0)} mandatory failures, "
        f"{advisory} advisory"
    )


def summary_markdown(p: StackPreview) -> str:
    lines = [f"### Stack `{p.name}`", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary_rows(p)]
    counts = Counter(r.type for r in p.resources if r.custom)
    lines += ["", "| resource type | count |", "|---|---|"]
    lines += [f"| `{t}` | {n} |" for t, n in sorted(counts.items())]
    lines += ["", "#### Policy", "", _policy_line(p.policy)]
    violations = p.policy.get("violations") or []
    if violations:
        lines += ["", "| rule | level | resource | message |", "|---|---|---|---|"]
        lines += [
            f"| {v['rule']} | {v['enforcement']} | {v.get('resource') or '(stack)'} | {v['message']} |" for v in violations
        ]
    elif p.policy.get("pack"):
        lines += ["", "No violations."]
    return "\n".join(lines) + "\n"


def write_artifacts(p: StackPreview, out_dir: Path) -> Path:
    target = out_dir / p.name
    target.mkdir(parents=True, exist_ok=True)
    (target / "resources.json").write_text(json.dumps([r.as_json() for r in p.resources], indent=2, sort_keys=False))
    (target / "endpoints.yml").write_text(endpoints_yml(p.resources) or "")
    (target / "manifests.yaml").write_text(yaml.safe_dump_all(kubernetes_manifests(p.resources), sort_keys=False))
    (target / "graph.mmd").write_text(mermaid_graph(p.resources))
    (target / "policy.json").write_text(json.dumps(p.policy, indent=2))
    (target / "outputs.json").write_text(json.dumps(p.outputs, indent=2, default=str))
    (target / "summary.md").write_text(summary_markdown(p))
    return target


# ---------------------------------------------------------------------------------------------
# Command line


def all_stacks(stacks_dir: Path = STACKS_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml"))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.preview", description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--stack", action="append", help="stack name (stacks/Pulumi.NAME.yaml); repeatable")
    which.add_argument("--all", action="store_true", help="every stack in stacks/ (the default)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"artifact folder (default {DEFAULT_OUT.relative_to(REPO)})")
    parser.add_argument("--stacks-dir", type=Path, default=STACKS_DIR, help="where the stack files are (default stacks/)")
    args = parser.parse_args(argv)

    names = args.stack or all_stacks(args.stacks_dir)
    if not names:
        print("no stacks found in stacks/", file=sys.stderr)
        return 2
    worst = 0
    for name in names:
        preview = run_stack(name, stacks_dir=args.stacks_dir)
        if preview.config_error:
            print(f"{name}: {preview.config_error}", file=sys.stderr)
            worst = max(worst, 2)
            continue
        target = write_artifacts(preview, args.out)
        print(f"\n== {name} → {target}")
        width = max(len(k) for k, _ in summary_rows(preview))
        for key, value in summary_rows(preview):
            print(f"  {key.ljust(width)}  {value}")
        for v in preview.policy.get("violations", []):
            if v.get("enforcement") == "mandatory":
                print(f"  MANDATORY {v['rule']}: {v.get('resource') or '(stack)'}: {v['message']}")
        worst = max(worst, preview.exit_code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
