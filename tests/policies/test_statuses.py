"""Every rule's status in `evaluate(...)["rules"]`: pass, fail, undecided, not-applicable, disabled."""

from __future__ import annotations

import json

import pytest

from policies.aws import types as aws
from policies.offline import REMEDIATION, evaluate
from policies.pack import ALL_POLICIES

from . import fixtures as fx
from .helpers import DELETE, U, R, changed

C0 = ["spec", "template", "spec", "containers", 0]
PROVIDER_URN = f"urn:pulumi:test::rasa-platform::{fx.T_AWS_PROVIDER}::platform"
# Governance rules need config to do anything: the secure stack meets it through its provider.
CONFIG = {"allowedRegions": ["eu-central-1"], "requiredTags": ["owner"]}
PROVIDER = {"type": fx.T_AWS_PROVIDER, "name": "platform", "urn": PROVIDER_URN, "parent": None, "dependencies": [],
            "props": {"region": "eu-central-1", "defaultTags": {"tags": {"owner": "platform-team"}}}}


def recorded(stack: list[R]) -> list[dict]:
    """A stack as the offline preview records it, AWS resources on the platform's provider."""
    urns = {r.name: r.urn for r in stack}
    out = [{"type": r.type, "name": r.name, "urn": r.urn, "props": r.props, "parent": None,
            "dependencies": [urns[d] for d in r.deps if d in urns],
            "propertyDependencies": {k: [urns[d] for d in v if d in urns] for k, v in r.prop_deps.items()},
            **({"provider": f"{PROVIDER_URN}::id"} if r.type.startswith(aws.ANY[:-1]) else {})}
           for r in stack]
    return [PROVIDER] + out


def rules_by_name(verdict: dict) -> dict[str, dict]:
    return {r["rule"]: r for r in verdict["rules"]}


def change(name: str, path, value):
    def apply(stack: list[R]) -> list[R]:
        return [R(r.type, r.name, changed(r.props, path, value), r.deps, r.prop_deps) if r.name == name else r
                for r in stack]
    return apply


def remove(name: str):
    return lambda stack: [r for r in stack if r.name != name]


def endpoints(**blocks):
    data = {**fx.ENDPOINTS, **{k: {**fx.ENDPOINTS[k], **v} for k, v in blocks.items()}}
    return change("rasa-endpoints", ["data", "endpoints.yml"], fx.endpoints_yml(data))


# One insecure change of the secure stack per rule (and the config it needs, if any).
VARIANTS = {
    "storage-public-access-blocked": change("models-pab", "restrictPublicBuckets", False),
    "storage-encrypted-with-customer-key": change("models-sse", "rules.0.bucketKeyEnabled", False),
    "storage-versioning-enabled": change("models-versioning", "versioningConfiguration.status", "Suspended"),
    "storage-owner-enforced": change("models-ownership", "rule.objectOwnership", "ObjectWriter"),
    "storage-tls-only": remove("models-policy"),
    "cache-transit-encryption": change("lock-store", "transitEncryptionEnabled", False),
    "cache-encrypted-with-customer-key": change("lock-store", "kmsKeyId", DELETE),
    "cache-auth-required": change("lock-store", "authToken", DELETE),
    "cache-multi-az-in-prod": change("lock-store", "multiAzEnabled", False),
    "cache-no-public-network-access": change("azure-lock-store", "publicNetworkAccess", "Enabled"),
    "key-vault-recoverable": change("azure-seal-vault", "properties.enablePurgeProtection", False),
    "cache-snapshots-in-prod": change("lock-store", "snapshotRetentionLimit", 0),
    "database-encrypted-with-customer-key": change("tracker-store", "storageEncrypted", False),
    "database-not-public": change("tracker-store", "publiclyAccessible", True),
    "database-backup-retention": change("tracker-store", "backupRetentionPeriod", 7),
    "database-multi-az-in-prod": change("tracker-store", "multiAz", False),
    "database-deletion-protection-in-prod": change("tracker-store", "deletionProtection", False),
    "database-final-snapshot-in-prod": change("tracker-store", "skipFinalSnapshot", True),
    "database-monitoring": change("tracker-store", "performanceInsightsEnabled", False),
    "database-tls-enforced": change("tracker-pg16", "parameters", [{"name": "rds.force_ssl", "value": "0"}]),
    "kafka-tls-in-transit": change("event-queue", "encryptionInfo.encryptionInTransit.clientBroker", "TLS_PLAINTEXT"),
    "kafka-encrypted-with-customer-key": change("event-queue", "encryptionInfo.encryptionAtRestKmsKeyArn", DELETE),
    "kafka-client-authentication": change("event-queue", "clientAuthentication.unauthenticated", True),
    "kafka-no-public-access": change("event-queue", "brokerNodeGroupInfo.connectivityInfo.publicAccess.type",
                                     "SERVICE_PROVIDED_EIPS"),
    "kafka-multi-az-in-prod": change("event-queue", "numberOfBrokerNodes", 2),
    "kafka-broker-logs": change("event-queue", "loggingInfo.brokerLogs.cloudwatchLogs.enabled", False),
    "kafka-no-auto-create-topics": change("kafka-config", "serverProperties", "auto.create.topics.enable=true\n"),
    "kafka-admin-scoped-to-cluster": change("kafka-admin-policy", "policy", fx.kafka_admin_policy("*")["policy"]),
    "cluster-private-endpoint": change("cluster", "vpcConfig.endpointPrivateAccess", False),
    "cluster-secrets-encryption": change("cluster", "encryptionConfig", DELETE),
    "cluster-audit-logs": change("cluster", "enabledClusterLogTypes", ["api"]),
    "cluster-access-entries": change("cluster", "accessConfig.authenticationMode", "CONFIG_MAP"),
    "cluster-workload-identity": remove("cluster-oidc"),
    "node-metadata-imdsv2": change("nodes-lt", "metadataOptions.httpTokens", "optional"),
    "node-group-imdsv2": change("nodes", "launchTemplate", DELETE),
    "kms-key-rotation": change("platform-key", "enableKeyRotation", False),
    "k8s-resources-requests-limits": change("rasa", C0 + ["resources"], DELETE),
    "k8s-run-as-non-root": change("rasa", C0 + ["securityContext", "runAsNonRoot"], False),
    "k8s-no-privilege-escalation": change("rasa", C0 + ["securityContext", "privileged"], True),
    "k8s-read-only-root-filesystem": change("rasa", C0 + ["securityContext", "readOnlyRootFilesystem"], False),
    "k8s-probes": change("rasa", C0 + ["livenessProbe"], DELETE),
    "k8s-image-pinned": change("rasa", C0 + ["image"], "rasa/rasa-pro:latest"),
    "k8s-no-literal-credentials-in-env": change("rasa", C0 + ["env", 12], {"name": "DB_PASSWORD", "value": "hunter2"}),
    "k8s-no-credentials-in-configmap": change("rasa-endpoints", ["data", "DB_PASSWORD"], "hunter2"),
    "k8s-prod-zone-spread": change("rasa", ["spec", "template", "spec", "topologySpreadConstraints"], DELETE),
    "k8s-prod-replicas": change("rasa-hpa", "spec.minReplicas", 1),
    "k8s-rasa-api-not-public": change("rasa-ingress", ["spec", "rules", 0, "http", "paths", 0, "path"], "/"),
    "k8s-prod-disruption-budget": remove("rasa-pdb"),
    "rasa-lock-store-shared": endpoints(lock_store={"type": "redis"}),
    "rasa-connection-budget": change("rasa", ["metadata", "annotations", "rasa-platform.io/connection-budget"], DELETE),
    "rasa-event-broker-tls": endpoints(event_broker={"security_protocol": "SASL_PLAINTEXT"}),
    "rasa-services-tls": endpoints(lock_store={"use_ssl": False}),
    "rasa-tracker-store-vault": endpoints(tracker_store={"dialect": "postgresql+psycopg2"}),
    "rasa-service-origins": change("rasa-endpoints", ["metadata", "annotations", "rasa-platform.io/service-origins"],
                                   json.dumps({**fx.ORIGINS, "vault": "hcp"})),
}
# Governance rules fail by config, not by a change of the stack.
CONFIG_VARIANTS = {
    "allowed-regions": {**CONFIG, "allowedRegions": ["us-east-1"]},
    "required-tags": {**CONFIG, "requiredTags": ["owner", "cost-center"]},
}


def test_variants_cover_every_rule():
    assert set(VARIANTS) | set(CONFIG_VARIANTS) == {p.name for p in ALL_POLICIES}


def test_every_rule_passes_on_the_secure_stack_in_pack_order():
    verdict = evaluate(recorded(fx.secure_stack()), CONFIG)
    assert [r["rule"] for r in verdict["rules"]] == [p.name for p in ALL_POLICIES]
    assert {r["rule"]: r["status"] for r in verdict["rules"]} == {p.name: "pass" for p in ALL_POLICIES}
    assert all(r["failures"] == [] and r["undecided"] == [] for r in verdict["rules"])
    assert [(r["level"], r["description"]) for r in verdict["rules"]] == [
        (p.enforcement_level.value, p.description) for p in ALL_POLICIES]


@pytest.mark.parametrize("rule", [p.name for p in ALL_POLICIES])
def test_every_rule_fails_on_its_insecure_variant(rule):
    stack = VARIANTS[rule](fx.secure_stack()) if rule in VARIANTS else fx.secure_stack()
    verdict = evaluate(recorded(stack), CONFIG_VARIANTS.get(rule, CONFIG))
    entry = rules_by_name(verdict)[rule]
    assert entry["status"] == "fail", entry
    assert entry["failures"], entry
    assert {f["remediation"] for f in entry["failures"]} == {REMEDIATION[rule]}
    mine = [v for v in verdict["violations"] if v["rule"] == rule]
    assert [{k: v for k, v in m.items() if k != "rule"} for m in mine] == entry["failures"]


def test_rules_whose_types_are_absent_are_not_applicable():
    origins = {k: "existing" for k in fx.ORIGINS}
    kubernetes_only = [R(r.type, r.name, fx.rasa_configmap(origins=origins) if r.name == "rasa-endpoints" else r.props,
                         r.deps, r.prop_deps) for r in fx.secure_stack() if r.type.startswith("kubernetes:")]
    without_provider = [r for r in recorded(kubernetes_only) if r["type"] != fx.T_AWS_PROVIDER]
    statuses = {r["rule"]: r["status"] for r in evaluate(without_provider, CONFIG)["rules"]}
    by_package = {p.name: p.checked_by for p in ALL_POLICIES}
    cloud_only = [name for name, packages in by_package.items() if "kubernetes" not in packages]
    kubernetes = [name for name, packages in by_package.items() if packages == ("kubernetes",)]
    assert len(cloud_only) > 20 and len(kubernetes) > 10
    assert {statuses[name] for name in cloud_only} == {"not-applicable"}
    assert {statuses[name] for name in kubernetes} == {"pass"}
    assert {r["status"] for r in evaluate([])["rules"]} == {"not-applicable"}


def test_a_stack_rule_with_only_some_of_its_types_applies():
    just_a_bucket = [r for r in fx.secure_stack() if r.name == "models"]
    statuses = rules_by_name(evaluate(recorded(just_a_bucket)))
    assert statuses["storage-versioning-enabled"]["status"] == "fail"  # the bucket lacks its versioning
    assert statuses["database-tls-enforced"]["status"] == "not-applicable"


def test_a_rule_disabled_by_config_is_listed_as_disabled():
    stack = VARIANTS["database-not-public"](fx.secure_stack())
    verdict = evaluate(recorded(stack), {**CONFIG, "database-not-public": "disabled"})
    entry = rules_by_name(verdict)["database-not-public"]
    assert entry["status"] == "disabled" and entry["level"] == "disabled" and entry["failures"] == []
    assert "database-not-public" not in verdict["rulesEvaluated"]
    assert len(verdict["rules"]) == len(ALL_POLICIES) == len(verdict["rulesEvaluated"]) + 1


def test_an_unknown_value_makes_the_rule_undecided_and_a_known_failure_still_fails():
    unknown_key = change("tracker-store", "kmsKeyId", U)(fx.secure_stack())
    entry = rules_by_name(evaluate(recorded(unknown_key), CONFIG))["database-encrypted-with-customer-key"]
    assert entry["status"] == "undecided" and entry["failures"] == []
    (undecided,) = entry["undecided"]
    assert undecided["enforcement"] == "advisory" and undecided["message"].startswith("cannot decide during preview:")
    also_unencrypted = change("tracker-store", "storageEncrypted", False)(unknown_key)
    entry = rules_by_name(evaluate(recorded(also_unencrypted), CONFIG))["database-encrypted-with-customer-key"]
    assert entry["status"] == "fail" and entry["failures"] and entry["undecided"]


def test_levels_follow_the_config():
    stack = VARIANTS["database-not-public"](fx.secure_stack())
    verdict = evaluate(recorded(stack), {**CONFIG, "all": "advisory"})
    entry = rules_by_name(verdict)["database-not-public"]
    assert entry["level"] == "advisory" and entry["status"] == "fail" and verdict["mandatoryFailures"] == 0
    assert {r["level"] for r in verdict["rules"]} == {"advisory"}
