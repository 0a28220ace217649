"""policies/azure: every rule an Azure type is checked by, with a passing and a failing case, and
the shipped stacks' own resources passing."""

from __future__ import annotations

import inspect

import pytest

from policies.azure import types as az
from policies.azure.governance import UNTAGGABLE
from tests.policies.helpers import DELETE, U, R, changed, replace, run_resource, run_stack

PROD = {"rasa-platform:environment": "prod", "rasa-platform:stack": "azure-prod"}

REDIS_ENTERPRISE = {"minimumTlsVersion": "1.2", "publicNetworkAccess": "Disabled", "highAvailability": "Enabled", "tags": PROD}
REDIS_DATABASE = {"clientProtocol": "Encrypted", "accessKeysAuthentication": "Enabled"}
REDIS_CACHE = {"enableNonSslPort": False, "minimumTlsVersion": "1.2", "publicNetworkAccess": "Disabled",
               "disableAccessKeyAuthentication": False, "zones": ["1", "2", "3"], "replicasPerPrimary": 1, "tags": PROD}
POSTGRES = {
    "network": {"publicNetworkAccess": "Disabled", "delegatedSubnetResourceId": "/subnets/postgres",
                "privateDnsZoneArmResourceId": "/privateDnsZones/x.private.postgres.database.azure.com"},
    "backup": {"backupRetentionDays": 14, "geoRedundantBackup": "Enabled"},
    "highAvailability": {"mode": "ZoneRedundant"}, "serverName": "pg", "tags": PROD,
}
NAMESPACE = {"minimumTlsVersion": "1.2", "kafkaEnabled": True, "disableLocalAuth": False,
             "publicNetworkAccess": "Disabled", "zoneRedundant": True, "tags": PROD}
NETWORK_RULES = {"publicNetworkAccess": "Disabled", "defaultAction": "Deny", "trustedServiceAccessEnabled": False}
CLUSTER = {
    "apiServerAccessProfile": {"enablePrivateCluster": True},
    "securityProfile": {"azureKeyVaultKms": {"enabled": True, "keyId": "https://kv.vault.azure.net/keys/k/1"},
                        "workloadIdentity": {"enabled": True}},
    "disableLocalAccounts": True, "aadProfile": {"managed": True, "enableAzureRBAC": True},
    "oidcIssuerProfile": {"enabled": True}, "tags": PROD,
}
VAULT = {"properties": {"enablePurgeProtection": True, "enableSoftDelete": True, "enableRbacAuthorization": True}}
DIAGNOSTICS = {"resourceUri": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
               "workspaceId": "/workspaces/logs",
               "logs": [{"category": c, "enabled": True} for c in ("kube-apiserver", "kube-audit-admin", "guard")]}
SEAL_KEY = {"properties": {"keyOps": ["wrapKey", "unwrapKey"], "rotationPolicy": {"lifetimeActions": [{"action": {"type": "rotate"}}]}}}

# rule, type, secure props, path to change, insecure value, expected text in the violation
FAILING = [
    ("cache-transit-encryption", az.REDIS_ENTERPRISE, REDIS_ENTERPRISE, "minimumTlsVersion", "1.0", "1.2"),
    ("cache-transit-encryption", az.REDIS_ENTERPRISE_DATABASE, REDIS_DATABASE, "clientProtocol", "Plaintext", "Encrypted"),
    ("cache-transit-encryption", az.REDIS_CACHE, REDIS_CACHE, "enableNonSslPort", True, "enableNonSslPort"),
    ("cache-auth-required", az.REDIS_ENTERPRISE_DATABASE, REDIS_DATABASE, "accessKeysAuthentication", "Disabled", "accessKeys"),
    ("cache-auth-required", az.REDIS_CACHE, REDIS_CACHE, "redisConfiguration", {"authnotrequired": "true"}, "authnotrequired"),
    ("cache-no-public-network-access", az.REDIS_ENTERPRISE, REDIS_ENTERPRISE, "publicNetworkAccess", "Enabled", "Disabled"),
    ("cache-no-public-network-access", az.REDIS_CACHE, REDIS_CACHE, "publicNetworkAccess", DELETE, "Disabled"),
    ("cache-multi-az-in-prod", az.REDIS_ENTERPRISE, REDIS_ENTERPRISE, "highAvailability", "Disabled", "lockStore.highAvailability"),
    ("cache-multi-az-in-prod", az.REDIS_CACHE, REDIS_CACHE, "zones", [], "2 zones"),
    ("database-not-public", az.POSTGRES_SERVER, POSTGRES, "network.publicNetworkAccess", "Enabled", "Disabled"),
    ("database-not-public", az.POSTGRES_SERVER, POSTGRES, "network.delegatedSubnetResourceId", DELETE, "delegated"),
    ("database-backup-retention", az.POSTGRES_SERVER, POSTGRES, "backup.backupRetentionDays", 7, ">= 14"),
    ("database-backup-retention", az.POSTGRES_SERVER, POSTGRES, "backup.geoRedundantBackup", "Disabled", "geoRedundant"),
    ("database-multi-az-in-prod", az.POSTGRES_SERVER, POSTGRES, "highAvailability.mode", "Disabled", "ZoneRedundant"),
    ("kafka-tls-in-transit", az.EVENTHUB_NAMESPACE, NAMESPACE, "minimumTlsVersion", "1.1", "1.2"),
    ("kafka-client-authentication", az.EVENTHUB_NAMESPACE, NAMESPACE, "disableLocalAuth", True, "disableLocalAuth"),
    ("kafka-client-authentication", az.EVENTHUB_RULE, {"rights": ["Send"]}, "rights", ["Send", "Listen", "Manage"], "exactly"),
    # The analytics consumer's namespace rule: Listen + Send passes, Manage never.
    ("kafka-client-authentication", az.EVENTHUB_NAMESPACE_RULE, {"rights": ["Listen", "Send"]}, "rights",
     ["Listen", "Send", "Manage"], "never Manage"),
    ("kafka-client-authentication", az.EVENTHUB_NAMESPACE_RULE, {"rights": ["Listen", "Send"]}, "rights", [], "Send and/or Listen"),
    ("kafka-no-public-access", az.EVENTHUB_NAMESPACE, NAMESPACE, "publicNetworkAccess", "Enabled", "Disabled"),
    ("kafka-no-public-access", az.EVENTHUB_NETWORK_RULES, NETWORK_RULES, "defaultAction", "Allow", "Deny"),
    ("kafka-multi-az-in-prod", az.EVENTHUB_NAMESPACE, NAMESPACE, "zoneRedundant", False, "zoneRedundant"),
    ("cluster-private-endpoint", az.MANAGED_CLUSTER, CLUSTER, "apiServerAccessProfile",
     {"enablePrivateCluster": False, "authorizedIPRanges": ["0.0.0.0/0"]}, "authorized IP ranges"),
    ("cluster-private-endpoint", az.MANAGED_CLUSTER, CLUSTER, "apiServerAccessProfile", {"enablePrivateCluster": False}, "whole internet"),
    ("cluster-secrets-encryption", az.MANAGED_CLUSTER, CLUSTER, "securityProfile.azureKeyVaultKms.enabled", False, "KMS"),
    ("cluster-access-entries", az.MANAGED_CLUSTER, CLUSTER, "disableLocalAccounts", False, "disableLocalAccounts"),
    ("cluster-access-entries", az.MANAGED_CLUSTER, CLUSTER, "aadProfile.enableAzureRBAC", DELETE, "enableAzureRBAC"),
    ("cluster-audit-logs", az.DIAGNOSTIC_SETTING, DIAGNOSTICS, "logs.1.enabled", False, "kube-audit-admin"),
    ("cluster-audit-logs", az.DIAGNOSTIC_SETTING, DIAGNOSTICS, "workspaceId", DELETE, "workspaceId"),
    ("key-vault-recoverable", az.KEY_VAULT, VAULT, "properties.enablePurgeProtection", False, "enablePurgeProtection"),
    ("key-vault-recoverable", az.KEY_VAULT, VAULT, "properties.enableRbacAuthorization", DELETE, "enableRbacAuthorization"),
    ("kms-key-rotation", az.KEY, SEAL_KEY, "properties.rotationPolicy", DELETE, "rotate"),
]


SECURE = list({(rule, type_, id(props)): (rule, type_, props) for rule, type_, props, *_ in FAILING}.values())


@pytest.mark.parametrize("rule, type_, props", SECURE)
def test_secure_props_pass(rule, type_, props):
    outcome = run_resource(rule, type_, props)
    assert outcome.ok, outcome.violations


@pytest.mark.parametrize("rule, type_, props, path, value, expected", FAILING)
def test_insecure_props_fail(rule, type_, props, path, value, expected):
    outcome = run_resource(rule, type_, changed(props, path, value))
    assert outcome.has(expected), outcome.violations


def test_authorized_ranges_pass_and_an_unknown_range_is_undecided():
    public = changed(CLUSTER, "apiServerAccessProfile", {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.10/32"]})
    assert run_resource("cluster-private-endpoint", az.MANAGED_CLUSTER, public).ok
    unknown = changed(public, "apiServerAccessProfile.authorizedIPRanges", [U])
    assert run_resource("cluster-private-endpoint", az.MANAGED_CLUSTER, unknown).undecided


def test_prod_only_checks_skip_dev():
    dev = {"rasa-platform:environment": "dev"}
    assert run_resource("cache-multi-az-in-prod", az.REDIS_ENTERPRISE, {**REDIS_ENTERPRISE, "highAvailability": "Disabled", "tags": dev}).ok
    assert run_resource("database-multi-az-in-prod", az.POSTGRES_SERVER, {**POSTGRES, "highAvailability": {"mode": "Disabled"}, "tags": dev}).ok


def test_diagnostics_of_other_resources_are_not_held_to_the_cluster_categories():
    other = changed(DIAGNOSTICS, "resourceUri", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")
    assert run_resource("cluster-audit-logs", az.DIAGNOSTIC_SETTING, changed(other, "logs", [])).ok


def test_the_aks_kms_key_is_exempt_from_rotation_as_it_pins_a_version():
    assert run_resource("kms-key-rotation", az.KEY, {"properties": {"keyOps": ["encrypt", "decrypt"]}}).ok


def _storage_stack() -> list[R]:
    return [
        R(az.STORAGE_ACCOUNT, "models", {"accountName": "models1", "allowBlobPublicAccess": False, "publicNetworkAccess": "Disabled",
                                          "networkRuleSet": {"defaultAction": "Deny"}, "enableHttpsTrafficOnly": True,
                                          "minimumTlsVersion": "TLS1_2"}),
        R(az.BLOB_SERVICE, "blob-service", {"accountName": "models1", "isVersioningEnabled": True,
                                            "deleteRetentionPolicy": {"enabled": True, "days": 7}}, deps=("models",)),
        R(az.BLOB_CONTAINER, "container", {"accountName": "models1", "publicAccess": "None"}, deps=("models",)),
    ]


@pytest.mark.parametrize("rule, name, path, value, expected", [
    ("storage-public-access-blocked", "models", "allowBlobPublicAccess", True, "allowBlobPublicAccess"),
    ("storage-public-access-blocked", "models", "publicNetworkAccess", "Enabled", "publicNetworkAccess"),
    ("storage-public-access-blocked", "container", "publicAccess", "Blob", "public access"),
    ("storage-versioning-enabled", "blob-service", "isVersioningEnabled", False, "isVersioningEnabled"),
    ("storage-versioning-enabled", "blob-service", "deleteRetentionPolicy.enabled", False, "soft delete"),
    ("storage-tls-only", "models", "minimumTlsVersion", "TLS1_0", "TLS1_2"),
    ("storage-tls-only", "models", "enableHttpsTrafficOnly", False, "enableHttpsTrafficOnly"),
])
def test_storage_stack_rules(rule, name, path, value, expected):
    assert run_stack(rule, _storage_stack()).ok
    outcome = run_stack(rule, replace(_storage_stack(), name, **{path.replace(".", "__"): value}))
    assert outcome.has(expected), outcome.violations


def test_an_account_without_blob_service_properties_has_versioning_off():
    assert run_stack("storage-versioning-enabled", _storage_stack()[:1]).has("no BlobServiceProperties")


def test_postgres_tls_is_joined_from_its_server_parameter():
    stack = [R(az.POSTGRES_SERVER, "server", POSTGRES),
             R(az.POSTGRES_CONFIGURATION, "tls", {"serverName": "pg", "configurationName": "require_secure_transport", "value": "on"})]
    assert run_stack("database-tls-enforced", stack).ok
    assert run_stack("database-tls-enforced", replace(stack, "tls", value="off")).has("must be on")
    assert run_stack("database-tls-enforced", stack[:1]).has("no require_secure_transport")


def test_workload_identity_stack_rule():
    assert run_stack("cluster-workload-identity", [R(az.MANAGED_CLUSTER, "aks", CLUSTER)]).ok
    off = replace([R(az.MANAGED_CLUSTER, "aks", CLUSTER)], "aks", securityProfile__workloadIdentity__enabled=False)
    assert run_stack("cluster-workload-identity", off).has("workload identity")


def test_governance_rules_apply_to_every_azure_type():
    config = {"requiredTags": ["team"], "allowedRegions": ["westeurope"]}
    assert run_resource("required-tags", az.KEY_VAULT, {"tags": {"team": "x"}}, config).ok
    assert run_resource("required-tags", az.KEY_VAULT, {"tags": {}}, config).has("team")
    assert run_resource("required-tags", "azure-native:network:Subnet", {}, config).ok  # untaggable
    assert run_resource("allowed-regions", az.KEY_VAULT, {"location": "westeurope"}, config).ok
    assert run_resource("allowed-regions", az.KEY_VAULT, {"location": "eastus"}, config).has("eastus")
    assert run_resource("allowed-regions", "azure-native:privatedns:PrivateZone", {"location": "global"}, config).ok


def test_the_untaggable_list_matches_the_sdk_for_every_registered_type(azure_prod, azure_premium_cache):
    import importlib
    types = {r.type for run in (azure_prod, azure_premium_cache) for r in run.resources if r.type.startswith("azure-native:")}
    untaggable = set()
    for token in types:
        _, module, name = token.split(":")
        cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
        if "tags" not in inspect.signature(cls._internal_init).parameters:
            untaggable.add(token)
    assert untaggable == UNTAGGABLE and UNTAGGABLE <= types
