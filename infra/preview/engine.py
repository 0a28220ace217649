"""Running one stack's real program under the mock engine, recording what it registers."""

from __future__ import annotations

import gc
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra import platform
from infra.mocks import PlatformMocks
from infra.presets import deep_merge
from infra.preview.stackfile import STACKS_DIR, StackFileError, read_stack_file, shown, stack_path
from infra.settings import PROJECT, ConfigError, StackSettings, load_stack

MASK = "[secret]"
UNKNOWN = "[unknown]"


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
            property_dependencies={
                k: sorted(set(request.propertyDependencies[k].urns))
                for k in sorted(request.propertyDependencies) if request.propertyDependencies[k].urns
            },
            # The request's properties are a protobuf Struct: its map order is the protobuf
            # runtime's hash order, not the program's, so keys are sorted.
            inputs=mask(inputs, sort_keys=True),
            protect=bool(request.protect),
        )


def mask(value: Any, *, sort_keys: bool = False) -> Any:
    """Replace every secret with MASK and every unknown with UNKNOWN, recursively; with
    `sort_keys`, every mapping's keys in sorted order."""
    if rpc.is_rpc_secret(value):
        inner = rpc.unwrap_rpc_secret(value)
        # A secret mapping keeps its keys visible (which credentials exist), never its values.
        if isinstance(inner, dict):
            return {k: MASK for k in (sorted(inner, key=str) if sort_keys else inner)}
        return MASK
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        keys = sorted(value, key=str) if sort_keys else list(value)
        return {k: mask(value[k], sort_keys=sort_keys) for k in keys if not str(k).startswith("__")}
    if isinstance(value, (list, tuple)):
        return [mask(v, sort_keys=sort_keys) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format carries every number as a double
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def in_stable_order(resources: list[Any]) -> list[Any]:
    """Resources as a tree: each followed by its descendants, siblings in URN order.

    The SDK sends RegisterResource requests from a thread pool once each resource's inputs have
    resolved, so the order they arrive in changes from run to run; this order does not. (Works
    for any record with `urn` and `parent`, e.g. a test harness's own.)
    """
    by_urn = {r.urn: r for r in resources}
    children: dict[Optional[str], list[Any]] = {}
    for r in resources:
        children.setdefault(r.parent if r.parent in by_urn else None, []).append(r)
    ordered: list[Any] = []
    stack = sorted(children.get(None, []), key=lambda r: r.urn, reverse=True)
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(sorted(children.get(node.urn, []), key=lambda r: r.urn, reverse=True))
    return ordered


@dataclass
class StackPreview:
    """One stack's preview. When the stack cannot be previewed, `file_error` (the stack file is
    not readable as one: a line starting with the file) or `config_errors` (one line per bad
    config value, each `config error: ...`) say why, and nothing was registered."""

    name: str
    settings: Optional[StackSettings] = None
    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    config_errors: list[str] = field(default_factory=list)
    file_error: Optional[str] = None
    policy: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what `pulumi up` would print as warnings

    @property
    def config_error(self) -> Optional[str]:
        """Every problem as one text, one line each (None when the stack previewed)."""
        lines = ([self.file_error] if self.file_error else []) + self.config_errors
        return "\n".join(lines) if lines else None

    @property
    def error_lines(self) -> list[str]:
        """The lines the command line prints: the file's own line, or each config error after
        the stack's name."""
        return ([self.file_error] if self.file_error else []) + [f"{self.name}: {line}" for line in self.config_errors]

    @property
    def exit_code(self) -> int:
        if self.config_error:
            return 2
        return 1 if self.policy.get("mandatoryFailures") else 0


def run_stack(
    name: str,
    overrides: Optional[dict[str, Any]] = None,
    stacks_dir: Path = STACKS_DIR,
    policy_config: Optional[dict[str, Any]] = None,
    secret_overrides: Sequence[str] = (),
) -> StackPreview:
    """Preview one stack. `overrides` (top-level key → value, mappings merged into the stack
    file's) are how tests build insecure or broken variants of a shipped stack. `policy_config`
    is the policy pack's config (a `--policy-config` file's values, over the stack's environment).
    `secret_overrides` names override keys to hold as Pulumi secrets (as `--secret` values would be)."""
    result = StackPreview(name)
    path = stack_path(name, stacks_dir)
    if not path.is_file():
        result.file_error = f"{shown(path)}: stack file not found"
        return result
    try:
        raw, secret_keys = read_stack_file(path)
    except StackFileError as exc:
        result.file_error = str(exc)
        return result
    except ConfigError as exc:
        result.config_errors = exc.lines
        return result
    for key, value in (overrides or {}).items():
        current = json.loads(raw[key]) if key in raw and raw[key][:1] == "{" else None
        if isinstance(value, dict) and isinstance(current, dict):
            value = deep_merge(current, value)
        raw[key] = json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)
    secret_keys = set(secret_keys) | set(secret_overrides)
    try:
        plan = load_stack(raw, secret_keys, name, placeholder_for_missing_secrets=True)
    except ConfigError as exc:
        result.config_errors = exc.lines
        return result
    settings = plan.settings
    result.settings = settings

    try:
        with garbage_collector_paused():
            recording = record_program(
                name, lambda: platform.export(platform.deploy(plan)), region=settings.region,
                config={f"{PROJECT}:{k}": v for k, v in raw.items()}, secret_keys=[f"{PROJECT}:{k}" for k in secret_keys],
                warnings=result.warnings,
            )
            result.resources, result.outputs = recording.resources, recording.outputs
            result.warnings[:] = sorted(set(result.warnings))  # emitted from callbacks, in no fixed order
            result.policy = evaluate_policies(result, policy_config)
    except ConfigError as exc:
        result.config_errors = exc.lines
        result.warnings.clear()
    return result


@dataclass
class Recording:
    resources: list[RecordedResource]  # in `in_stable_order`
    outputs: dict[str, Any]  # the stack outputs, secrets masked


def record_program(
    stack: str,
    body: Callable[[], None],
    *,
    region: Optional[str] = None,
    config: Optional[Mapping[str, str]] = None,
    secret_keys: Sequence[str] = (),
    warnings: Optional[list[str]] = None,
) -> Recording:
    """Run `body` (a Pulumi program) as stack `stack` under the mock engine and record what it
    registers. `config` is the stack's config as Pulumi hands it over (`<namespace>:<key>` →
    text); warnings the program logs are appended to `warnings`."""
    mocks = PlatformMocks(region)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys))
    set_root_resource(None)  # a fresh root Stack resource for every previewed stack
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor,
        logger=_warnings_logger(stack, warnings if warnings is not None else []),
    )

    async def collect_outputs() -> dict[str, Any]:
        root = pulumi.runtime.get_root_resource()
        collected = {}
        for key, value in root.outputs.items():
            output = pulumi.Output.from_input(value)
            resolved = await output.future(with_unknowns=True)
            collected[key] = MASK if await output.is_secret() else mask(resolved)
        return collected

    with garbage_collector_paused():
        _sync_await(run_pulumi_func(body))
        outputs = _sync_await(collect_outputs())
    return Recording(in_stable_order(monitor.recorded), outputs)


@contextmanager
def garbage_collector_paused() -> Iterator[None]:
    """CPython's cyclic collector off for a while (then as it was).

    A preview allocates some 10^5 short-lived objects next to the 10^6 long-lived ones the SDKs'
    classes are (most loaded during the run); the collector would walk the long-lived ones again
    and again: about a quarter of a stack's preview time, for nothing (nothing built here needs
    collecting before the preview ends, and peak memory stays the same within a MiB). At the end
    everything allocated meanwhile moves to the oldest generation without a pass over it (freeze,
    then unfreeze): the first collection after the pause would otherwise walk all of it at once;
    any garbage among it goes with the next full collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


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


def evaluate_policies(result: StackPreview, policy_config: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The pack's verdict, passed on as `evaluate` returns it. The stack's environment is the
    base config; a `--policy-config` file's values (`policy_config`) are merged over it."""
    assert result.settings is not None
    return evaluate_recorded(result.resources, result.settings.environment, policy_config)


def evaluate_recorded(
    resources: Sequence[RecordedResource], environment: str, policy_config: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    """The pack's verdict over recorded resources, for a stack of `environment`."""
    try:
        from policies.offline import evaluate
    except ImportError:  # the pack is optional for the program itself
        return {"pack": None, "rulesEvaluated": [], "violations": [], "mandatoryFailures": 0}
    records = [
        {"type": r.type, "name": r.name, "urn": r.urn, "props": r.inputs, "parent": r.parent,
         "dependencies": r.dependencies, "propertyDependencies": r.property_dependencies,
         "provider": r.provider, "protect": r.protect}
        for r in resources
    ]
    config = deep_merge({"environment": environment}, policy_config or {})
    return evaluate(records, config)
