"""Stack rules that join pulumi-aws v7's separate resources to the resource they configure."""

from __future__ import annotations

import json

import pytest

from . import fixtures as fx
from .helpers import DELETE, U, R, changed, run_stack

ENV_LABEL = ["metadata", "labels", "rasa-platform.io/environment"]

STACK_RULES = [
    "storage-public-access-blocked", "storage-encrypted-with-customer-key", "storage-versioning-enabled",
    "storage-owner-enforced", "storage-tls-only", "database-tls-enforced", "kafka-no-auto-create-topics",
    "cluster-workload-identity", "node-group-imdsv2", "k8s-prod-replicas", "k8s-prod-disruption-budget",
    "rasa-lock-store-shared", "rasa-connection-budget", "rasa-event-broker-tls", "rasa-tracker-store-vault",
    "rasa-service-origins",
]


def with_props(stack: list[R], name: str, props: dict) -> list[R]:
    return [R(r.type, r.name, props, r.deps, r.prop_deps) if r.name == name else r for r in stack]


def without(stack: list[R], *names: str) -> list[R]:
    return [r for r in stack if r.name not in names]


def props_of(stack: list[R], name: str) -> dict:
    return next(r.props for r in stack if r.name == name)


@pytest.mark.parametrize("rule", STACK_RULES)
def test_secure_stack_passes(rule):
    outcome = run_stack(rule, fx.secure_stack())
    assert outcome.ok, (outcome.messages, outcome.undecided)


@pytest.mark.parametrize("rule", STACK_RULES)
def test_empty_stack_passes(rule):
    assert run_stack(rule, []).ok


# -- storage ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule,missing,expected", [
    ("storage-public-access-blocked", "models-pab", "no BucketPublicAccessBlock"),
    ("storage-encrypted-with-customer-key", "models-sse", "no BucketServerSideEncryptionConfiguration"),
    ("storage-versioning-enabled", "models-versioning", "no BucketVersioning"),
    ("storage-owner-enforced", "models-ownership", "no BucketOwnershipControls"),
    ("storage-tls-only", "models-policy", "no BucketPolicy"),
])
def test_bucket_without_its_v7_resource_fails(rule, missing, expected):
    outcome = run_stack(rule, without(fx.secure_stack(), missing))
    assert outcome.has(expected)
    assert outcome.violations[0][1] == fx.R(fx.T_BUCKET, "models", {}).urn  # reported on the bucket


@pytest.mark.parametrize("rule,name,path,value,expected", [
    ("storage-public-access-blocked", "models-pab", "restrictPublicBuckets", False, "restrictPublicBuckets"),
    ("storage-public-access-blocked", "models", "acl", "public-read", "public ACL"),
    ("storage-encrypted-with-customer-key", "models-sse", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
     "AES256", "SSE-KMS"),
    ("storage-encrypted-with-customer-key", "models-sse", "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
     DELETE, "customer KMS key"),
    ("storage-encrypted-with-customer-key", "models-sse", "rules.0.bucketKeyEnabled", False, "bucket key"),
    ("storage-versioning-enabled", "models-versioning", "versioningConfiguration.status", "Suspended", "Enabled"),
    ("storage-owner-enforced", "models-ownership", "rule.objectOwnership", "ObjectWriter", "BucketOwnerEnforced"),
])
def test_insecure_bucket_settings_fail(rule, name, path, value, expected):
    stack = fx.secure_stack()
    outcome = run_stack(rule, with_props(stack, name, changed(props_of(stack, name), path, value)))
    assert outcome.has(expected), outcome.messages


def test_tls_policy_needs_both_denies():
    stack = fx.secure_stack()
    doc = json.loads(fx.tls_policy())
    only_transport = dict(doc, Statement=doc["Statement"][:1])
    outcome = run_stack("storage-tls-only", with_props(stack, "models-policy",
                                                       {"bucket": "models", "policy": json.dumps(only_transport)}))
    assert outcome.has("s3:TlsVersion") and not outcome.has("SecureTransport")
    allow = dict(doc, Statement=[dict(s, Effect="Allow") for s in doc["Statement"]])
    outcome = run_stack("storage-tls-only", with_props(stack, "models-policy", {"bucket": "models", "policy": allow}))
    assert outcome.has("SecureTransport") and outcome.has("s3:TlsVersion")  # a dict document works too


def test_bucket_join_by_name_without_dependencies():
    stack = [R(r.type, r.name, r.props) for r in fx.secure_stack()]  # no dependency information at all
    assert run_stack("storage-versioning-enabled", stack).ok
    other = with_props(stack, "models-versioning", changed(fx.VERSIONING, "bucket", "another-bucket"))
    assert run_stack("storage-versioning-enabled", other).has("no BucketVersioning")


def test_property_dependencies_decide_the_join():
    # The PAB depends on the bucket, but its `bucket` property comes from another bucket.
    stack = fx.secure_stack() + [R(fx.T_BUCKET, "logs", {"tags": fx.PROD})]
    stack = [R(r.type, r.name, r.props, r.deps, {"bucket": ["logs"]}) if r.name == "models-pab" else r for r in stack]
    outcome = run_stack("storage-public-access-blocked", stack)
    assert outcome.has("bucket 'models' has no BucketPublicAccessBlock")
    assert not outcome.has("bucket 'logs'")


def test_unknown_bucket_settings_are_undecided():
    stack = fx.secure_stack()
    outcome = run_stack("storage-tls-only", with_props(stack, "models-policy", {"bucket": U, "policy": U}))
    assert not outcome.violations and "policy document" in outcome.undecided
    outcome = run_stack("storage-encrypted-with-customer-key", with_props(
        stack, "models-sse", changed(fx.SSE, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", U)))
    assert not outcome.violations and outcome.undecided


# -- database TLS -------------------------------------------------------------------------------------

def test_database_tls_fails_without_force_ssl():
    stack = fx.secure_stack()
    group = changed(fx.PARAMETER_GROUP, "parameters", [{"name": "log_connections", "value": "1"}])
    assert run_stack("database-tls-enforced", with_props(stack, "tracker-pg16", group)).has("rds.force_ssl=1")
    group = changed(fx.PARAMETER_GROUP, "parameters", [{"name": "rds.force_ssl", "value": "0"}])
    assert run_stack("database-tls-enforced", with_props(stack, "tracker-pg16", group)).has("got '0'")


def test_database_tls_fails_with_default_or_foreign_parameter_group():
    stack = fx.secure_stack()
    rds = changed(fx.RDS, "parameterGroupName", DELETE)
    assert run_stack("database-tls-enforced", with_props(stack, "tracker-store", rds)).has("default parameter group")
    foreign = [R(r.type, r.name, changed(r.props, "parameterGroupName", "default.postgres16"), (), {})
               if r.name == "tracker-store" else r for r in stack]
    assert run_stack("database-tls-enforced", foreign).has("not part of this stack")


def test_database_tls_unknown_parameter_value_is_undecided():
    stack = with_props(fx.secure_stack(), "tracker-pg16",
                       changed(fx.PARAMETER_GROUP, "parameters", [{"name": "rds.force_ssl", "value": U}]))
    outcome = run_stack("database-tls-enforced", stack)
    assert not outcome.violations and outcome.undecided


def test_database_tls_ignores_non_postgres_engines():
    stack = with_props(fx.secure_stack(), "tracker-store", changed(fx.RDS, "engine", "mysql"))
    stack = without(stack, "tracker-pg16")
    assert run_stack("database-tls-enforced", stack).ok


# -- kafka configuration --------------------------------------------------------------------------------

@pytest.mark.parametrize("properties,expected", [
    ("default.replication.factor=3\n", "auto.create.topics.enable=false"),
    ("auto.create.topics.enable = true\n", "got 'true'"),
    ("auto.create.topics.enable=false\nallow.everyone.if.no.acl.found=true\n", "allow.everyone"),
])
def test_kafka_configuration_fails(properties, expected):
    stack = with_props(fx.secure_stack(), "kafka-config", {"serverProperties": properties})
    assert run_stack("kafka-no-auto-create-topics", stack).has(expected)


def test_kafka_cluster_without_configuration_fails_and_unknown_is_undecided():
    stack = with_props(fx.secure_stack(), "event-queue", changed(fx.MSK, "configurationInfo", DELETE))
    assert run_stack("kafka-no-auto-create-topics", stack).has("no configurationInfo")
    stack = with_props(fx.secure_stack(), "kafka-config", {"serverProperties": U})
    outcome = run_stack("kafka-no-auto-create-topics", stack)
    assert not outcome.violations and outcome.undecided


# -- cluster ---------------------------------------------------------------------------------------

def test_workload_identity_needs_oidc_provider_or_pod_identity():
    stack = without(fx.secure_stack(), "cluster-oidc")
    assert run_stack("cluster-workload-identity", stack).has("neither an IAM OIDC provider")
    addon = R(fx.T_ADDON, "pod-identity", {"addonName": "eks-pod-identity-agent", "clusterName": "rasa"})
    assert run_stack("cluster-workload-identity", stack + [addon]).ok
    unrelated = R(fx.T_OIDC, "other-oidc", fx.OIDC)  # not linked to this cluster
    assert run_stack("cluster-workload-identity", stack + [unrelated]).violations


def test_node_groups_need_a_launch_template_with_imdsv2():
    stack = fx.secure_stack()
    assert run_stack("node-group-imdsv2", with_props(stack, "nodes", changed(fx.NODE_GROUP, "launchTemplate", DELETE))
                     ).has("no launch template")
    lt = changed(fx.LAUNCH_TEMPLATE, "metadataOptions.httpTokens", "optional")
    assert run_stack("node-group-imdsv2", with_props(stack, "nodes-lt", lt)).has("httpTokens")
    lt = changed(fx.LAUNCH_TEMPLATE, "metadataOptions.httpTokens", U)
    outcome = run_stack("node-group-imdsv2", with_props(stack, "nodes-lt", lt))
    assert not outcome.violations and outcome.undecided


# -- prod availability of Deployments -------------------------------------------------------------

def test_prod_replicas():
    stack = fx.secure_stack()
    hpa = changed(fx.HPA, "spec.minReplicas", 1)
    assert run_stack("k8s-prod-replicas", with_props(stack, "rasa-hpa", hpa)).has("minReplicas >= 2")
    no_hpa = without(stack, "rasa-hpa")
    assert run_stack("k8s-prod-replicas", no_hpa).ok  # replicas: 2
    single = with_props(no_hpa, "rasa", fx.rasa_deployment(replicas=1))
    assert run_stack("k8s-prod-replicas", single).has("at least 2 replicas")
    dev = with_props(no_hpa, "rasa", fx.rasa_deployment(environment="dev", replicas=1))
    assert run_stack("k8s-prod-replicas", dev).ok
    assert run_stack("k8s-prod-replicas", with_props(stack, "rasa-hpa", changed(fx.HPA, "spec.minReplicas", U))).undecided


def test_hpa_matches_by_dependency_when_names_are_unknown():
    stack = fx.secure_stack()
    stack = with_props(stack, "rasa-hpa", changed(changed(fx.HPA, "spec.scaleTargetRef.name", U), "spec.minReplicas", 1))
    assert run_stack("k8s-prod-replicas", stack).has("minReplicas")


def test_prod_disruption_budget():
    stack = fx.secure_stack()
    assert run_stack("k8s-prod-disruption-budget", without(stack, "rasa-pdb")).has("no PodDisruptionBudget")
    other = changed(fx.PDB, "spec.selector.matchLabels", {"app.kubernetes.io/name": "vault"})
    assert run_stack("k8s-prod-disruption-budget", with_props(stack, "rasa-pdb", other)).has("no PodDisruptionBudget")
    elsewhere = changed(fx.PDB, "metadata.namespace", "other")
    assert run_stack("k8s-prod-disruption-budget", with_props(stack, "rasa-pdb", elsewhere)).violations
    useless = changed(fx.PDB, "spec.maxUnavailable", "100%")
    assert run_stack("k8s-prod-disruption-budget", with_props(stack, "rasa-pdb", useless)).has("keep pods available")
    assert run_stack("k8s-prod-disruption-budget", with_props(stack, "rasa-pdb",
                                                              changed(changed(fx.PDB, "spec.maxUnavailable", DELETE),
                                                                      "spec.minAvailable", 1))).ok
    unknown = changed(fx.PDB, "spec.selector.matchLabels", U)
    outcome = run_stack("k8s-prod-disruption-budget", with_props(stack, "rasa-pdb", unknown))
    assert not outcome.violations and outcome.undecided
    dev = with_props(without(stack, "rasa-pdb"), "rasa", fx.rasa_deployment(environment="dev"))
    assert run_stack("k8s-prod-disruption-budget", dev).ok


def test_environment_label_unknown_is_undecided():
    deployment = changed(fx.rasa_deployment(), ENV_LABEL, U)
    outcome = run_stack("k8s-prod-disruption-budget", with_props(without(fx.secure_stack(), "rasa-pdb"), "rasa", deployment))
    assert not outcome.violations and outcome.undecided


def test_environment_from_policy_config_for_unlabelled_deployment():
    deployment = changed(fx.rasa_deployment(), ENV_LABEL, DELETE)
    stack = with_props(without(fx.secure_stack(), "rasa-pdb"), "rasa", deployment)
    assert run_stack("k8s-prod-disruption-budget", stack).ok
    assert run_stack("k8s-prod-disruption-budget", stack, config={"environment": "prod"}).violations
