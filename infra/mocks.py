"""The one Pulumi mock engine: used by the offline preview and by every test harness.

Resources echo their inputs plus what a real provider would compute (endpoints, ARNs, generated
names, ids shaped like the cloud's), answered by each registered cloud's `CloudSpec.mocks` for
the stack's own region; cloud-neutral providers (random) are answered here. Data-source calls are
answered the same way; an unanswered call is an error, never a silent empty result. Every answer
is a pure function of the resource's type, name, inputs and the region, so two runs of the same
commit produce the same values.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Callable, Optional

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs, rpc

from components.cloud import CloudMocks
from components.registry import CLOUDS

DEFAULT_REGION = "eu-central-1"  # for stacks without a region (bring-your-own only)


def fake_suffix(name: str) -> str:
    """A stable 8-character suffix, like the random part of an auto-name."""
    return hashlib.sha256(name.encode()).hexdigest()[:8]


def _random_password(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    length = int(inputs.get("length", 32))
    # Upper, lower, digits and a special: satisfies every min_* and override_special the program uses.
    return {"result": ("Mock" + hashlib.sha256(name.encode()).hexdigest() * 2 + "A1-")[:length]}


def fake_pem(kind: str, name: str) -> str:
    """A PEM block of the right type whose body is a stable digest of the name (not a real key)."""
    body = base64.b64encode(hashlib.sha256(f"{kind}:{name}".encode()).digest() * 2).decode()
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


def _helm_release(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    release = inputs.get("name") or name
    return {"status": {"name": release, "namespace": inputs.get("namespace"), "chart": inputs.get("chart"),
                       "version": inputs.get("version"), "status": "deployed", "revision": 1}}


NEUTRAL_OUTPUTS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomId:RandomId": lambda name, _: {"hex": fake_suffix(name), "b64Url": fake_suffix(name)},
    # pulumi-tls computes keys and certificates locally (Vault's TLS).
    "tls:index/privateKey:PrivateKey": lambda name, _: {
        "privateKeyPem": fake_pem("PRIVATE KEY", name), "publicKeyPem": fake_pem("PUBLIC KEY", name)},
    "tls:index/selfSignedCert:SelfSignedCert": lambda name, _: {"certPem": fake_pem("CERTIFICATE", name)},
    "tls:index/certRequest:CertRequest": lambda name, _: {"certRequestPem": fake_pem("CERTIFICATE REQUEST", name)},
    "tls:index/locallySignedCert:LocallySignedCert": lambda name, _: {"certPem": fake_pem("CERTIFICATE", name)},
    # A Helm release (the Vault chart): what the provider reports once installed.
    "kubernetes:helm.sh/v3:Release": _helm_release,
}


def plain(value: Any) -> Any:
    """Inputs as plain values (secrets unwrapped): what a provider would see."""
    if rpc.is_rpc_secret(value):
        return plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class PlatformMocks(pulumi.runtime.Mocks):
    """Mocks for one stack. `calls` records every data-source call (token, args) in order."""

    def __init__(self, region: Optional[str] = None) -> None:
        self.region = region or DEFAULT_REGION
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _cloud_for(self, token: str, *, call: bool) -> Optional[CloudMocks]:
        for spec in CLOUDS.values():
            table = spec.mocks.call_tokens if call else spec.mocks.resource_types
            if token in table:
                return spec.mocks
        return None

    def outputs_for(self, type_: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """(id, outputs) the engine gives a resource: also what tests use to follow references."""
        inputs = plain(inputs)
        cloud = self._cloud_for(type_, call=False)
        if cloud is not None and cloud.resource is not None:
            return cloud.resource(type_, name, inputs, self.region)
        outputs = dict(inputs)
        neutral = NEUTRAL_OUTPUTS.get(type_)
        if neutral is not None:
            outputs.update(neutral(name, inputs))
        return f"{name}-{fake_suffix(name)}", outputs

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        return self.outputs_for(args.typ, args.name, dict(args.inputs))

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        arguments = plain(dict(args.args))
        self.calls.append((args.token, arguments))
        cloud = self._cloud_for(args.token, call=True)
        if cloud is None or cloud.call is None:
            raise NotImplementedError(
                f"offline preview has no mock for data source {args.token}: add it to the cloud's mock outputs"
            )
        return cloud.call(args.token, arguments, self.region)
