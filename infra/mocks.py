"""The Pulumi mock engine used by the offline preview and the unit tests.

Resources echo their inputs plus the outputs a real provider would compute (endpoints, ARNs,
generated names), from a per-cloud table, so that everything downstream (connections, the
rendered endpoints.yml) sees plausible, deterministic values. Data-source calls are answered from
a table too; an unanswered call is an error, never a silent empty result.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs

from components.aws.mock_outputs import AWS_MOCK_CALLS, AWS_MOCK_OUTPUTS

OutputsFor = Callable[[MockResourceArgs], dict[str, Any]]
CallAnswer = Callable[[MockCallArgs], dict[str, Any]]


def _random_password(args: MockResourceArgs) -> dict[str, Any]:
    length = int(args.inputs.get("length", 32))
    return {"result": ("mock" + fake_suffix(args.name) * 8)[:length]}


GENERIC_OUTPUTS: dict[str, OutputsFor] = {
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomId:RandomId": lambda a: {"hex": fake_suffix(a.name), "b64Url": fake_suffix(a.name)},
}

MOCK_OUTPUTS: dict[str, OutputsFor] = {**GENERIC_OUTPUTS, **AWS_MOCK_OUTPUTS}
MOCK_CALLS: dict[str, CallAnswer] = {**AWS_MOCK_CALLS}


def fake_suffix(name: str) -> str:
    """A stable 8-character suffix, like the random part of an auto-name."""
    return hashlib.sha256(name.encode()).hexdigest()[:8]


class PlatformMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        compute = MOCK_OUTPUTS.get(args.typ)
        if compute is not None:
            outputs.update(compute(args))
        return f"{args.name}-{fake_suffix(args.name)}", outputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        answer = MOCK_CALLS.get(args.token)
        if answer is None:
            raise NotImplementedError(
                f"offline preview has no mock for data source {args.token}: add it to the cloud's mock_outputs.py"
            )
        return answer(args)
