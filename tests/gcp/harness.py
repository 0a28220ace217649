"""GCP test stacks: generic + GCP presets, then these values, provisioned under the mock engine."""

from __future__ import annotations

from typing import Any

from infra.presets import deep_merge
from infra.settings import StackPlan, load_stack
from tests.support import engine
from tests.support.engine import Registered, Run

REGION = "europe-west3"
PROJECT = "acme-rasa-test"
VAULT = {"mode": "external", "address": "https://vault.example.com:8200", "kubernetesHost": "https://k8s.example.com:443",
         "egressCidrs": ["10.60.0.0/20"]}
BASE: dict[str, Any] = {
    "cloud": "gcp",
    "region": REGION,
    "tags": {"team": "conversational-ai"},
    "vault": VAULT,
    "trackerStore": {"sslMode": "verify-ca"},
    "lockStore": {"engineVersion": "7.2"},
    "eventQueue": {"saslMechanism": "PLAIN"},
    "gcp": {"project": PROJECT, "vaultSeal": {"enabled": True}},
}


def plan_for(environment: str = "prod", stack: str = "gcp-test", **sections: Any) -> StackPlan:
    raw = deep_merge({**BASE, "environment": environment}, sections)
    return load_stack(raw, set(), stack, placeholder_for_missing_secrets=True)


class GcpRun(Run):
    def key_id(self, purpose: str) -> str:
        """The id the mocks give the crypto key of one purpose (what encrypted resources reference)."""
        found = [k for k in self.of_type("gcp:kms/cryptoKey:CryptoKey") if k.inputs["name"] == purpose]
        assert len(found) == 1, f"expected one {purpose} key, found {len(found)}"
        return self.mocks.outputs_for(found[0].type, found[0].name, found[0].inputs)[0]

    def grants_on(self, key_purpose: str) -> list[Registered]:
        key = self.key_id(key_purpose)
        return [g for g in self.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") if g.inputs["cryptoKeyId"] == key]


def provision(plan: StackPlan) -> GcpRun:
    run = engine.provision(plan, GcpRun)
    assert isinstance(run, GcpRun)
    return run


__all__ = ["GcpRun", "Registered", "plan_for", "provision"]
