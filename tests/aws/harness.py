"""AWS test stacks and what only AWS runs need (keys by purpose, the cluster security group).

The engine harness itself is cloud-neutral: tests/support/engine.py.
"""

from __future__ import annotations

from typing import Any

from infra.presets import deep_merge
from infra.settings import StackPlan, StackSettings, load_stack
from tests.support import engine
from tests.support.engine import Registered, Run

REGION = "eu-central-1"
VAULT = {"mode": "external", "address": "https://vault.example.com:8200", "kubernetesHost": "https://k8s.example.com:443",
         "egressCidrs": ["172.25.16.0/20"]}


def plan_for(environment: str = "prod", stack: str = "aws-test", **sections: Any) -> StackPlan:
    """A planned stack as the program gets it: generic + AWS presets, then these values."""
    raw: dict[str, Any] = {
        "cloud": "aws",
        "environment": environment,
        "region": REGION,
        "tags": {"team": "conversational-ai"},
        "vault": VAULT,
    }
    raw = deep_merge(raw, sections)
    return load_stack(raw, set(), stack, placeholder_for_missing_secrets=True)


def settings_for(environment: str = "prod", stack: str = "aws-test", **sections: Any) -> StackSettings:
    return plan_for(environment, stack, **sections).settings


class AwsRun(Run):
    def component_of(self, resource: Registered) -> Registered:
        """The nearest `rasa-platform:aws:*` service component above a resource."""
        current = resource
        while current.parent:
            current = self.by_urn(current.parent)
            if current.type.startswith("rasa-platform:aws:") and current.type != "rasa-platform:aws:CustomerKey":
                return current
        raise AssertionError(f"{resource.type} {resource.name} has no service component")

    @property
    def cluster_security_group_id(self) -> str:
        return self.outputs_of(self.one("aws:eks/cluster:Cluster"))["vpcConfig"]["clusterSecurityGroupId"]

    def id_of(self, resource: Registered) -> str:
        """The id the mocks give a resource: what `.id` references to it resolve to."""
        return self.mocks.outputs_for(resource.type, resource.name, resource.inputs)[0]

    def key(self, purpose: str) -> Registered:
        """The KMS key of one purpose (tagged Name=<base>-<purpose>, aliased alias/<base>/<purpose>)."""
        found = [k for k in self.of_type("aws:kms/key:Key") if k.inputs["tags"]["Name"].endswith(f"-{purpose}")]
        assert len(found) == 1, f"expected one {purpose} key, found {len(found)}"
        return found[0]

    def key_arn(self, purpose: str) -> str:
        """The ARN the mocks give that key: what resources encrypted with it must reference."""
        return self.arn_of(self.key(purpose))


def provision(plan: StackPlan) -> AwsRun:
    run = engine.provision(plan, AwsRun)
    assert isinstance(run, AwsRun)
    return run


__all__ = ["AwsRun", "Registered", "Run", "plan_for", "provision", "settings_for"]
