"""Run a cloud's provision step under the one mock engine and look at what it registered.

Every RegisterResource request is recorded with its parent, protect flag, provider, dependencies
and inputs (plain, plus the paths that arrived as secrets). Data-source calls are answered by the
engine (infra/mocks.py, from each cloud's mock outputs) and recorded; an unexpected call fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.settings import set_root_resource

from components.cloud import CloudServices
from components.contracts import resolve
from infra.mocks import PlatformMocks, plain
from infra.preview import RecordingMonitor as PreviewRecordingMonitor
from infra.settings import PROJECT, StackPlan, StackSettings


@dataclass
class Registered:
    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    protect: bool
    provider: str
    dependencies: list[str]
    inputs: dict[str, Any]
    secret_paths: set[str]
    ignore_changes: list[str] = field(default_factory=list)

    def policy(self, key: str = "policy") -> dict[str, Any]:
        return json.loads(self.inputs[key])


def _secret_paths(value: Any, path: str = "") -> set[str]:
    if rpc.is_rpc_secret(value):
        return {path or "."}
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= _secret_paths(v, f"{path}.{k}" if path else k)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found |= _secret_paths(v, f"{path}[{i}]")
    return found


class RecordingMonitor(PreviewRecordingMonitor):
    """The preview's recording monitor, keeping plain inputs and which paths were secret."""

    def record(self, request, urn: str) -> Registered:
        with_secrets = rpc.deserialize_properties(request.object)
        return Registered(
            type=request.type,
            name=request.name,
            urn=urn,
            parent=request.parent,
            custom=bool(request.custom),
            protect=bool(request.protect),
            provider=request.provider,
            dependencies=list(request.dependencies),
            inputs=plain(with_secrets),
            secret_paths=_secret_paths(with_secrets),
            ignore_changes=list(request.ignoreChanges),
        )


@dataclass
class Run:
    plan: StackPlan
    mocks: PlatformMocks
    services: CloudServices
    resources: list[Registered]
    calls: list[tuple[str, dict[str, Any]]]
    resolved: dict[str, Any] = field(default_factory=dict)
    secret_outputs: dict[str, bool] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: Optional[str] = None) -> Registered:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {type_} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        return next(r for r in self.resources if r.urn == urn)

    @property
    def settings(self) -> StackSettings:
        return self.plan.settings

    def outputs_of(self, resource: Registered) -> dict[str, Any]:
        """The outputs the engine gives a registered resource (what other resources reference)."""
        return self.mocks.outputs_for(resource.type, resource.name, resource.inputs)[1]

    def arn_of(self, resource: Registered) -> str:
        return self.outputs_of(resource)["arn"]

    @property
    def calls_made(self) -> list[str]:
        return [token for token, _ in self.calls]


def _engine(plan: StackPlan) -> tuple[PlatformMocks, RecordingMonitor]:
    return start_engine(plan.settings.region, plan.settings.stack)


def start_engine(region: Optional[str], stack: str) -> tuple[PlatformMocks, RecordingMonitor]:
    """A fresh mock engine and recording monitor for one stack."""
    mocks = PlatformMocks(region)
    monitor = RecordingMonitor(mocks)
    set_root_resource(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    return mocks, monitor


def register(body: Callable[[], Any], region: str = "eu-central-1", stack: str = "component-test") -> list[Registered]:
    """Run `body` (which builds components directly) under the engine; what it registered."""
    _, monitor = start_engine(region, stack)
    pulumi.runtime.test(body)()
    return monitor.recorded


def provision(plan: StackPlan, run_type: type[Run] = Run) -> Run:
    """The stack's cloud's provision step, with its connections and outputs resolved."""
    mocks, monitor = _engine(plan)
    holder: dict[str, Any] = {}

    @pulumi.runtime.test
    def program():
        assert plan.cloud.provision is not None, f"{plan.cloud.name} provisions nothing"
        services = plan.cloud.provision(plan.cloud_plan)
        holder["services"] = services
        values: dict[str, Any] = {}
        for name in ("tracker_store", "lock_store", "event_queue", "model_storage", "identity",
                     "analytics_event_queue", "tracker_store_admin"):
            connection = getattr(services, name)
            if connection is not None:
                values[name] = resolve(connection)
        values["outputs"] = pulumi.Output.all(**{k: pulumi.Output.from_input(v) for k, v in services.outputs.items()})
        values["secret_outputs"] = pulumi.Output.all(
            **{k: pulumi.Output.from_input(pulumi.Output.from_input(v).is_secret()) for k, v in services.outputs.items()}
        )
        return pulumi.Output.all(**values).apply(holder.update)

    program()
    run = run_type(plan, mocks, holder["services"], monitor.recorded, mocks.calls)
    run.secret_outputs = holder.pop("secret_outputs")
    run.resolved = {k: v for k, v in holder.items() if k != "services"}
    return run
