"""What Azure would answer, for the Pulumi mock engine (tests and the offline preview).

The mock engine echoes a resource's inputs; values only Azure computes (resource ids, host names,
the AKS OIDC issuer, identities' client ids, listed keys) would stay empty and leave the
connections Rasa renders from half-filled. These add realistic, deterministic values in the wire
(camelCase) names, shaped like Azure's (`/subscriptions/<id>/resourceGroups/<rg>/providers/...`
ids, GUIDs). Nothing here is used by a real deployment: infra/mocks.py is the one engine that asks.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Optional

from components.cloud import CloudMocks
from components.confluent import CONFLUENT_MOCKS

SUBSCRIPTION_ID = "00000000-1111-2222-3333-444444444444"
TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
DEPLOYER_OBJECT_ID = "99999999-8888-7777-6666-555555555555"
DEFAULT_LOCATION = "westeurope"
# Never a real certificate: the mock engine only needs something shaped like base64 PEM data.
FAKE_CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n").decode()


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fake_guid(text: str) -> str:
    h = _hex(text, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# type → (ARM path below the resource group, with {inputName} placeholders; the input that names it)
_PATHS: dict[str, tuple[str, str]] = {
    "network:VirtualNetwork": ("Microsoft.Network/virtualNetworks/{virtualNetworkName}", "virtualNetworkName"),
    "network:Subnet": ("Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}", "subnetName"),
    "network:NetworkSecurityGroup": ("Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}", "networkSecurityGroupName"),
    "network:PrivateEndpoint": ("Microsoft.Network/privateEndpoints/{privateEndpointName}", "privateEndpointName"),
    "network:PrivateDnsZoneGroup": ("Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}", "privateDnsZoneGroupName"),
    "privatedns:PrivateZone": ("Microsoft.Network/privateDnsZones/{privateZoneName}", "privateZoneName"),
    "privatedns:VirtualNetworkLink": ("Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}", "virtualNetworkLinkName"),
    "storage:StorageAccount": ("Microsoft.Storage/storageAccounts/{accountName}", "accountName"),
    "storage:BlobServiceProperties": ("Microsoft.Storage/storageAccounts/{accountName}/blobServices/{blobServicesName}", "blobServicesName"),
    "storage:ManagementPolicy": ("Microsoft.Storage/storageAccounts/{accountName}/managementPolicies/{managementPolicyName}", "managementPolicyName"),
    "storage:BlobContainer": ("Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{containerName}", "containerName"),
    "storage:Blob": ("Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{containerName}/blobs/{blobName}", "blobName"),
    "keyvault:Vault": ("Microsoft.KeyVault/vaults/{vaultName}", "vaultName"),
    "keyvault:Key": ("Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}", "keyName"),
    "managedidentity:UserAssignedIdentity": ("Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}", "resourceName"),
    "managedidentity:FederatedIdentityCredential": (
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
        "federatedIdentityCredentialResourceName"),
    "containerservice:ManagedCluster": ("Microsoft.ContainerService/managedClusters/{resourceName}", "resourceName"),
    "containerservice:AgentPool": ("Microsoft.ContainerService/managedClusters/{resourceName}/agentPools/{agentPoolName}", "agentPoolName"),
    "containerservice:MaintenanceConfiguration": ("Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations/{configName}", "configName"),
    "redisenterprise:RedisEnterprise": ("Microsoft.Cache/redisEnterprise/{clusterName}", "clusterName"),
    "redisenterprise:Database": ("Microsoft.Cache/redisEnterprise/{clusterName}/databases/{databaseName}", "databaseName"),
    "redis:Redis": ("Microsoft.Cache/redis/{name}", "name"),
    "dbforpostgresql:Server": ("Microsoft.DBforPostgreSQL/flexibleServers/{serverName}", "serverName"),
    "dbforpostgresql:Configuration": ("Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/configurations/{configurationName}", "configurationName"),
    "dbforpostgresql:Database": ("Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/databases/{databaseName}", "databaseName"),
    "eventhub:Namespace": ("Microsoft.EventHub/namespaces/{namespaceName}", "namespaceName"),
    "operationalinsights:Workspace": ("Microsoft.OperationalInsights/workspaces/{workspaceName}", "workspaceName"),
    "eventhub:NamespaceNetworkRuleSet": ("Microsoft.EventHub/namespaces/{namespaceName}/networkRuleSets/default", ""),
    "eventhub:EventHub": ("Microsoft.EventHub/namespaces/{namespaceName}/eventhubs/{eventHubName}", "eventHubName"),
    "eventhub:EventHubAuthorizationRule": (
        "Microsoft.EventHub/namespaces/{namespaceName}/eventhubs/{eventHubName}/authorizationRules/{authorizationRuleName}",
        "authorizationRuleName"),
    "eventhub:NamespaceAuthorizationRule": (
        "Microsoft.EventHub/namespaces/{namespaceName}/authorizationRules/{authorizationRuleName}", "authorizationRuleName"),
    "eventhub:ConsumerGroup": (
        "Microsoft.EventHub/namespaces/{namespaceName}/eventhubs/{eventHubName}/consumergroups/{consumerGroupName}",
        "consumerGroupName"),
}


class _Defaulting(dict):
    def __init__(self, values: dict[str, Any], fallback: str):
        super().__init__({k: v for k, v in values.items() if isinstance(v, (str, int))})
        self.fallback = fallback

    def __missing__(self, key: str) -> str:
        return self.fallback


def fake_outputs(resource_type: str, name: str, inputs: dict[str, Any], location: Optional[str] = None) -> tuple[str, dict[str, Any]]:
    """(id, state) for a mocked resource: its inputs plus what Azure would compute."""
    location = inputs.get("location") or location or DEFAULT_LOCATION
    state = dict(inputs)
    short = resource_type.removeprefix("azure-native:")
    fallback = f"{name}-{_hex(name, 6)}"
    values = _Defaulting(inputs, fallback)
    rg = inputs.get("resourceGroupName", "rg-mock")

    if short == "resources:ResourceGroup":
        group = inputs.get("resourceGroupName", fallback)
        rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group}"
        state.update(name=group, id=rid)
        return rid, state
    if short == "authorization:RoleAssignment":
        guid = fake_guid(name)
        rid = f"{inputs.get('scope', '')}/providers/Microsoft.Authorization/roleAssignments/{guid}"
        state.update(name=guid, id=rid)
        return rid, state
    if short == "monitor:DiagnosticSetting":
        setting = inputs.get("name", fallback)
        rid = f"{inputs.get('resourceUri', '')}/providers/Microsoft.Insights/diagnosticSettings/{setting}"
        state.update(name=setting, id=rid)
        return rid, state
    if short not in _PATHS:
        rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/mock/{fallback}"
        state.setdefault("name", fallback)
        return rid, state

    path, name_key = _PATHS[short]
    resource_name = inputs.get(name_key, fallback) if name_key else "default"
    values[name_key or "_"] = resource_name
    rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/" + path.format_map(values)
    state.update(name=resource_name, id=rid)

    if short == "storage:StorageAccount":
        state["primaryEndpoints"] = {"blob": f"https://{resource_name}.blob.core.windows.net/"}
    elif short == "keyvault:Vault":
        state["properties"] = {**dict(inputs.get("properties") or {}), "vaultUri": f"https://{resource_name}.vault.azure.net/"}
    elif short == "keyvault:Key":
        vault = inputs.get("vaultName", "vault")
        uri = f"https://{vault}.vault.azure.net/keys/{resource_name}"
        state.update(keyUri=uri, keyUriWithVersion=f"{uri}/{_hex(name, 32)}")
    elif short == "managedidentity:UserAssignedIdentity":
        state.update(clientId=fake_guid(name + "client"), principalId=fake_guid(name + "principal"), tenantId=TENANT_ID)
    elif short == "containerservice:ManagedCluster":
        identity = dict(inputs.get("identity") or {})
        # An input list of identity ids; Azure answers a map id -> {clientId, principalId}.
        identity["userAssignedIdentities"] = {
            uid: {"clientId": fake_guid(uid + "client"), "principalId": fake_guid(uid + "principal")}
            for uid in identity.get("userAssignedIdentities") or []
        }
        state.update(
            identity=identity,
            fqdn=f"{inputs.get('dnsPrefix', resource_name)}-{_hex(name, 8)}.hcp.{location}.azmk8s.io",
            privateFQDN=f"{inputs.get('dnsPrefix', resource_name)}-{_hex(name, 8)}.{_hex(name + 'p', 32)}.privatelink.{location}.azmk8s.io",
            oidcIssuerProfile={"enabled": True, "issuerURL": f"https://{location}.oic.prod-aks.azure.com/{TENANT_ID}/{fake_guid(name)}/"},
            identityProfile={"kubeletidentity": {"clientId": fake_guid(name + "kubelet"), "objectId": fake_guid(name + "kubelet-object")}},
            provisioningState="Succeeded",
        )
    elif short == "redisenterprise:RedisEnterprise":
        state["hostName"] = f"{resource_name}.{location}.redis.azure.net"
    elif short == "redis:Redis":
        state.update(hostName=f"{resource_name}.redis.cache.windows.net", sslPort=6380, port=6379)
    elif short == "dbforpostgresql:Server":
        state["fullyQualifiedDomainName"] = f"{resource_name}.postgres.database.azure.com"
    elif short == "eventhub:Namespace":
        state["serviceBusEndpoint"] = f"https://{resource_name}.servicebus.windows.net:443/"
    elif short == "operationalinsights:Workspace":
        state["customerId"] = fake_guid(name + "workspace")
    return rid, state


def _kubeconfig(cluster: str) -> str:
    server = f"https://{cluster}-{_hex(cluster, 8)}.hcp.{DEFAULT_LOCATION}.azmk8s.io:443"
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": cluster,
        "clusters": [{"name": cluster, "cluster": {"server": server, "certificate-authority-data": FAKE_CA_DATA}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": f"clusterUser_{cluster}"}}],
        "users": [{"name": f"clusterUser_{cluster}", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "kubelogin",
            "args": ["get-token", "--login", "devicecode", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
        }}}],
    }
    return base64.b64encode(json.dumps(config).encode()).decode()


def fake_call(token: str, args: dict[str, Any], location: Optional[str] = None) -> Optional[dict[str, Any]]:
    """Results of the data sources the Azure package reads; None for a token it does not use."""
    location = location or DEFAULT_LOCATION
    if token == "azure-native:authorization:getClientConfig":
        return {"clientId": fake_guid("deployer-client"), "objectId": DEPLOYER_OBJECT_ID,
                "subscriptionId": SUBSCRIPTION_ID, "tenantId": TENANT_ID}
    if token == "azure-native:storage:listStorageAccountKeys":
        account = str(args.get("accountName", "account"))
        key = base64.b64encode(hashlib.sha512(account.encode()).digest()).decode()
        return {"keys": [{"keyName": "key1", "value": key, "permissions": "FULL"},
                         {"keyName": "key2", "value": key[::-1], "permissions": "FULL"}]}
    if token in ("azure-native:redisenterprise:listDatabaseKeys", "azure-native:redis:listRedisKeys"):
        seed = str(args.get("clusterName") or args.get("name") or "redis")
        return {"primaryKey": "Mock" + _hex(seed, 40) + "=", "secondaryKey": "Mock" + _hex(seed + "2", 40) + "="}
    if token == "azure-native:eventhub:listEventHubKeys":
        ns, hub, rule = (str(args.get(k, "")) for k in ("namespaceName", "eventHubName", "authorizationRuleName"))
        key = _hex(ns + hub + rule, 43) + "="

        def connection(k: str) -> str:
            return f"Endpoint=sb://{ns}.servicebus.windows.net/;SharedAccessKeyName={rule};SharedAccessKey={k};EntityPath={hub}"

        return {"keyName": rule, "primaryKey": key, "secondaryKey": key[::-1],
                "primaryConnectionString": connection(key), "secondaryConnectionString": connection(key[::-1])}
    if token == "azure-native:eventhub:listNamespaceKeys":
        ns, rule = (str(args.get(k, "")) for k in ("namespaceName", "authorizationRuleName"))
        key = _hex(ns + rule, 43) + "="

        def namespace_connection(k: str) -> str:  # no EntityPath: every hub of the namespace
            return f"Endpoint=sb://{ns}.servicebus.windows.net/;SharedAccessKeyName={rule};SharedAccessKey={k}"

        return {"keyName": rule, "primaryKey": key, "secondaryKey": key[::-1],
                "primaryConnectionString": namespace_connection(key), "secondaryConnectionString": namespace_connection(key[::-1])}
    if token == "azure-native:containerservice:listManagedClusterUserCredentials":
        return {"kubeconfigs": [{"name": "clusterUser", "value": _kubeconfig(str(args.get("resourceName", "aks")))}]}
    if token == "azure-native:containerservice:getManagedCluster":
        cluster = str(args.get("resourceName", "aks"))
        return {"name": cluster, "location": location,
                "id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{args.get('resourceGroupName')}/providers/Microsoft.ContainerService/managedClusters/{cluster}",
                "oidcIssuerProfile": {"enabled": True, "issuerURL": f"https://{location}.oic.prod-aks.azure.com/{TENANT_ID}/{fake_guid(cluster)}/"}}
    return None


# ---------------------------------------------------------------------------------------------
# What the offline engine (infra/mocks.py) routes here: every type and data source Azure provisioning uses.

AZURE_RESOURCE_TYPES = (
    "azure-native:resources:ResourceGroup",
    *(f"azure-native:{short}" for short in _PATHS),
    "azure-native:authorization:RoleAssignment",
    "azure-native:monitor:DiagnosticSetting",
)

AZURE_CALL_TOKENS = (
    "azure-native:authorization:getClientConfig",
    "azure-native:storage:listStorageAccountKeys",
    "azure-native:redisenterprise:listDatabaseKeys",
    "azure-native:redis:listRedisKeys",
    "azure-native:eventhub:listEventHubKeys",
    "azure-native:eventhub:listNamespaceKeys",
    "azure-native:containerservice:listManagedClusterUserCredentials",
    "azure-native:containerservice:getManagedCluster",
)


def _resource(resource_type: str, name: str, inputs: dict[str, Any], region: str) -> tuple[str, dict[str, Any]]:
    if resource_type in CONFLUENT_MOCKS.resource_types:  # eventQueue.provider: confluent
        assert CONFLUENT_MOCKS.resource is not None
        return CONFLUENT_MOCKS.resource(resource_type, name, inputs, region)
    return fake_outputs(resource_type, name, inputs, region)


def _call(token: str, args: dict[str, Any], region: str) -> dict[str, Any]:
    result = fake_call(token, args, region)
    assert result is not None, token  # only tokens listed in AZURE_CALL_TOKENS are routed here
    return result


AZURE_MOCKS = CloudMocks(
    resource_types=frozenset(AZURE_RESOURCE_TYPES) | CONFLUENT_MOCKS.resource_types,
    call_tokens=frozenset(AZURE_CALL_TOKENS),
    resource=_resource,
    call=_call,
)
