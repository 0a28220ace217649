"""Azure test stacks: generic + Azure presets, then the test's own values (mock engine: tests/support)."""

from __future__ import annotations

from typing import Any

from infra.presets import deep_merge
from infra.settings import StackPlan, StackSettings, load_stack
from tests.support import engine
from tests.support.engine import Registered, Run

REGION = "westeurope"
VAULT = {"mode": "external", "address": "https://vault.example.com:8200", "kubernetesHost": "https://k8s.example.com:443",
         "egressCidrs": ["172.25.16.0/20"]}


def raw_stack(environment: str = "prod", **sections: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "cloud": "azure",
        "environment": environment,
        "region": REGION,
        "tags": {"team": "conversational-ai"},
        "eventQueue": {"saslMechanism": "PLAIN"},
        "cluster": {"publicAccessCidrs": ["203.0.113.10/32"]} if environment == "dev" else {},
        "vault": VAULT,
        "azure": {"vaultSeal": {"enabled": True}},
    }
    return deep_merge(raw, sections)


def plan_for(environment: str = "prod", stack: str = "azure-test", **sections: Any) -> StackPlan:
    return load_stack(raw_stack(environment, **sections), set(), stack, placeholder_for_missing_secrets=True)


def settings_for(environment: str = "prod", stack: str = "azure-test", **sections: Any) -> StackSettings:
    return plan_for(environment, stack, **sections).settings


class AzureRun(Run):
    def component_of(self, resource: Registered) -> Registered:
        current = resource
        while current.parent:
            current = self.by_urn(current.parent)
            if current.type.startswith("rasa-platform:azure:") and current.type != "rasa-platform:azure:KeyVault":
                return current
        raise AssertionError(f"{resource.type} {resource.name} has no service component")

    def id_of(self, resource: Registered) -> str:
        return self.mocks.outputs_for(resource.type, resource.name, resource.inputs)[0]

    def named(self, type_: str, prefix: str) -> list[Registered]:
        return [r for r in self.of_type(type_) if r.name.startswith(prefix)]


def provision(plan: StackPlan) -> AzureRun:
    run = engine.provision(plan, AzureRun)
    assert isinstance(run, AzureRun)
    return run


__all__ = ["AzureRun", "Registered", "Run", "plan_for", "provision", "raw_stack", "settings_for"]
