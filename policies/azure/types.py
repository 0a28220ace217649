"""The pulumi-azure-native v3 type tokens the Azure checks decide."""

PROVIDER = "pulumi:providers:azure-native"
ANY = "azure-native:*"  # every Azure resource (governance rules)

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"

REDIS_ENTERPRISE = "azure-native:redisenterprise:RedisEnterprise"
REDIS_ENTERPRISE_DATABASE = "azure-native:redisenterprise:Database"
REDIS_CACHE = "azure-native:redis:Redis"

POSTGRES_SERVER = "azure-native:dbforpostgresql:Server"
POSTGRES_CONFIGURATION = "azure-native:dbforpostgresql:Configuration"

EVENTHUB_NAMESPACE = "azure-native:eventhub:Namespace"
EVENTHUB_NETWORK_RULES = "azure-native:eventhub:NamespaceNetworkRuleSet"
EVENTHUB_RULE = "azure-native:eventhub:EventHubAuthorizationRule"
EVENTHUB_NAMESPACE_RULE = "azure-native:eventhub:NamespaceAuthorizationRule"

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
KEY_VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"
FEDERATED_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
