"""Every GCP check: the program's secure props pass, each insecure change fails with its message."""

from __future__ import annotations

import pytest

from policies.confluent import types as cf
from policies.gcp import types as t
from tests.policies.helpers import DELETE, R, changed, run_resource, run_stack

PROD = {"rasa-platform-environment": "prod"}
REDIS = {"tier": "STANDARD_HA", "replicaCount": 1, "authEnabled": True, "transitEncryptionMode": "SERVER_AUTHENTICATION",
         "customerManagedKey": "projects/p/locations/r/keyRings/k/cryptoKeys/lock-store",
         "persistenceConfig": {"persistenceMode": "RDB"}, "labels": PROD}
SQL = {"encryptionKeyName": "projects/p/locations/r/keyRings/k/cryptoKeys/tracker-store", "settings": {
    "ipConfiguration": {"ipv4Enabled": False, "privateNetwork": "projects/p/global/networks/v", "sslMode": "ENCRYPTED_ONLY"},
    "backupConfiguration": {"enabled": True, "pointInTimeRecoveryEnabled": True,
                            "backupRetentionSettings": {"retainedBackups": 14, "retentionUnit": "COUNT"}},
    "availabilityType": "REGIONAL", "deletionProtectionEnabled": True, "finalBackupConfig": {"enabled": True},
    "insightsConfig": {"queryInsightsEnabled": True}, "userLabels": PROD}}
KAFKA = {"gcpConfig": {"kmsKey": "projects/p/locations/r/keyRings/k/cryptoKeys/event-queue",
                       "accessConfig": {"networkConfigs": [{"subnet": "projects/p/regions/r/subnetworks/s"}]}}, "labels": PROD}
GKE = {"privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True},
       "masterAuthorizedNetworksConfig": {"cidrBlocks": [], "gcpPublicCidrsAccessEnabled": False},
       "databaseEncryption": {"state": "ENCRYPTED", "keyName": "projects/p/locations/r/keyRings/k/cryptoKeys/gke-secrets"},
       "loggingConfig": {"enableComponents": ["SYSTEM_COMPONENTS", "APISERVER"]},
       "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"}, "resourceLabels": PROD}
POOL = {"nodeConfig": {"workloadMetadataConfig": {"mode": "GKE_METADATA"}, "resourceLabels": PROD}}
KEY = {"rotationPeriod": "7776000s", "labels": PROD}
CONFLUENT = {"availability": "MULTI_ZONE"}

RESOURCE_CASES = [
    ("cache-transit-encryption", t.REDIS, REDIS, "transitEncryptionMode", "DISABLED", "SERVER_AUTHENTICATION"),
    ("cache-encrypted-with-customer-key", t.REDIS, REDIS, "customerManagedKey", DELETE, "customerManagedKey"),
    ("cache-auth-required", t.REDIS, REDIS, "authEnabled", False, "no authentication"),
    ("cache-multi-az-in-prod", t.REDIS, REDIS, "tier", "BASIC", "STANDARD_HA"),
    ("cache-snapshots-in-prod", t.REDIS, REDIS, "persistenceConfig.persistenceMode", "DISABLED", "RDB"),
    ("database-encrypted-with-customer-key", t.SQL_INSTANCE, SQL, "encryptionKeyName", DELETE, "CMEK"),
    ("database-not-public", t.SQL_INSTANCE, SQL, "settings.ipConfiguration.ipv4Enabled", True, "no public IP"),
    ("database-backup-retention", t.SQL_INSTANCE, SQL, "settings.backupConfiguration.backupRetentionSettings.retainedBackups", 7, ">= 14"),
    ("database-backup-retention", t.SQL_INSTANCE, SQL, "settings.backupConfiguration.pointInTimeRecoveryEnabled", False, "point-in-time"),
    ("database-multi-az-in-prod", t.SQL_INSTANCE, SQL, "settings.availabilityType", "ZONAL", "REGIONAL"),
    ("database-deletion-protection-in-prod", t.SQL_INSTANCE, SQL, "settings.deletionProtectionEnabled", False, "deletionProtectionEnabled"),
    ("database-final-snapshot-in-prod", t.SQL_INSTANCE, SQL, "settings.finalBackupConfig.enabled", False, "final backup"),
    ("database-monitoring", t.SQL_INSTANCE, SQL, "settings.insightsConfig.queryInsightsEnabled", False, "queryInsights"),
    ("kafka-encrypted-with-customer-key", t.KAFKA_CLUSTER, KAFKA, "gcpConfig.kmsKey", DELETE, "kmsKey"),
    ("kafka-no-public-access", t.KAFKA_CLUSTER, KAFKA, "gcpConfig.accessConfig.publicClusterConfig", {"enabled": True}, "public"),
    ("kafka-multi-az-in-prod", cf.KAFKA_CLUSTER, CONFLUENT, "availability", "SINGLE_ZONE", "MULTI_ZONE"),
    ("cluster-private-endpoint", t.GKE_CLUSTER, GKE, "privateClusterConfig.enablePrivateNodes", False, "enablePrivateNodes"),
    ("cluster-private-endpoint", t.GKE_CLUSTER, GKE, "masterAuthorizedNetworksConfig.cidrBlocks", [{"cidrBlock": "0.0.0.0/0"}], "0.0.0.0/0"),
    ("cluster-private-endpoint", t.GKE_CLUSTER, GKE, "masterAuthorizedNetworksConfig", DELETE, "must be set"),
    ("cluster-secrets-encryption", t.GKE_CLUSTER, GKE, "databaseEncryption.state", "DECRYPTED", "ENCRYPTED"),
    ("cluster-secrets-encryption", t.GKE_CLUSTER, GKE, "databaseEncryption.keyName", DELETE, "keyName"),
    ("cluster-audit-logs", t.GKE_CLUSTER, GKE, "loggingConfig.enableComponents", ["SYSTEM_COMPONENTS"], "APISERVER"),
    ("node-metadata-imdsv2", t.GKE_NODE_POOL, POOL, "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA", "GKE_METADATA"),
    ("kms-key-rotation", t.CRYPTO_KEY, KEY, "rotationPeriod", DELETE, "rotationPeriod"),
    ("kms-key-rotation", t.CRYPTO_KEY, KEY, "rotationPeriod", "63072000s", "at most a year"),
]


@pytest.mark.parametrize("rule, type_, props, path, value, expected", RESOURCE_CASES)
def test_a_resource_check_passes_the_secure_props_and_fails_the_change(rule, type_, props, path, value, expected):
    config = {"environment": "prod"} if type_ == cf.KAFKA_CLUSTER else None
    assert run_resource(rule, type_, props, config).ok, rule
    outcome = run_resource(rule, type_, changed(props, path, value), config)
    assert outcome.has(expected), outcome.messages


BUCKET = {"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": True, "versioning": {"enabled": True},
          "encryption": {"defaultKmsKeyName": "projects/p/locations/r/keyRings/k/cryptoKeys/models"}, "labels": PROD}
STACK_CASES = [
    ("storage-public-access-blocked", t.BUCKET, BUCKET, "publicAccessPrevention", "inherited", "enforced"),
    ("storage-owner-enforced", t.BUCKET, BUCKET, "uniformBucketLevelAccess", False, "uniformBucketLevelAccess"),
    ("storage-encrypted-with-customer-key", t.BUCKET, BUCKET, "encryption", DELETE, "defaultKmsKeyName"),
    ("storage-versioning-enabled", t.BUCKET, BUCKET, "versioning.enabled", False, "versioning"),
    ("database-tls-enforced", t.SQL_INSTANCE, SQL, "settings.ipConfiguration.sslMode", "ALLOW_UNENCRYPTED_AND_ENCRYPTED", "TLS"),
    ("cluster-workload-identity", t.GKE_CLUSTER, GKE, "workloadIdentityConfig", DELETE, "Workload Identity"),
]


@pytest.mark.parametrize("rule, type_, props, path, value, expected", STACK_CASES)
def test_a_stack_check_passes_the_secure_props_and_fails_the_change(rule, type_, props, path, value, expected):
    assert run_stack(rule, [R(type_, "r", props)]).ok, rule
    outcome = run_stack(rule, [R(type_, "r", changed(props, path, value))])
    assert outcome.has(expected), outcome.messages


def test_governance_reads_zonal_locations_and_gcp_label_paths():
    allowed = {"allowedRegions": ["europe-west3"]}
    assert run_resource("allowed-regions", t.GKE_CLUSTER, {"location": "europe-west3-a"}, allowed).ok
    assert run_resource("allowed-regions", t.REDIS, {"region": "us-central1"}, allowed).has("us-central1")
    required = {"requiredTags": ["team"]}
    assert run_resource("required-tags", t.SQL_INSTANCE, {"settings": {"userLabels": {"team": "x"}}}, required).ok
    assert run_resource("required-tags", t.BUCKET, {"labels": {}}, required).has("team")

