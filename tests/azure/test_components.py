"""What the Azure components register under the mock engine: the security and durability settings
that matter, by preset (TLS, public access, private endpoints and DNS, HA, SAS rights, identities
and role scopes)."""

from __future__ import annotations

from components.azure.context import PRIVATE_DNS_ZONES, ROLES
from components.azure.identity import TOKEN_AUDIENCE

T = "azure-native:"


def test_everything_lives_in_one_tagged_resource_group(azure_prod):
    group = azure_prod.one(f"{T}resources:ResourceGroup")
    assert group.inputs["resourceGroupName"] == "rg-rasa-azure-test" and group.protect
    assert group.inputs["tags"]["rasa-platform:environment"] == "prod"
    for r in azure_prod.resources:
        if r.type.startswith(T) and "resourceGroupName" in r.inputs:
            assert r.inputs["resourceGroupName"] == "rg-rasa-azure-test", (r.type, r.name)


def test_subnets_have_nsgs_that_admit_only_the_node_subnet(azure_prod):
    subnets = {s.inputs["subnetName"]: s for s in azure_prod.of_type(f"{T}network:Subnet")}
    assert set(subnets) == {"nodes", "endpoints", "postgres"}
    assert all(s.inputs["defaultOutboundAccess"] is False and s.inputs["networkSecurityGroup"]["id"] for s in subnets.values())
    assert subnets["endpoints"].inputs["privateEndpointNetworkPolicies"] == "Enabled"
    assert subnets["postgres"].inputs["delegations"][0]["serviceName"] == "Microsoft.DBforPostgreSQL/flexibleServers"
    nodes = subnets["nodes"].inputs["addressPrefix"]
    groups = {g.inputs["networkSecurityGroupName"].rsplit("-", 1)[-1]: g.inputs["securityRules"]
              for g in azure_prod.of_type(f"{T}network:NetworkSecurityGroup")}
    for purpose in ("endpoints", "postgres"):
        rules = groups[purpose]
        allows = [r for r in rules if r["access"] == "Allow" and r["name"].startswith("allow-nodes")]
        assert allows and all(r["sourceAddressPrefixes"] == [nodes] for r in allows)
        deny = next(r for r in rules if r["name"] == "deny-other-inbound")
        assert deny["access"] == "Deny" and deny["priority"] < 65000 and deny["sourceAddressPrefix"] == "*"
    # prod's apiAccessCidrs are not set here: no API rule
    assert not [r for r in groups["nodes"] if r["name"] == "allow-api-access"]


def test_api_access_cidrs_open_443_on_the_node_subnet_for_a_private_cluster():
    from tests.azure.harness import plan_for, provision
    run = provision(plan_for("prod", cluster={"apiAccessCidrs": ["10.60.0.0/24"]}))
    rules = next(g for g in run.of_type(f"{T}network:NetworkSecurityGroup")
                 if g.inputs["networkSecurityGroupName"].endswith("nsg-nodes")).inputs["securityRules"]
    rule = next(r for r in rules if r["name"] == "allow-api-access")
    assert rule["sourceAddressPrefixes"] == ["10.60.0.0/24"] and rule["destinationPortRanges"] == ["443"]


def test_every_private_endpoint_registers_in_a_zone_linked_to_the_vnet(azure_prod):
    endpoints = azure_prod.of_type(f"{T}network:PrivateEndpoint")
    groups = {c["privateLinkServiceConnections"][0]["groupIds"][0] for c in (e.inputs for e in endpoints)}
    assert groups == {"blob", "redisEnterprise", "namespace", "vault"}
    zones = {z.inputs["privateZoneName"]: z for z in azure_prod.of_type(f"{T}privatedns:PrivateZone")}
    for key in ("blob", "redis", "servicebus", "vault"):
        assert PRIVATE_DNS_ZONES[key] in zones
    assert "rasa-azure-test.private.postgres.database.azure.com" in zones
    vnet = azure_prod.id_of(azure_prod.one(f"{T}network:VirtualNetwork"))
    links = azure_prod.of_type(f"{T}privatedns:VirtualNetworkLink")
    assert len(links) == len(zones) and all(l.inputs["virtualNetwork"]["id"] == vnet and l.inputs["registrationEnabled"] is False for l in links)
    zone_ids = {azure_prod.id_of(z) for z in zones.values()}
    for group in azure_prod.of_type(f"{T}network:PrivateDnsZoneGroup"):
        assert group.inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"] in zone_ids


def test_model_storage_is_private_tls12_versioned_and_zone_redundant(azure_prod, azure_dev):
    account = azure_prod.one(f"{T}storage:StorageAccount").inputs
    assert account["sku"]["name"] == "Standard_GZRS"
    assert azure_dev.one(f"{T}storage:StorageAccount").inputs["sku"]["name"] == "Standard_ZRS"
    assert account["minimumTlsVersion"] == "TLS1_2" and account["enableHttpsTrafficOnly"] is True
    assert account["allowBlobPublicAccess"] is False and account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "None"}
    assert account["allowSharedKeyAccess"] is True  # Rasa's persistor: account keys only
    service = azure_prod.one(f"{T}storage:BlobServiceProperties").inputs
    assert service["isVersioningEnabled"] is True and service["deleteRetentionPolicy"]["enabled"] is True
    assert service["deleteRetentionPolicy"]["days"] == 30 and service["containerDeleteRetentionPolicy"]["enabled"] is True
    container = azure_prod.one(f"{T}storage:BlobContainer")
    assert container.inputs["publicAccess"] == "None" and container.protect
    assert azure_prod.one(f"{T}storage:StorageAccount").protect and not azure_dev.one(f"{T}storage:StorageAccount").protect
    assert azure_prod.of_type(f"{T}storage:Blob") == []  # no uploadFrom


def test_the_storage_key_reaches_rasa_as_a_secret_only(azure_prod):
    storage = azure_prod.resolved["model_storage"]
    assert storage.provider == "azure" and storage.bucket == "models" and storage.account_key
    assert storage.account_name == azure_prod.one(f"{T}storage:StorageAccount").inputs["accountName"]
    assert "listStorageAccountKeys" in " ".join(azure_prod.calls_made)


def test_upload_from_uploads_the_model_as_a_blob_the_workload_waits_for(azure_premium_cache):
    blob = azure_premium_cache.one(f"{T}storage:Blob")
    assert blob.inputs["blobName"] == "models/rasa-model.tar.gz" and blob.inputs["type"] == "Block"
    assert blob.inputs["containerName"] == "models" and blob.inputs["metadata"]["rasaversion"] == "3.21.0"
    assert blob.inputs["source"].path.endswith("assistant.tar.gz")  # the checked archive, not a guess
    import pulumi_azure_native.storage as storage
    # The Rasa Deployment waits for it through the seam every cloud fills.
    assert isinstance(azure_premium_cache.services.model_object, storage.Blob)


def test_managed_redis_is_tls_only_private_key_authenticated_and_ha_in_prod(azure_prod, azure_dev):
    cluster = azure_prod.one(f"{T}redisenterprise:RedisEnterprise").inputs
    assert cluster["minimumTlsVersion"] == "1.2" and cluster["publicNetworkAccess"] == "Disabled"
    assert cluster["highAvailability"] == "Enabled" and cluster["sku"]["name"] == "Balanced_B5"
    assert azure_dev.one(f"{T}redisenterprise:RedisEnterprise").inputs["highAvailability"] == "Disabled"
    database = azure_prod.one(f"{T}redisenterprise:Database").inputs
    assert database["clientProtocol"] == "Encrypted" and database["accessKeysAuthentication"] == "Enabled"
    assert database["evictionPolicy"] == "NoEviction" and database["clusteringPolicy"] == "EnterpriseCluster"
    lock = azure_prod.resolved["lock_store"]
    assert lock.port == 10000 and lock.use_ssl and lock.username == "default" and lock.db == 0
    assert lock.host.endswith(".redis.azure.net") and lock.password.startswith("Mock")
    assert "lock_store" not in str(azure_prod.secret_outputs)  # password only in the connection


def test_premium_cache_option_has_no_plain_port_and_spans_zones(azure_premium_cache):
    cache = azure_premium_cache.one(f"{T}redis:Redis").inputs
    assert cache["enableNonSslPort"] is False and cache["minimumTlsVersion"] == "1.2"
    assert cache["publicNetworkAccess"] == "Disabled" and cache["disableAccessKeyAuthentication"] is False
    assert cache["sku"] == {"name": "Premium", "family": "P", "capacity": 2}
    assert cache["zones"] == ["1", "2", "3"] and cache["replicasPerPrimary"] == 1
    endpoint = next(e for e in azure_premium_cache.of_type(f"{T}network:PrivateEndpoint")
                    if e.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["redisCache"])
    assert endpoint
    assert PRIVATE_DNS_ZONES["redisCache"] in {z.inputs["privateZoneName"] for z in azure_premium_cache.of_type(f"{T}privatedns:PrivateZone")}
    assert azure_premium_cache.resolved["lock_store"].port == 6380


def test_postgres_is_vnet_integrated_tls_enforced_and_zone_redundant_in_prod(azure_prod, azure_dev):
    server = azure_prod.one(f"{T}dbforpostgresql:Server")
    props = server.inputs
    assert props["network"]["publicNetworkAccess"] == "Disabled"
    postgres_subnet = next(s for s in azure_prod.of_type(f"{T}network:Subnet") if s.inputs["subnetName"] == "postgres")
    assert props["network"]["delegatedSubnetResourceId"] == azure_prod.id_of(postgres_subnet)
    assert props["network"]["privateDnsZoneArmResourceId"].endswith(".private.postgres.database.azure.com")
    assert props["highAvailability"]["mode"] == "ZoneRedundant" and props["sku"]["tier"] == "GeneralPurpose"
    assert props["backup"] == {"backupRetentionDays": 14, "geoRedundantBackup": "Enabled"}
    assert props["version"] == "16" and props["storage"]["storageSizeGB"] == 64  # 50 rounded up
    assert "administratorLoginPassword" in server.secret_paths and server.protect
    dev = azure_dev.one(f"{T}dbforpostgresql:Server").inputs
    assert dev["highAvailability"]["mode"] == "Disabled" and dev["backup"]["geoRedundantBackup"] == "Disabled"
    assert dev["sku"] == {"name": "Standard_B2ms", "tier": "Burstable"} and dev["backup"]["backupRetentionDays"] == 7
    parameters = {c.inputs["configurationName"]: c.inputs["value"] for c in azure_prod.of_type(f"{T}dbforpostgresql:Configuration")}
    assert parameters == {"require_secure_transport": "on", "ssl_min_protocol_version": "TLSv1.2"}
    # the server waits for its private DNS zone's VNet link (it registers there at creation)
    link = next(l for l in azure_prod.of_type(f"{T}privatedns:VirtualNetworkLink") if "postgres" in l.inputs["privateZoneName"])
    assert link.urn in server.dependencies
    tracker = azure_prod.resolved["tracker_store"]
    assert tracker.host.endswith(".postgres.database.azure.com") and tracker.port == 5432
    assert tracker.max_connections == 1718 - 15 and tracker.ssl_mode == "verify-full" and tracker.username == "rasa"


def test_event_hubs_is_private_tls12_with_send_and_listen_rules(azure_prod, azure_dev):
    namespace = azure_prod.one(f"{T}eventhub:Namespace").inputs
    assert namespace["sku"]["name"] == "Premium" and azure_dev.one(f"{T}eventhub:Namespace").inputs["sku"]["name"] == "Standard"
    assert namespace["minimumTlsVersion"] == "1.2" and namespace["disableLocalAuth"] is False
    assert namespace["publicNetworkAccess"] == "Disabled" and namespace["kafkaEnabled"] is True
    rules = azure_prod.one(f"{T}eventhub:NamespaceNetworkRuleSet").inputs
    assert rules["defaultAction"] == "Deny" and rules["trustedServiceAccessEnabled"] is False
    hub = azure_prod.one(f"{T}eventhub:EventHub", "event-queue-topic").inputs
    assert hub["eventHubName"] == "rasa-core-events" and hub["partitionCount"] == 6
    rights = {r.inputs["authorizationRuleName"]: r.inputs["rights"] for r in azure_prod.of_type(f"{T}eventhub:EventHubAuthorizationRule")}
    assert rights == {"rasa-send": ["Send"], "consumers-listen": ["Listen"]}
    kafka = azure_prod.resolved["event_queue"]
    assert kafka.security_protocol == "SASL_SSL" and kafka.sasl_mechanism == "PLAIN" and kafka.username == "$ConnectionString"
    assert "SharedAccessKeyName=rasa-send" in kafka.password and kafka.topic == "rasa-core-events"
    assert kafka.bootstrap_servers == [f"{namespace['namespaceName']}.servicebus.windows.net:9093"]
    assert azure_prod.secret_outputs["eventQueueConsumerConnectionString"] is True


def test_aks_is_entra_only_kms_encrypted_overlay_with_policy_and_zonal_pools(azure_prod):
    cluster = azure_prod.one(f"{T}containerservice:ManagedCluster").inputs
    assert cluster["disableLocalAccounts"] is True and cluster["aadProfile"]["enableAzureRBAC"] is True
    access = cluster["apiServerAccessProfile"]
    assert access["enablePrivateCluster"] is True and access["enablePrivateClusterPublicFQDN"] is False
    assert cluster["oidcIssuerProfile"] == {"enabled": True} and cluster["securityProfile"]["workloadIdentity"] == {"enabled": True}
    kms = cluster["securityProfile"]["azureKeyVaultKms"]
    key = next(k for k in azure_prod.of_type(f"{T}keyvault:Key") if k.inputs["keyName"].endswith("-kms"))
    assert kms["enabled"] is True and kms["keyId"] == azure_prod.outputs_of(key)["keyUriWithVersion"]
    network = cluster["networkProfile"]
    assert (network["networkPlugin"], network["networkPluginMode"], network["networkPolicy"]) == ("azure", "overlay", "cilium")
    assert cluster["kubernetesVersion"] == "1.33" and cluster["autoUpgradeProfile"]["upgradeChannel"] == "patch"
    assert cluster["ingressProfile"]["webAppRouting"]["enabled"] is False  # Traefik + cert-manager instead
    system = cluster["agentPoolProfiles"][0]
    assert system["mode"] == "System" and system["availabilityZones"] == ["1", "2", "3"] and system["count"] == 3
    pool = azure_prod.one(f"{T}containerservice:AgentPool")
    assert pool.inputs["enableAutoScaling"] is True and (pool.inputs["minCount"], pool.inputs["maxCount"]) == (3, 9)
    assert pool.inputs["availabilityZones"] == ["1", "2", "3"] and "count" in pool.ignore_changes
    windows = {m.inputs["configName"]: m.inputs["maintenanceWindow"] for m in azure_prod.of_type(f"{T}containerservice:MaintenanceConfiguration")}
    assert set(windows) == {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"}
    assert all(w["schedule"]["weekly"]["dayOfWeek"] == "Sunday" and w["durationHours"] == 4 for w in windows.values())


def test_control_plane_logs_go_to_a_workspace_kept_by_preset(azure_prod, azure_dev):
    workspace = azure_prod.one(f"{T}operationalinsights:Workspace")
    assert workspace.inputs["retentionInDays"] == 365 and workspace.protect
    assert workspace.inputs["features"]["disableLocalAuth"] is True
    assert azure_dev.one(f"{T}operationalinsights:Workspace").inputs["retentionInDays"] == 30
    setting = azure_prod.one(f"{T}monitor:DiagnosticSetting").inputs
    assert setting["resourceUri"] == azure_prod.id_of(azure_prod.one(f"{T}containerservice:ManagedCluster"))
    assert setting["workspaceId"] == azure_prod.id_of(workspace)
    assert {l["category"] for l in setting["logs"] if l["enabled"]} == {"kube-apiserver", "kube-audit-admin", "guard", "cluster-autoscaler"}


def test_dev_cluster_is_public_only_for_authorized_ranges_without_zones(azure_dev):
    cluster = azure_dev.one(f"{T}containerservice:ManagedCluster").inputs
    access = cluster["apiServerAccessProfile"]
    assert access["enablePrivateCluster"] is False and access["authorizedIPRanges"] == ["203.0.113.10/32"]
    assert "availabilityZones" not in cluster["agentPoolProfiles"][0]


def test_kubeconfig_uses_kubelogin_and_holds_no_credential(azure_prod):
    import json
    from components.azure.cluster import deployer_kubeconfig
    from components.azure.mock_outputs import _kubeconfig
    config = json.loads(deployer_kubeconfig(_kubeconfig("aks")))
    user = config["users"][0]["user"]
    assert user["exec"]["command"] == "kubelogin" and "azurecli" in user["exec"]["args"]
    assert set(user) == {"exec"} and "client-key-data" not in json.dumps(config)
    provider = next(r for r in azure_prod.resources if r.type == "pulumi:providers:kubernetes")
    assert "kubeconfig" in provider.secret_paths


def _roles(run, role):
    return [r for r in run.of_type(f"{T}authorization:RoleAssignment") if r.inputs["roleDefinitionId"].endswith(ROLES[role])]


def test_role_assignments_are_scoped_to_one_key_container_subnet_or_cluster(azure_prod):
    kms_key = next(k for k in azure_prod.of_type(f"{T}keyvault:Key") if k.inputs["keyName"].endswith("-kms"))
    seal_key = next(k for k in azure_prod.of_type(f"{T}keyvault:Key") if k.inputs["keyName"].endswith("-seal"))
    (kms,) = _roles(azure_prod, "Key Vault Crypto User")
    assert kms.inputs["scope"] == azure_prod.id_of(kms_key)
    (seal,) = _roles(azure_prod, "Key Vault Crypto Service Encryption User")
    assert seal.inputs["scope"] == azure_prod.id_of(seal_key) and "/keys/" in seal.inputs["scope"]
    (models,) = _roles(azure_prod, "Storage Blob Data Reader")
    assert models.inputs["scope"] == azure_prod.id_of(azure_prod.one(f"{T}storage:BlobContainer"))
    assert _roles(azure_prod, "Storage Blob Data Contributor") == []
    (network,) = _roles(azure_prod, "Network Contributor")
    assert network.inputs["scope"].endswith("/subnets/nodes")
    (deployer,) = _roles(azure_prod, "Azure Kubernetes Service RBAC Cluster Admin")
    assert deployer.inputs["scope"] == azure_prod.id_of(azure_prod.one(f"{T}containerservice:ManagedCluster"))
    assert deployer.inputs["principalType"] == "User"


def test_identities_are_federated_to_exactly_their_service_accounts(azure_prod):
    credentials = {c.inputs["subject"]: c.inputs for c in azure_prod.of_type(f"{T}managedidentity:FederatedIdentityCredential")}
    assert set(credentials) == {"system:serviceaccount:rasa:rasa-pro", "system:serviceaccount:vault:vault"}
    issuer = azure_prod.outputs_of(azure_prod.one(f"{T}containerservice:ManagedCluster"))["oidcIssuerProfile"]["issuerURL"]
    assert all(c["issuer"] == issuer and c["audiences"] == [TOKEN_AUDIENCE] for c in credentials.values())
    identity = azure_prod.resolved["identity"]
    assert identity.pod_labels == {"azure.workload.identity/use": "true"}
    assert set(identity.service_account_annotations) == {"azure.workload.identity/client-id"}


def test_vault_seal_key_vault_is_private_recoverable_and_hands_over_the_seal_config(azure_prod):
    vaults = {v.inputs["vaultName"]: v for v in azure_prod.of_type(f"{T}keyvault:Vault")}
    seal_vault = next(v for name, v in vaults.items() if "-seal-" in name)
    props = seal_vault.inputs["properties"]
    assert props["enableRbacAuthorization"] and props["enablePurgeProtection"] and props["enableSoftDelete"]
    assert props["publicNetworkAccess"] == "Disabled" and props["networkAcls"]["defaultAction"] == "Deny"
    assert props["softDeleteRetentionInDays"] == 90 and seal_vault.protect
    key = next(k for k in azure_prod.of_type(f"{T}keyvault:Key") if k.inputs["keyName"].endswith("-seal"))
    assert key.inputs["properties"]["keyOps"] == ["wrapKey", "unwrapKey"]
    assert key.inputs["properties"]["rotationPolicy"]["lifetimeActions"][0]["action"]["type"] == "rotate"
    seal = azure_prod.services.vault_seal
    assert seal.seal_type == "azurekeyvault" and set(seal.parameters) == {"tenant_id", "vault_name", "key_name"}
    assert seal.identity.pod_labels == {"azure.workload.identity/use": "true"}


def test_every_azure_type_token_is_the_sdk_class_its_mock_table_names(azure_prod):
    import importlib
    from components.azure.mock_outputs import AZURE_RESOURCE_TYPES
    for token in AZURE_RESOURCE_TYPES:
        _, module, name = token.split(":")
        cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
        source = importlib.import_module(cls.__module__).__file__
        assert f"'{token}'" in open(source).read(), token


SUB = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/net/providers/Microsoft.Network"
EXISTING_NETWORK = {
    "nodeSubnetId": f"{SUB}/virtualNetworks/hub/subnets/aks",
    "endpointSubnetId": f"{SUB}/virtualNetworks/hub/subnets/endpoints",
    "postgresSubnetId": f"{SUB}/virtualNetworks/hub/subnets/postgres",
    "privateDnsZoneIds": {key: f"{SUB}/privateDnsZones/{key}.example" for key in ("blob", "redis", "postgres", "servicebus", "vault")},
}


def test_an_existing_network_and_cluster_create_no_network_and_use_the_given_ids():
    from tests.azure.harness import plan_for, provision
    run = provision(plan_for(
        "prod", network={"mode": "existing"}, cluster={"mode": "existing", "name": "platform-aks", "context": "aks"},
        azure={"network": EXISTING_NETWORK, "resourceGroup": {"mode": "existing", "name": "rasa-prod"}},
    ))
    assert not [r for r in run.resources if r.type.split(":")[1] in ("network", "privatedns") and r.type != f"{T}network:PrivateEndpoint"
                and r.type != f"{T}network:PrivateDnsZoneGroup"]
    assert run.of_type(f"{T}resources:ResourceGroup") == [] and run.of_type(f"{T}containerservice:ManagedCluster") == []
    server = run.one(f"{T}dbforpostgresql:Server").inputs
    assert server["network"]["delegatedSubnetResourceId"] == EXISTING_NETWORK["postgresSubnetId"]
    assert server["resourceGroupName"] == "rasa-prod"
    for endpoint in run.of_type(f"{T}network:PrivateEndpoint"):
        assert endpoint.inputs["subnet"]["id"] == EXISTING_NETWORK["endpointSubnetId"]
    assert "azure-native:containerservice:getManagedCluster" in run.calls_made  # the OIDC issuer of the cluster
    issuer = next(c for c in run.of_type(f"{T}managedidentity:FederatedIdentityCredential"))
    assert issuer.inputs["issuer"].startswith("https://westeurope.oic.prod-aks.azure.com/")
    assert run.services.kubernetes_provider is None


def test_every_nested_argument_is_one_the_sdk_knows(azure_prod, azure_dev, azure_premium_cache):
    """The SDK translates each key of a nested input it knows to its wire name; a misspelt key would
    arrive as written (snake_case). Map-valued inputs (tags, node labels) are skipped."""
    def snake(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                if "_" in key and not path.endswith(("tags", "nodeLabels")):
                    yield f"{path}.{key}"
                yield from snake(item, f"{path}.{key}")
        elif isinstance(value, list):
            for item in value:
                yield from snake(item, f"{path}[]")
    found = [p for run in (azure_prod, azure_dev, azure_premium_cache) for r in run.resources
             if r.type.startswith(T) for p in snake(r.inputs, r.type)]
    assert found == []
