"""policies.offline.evaluate: the offline preview's verdict, the engine's semantics without the engine."""

from __future__ import annotations

import pytest

from policies import offline
from policies.aws import types as aws
from policies.offline import REMEDIATION, evaluate
from policies.pack import ALL_POLICIES, PACK_NAME

from . import fixtures as fx
from .helpers import R, changed


def dump(resources: list[R], secret_unknown=True) -> list[dict]:
    """The secure stack as the offline preview records it."""
    urns = {r.name: r.urn for r in resources}
    return [{
        "type": r.type, "name": r.name, "urn": r.urn, "props": r.props, "parent": None,
        "dependencies": [urns[d] for d in r.deps if d in urns],
    } for r in resources]


def with_props(resources: list[dict], name: str, props: dict) -> list[dict]:
    return [dict(r, props=props) if r["name"] == name else r for r in resources]


def test_secure_stack_has_no_violation_at_all():
    verdict = evaluate(dump(fx.secure_stack()))
    assert verdict["pack"] == PACK_NAME
    assert verdict["rulesEvaluated"] == [p.name for p in ALL_POLICIES]
    assert verdict["violations"] == []
    assert verdict["mandatoryFailures"] == 0


def test_insecure_resource_is_a_mandatory_failure_naming_rule_and_resource():
    resources = with_props(dump(fx.secure_stack()), "tracker-store", changed(fx.RDS, "publiclyAccessible", True))
    verdict = evaluate(resources)
    assert verdict["mandatoryFailures"] == 1
    (violation,) = verdict["violations"]
    assert violation == {
        "rule": "database-not-public", "enforcement": "mandatory",
        "resource": f"urn:pulumi:test::rasa-platform::{fx.T_RDS}::tracker-store",
        "type": fx.T_RDS, "message": "publiclyAccessible must be false",
        "remediation": REMEDIATION["database-not-public"],
    }
    assert "components/<cloud>/tracker_store.py" in violation["remediation"]


def test_stack_rule_violation_names_the_resource_it_reports():
    resources = [r for r in dump(fx.secure_stack()) if r["name"] != "models-versioning"]
    verdict = evaluate(resources)
    (violation,) = verdict["violations"]
    assert violation["rule"] == "storage-versioning-enabled"
    assert violation["type"] == fx.T_BUCKET and violation["resource"].endswith("::models")


def test_joins_use_recorded_dependencies():
    # The S3 resources name the bucket by its id, which the bucket's inputs do not contain.
    resources = [dict(r, props=changed(r["props"], "bucket", "models-4f2a1c")) if r["type"].startswith(fx.T_BUCKET)
                 and r["name"] != "models" else r for r in dump(fx.secure_stack())]
    resources = with_props(resources, "models", {"tags": fx.PROD})
    assert evaluate(resources)["violations"] == []
    no_deps = [dict(r, dependencies=[]) for r in resources]
    failed = {v["rule"] for v in evaluate(no_deps)["violations"] if (v["resource"] or "").endswith("::models")}
    assert failed == {"storage-public-access-blocked", "storage-encrypted-with-customer-key",
                      "storage-versioning-enabled", "storage-owner-enforced", "storage-tls-only"}


def test_advisory_rule_is_not_a_mandatory_failure():
    resources = with_props(dump(fx.secure_stack()), "tracker-store", changed(fx.RDS, "performanceInsightsEnabled", False))
    verdict = evaluate(resources)
    assert [v["rule"] for v in verdict["violations"]] == ["database-monitoring"]
    assert verdict["violations"][0]["enforcement"] == "advisory"
    assert verdict["mandatoryFailures"] == 0


def test_unknown_sentinel_makes_the_rule_advisory():
    props = changed(changed(fx.RDS, "kmsKeyId", "[unknown]"), "storageEncrypted", "[unknown]")
    verdict = evaluate(with_props(dump(fx.secure_stack()), "tracker-store", props))
    assert verdict["mandatoryFailures"] == 0
    (violation,) = verdict["violations"]
    assert violation["rule"] == "database-encrypted-with-customer-key"
    assert violation["enforcement"] == "advisory"
    assert violation["message"].startswith("cannot decide during preview:")
    assert "kmsKeyId" in violation["message"]


def test_unknown_does_not_hide_a_known_failure():
    props = changed(changed(fx.RDS, "kmsKeyId", "[unknown]"), "storageEncrypted", False)
    verdict = evaluate(with_props(dump(fx.secure_stack()), "tracker-store", props))
    assert verdict["mandatoryFailures"] == 1
    assert {v["enforcement"] for v in verdict["violations"]} == {"mandatory", "advisory"}


def test_secret_placeholders_count_as_set_but_not_in_plain_text_places():
    assert evaluate(dump(fx.secure_stack()))["mandatoryFailures"] == 0  # authToken / password are "[secret]"
    cm = changed(fx.rasa_configmap(), ["data", "endpoints.yml"], "[secret]")
    verdict = evaluate(with_props(dump(fx.secure_stack()), "rasa-endpoints", cm))
    rules = {(v["rule"], v["enforcement"]) for v in verdict["violations"]}
    assert ("k8s-no-credentials-in-configmap", "mandatory") in rules
    assert ("rasa-event-broker-tls", "advisory") in rules  # cannot read a secret endpoints.yml


def test_global_config_sets_environment_and_thresholds():
    resources = [r for r in dump(fx.secure_stack()) if r["name"] in ("tracker-store", "tracker-pg16")]
    untagged = changed(changed(fx.RDS, "tags", {}), "backupRetentionPeriod", 10)
    resources = with_props(resources, "tracker-store", untagged)
    assert evaluate(resources)["mandatoryFailures"] == 0
    verdict = evaluate(resources, {"environment": "prod"})
    assert [v["rule"] for v in verdict["violations"]] == ["database-backup-retention"]
    verdict = evaluate(resources, {"minBackupDays": 12})
    assert [v["rule"] for v in verdict["violations"]] == ["database-backup-retention"]
    verdict = evaluate(resources, {"minBackupDays": 12, "database-backup-retention": {"minBackupDays": 9}})
    assert verdict["violations"] == []


def test_per_rule_enforcement_levels():
    resources = with_props(dump(fx.secure_stack()), "tracker-store", changed(fx.RDS, "publiclyAccessible", True))
    verdict = evaluate(resources, {"database-not-public": {"enforcementLevel": "advisory"}})
    assert verdict["mandatoryFailures"] == 0 and verdict["violations"][0]["enforcement"] == "advisory"
    verdict = evaluate(resources, {"database-not-public": "disabled"})
    assert "database-not-public" not in verdict["rulesEvaluated"] and verdict["violations"] == []
    verdict = evaluate(resources, {"all": "advisory"})
    assert verdict["mandatoryFailures"] == 0
    verdict = evaluate(resources, {"database-not-public": {"enforcementLevel": "remediate"}})
    assert verdict["mandatoryFailures"] == 1


def test_provider_reference_gives_the_region():
    resources = dump(fx.secure_stack())
    provider_urn = f"urn:pulumi:test::rasa-platform::{fx.T_AWS_PROVIDER}::default_7_51_1"
    provider = {"type": fx.T_AWS_PROVIDER, "name": "default_7_51_1", "urn": provider_urn,
                "props": {"region": "us-east-1"}, "parent": None, "dependencies": []}
    resources = [provider] + [dict(r, provider=f"{provider_urn}::abc-123") if r["type"].startswith(aws.ANY[:-1]) else r
                              for r in resources]
    verdict = evaluate(resources, {"allowedRegions": ["eu-central-1"]})
    failing = {v["resource"] for v in verdict["violations"] if v["rule"] == "allowed-regions"}
    assert provider_urn in failing and any(u.endswith("::tracker-store") for u in failing)
    assert evaluate(resources, {"allowedRegions": ["us-east-1"]})["mandatoryFailures"] == 0


def test_parents_and_dependencies_are_linked_like_the_engine(monkeypatch):
    seen = {}

    def capture(args, report_violation):
        seen.update({r.name: r for r in args.resources})

    from pulumi_policy import StackValidationPolicy
    monkeypatch.setattr(offline, "ALL_POLICIES", [StackValidationPolicy("capture", "captures", capture)])
    resources = [
        {"type": "rasa-platform:aws:TrackerStore", "name": "ts", "urn": "urn:c", "props": {}, "parent": None,
         "dependencies": []},
        {"type": fx.T_RDS, "name": "db", "urn": "urn:db", "props": {"a": "[unknown]"}, "parent": "urn:c",
         "dependencies": ["urn:c", "urn:missing"], "propertyDependencies": {"a": ["urn:c"]}},
    ]
    evaluate(resources)
    assert seen["db"].parent is seen["ts"]
    assert seen["db"].dependencies == [seen["ts"]]
    assert seen["db"].property_dependencies == {"a": [seen["ts"]]}
    from pulumi_policy.proxy import UnknownValueError
    with pytest.raises(UnknownValueError):  # the engine's proxy over props
        seen["db"].props["a"]


def test_a_crashing_rule_fails_the_verdict(monkeypatch):
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

    def boom(args, report_violation):
        raise KeyError("oops")

    monkeypatch.setattr(offline, "ALL_POLICIES", [ResourceValidationPolicy(
        "boom", "crashes", boom, enforcement_level=EnforcementLevel.ADVISORY)])
    verdict = evaluate([{"type": fx.T_KMS, "name": "k", "urn": "urn:k", "props": {}, "parent": None, "dependencies": []}])
    assert verdict["mandatoryFailures"] == 1
    assert "rule failed to run" in verdict["violations"][0]["message"]


def test_async_rules_are_awaited(monkeypatch):
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

    async def later(args, report_violation):
        report_violation("async finding")

    monkeypatch.setattr(offline, "ALL_POLICIES", [ResourceValidationPolicy(
        "later", "async", later, enforcement_level=EnforcementLevel.MANDATORY)])
    verdict = evaluate([{"type": fx.T_KMS, "name": "k", "urn": "urn:k", "props": {}, "parent": None, "dependencies": []}])
    assert [v["message"] for v in verdict["violations"]] == ["async finding"]
