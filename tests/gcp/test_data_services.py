"""GCS, Memorystore, Cloud SQL: private, TLS, AUTH, CMEK with grants to the right service agents,
HA and protection by preset."""

from __future__ import annotations

import pytest


def agent_member(service: str) -> str:
    agents = {"redis": "cloud-redis", "sql": "gcp-sa-cloud-sql", "kafka": "gcp-sa-managedkafka", "gke": "container-engine-robot"}
    return f"serviceAccount:service-123456789012@{agents[service]}.iam.gserviceaccount.com"


def test_the_bucket_is_private_uniform_versioned_soft_deleting_and_encrypted_with_its_key(gcp_prod):
    bucket = gcp_prod.one("gcp:storage/bucket:Bucket")
    i = bucket.inputs
    assert i["publicAccessPrevention"] == "enforced" and i["uniformBucketLevelAccess"] is True
    assert i["versioning"] == {"enabled": True}
    assert i["encryption"]["defaultKmsKeyName"] == gcp_prod.key_id("models")
    assert i["softDeletePolicy"]["retentionDurationSeconds"] == 30 * 86400
    delete = next(r for r in i["lifecycleRules"] if r["action"]["type"] == "Delete")
    assert delete["condition"] == {"daysSinceNoncurrentTime": 90, "withState": "ARCHIVED"}
    assert i["forceDestroy"] is False and bucket.protect is True
    # Only the storage service agent may use the models key.
    assert [g.inputs["member"] for g in gcp_prod.grants_on("models")] == [
        "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com"]


def test_memorystore_prod_is_standard_ha_with_auth_tls_cmek_rdb_and_private_service_access(gcp_prod):
    redis = gcp_prod.one("gcp:redis/instance:Instance")
    i = redis.inputs
    assert i["tier"] == "STANDARD_HA" and i["replicaCount"] == 1
    assert i["authEnabled"] is True and i["transitEncryptionMode"] == "SERVER_AUTHENTICATION"
    assert i["connectMode"] == "PRIVATE_SERVICE_ACCESS" and i["reservedIpRange"] == "rasa-gcp-test-private-services"
    assert i["customerManagedKey"] == gcp_prod.key_id("lock-store")
    assert i["persistenceConfig"] == {"persistenceMode": "RDB", "rdbSnapshotPeriod": "TWELVE_HOURS"}
    assert i["redisConfigs"] == {"maxmemory-policy": "noeviction"} and i["redisVersion"] == "REDIS_7_2"
    assert i["deletionProtection"] is True and redis.protect is True
    assert [g.inputs["member"] for g in gcp_prod.grants_on("lock-store")] == [agent_member("redis")]
    connection = gcp_prod.resolved["lock_store"]
    assert connection.port == 6378 and connection.use_ssl is True and connection.username == "default"
    assert connection.password.startswith("mock-auth-") and "-----BEGIN CERTIFICATE-----" in connection.ca_cert_pem
    assert connection.network.cidrs == ["10.40.160.0/20"]


def test_memorystore_dev_is_basic_without_persistence_or_protection(gcp_dev):
    redis = gcp_dev.one("gcp:redis/instance:Instance")
    assert redis.inputs["tier"] == "BASIC" and "replicaCount" not in redis.inputs
    assert redis.inputs["persistenceConfig"] == {"persistenceMode": "DISABLED"}
    assert redis.inputs["deletionProtection"] is False and redis.protect is False


def test_cloud_sql_prod_is_private_tls_only_regional_protected_with_pitr_and_cmek(gcp_prod):
    sql = gcp_prod.one("gcp:sql/databaseInstance:DatabaseInstance")
    i, s = sql.inputs, sql.inputs["settings"]
    assert s["ipConfiguration"]["ipv4Enabled"] is False and s["ipConfiguration"]["sslMode"] == "ENCRYPTED_ONLY"
    assert s["ipConfiguration"]["privateNetwork"].endswith("/networks/rasa-gcp-test-vpc")
    assert s["availabilityType"] == "REGIONAL" and s["deletionProtectionEnabled"] is True and i["deletionProtection"] is True
    assert s["backupConfiguration"]["pointInTimeRecoveryEnabled"] is True
    assert s["backupConfiguration"]["backupRetentionSettings"] == {"retainedBackups": 14, "retentionUnit": "COUNT"}
    assert s["backupConfiguration"]["transactionLogRetentionDays"] == 7
    assert s["finalBackupConfig"]["enabled"] is True
    assert i["encryptionKeyName"] == gcp_prod.key_id("tracker-store") and i["databaseVersion"] == "POSTGRES_16"
    assert {"name": "max_connections", "value": "500"} in s["databaseFlags"]  # db-custom-4-16384: 16 GiB
    assert sql.protect is True
    assert [g.inputs["member"] for g in gcp_prod.grants_on("tracker-store")] == [agent_member("sql")]
    connection = gcp_prod.resolved["tracker_store"]
    assert connection.max_connections == 500 == gcp_prod.plan.cloud_plan.tracker_store_max_connections
    assert connection.ssl_mode == "verify-ca" and "-----BEGIN CERTIFICATE-----" in connection.ca_cert_pem
    user = gcp_prod.one("gcp:sql/user:User", "tracker-store-user")
    assert user.inputs["name"] == "rasa" and "password" in user.secret_paths
    assert connection.password == user.inputs["password"]
    assert gcp_prod.secret_outputs["trackerStoreAppPassword"] is True


def test_cloud_sql_dev_is_zonal_and_deletable(gcp_dev):
    sql = gcp_dev.one("gcp:sql/databaseInstance:DatabaseInstance")
    assert sql.inputs["settings"]["availabilityType"] == "ZONAL"
    assert sql.inputs["settings"]["deletionProtectionEnabled"] is False and sql.inputs["deletionProtection"] is False
    assert sql.protect is False


def test_data_services_wait_for_the_private_service_access_connection(gcp_prod):
    connection = gcp_prod.one("gcp:servicenetworking/connection:Connection")
    for type_ in ("gcp:sql/databaseInstance:DatabaseInstance", "gcp:redis/instance:Instance"):
        assert connection.urn in gcp_prod.one(type_).dependencies, type_


@pytest.mark.parametrize("purpose", ["models", "lock-store", "tracker-store", "event-queue", "gke-secrets", "vault-seal"])
def test_every_key_rotates_and_is_protected_in_prod(gcp_prod, purpose):
    key = next(k for k in gcp_prod.of_type("gcp:kms/cryptoKey:CryptoKey") if k.inputs["name"] == purpose)
    assert key.inputs["rotationPeriod"] == "7776000s" and key.protect is True


def test_names_gcp_keeps_after_deletion_get_a_random_suffix(gcp_prod):
    """A destroyed and re-created stack must not collide with its own key ring, SQL instance or role."""
    import re
    names = [gcp_prod.one("gcp:kms/keyRing:KeyRing").inputs["name"],
             gcp_prod.one("gcp:sql/databaseInstance:DatabaseInstance").inputs["name"],
             gcp_prod.one("gcp:storage/bucket:Bucket").inputs["name"]]
    assert [re.sub(r"-[0-9a-f]{8}$", "", n) for n in names] == ["rasa-gcp-test-keys", "rasa-gcp-test-tracker", "rasa-gcp-test-models"]
