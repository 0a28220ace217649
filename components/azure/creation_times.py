"""How long Azure takes to create the slow resource types this package registers (first deploy).

One row per type that takes noticeable time; every other type gets the preview's small default
(infra/preview/creation_times.py). Figures are typical, not worst cases, and each row says where it
comes from. Nothing here was measured in an Azure subscription by this project (none is reachable
here). A type listed here must be one the mock table (mock_outputs.py) lists.
"""

from __future__ import annotations

from components.cloud import CreationTime

AZURE_CREATION_TIMES: dict[str, CreationTime] = {
    "azure-native:redis:Redis": CreationTime(
        20,
        "https://github.com/Azure/AzureCacheForRedis/issues/6",
        "Azure Cache for Redis team: '20+ minutes is a typical provisioning duration'",
    ),
    "azure-native:redisenterprise:RedisEnterprise": CreationTime(
        20,
        "https://github.com/radius-project/radius/pull/5207",
        "Radius raised its Redis create timeout to 60 min: 'Azure/AWS redis resource creation takes 20-50mins'",
    ),
    "azure-native:containerservice:ManagedCluster": CreationTime(
        8,
        "https://github.com/Azure/terraform-azurerm-aks/pull/74",
        "the module's CI log is still creating after 3m10s; 8 min is an estimate for a private cluster with KMS, not measured here",
    ),
    "azure-native:dbforpostgresql:Server": CreationTime(
        10,
        "https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/quickstart-create-server",
        "estimate: the quickstart says deployment takes a few minutes; zone-redundant HA adds the standby; not measured here",
    ),
    "azure-native:containerservice:AgentPool": CreationTime(
        4,
        "https://github.com/Azure/terraform-azurerm-aks/pull/74",
        "estimate for a scale set of new nodes joining the cluster; not measured here",
    ),
    "azure-native:eventhub:Namespace": CreationTime(
        3,
        "https://learn.microsoft.com/en-us/azure/event-hubs/event-hubs-create",
        "estimate: Standard namespaces are ready in about a minute, Premium takes longer; not measured here",
    ),
}
