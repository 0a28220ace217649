"""Call policies the way the engine does, without the engine (never instantiate the PolicyPack)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from policies.aws import types as aws
from policies.pack import ALL_POLICIES

# The engine's sentinel for an unknown string during preview.
U = UNKNOWN_STRING_VALUE
DELETE = object()

POLICY = {p.name: p for p in ALL_POLICIES}


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::rasa-platform::{type_}::{name}"


def options(parent: Optional[str] = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


@dataclass
class Outcome:
    violations: list[tuple[str, Optional[str]]] = field(default_factory=list)
    undecided: Optional[str] = None  # the advisory message the engine would print

    @property
    def messages(self) -> list[str]:
        return [m for m, _ in self.violations]

    @property
    def ok(self) -> bool:
        return not self.violations and self.undecided is None

    def has(self, text: str) -> bool:
        return any(text in m for m in self.messages)


def _run(validate, args) -> Outcome:
    outcome = Outcome()
    try:
        validate(args, lambda message, urn=None: outcome.violations.append((message, urn)))
    except UnknownValueError as e:  # what the engine turns into an advisory diagnostic
        outcome.undecided = e.message
    return outcome


def run_resource(rule: str, type_: str, props: dict, config: Optional[dict] = None,
                 provider: Optional[dict] = None, stack_tags: Optional[dict] = None, name: str = "r") -> Outcome:
    prov = None
    if provider is not None:
        prov = PolicyProviderResource(aws.PROVIDER, unknown_checking_proxy(copy.deepcopy(provider)),
                                      urn(aws.PROVIDER, "default"), "default")
    args = ResourceValidationArgs(type_, unknown_checking_proxy(copy.deepcopy(props)), urn(type_, name), name,
                                  options(), prov, config, stack_tags)
    return _run(POLICY[rule].validate, args)


@dataclass
class R:
    """A resource of a test stack."""

    type: str
    name: str
    props: dict
    deps: tuple[str, ...] = ()  # names of resources this one depends on
    prop_deps: dict = field(default_factory=dict)  # prop → names

    @property
    def urn(self) -> str:
        return urn(self.type, self.name)


def stack_resources(resources: Iterable[R]) -> list[PolicyResource]:
    resources = list(resources)
    by_name = {}
    out = []
    for r in resources:
        pr = PolicyResource(r.type, unknown_checking_proxy(copy.deepcopy(r.props)), r.urn, r.name, options(), None,
                            None, [], {})
        by_name[r.name] = pr
        out.append(pr)
    for r, pr in zip(resources, out):
        # Like the engine: references to resources outside the list are dropped.
        pr.dependencies = [by_name[d] for d in r.deps if d in by_name]
        pr.property_dependencies = {k: [by_name[d] for d in v if d in by_name] for k, v in r.prop_deps.items()}
    return out


def run_stack(rule: str, resources: Iterable[R], config: Optional[dict] = None,
              stack_tags: Optional[dict] = None) -> Outcome:
    args = StackValidationArgs(stack_resources(resources), config, stack_tags)
    return _run(POLICY[rule].validate, args)


def changed(props: dict, path: Any, value: Any) -> dict:
    """A deep copy of props with the path set, or deleted: dotted (list indexes as numbers) or a list
    of keys (for keys that contain dots, like labels)."""
    out = copy.deepcopy(props)
    parts = path.split(".") if isinstance(path, str) else list(path)
    keys = [int(k) if isinstance(k, str) and k.isdigit() else k for k in parts]
    cur = out
    for k in keys[:-1]:
        if isinstance(cur, dict) and k not in cur:
            cur[k] = {}
        cur = cur[k]
    if value is DELETE:
        # A typo in the path must not leave the fixture unchanged and the test passing.
        if isinstance(cur, dict) and keys[-1] not in cur:
            raise KeyError(f"cannot delete {path!r}: not in the fixture")
        del cur[keys[-1]]
    else:
        cur[keys[-1]] = value
    return out


def replace(resources: list[R], name: str, **updates: Any) -> list[R]:
    """The stack with resource `name` replaced (props via `props=`, or `path=value` pairs)."""
    assert any(r.name == name for r in resources), f"no resource {name!r} in the stack"
    out = []
    for r in resources:
        if r.name == name:
            r = copy.deepcopy(r)
            for key, value in updates.items():
                if key in ("props", "deps", "prop_deps"):
                    setattr(r, key, value)
                else:
                    r.props = changed(r.props, key.replace("__", "."), value)
        out.append(r)
    return out
