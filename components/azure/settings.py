"""Azure-only settings (`rasa-platform:azure`).

Cloud-neutral things (backups, high availability, zones, node counts, API access CIDRs,
protection) live in the generic sections; this section holds what only means something on Azure:
the subscription, the resource group, subnet and private DNS zone ids of an existing network, VM
and service SKUs, Entra groups. Per-environment defaults come from components/azure/presets.py.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, SecretStr

from components.settings.values import DnsLabel, Section, between, matching

Uuid = Annotated[str, matching(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "a GUID (00000000-0000-0000-0000-000000000000)")]
StorageAccountName = Annotated[str, matching(r"[a-z0-9]{3,24}", "a storage account name (3-24 lower-case letters and digits)")]
ResourceGroupName = Annotated[str, matching(r"[-\w._()]{1,89}[-\w_()]", "a resource group name (1-90 letters, digits, - _ . ( ), not ending in .)")]
SubnetId = Annotated[str, matching(
    r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+",
    "a subnet resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<name>)",
)]
PrivateDnsZoneId = Annotated[str, matching(
    r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/privateDnsZones/[^/]+",
    "a private DNS zone resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<zone>)",
)]
VmSize = Annotated[str, matching(r"Standard_[A-Za-z0-9_]+", "an Azure VM size such as Standard_D8ds_v5")]

# The private DNS zones an existing network must provide, by the service that needs them.
DNS_ZONE_KEYS = ("blob", "redis", "postgres", "servicebus", "vault")


class ResourceGroupSettings(Section):
    mode: Literal["create", "existing"] = "create"
    """`create` one resource group for the stack, or put everything into an `existing` one."""
    name: Optional[ResourceGroupName] = None
    """The resource group's name (existing: required; create: default `rg-rasa-<stack>`)."""


class NetworkIdsSettings(Section):
    """The virtual network to use when `network.mode` is existing."""

    node_subnet_id: Optional[SubnetId] = None
    """existing network: subnet of the AKS nodes (and the private API server endpoint)."""
    endpoint_subnet_id: Optional[SubnetId] = None
    """existing network: subnet of the private endpoints (Blob, Redis, Event Hubs, Key Vault)."""
    postgres_subnet_id: Optional[SubnetId] = None
    """existing network: empty subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers."""
    private_dns_zone_ids: dict[Literal["blob", "redis", "postgres", "servicebus", "vault"], PrivateDnsZoneId] = Field(default_factory=dict)
    """existing network: private DNS zone ids linked to the VNet, by service (blob, redis, postgres, servicebus, vault)."""


class AksSettings(Section):
    system_vm_size: Optional[VmSize] = None
    """VM size of the system node pool (CoreDNS, metrics-server, konnectivity; preset when unset)."""
    user_vm_size: Optional[VmSize] = None
    """VM size of the user node pool that runs Rasa (preset when unset)."""
    system_node_count: Annotated[int, between(1, 10)] = 2
    """Nodes of the system pool (fixed; spread over the zones in prod)."""
    sku_tier: Literal["Free", "Standard", "Premium"] = "Standard"
    """AKS control-plane tier (Standard: the uptime SLA; Free has none)."""
    upgrade_channel: Literal["patch", "stable", "rapid", "node-image", "none"] = "patch"
    """Automatic cluster upgrades: `patch` keeps the pinned minor and takes its patches."""
    node_os_upgrade_channel: Literal["NodeImage", "SecurityPatch", "Unmanaged", "None"] = "NodeImage"
    """Automatic node OS image upgrades."""
    maintenance_day: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] = "Sunday"
    """Day of the weekly maintenance window (UTC) in which automatic upgrades run."""
    maintenance_start_hour: Annotated[int, between(0, 23)] = 2
    """Start hour (UTC) of the 4-hour maintenance window."""
    admin_group_object_ids: tuple[Uuid, ...] = ()
    """Entra ID groups given cluster admin (AKS-managed Entra integration)."""
    grant_deployer_cluster_admin: bool = True
    """Give the identity running `pulumi up` the AKS RBAC Cluster Admin role (it deploys the workload)."""
    deployer_principal_type: Literal["User", "ServicePrincipal"] = "User"
    """What runs `pulumi up` (Azure checks a role assignment's principal type): a person, or a CI's service principal / managed identity."""
    resource_group: Optional[ResourceGroupName] = None
    """existing cluster: its resource group (default: azure.resourceGroup.name)."""


class BlobStorageSettings(Section):
    replication: Literal["Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"] = "Standard_ZRS"
    """managed: redundancy of the storage account (ZRS; GZRS in prod)."""
    soft_delete_days: Annotated[int, between(1, 365)] = 7
    """managed: days deleted blobs and containers can be restored."""
    account_name: Optional[StorageAccountName] = None
    """managed: a fixed storage account name (default generated); existing: the account of the Blob container (AZURE_ACCOUNT_NAME)."""
    account_key: Optional[SecretStr] = None
    """existing Blob container: the account key, as a secret (Rasa supports key auth only)."""


class LockStoreAzureSettings(Section):
    kind: Literal["managedRedis", "cachePremium"] = "managedRedis"
    """Azure Managed Redis (redisenterprise) or Azure Cache for Redis Premium."""
    sku: Optional[str] = None
    """managedRedis: its SKU such as Balanced_B1 (preset when unset)."""
    premium_capacity: Annotated[int, between(1, 5)] = 1
    """cachePremium: the P size (P1 to P5)."""


class TrackerStoreAzureSettings(Section):
    sku: Optional[str] = None
    """PostgreSQL Flexible Server compute SKU such as Standard_D4ds_v5 (preset when unset); sets max_connections."""
    storage_tier: Optional[Literal["P4", "P6", "P10", "P15", "P20", "P30", "P40", "P50", "P60", "P70", "P80"]] = None
    """Premium SSD performance tier (unset: the size's default)."""


class EventQueueAzureSettings(Section):
    sku: Optional[Literal["Standard", "Premium"]] = None
    """Event Hubs tier (preset: Standard in dev, Premium in prod); Basic has no Kafka endpoint."""
    capacity: Annotated[int, between(1, 40)] = 1
    """Throughput units (Standard) or processing units (Premium: 1, 2, 4, 8, 16)."""


class VaultSealSettings(Section):
    """A Key Vault key and a workload identity for Vault's azurekeyvault auto-unseal."""

    enabled: bool = False
    """Create the seal key and the Vault server's identity (outputs vaultSealKeyVaultName, vaultSealClientId)."""
    namespace: DnsLabel = "vault"
    """Namespace of the Vault server's service account."""
    service_account: DnsLabel = "vault"
    """Name of the Vault server's service account."""


class AzureSettings(Section):
    subscription_id: Optional[Uuid] = None
    """The only subscription this stack may touch (pins the provider; recommended)."""
    resource_group: ResourceGroupSettings = ResourceGroupSettings()
    key_vault_soft_delete_days: Annotated[int, between(7, 90)] = 7
    """Days a deleted Key Vault (and its keys) can be recovered; purge protection is always on."""
    log_retention_days: Annotated[int, between(30, 730)] = 30
    """Days the Log Analytics workspace keeps the AKS control-plane logs (API server, audit, Entra guard)."""
    network: NetworkIdsSettings = NetworkIdsSettings()
    cluster: AksSettings = AksSettings()
    model_storage: BlobStorageSettings = BlobStorageSettings()
    lock_store: LockStoreAzureSettings = LockStoreAzureSettings()
    tracker_store: TrackerStoreAzureSettings = TrackerStoreAzureSettings()
    event_queue: EventQueueAzureSettings = EventQueueAzureSettings()
    vault_seal: VaultSealSettings = VaultSealSettings()
