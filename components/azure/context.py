"""What every Azure component receives besides its own arguments, and the helpers they share.

`AzureContext` carries the common arguments (name prefix, tags, protection), the explicit
azure-native provider (location and subscription pinned from settings, so ambient `az` defaults can
never move a stack), the resource group, the tenant and the zones services spread over. Network
and cluster facts travel as `NetworkInfo` and `ClusterAccess`, the same whether this program
created them or was given them (`mode: existing`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.network as network
import pulumi_azure_native.provider as azure_provider

from components.common import CommonArgs

# Built-in role definition ids (the same GUID in every tenant), by what they allow.
# https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles
ROLES: Mapping[str, str] = {
    # wrap / unwrap with a key and read its metadata: Vault's seal needs no more
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    # encrypt / decrypt / wrap / unwrap: what AKS's KMS plugin is documented to need
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
}

# Private DNS zones of the private endpoints (public Azure cloud), by service.
# https://learn.microsoft.com/en-us/azure/private-link/private-endpoint-dns
PRIVATE_DNS_ZONES: Mapping[str, str] = {
    "blob": "privatelink.blob.core.windows.net",
    "redis": "privatelink.redis.azure.net",  # Azure Managed Redis
    "redisCache": "privatelink.redis.cache.windows.net",  # Azure Cache for Redis
    "servicebus": "privatelink.servicebus.windows.net",  # Event Hubs
    "vault": "privatelink.vaultcore.azure.net",
}



@dataclass(frozen=True)
class AzureContext:
    common: CommonArgs
    provider: azure_provider.Provider
    location: str
    resource_group_name: pulumi.Input[str]
    # 6 hex characters, random once per stack: globally unique names (storage, Key Vault, Redis,
    # PostgreSQL, Event Hubs) get it appended.
    suffix: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    deployer_object_id: pulumi.Input[str]
    zones: tuple[str, ...] = ()  # availability zones zone-redundant services use; () in dev

    @property
    def protect(self) -> bool:
        return self.common.protect

    @property
    def base_name(self) -> str:
        return self.common.name

    def name(self, suffix: str, max_length: int = 63) -> str:
        """A physical name `<base>-<suffix>` that fits `max_length`, trimming the base, never the suffix."""
        return self.common.physical_name(suffix, max_length)

    def unique_name(self, purpose: str, max_length: int = 63, *, hyphens: bool = True) -> pulumi.Output[str]:
        """A globally unique name `<base>-<purpose>-<random>` (no hyphens for storage accounts)."""

        def build(random: str) -> str:
            if not hyphens:
                stem = re.sub(r"[^a-z0-9]", "", f"{self.base_name}{purpose}")
                return stem[: max_length - len(random)] + random
            return f"{self.name(purpose, max_length - len(random) - 1)}-{random}"

        return pulumi.Output.from_input(self.suffix).apply(build)

    def tags(self) -> dict[str, str]:
        return dict(self.common.tags)

    def options(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for a top-level component: every child inherits the pinned provider."""
        return pulumi.ResourceOptions(providers=[self.provider], **kwargs)

    def invoke_options(self) -> pulumi.InvokeOptions:
        return pulumi.InvokeOptions(provider=self.provider)

    def role_definition_id(self, role: str) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.subscription_id).apply(
            lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[role]}"
        )


@dataclass(frozen=True)
class NetworkInfo:
    """Where the platform's resources live: subnet ids and the private DNS zone of each service."""

    node_subnet_id: pulumi.Input[str]
    endpoint_subnet_id: pulumi.Input[str]
    postgres_subnet_id: Optional[pulumi.Input[str]]
    dns_zone_ids: Mapping[str, pulumi.Input[str]]  # blob, redis, redisCache, postgres, servicebus, vault
    # What the Rasa pod's egress NetworkPolicy may reach (the endpoint and PostgreSQL subnets).
    data_cidrs: pulumi.Input[list[str]] = field(default_factory=list)
    virtual_network_id: Optional[pulumi.Input[str]] = None
    # The private DNS zones' VNet links: a service that registers in a zone at creation (PostgreSQL)
    # must wait for them.
    ready: tuple[pulumi.Resource, ...] = ()


@dataclass(frozen=True)
class ClusterAccess:
    """What identities need from the AKS cluster: the OIDC issuer service-account tokens come from."""

    name: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]


def private_endpoint(
    ctx: AzureContext,
    name: str,
    *,
    parent: pulumi.Resource,
    target_id: pulumi.Input[str],
    group_id: str,
    subnet_id: pulumi.Input[str],
    dns_zone_id: pulumi.Input[str],
    depends_on: Sequence[pulumi.Resource] = (),
) -> network.PrivateEndpoint:
    """A private endpoint for one sub-resource (`group_id`: blob, redisEnterprise, namespace, vault,
    ...) in the endpoint subnet, with its A record kept in the service's private DNS zone."""
    endpoint = network.PrivateEndpoint(
        f"{name}-endpoint",
        resource_group_name=ctx.resource_group_name,
        location=ctx.location,
        subnet={"id": subnet_id},
        private_link_service_connections=[{
            "name": f"{name}-{group_id}",
            "private_link_service_id": target_id,
            "group_ids": [group_id],
        }],
        tags=ctx.tags(),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
    network.PrivateDnsZoneGroup(
        f"{name}-endpoint-dns",
        resource_group_name=ctx.resource_group_name,
        private_endpoint_name=endpoint.name,
        private_dns_zone_group_name="default",
        private_dns_zone_configs=[{"name": group_id, "private_dns_zone_id": dns_zone_id}],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return endpoint


def role_assignment(
    ctx: AzureContext,
    name: str,
    *,
    parent: pulumi.Resource,
    scope: pulumi.Input[str],
    role: str,
    principal_id: pulumi.Input[str],
    principal_type: str = "ServicePrincipal",
    description: str = "",
) -> authorization.RoleAssignment:
    """One built-in role for one principal on exactly one scope (a key, a container, a subnet)."""
    return authorization.RoleAssignment(
        name,
        scope=scope,
        role_definition_id=ctx.role_definition_id(role),
        principal_id=principal_id,
        principal_type=principal_type,
        description=description or f"rasa-platform {ctx.base_name}: {role}",
        opts=pulumi.ResourceOptions(parent=parent),
    )
