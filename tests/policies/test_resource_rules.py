"""Every resource rule: the secure props pass, each insecure change fails, unknowns defer."""

from __future__ import annotations

import pytest

from . import fixtures as fx
from .helpers import DELETE, U, changed, run_resource

DEV_TAGS = {"tags": fx.DEV}

# rule, type, secure props, path to change, insecure value, expected text in the violation
FAILING = [
    ("cache-transit-encryption", fx.T_REDIS, fx.REDIS, "transitEncryptionEnabled", False, "transitEncryptionEnabled"),
    ("cache-transit-encryption", fx.T_REDIS, fx.REDIS, "transitEncryptionMode", "preferred", "required"),
    ("cache-encrypted-with-customer-key", fx.T_REDIS, fx.REDIS, "atRestEncryptionEnabled", DELETE, "atRestEncryption"),
    ("cache-encrypted-with-customer-key", fx.T_REDIS, fx.REDIS, "kmsKeyId", DELETE, "kmsKeyId"),
    ("cache-auth-required", fx.T_REDIS, fx.REDIS, "authToken", DELETE, "no authentication"),
    ("cache-multi-az-in-prod", fx.T_REDIS, fx.REDIS, "multiAzEnabled", False, "multiAzEnabled"),
    ("cache-multi-az-in-prod", fx.T_REDIS, fx.REDIS, "automaticFailoverEnabled", DELETE, "automaticFailover"),
    ("cache-multi-az-in-prod", fx.T_REDIS, fx.REDIS, "numCacheClusters", 1, "at least 2 nodes"),
    ("cache-snapshots-in-prod", fx.T_REDIS, fx.REDIS, "snapshotRetentionLimit", 0, "snapshotRetentionLimit"),
    ("database-encrypted-with-customer-key", fx.T_RDS, fx.RDS, "storageEncrypted", False, "storageEncrypted"),
    ("database-encrypted-with-customer-key", fx.T_RDS, fx.RDS, "kmsKeyId", "", "kmsKeyId"),
    ("database-not-public", fx.T_RDS, fx.RDS, "publiclyAccessible", True, "publiclyAccessible"),
    ("database-backup-retention", fx.T_RDS, fx.RDS, "backupRetentionPeriod", 7, ">= 14"),
    ("database-backup-retention", fx.T_RDS, fx.RDS, "backupRetentionPeriod", DELETE, "API default"),
    ("database-multi-az-in-prod", fx.T_RDS, fx.RDS, "multiAz", False, "multiAz"),
    ("database-deletion-protection-in-prod", fx.T_RDS, fx.RDS, "deletionProtection", DELETE, "deletionProtection"),
    ("database-final-snapshot-in-prod", fx.T_RDS, fx.RDS, "skipFinalSnapshot", True, "skipFinalSnapshot"),
    ("database-final-snapshot-in-prod", fx.T_RDS, fx.RDS, "finalSnapshotIdentifier", DELETE, "finalSnapshotIdentifier"),
    ("database-monitoring", fx.T_RDS, fx.RDS, "performanceInsightsEnabled", False, "performanceInsights"),
    ("database-monitoring", fx.T_RDS, fx.RDS, "enabledCloudwatchLogsExports", ["upgrade"], "postgresql"),
    ("kafka-tls-in-transit", fx.T_MSK, fx.MSK, "encryptionInfo.encryptionInTransit.clientBroker", "TLS_PLAINTEXT", "TLS"),
    ("kafka-tls-in-transit", fx.T_MSK, fx.MSK, "encryptionInfo.encryptionInTransit.inCluster", False, "inCluster"),
    ("kafka-encrypted-with-customer-key", fx.T_MSK, fx.MSK, "encryptionInfo.encryptionAtRestKmsKeyArn", DELETE, "KMS"),
    ("kafka-client-authentication", fx.T_MSK, fx.MSK, "clientAuthentication", DELETE, "unauthenticated clients"),
    ("kafka-client-authentication", fx.T_MSK, fx.MSK, "clientAuthentication.unauthenticated", True, "unauthenticated"),
    ("kafka-client-authentication", fx.T_MSK, fx.MSK, "clientAuthentication.sasl.scram", False, "SASL/SCRAM"),
    ("kafka-no-public-access", fx.T_MSK, fx.MSK, "brokerNodeGroupInfo.connectivityInfo.publicAccess.type",
     "SERVICE_PROVIDED_EIPS", "DISABLED"),
    ("kafka-multi-az-in-prod", fx.T_MSK, fx.MSK, "numberOfBrokerNodes", 2, "3 brokers"),
    ("kafka-multi-az-in-prod", fx.T_MSK, fx.MSK, "brokerNodeGroupInfo.clientSubnets", ["subnet-a"], "2 zones"),
    ("kafka-broker-logs", fx.T_MSK, fx.MSK, "loggingInfo.brokerLogs.cloudwatchLogs.enabled", False, "broker logs"),
    ("cluster-private-endpoint", fx.T_EKS, fx.EKS, "vpcConfig.endpointPrivateAccess", False, "endpointPrivateAccess"),
    ("cluster-private-endpoint", fx.T_EKS, fx.EKS, "vpcConfig.endpointPublicAccess", DELETE, "0.0.0.0/0"),
    ("cluster-private-endpoint", fx.T_EKS, changed(changed(fx.EKS, "vpcConfig.endpointPublicAccess", True),
                                                   "vpcConfig.publicAccessCidrs", ["203.0.113.0/24"]),
     "vpcConfig.publicAccessCidrs", ["10.0.0.0/8", "0.0.0.0/0"], "listed CIDRs"),
    ("cluster-secrets-encryption", fx.T_EKS, fx.EKS, "encryptionConfig", DELETE, "envelope-encrypted"),
    ("cluster-secrets-encryption", fx.T_EKS, fx.EKS, "encryptionConfig.resources", [], "'secrets'"),
    ("cluster-secrets-encryption", fx.T_EKS, fx.EKS, "encryptionConfig.provider.keyArn", DELETE, "keyArn"),
    ("cluster-audit-logs", fx.T_EKS, fx.EKS, "enabledClusterLogTypes", ["api"], "audit, authenticator"),
    ("cluster-access-entries", fx.T_EKS, fx.EKS, "accessConfig.authenticationMode", "API_AND_CONFIG_MAP", "API"),
    ("node-metadata-imdsv2", fx.T_LT, fx.LAUNCH_TEMPLATE, "metadataOptions.httpTokens", "optional", "httpTokens"),
    ("node-metadata-imdsv2", fx.T_LT, fx.LAUNCH_TEMPLATE, "metadataOptions", DELETE, "httpTokens"),
    ("node-metadata-imdsv2", fx.T_LT, fx.LAUNCH_TEMPLATE, "metadataOptions.httpPutResponseHopLimit", 3, "HopLimit"),
    ("kms-key-rotation", fx.T_KMS, fx.KMS_KEY, "enableKeyRotation", DELETE, "enableKeyRotation"),
]

# rule, type, secure props, path that becomes unknown
UNKNOWN_CASES = [
    ("cache-transit-encryption", fx.T_REDIS, fx.REDIS, "transitEncryptionEnabled"),
    ("cache-encrypted-with-customer-key", fx.T_REDIS, fx.REDIS, "kmsKeyId"),
    ("cache-auth-required", fx.T_REDIS, changed(fx.REDIS, "authToken", DELETE), "userGroupIds"),
    ("cache-multi-az-in-prod", fx.T_REDIS, fx.REDIS, "tags"),
    ("cache-snapshots-in-prod", fx.T_REDIS, fx.REDIS, "snapshotRetentionLimit"),
    ("database-encrypted-with-customer-key", fx.T_RDS, fx.RDS, "kmsKeyId"),
    ("database-not-public", fx.T_RDS, fx.RDS, "publiclyAccessible"),
    ("database-backup-retention", fx.T_RDS, fx.RDS, "backupRetentionPeriod"),
    ("database-multi-az-in-prod", fx.T_RDS, fx.RDS, "multiAz"),
    ("database-deletion-protection-in-prod", fx.T_RDS, fx.RDS, "tags.rasa-platform:environment"),
    ("database-final-snapshot-in-prod", fx.T_RDS, fx.RDS, "finalSnapshotIdentifier"),
    ("database-monitoring", fx.T_RDS, fx.RDS, "enabledCloudwatchLogsExports"),
    ("kafka-tls-in-transit", fx.T_MSK, fx.MSK, "encryptionInfo"),
    ("kafka-encrypted-with-customer-key", fx.T_MSK, fx.MSK, "encryptionInfo.encryptionAtRestKmsKeyArn"),
    ("kafka-client-authentication", fx.T_MSK, fx.MSK, "clientAuthentication.sasl"),
    ("kafka-no-public-access", fx.T_MSK, fx.MSK, "brokerNodeGroupInfo.connectivityInfo"),
    ("kafka-multi-az-in-prod", fx.T_MSK, fx.MSK, "brokerNodeGroupInfo.clientSubnets"),
    ("kafka-broker-logs", fx.T_MSK, fx.MSK, "loggingInfo"),
    ("cluster-private-endpoint", fx.T_EKS, fx.EKS, "vpcConfig.endpointPublicAccess"),
    ("cluster-secrets-encryption", fx.T_EKS, fx.EKS, "encryptionConfig.provider.keyArn"),
    ("cluster-audit-logs", fx.T_EKS, fx.EKS, "enabledClusterLogTypes"),
    ("cluster-access-entries", fx.T_EKS, fx.EKS, "accessConfig"),
    ("node-metadata-imdsv2", fx.T_LT, fx.LAUNCH_TEMPLATE, "metadataOptions.httpTokens"),
    ("kms-key-rotation", fx.T_KMS, fx.KMS_KEY, "enableKeyRotation"),
]

PASSING = sorted({(rule, type_, id(props)): (rule, type_, props) for rule, type_, props, *_ in FAILING}.values(),
                 key=lambda c: c[0])


@pytest.mark.parametrize("rule,type_,props", PASSING, ids=[c[0] for c in PASSING])
def test_secure_props_pass(rule, type_, props):
    assert run_resource(rule, type_, props).ok


@pytest.mark.parametrize("rule,type_,props,path,value,expected", FAILING,
                         ids=[f"{c[0]}:{c[3]}" for c in FAILING])
def test_insecure_props_fail(rule, type_, props, path, value, expected):
    outcome = run_resource(rule, type_, changed(props, path, value))
    assert outcome.violations, f"{rule} did not fire for {path}={value!r}"
    assert outcome.has(expected), outcome.messages


@pytest.mark.parametrize("rule,type_,props,path", UNKNOWN_CASES, ids=[f"{c[0]}:{c[3]}" for c in UNKNOWN_CASES])
def test_unknown_value_is_undecided_not_a_violation(rule, type_, props, path):
    outcome = run_resource(rule, type_, changed(props, path, U))
    assert outcome.violations == []
    assert outcome.undecided and outcome.undecided.startswith("unknown until the update runs")


def test_unknown_does_not_hide_a_known_violation():
    props = changed(changed(fx.REDIS, "kmsKeyId", U), "atRestEncryptionEnabled", False)
    outcome = run_resource("cache-encrypted-with-customer-key", fx.T_REDIS, props)
    assert outcome.has("atRestEncryptionEnabled must be true")
    assert "kmsKeyId" in outcome.undecided


def test_rules_ignore_other_types():
    assert run_resource("database-not-public", fx.T_REDIS, {"publiclyAccessible": True}).ok


@pytest.mark.parametrize("rule,type_,props", [
    ("cache-multi-az-in-prod", fx.T_REDIS, changed(changed(fx.REDIS, "tags", fx.DEV), "multiAzEnabled", False)),
    ("database-multi-az-in-prod", fx.T_RDS, changed(changed(fx.RDS, "tags", fx.DEV), "multiAz", False)),
    ("database-deletion-protection-in-prod", fx.T_RDS, changed(changed(fx.RDS, "tags", fx.DEV), "deletionProtection", False)),
    ("database-final-snapshot-in-prod", fx.T_RDS, changed(changed(fx.RDS, "tags", fx.DEV), "skipFinalSnapshot", True)),
    ("kafka-multi-az-in-prod", fx.T_MSK, changed(changed(fx.MSK, "tags", fx.DEV), "numberOfBrokerNodes", 2)),
    ("cache-snapshots-in-prod", fx.T_REDIS, changed(changed(fx.REDIS, "tags", fx.DEV), "snapshotRetentionLimit", 0)),
])
def test_prod_only_rules_skip_dev(rule, type_, props):
    assert run_resource(rule, type_, props).ok


def test_environment_falls_back_to_policy_config_then_stack_tags():
    untagged = changed(changed(fx.RDS, "tags", {}), "multiAz", False)
    assert run_resource("database-multi-az-in-prod", fx.T_RDS, untagged).ok  # nobody says prod
    assert run_resource("database-multi-az-in-prod", fx.T_RDS, untagged, config={"environment": "prod"}).violations
    assert run_resource("database-multi-az-in-prod", fx.T_RDS, untagged, stack_tags={"environment": "prod"}).violations
    # The resource's own tag wins over the config.
    dev = changed(fx.RDS, "tags", fx.DEV)
    assert run_resource("database-multi-az-in-prod", fx.T_RDS, changed(dev, "multiAz", False),
                        config={"environment": "prod"}).ok


def test_backup_thresholds_come_from_config():
    dev = changed(changed(fx.RDS, "tags", fx.DEV), "backupRetentionPeriod", 7)
    assert run_resource("database-backup-retention", fx.T_RDS, dev).ok
    assert run_resource("database-backup-retention", fx.T_RDS, dev, config={"minBackupDays": 10.0}).has(">= 10")
    prod = changed(fx.RDS, "backupRetentionPeriod", 20)
    assert run_resource("database-backup-retention", fx.T_RDS, prod, config={"minBackupDaysProd": 21}).has(">= 21")


def test_backup_retention_with_unknown_environment():
    props = changed(fx.RDS, "tags", {"rasa-platform:environment": U})
    # Below even the dev minimum: a violation whatever the environment.
    assert run_resource("database-backup-retention", fx.T_RDS, changed(props, "backupRetentionPeriod", 3)).has(">= 7")
    # Between the two minimums: undecided.
    outcome = run_resource("database-backup-retention", fx.T_RDS, changed(props, "backupRetentionPeriod", 10))
    assert not outcome.violations and "environment" in outcome.undecided
    assert run_resource("database-backup-retention", fx.T_RDS, changed(props, "backupRetentionPeriod", 30)).ok


def test_cache_auth_accepts_rbac_users():
    props = changed(changed(fx.REDIS, "authToken", DELETE), "userGroupIds", ["rasa-users"])
    assert run_resource("cache-auth-required", fx.T_REDIS, props).ok


def test_kafka_accepts_iam_and_default_tls():
    props = changed(fx.MSK, "clientAuthentication.sasl", {"iam": True})
    assert run_resource("kafka-client-authentication", fx.T_MSK, props).ok
    assert run_resource("kafka-tls-in-transit", fx.T_MSK, changed(fx.MSK, "encryptionInfo.encryptionInTransit", DELETE)).ok


def test_cluster_public_endpoint_with_listed_cidrs_passes():
    props = changed(changed(fx.EKS, "vpcConfig.endpointPublicAccess", True), "vpcConfig.publicAccessCidrs",
                    ["203.0.113.0/24"])
    assert run_resource("cluster-private-endpoint", fx.T_EKS, props).ok


def test_imds_disabled_passes_and_asymmetric_keys_need_no_rotation():
    assert run_resource("node-metadata-imdsv2", fx.T_LT, {"metadataOptions": {"httpEndpoint": "disabled"}}).ok
    assert run_resource("kms-key-rotation", fx.T_KMS, {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}).ok


def test_database_monitoring_is_advisory_and_backups_mandatory():
    from policies.pack import ALL_POLICIES
    levels = {p.name: p.enforcement_level.value for p in ALL_POLICIES}
    assert levels["database-monitoring"] == "advisory"
    assert levels["database-backup-retention"] == "mandatory"


# -- kafka-admin-scoped-to-cluster: the IAM policy is one JSON string, so cases build it whole ------

ADMIN = "kafka-admin-scoped-to-cluster"


@pytest.mark.parametrize("policy, expected", [
    (fx.kafka_admin_policy("*"), "on '*'"),
    (fx.kafka_admin_policy("arn:aws:kafka:eu-central-1:111122223333:cluster/*"), "never a wildcard"),
    (fx.kafka_admin_policy("arn:aws:kafka:*:111122223333:cluster/rasa-prod-events/0b1c"), "never a wildcard"),
    (fx.kafka_admin_policy([fx.MSK_CLUSTER_ARN, "*"]), "on '*'"),
    (fx.kafka_admin_policy(Action="kafka-cluster:*"), None),  # same cluster ARN: passes, see below
    (fx.kafka_admin_policy("*", Action="kafka-cluster:Alter*"), "kafka-cluster:Alter*"),
    (fx.kafka_admin_policy("*", Action="*"), "on '*'"),
    (fx.kafka_admin_policy("*", Action="kafka-cluster:AlterClusterDynamicConfiguration"), "on '*'"),
])
def test_administering_every_cluster_is_refused(policy, expected):
    outcome = run_resource(ADMIN, fx.T_ROLE_POLICY, policy)
    if expected is None:
        assert outcome.ok, outcome.messages
    else:
        assert outcome.violations and outcome.has(expected), outcome.messages


def test_allow_with_not_action_or_not_resource_is_refused():
    import json

    def statement(**fields):
        return {"policy": json.dumps({"Statement": [{"Sid": "Broad", "Effect": "Allow", **fields}]})}

    assert run_resource(ADMIN, fx.T_ROLE_POLICY, statement(NotAction="s3:*", Resource="*")).has("NotAction")
    assert run_resource(ADMIN, fx.T_ROLE_POLICY, statement(Action="kafka-cluster:AlterCluster",
                                                              NotResource=fx.MSK_CLUSTER_ARN)).has("NotResource")


def test_producers_and_other_roles_are_not_administrators():
    # Rasa's IAM producer (Connect, DescribeCluster, WriteDataIdempotently on the cluster, writes on
    # the topic) and a Deny of everything are no grant of administration.
    import json

    producer = {"policy": json.dumps({"Statement": [
        {"Effect": "Allow", "Action": ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["kafka-cluster:WriteData"], "Resource": "arn:aws:kafka:eu-central-1:1:topic/*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]})}
    assert run_resource(ADMIN, fx.T_ROLE_POLICY, producer).ok
    assert run_resource(ADMIN, fx.T_ROLE_POLICY, fx.kafka_admin_policy()).ok


def test_an_unknown_policy_or_resource_is_undecided():
    assert run_resource(ADMIN, fx.T_ROLE_POLICY, {"policy": U}).undecided
    outcome = run_resource(ADMIN, fx.T_ROLE_POLICY, fx.kafka_admin_policy())
    assert outcome.ok and not outcome.undecided
