"""Remediations name the stack key to change; messages about a value the user set name its key."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from infra.settings import StackSettings
from policies.pack import ALL_POLICIES
from policies.stack_keys import ALWAYS_SET, PROTECTION

from . import fixtures as fx
from .helpers import DELETE, R, changed, run_resource, run_stack

KEY = re.compile(r"rasa-platform:([A-Za-z][A-Za-z0-9.]*)")


def settings_field(path: str):
    """The settings field (or section) a dotted camelCase key names, or None."""
    model, found = StackSettings, None
    for part in path.split("."):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        found = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if found is None:
            return None
        model = found.annotation
    return found


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=[p.name for p in ALL_POLICIES])
def test_remediation_names_a_stack_key_or_says_the_program_always_sets_it(policy):
    remediation = policy.remediation_steps
    assert "rasa-platform:" in remediation or ALWAYS_SET in remediation, remediation
    assert not re.search(r"\b[a-z_]+=(True|False|\[|\{|'|\")", remediation), "a resource property, not a stack key"
    assert not re.search(r"\baws\.[a-z0-9]+\.[A-Z]", remediation), "an SDK class, not a stack key"


def test_every_named_stack_key_exists():
    named = sorted({k.rstrip(".") for p in ALL_POLICIES for k in KEY.findall(p.remediation_steps)})
    assert len(named) > 15
    missing = [k for k in named if settings_field(k) is None]
    assert PROTECTION.split(":", 1)[1] in named
    assert missing == []


# rule, type, secure props, path, insecure value, message start (None: must not name a key)
FROM_SETTINGS = [
    ("cache-multi-az-in-prod", fx.T_REDIS, fx.REDIS, "multiAzEnabled", False,
     "rasa-platform:lockStore.highAvailability is false: prod: multiAzEnabled"),
    ("cache-multi-az-in-prod", fx.T_REDIS, fx.REDIS, "numCacheClusters", 1,
     "rasa-platform:lockStore.highAvailability is false: prod: at least 2 nodes"),
    ("cache-multi-az-in-prod", fx.T_REDIS, fx.REDIS, "multiAzEnabled", DELETE, None),
    ("cache-snapshots-in-prod", fx.T_REDIS, fx.REDIS, "snapshotRetentionLimit", 0,
     "rasa-platform:lockStore.snapshotDays is 0: "),
    ("database-backup-retention", fx.T_RDS, fx.RDS, "backupRetentionPeriod", 7.0,  # the engine's numbers are floats
     "rasa-platform:trackerStore.backupDays is 7: backupRetentionPeriod must be >= 14 days"),
    ("database-backup-retention", fx.T_RDS, fx.RDS, "backupRetentionPeriod", DELETE, None),
    ("database-multi-az-in-prod", fx.T_RDS, fx.RDS, "multiAz", False,
     "rasa-platform:trackerStore.highAvailability is false: prod: multiAz must be true"),
    ("database-deletion-protection-in-prod", fx.T_RDS, fx.RDS, "deletionProtection", False,
     "rasa-platform:protection is false: prod: deletionProtection must be true"),
    ("database-deletion-protection-in-prod", fx.T_RDS, fx.RDS, "deletionProtection", DELETE, None),
    ("database-final-snapshot-in-prod", fx.T_RDS, fx.RDS, "skipFinalSnapshot", True,
     "rasa-platform:protection is false: prod: skipFinalSnapshot must be false"),
    ("database-final-snapshot-in-prod", fx.T_RDS, fx.RDS, "finalSnapshotIdentifier", DELETE, None),
    ("kafka-multi-az-in-prod", fx.T_MSK, fx.MSK, "numberOfBrokerNodes", 2,
     "rasa-platform:network.zones × rasa-platform:aws.eventQueue.brokersPerZone is 2: prod: at least 3 brokers"),
    ("cluster-private-endpoint", fx.T_EKS, changed(fx.EKS, "vpcConfig.endpointPublicAccess", True),
     "vpcConfig.publicAccessCidrs", ["0.0.0.0/0"], 'rasa-platform:cluster.publicAccessCidrs is ["0.0.0.0/0"]: '),
    ("cluster-private-endpoint", fx.T_EKS, fx.EKS, "vpcConfig.endpointPublicAccess", DELETE, None),
]


@pytest.mark.parametrize("rule,type_,props,path,value,start", FROM_SETTINGS,
                         ids=[f"{c[0]}:{c[3]}={c[4]!r}" for c in FROM_SETTINGS])
def test_a_value_from_a_stack_key_names_the_key(rule, type_, props, path, value, start):
    outcome = run_resource(rule, type_, changed(props, path, value))
    assert outcome.violations, f"{rule} did not fire"
    if start is None:
        assert not any(m.startswith("rasa-platform:") for m in outcome.messages), outcome.messages
    else:
        assert any(m.startswith(start) for m in outcome.messages), outcome.messages


def test_region_names_the_stack_key():
    outcome = run_resource("allowed-regions", fx.T_RDS, changed(fx.RDS, "region", "us-east-1"),
                           {"allowedRegions": ["eu-central-1"]})
    assert outcome.messages == ["rasa-platform:region is us-east-1: region 'us-east-1' is not one of the allowed "
                                "regions ['eu-central-1']"]


def rasa_stack(**replacements: dict) -> list[R]:
    return [R(r.type, r.name, replacements.get(r.name, r.props), r.deps, r.prop_deps) for r in fx.secure_stack()]


def lock_store_without_tls(origin: str) -> dict:
    endpoints = {**fx.ENDPOINTS, "lock_store": {**fx.ENDPOINTS["lock_store"], "use_ssl": False}}
    return fx.rasa_configmap(fx.endpoints_yml(endpoints), origins={**fx.ORIGINS, "lock_store": origin})


def test_lock_store_tls_off_names_the_key_for_an_existing_redis():
    outcome = run_stack("rasa-services-tls", rasa_stack(**{"rasa-endpoints": lock_store_without_tls("existing")}))
    assert outcome.messages == ["rasa-platform:lockStore.tls is false: lock_store.use_ssl must be the boolean true "
                                "(got False)"]
    # A managed lock store is always rendered with TLS: the key is not what to change.
    outcome = run_stack("rasa-services-tls", rasa_stack(**{"rasa-endpoints": lock_store_without_tls("managed")}))
    assert outcome.messages == ["lock_store.use_ssl must be the boolean true (got False)"]


def test_replicas_name_the_key_of_the_rasa_deployment():
    no_hpa = [r for r in fx.secure_stack() if r.type != fx.T_HPA]
    single = [R(r.type, r.name, fx.rasa_deployment(replicas=1), r.deps) if r.name == "rasa" else r for r in no_hpa]
    assert run_stack("k8s-prod-replicas", single).messages == [
        "rasa-platform:rasa.replicas is 1: prod: Deployment 'rasa' must run at least 2 replicas"]
    hpa = rasa_stack(**{"rasa-hpa": changed(fx.HPA, "spec.minReplicas", 1)})
    assert run_stack("k8s-prod-replicas", hpa).messages[0].startswith("rasa-platform:rasa.autoscaling.minReplicas is 1: ")
    other = changed(fx.rasa_deployment(replicas=1), ["metadata", "labels", "app.kubernetes.io/component"], "worker")
    unnamed = [R(r.type, r.name, other, r.deps) if r.name == "rasa" else r for r in no_hpa]
    assert run_stack("k8s-prod-replicas", unnamed).messages == [
        "prod: Deployment 'rasa' must run at least 2 replicas"]


def test_missing_disruption_budget_of_rasa_names_the_key():
    outcome = run_stack("k8s-prod-disruption-budget", [r for r in fx.secure_stack() if r.type != fx.T_PDB])
    assert outcome.messages == ["rasa-platform:rasa.podDisruptionBudget is false: prod: Deployment 'rasa' has no "
                                "PodDisruptionBudget selecting its pods"]
