"""The virtual network: a subnet for AKS nodes, one for private endpoints, one delegated to
PostgreSQL Flexible Server, an NSG on each, and the private DNS zones of the services, linked.

With Azure CNI overlay, pods take addresses from a private overlay range (not the VNet), so the
node subnet only holds nodes and the private API server endpoint. The NSGs are written out rather
than left to Azure's defaults (which admit the whole VNet): data subnets accept only the node
subnet on their services' ports. `mode: existing` takes subnet and DNS zone ids from settings.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_azure_native.network as network
import pulumi_azure_native.privatedns as privatedns

from components.azure.context import PRIVATE_DNS_ZONES, AzureContext, NetworkInfo

# The ports clients reach through private endpoints: Blob / Key Vault / Event Hubs AMQP-WS (443),
# Azure Managed Redis (10000), Azure Cache for Redis TLS (6380), Event Hubs Kafka (9093).
ENDPOINT_PORTS = ("443", "10000", "6380", "9093")
POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"


def subnet_plan(cidr: str) -> dict[str, str]:
    """The created VNet's subnets: nodes a quarter, private endpoints a quarter, PostgreSQL a /27
    at the start of the third quarter (Flexible Server needs a dedicated, delegated subnet)."""
    quarters = list(ipaddress.ip_network(cidr).subnets(prefixlen_diff=2))
    postgres = next(quarters[2].subnets(new_prefix=max(27, quarters[2].prefixlen)))
    return {"nodes": str(quarters[0]), "endpoints": str(quarters[1]), "postgres": str(postgres)}


@dataclass(frozen=True)
class NetworkArgs:
    context: AzureContext
    mode: str  # create | existing
    cidr: str
    dns_zones: tuple[str, ...]  # the services whose private DNS zones are needed (keys of PRIVATE_DNS_ZONES, postgres)
    postgres_subnet: bool  # a delegated subnet for a managed tracker store
    api_access_cidrs: tuple[str, ...] = ()  # private networks allowed to the private API server on 443
    postgres_dns_zone: str = ""  # `<base>.private.postgres.database.azure.com`
    # existing network
    node_subnet_id: Optional[str] = None
    endpoint_subnet_id: Optional[str] = None
    postgres_subnet_id: Optional[str] = None
    dns_zone_ids: Mapping[str, str] = field(default_factory=dict)


def _rule(name: str, priority: int, access: str, sources: Sequence[str], ports: Sequence[str], destination: str,
          protocol: str = network.SecurityRuleProtocol.TCP) -> dict:
    return {
        "name": name, "priority": priority, "direction": network.SecurityRuleDirection.INBOUND, "access": access,
        "protocol": protocol, "source_address_prefixes": list(sources), "source_port_range": "*",
        "destination_address_prefix": destination, "destination_port_ranges": list(ports),
    }


def _deny_rest(destination: str) -> dict:
    # Above Azure's AllowVnetInBound (65000): nothing else in the VNet reaches the subnet.
    return {
        "name": "deny-other-inbound", "priority": 4000, "direction": network.SecurityRuleDirection.INBOUND,
        "access": network.SecurityRuleAccess.DENY, "protocol": network.SecurityRuleProtocol.ASTERISK,
        "source_address_prefix": "*", "source_port_range": "*", "destination_address_prefix": destination,
        "destination_port_range": "*",
    }


class Network(pulumi.ComponentResource):
    info: NetworkInfo
    virtual_network_id: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:Network", name, None, opts)
        ctx = args.context
        if args.mode == "existing":
            assert args.node_subnet_id and args.endpoint_subnet_id  # required by the plan
            self.virtual_network_id = None
            self.info = NetworkInfo(
                node_subnet_id=args.node_subnet_id,
                endpoint_subnet_id=args.endpoint_subnet_id,
                postgres_subnet_id=args.postgres_subnet_id,
                dns_zone_ids=dict(args.dns_zone_ids),
                data_cidrs=["0.0.0.0/0"],  # the existing subnets' ranges are not known here
            )
            self.register_outputs({})
            return

        rg = ctx.resource_group_name
        child = pulumi.ResourceOptions(parent=self)
        cidrs = subnet_plan(args.cidr)
        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=ctx.name("vnet", 64),
            resource_group_name=rg,
            location=ctx.location,
            address_space={"address_prefixes": [args.cidr]},
            enable_ddos_protection=False,  # a DDoS plan is per tenant and costly; nothing here is public
            # Subnets are separate resources below; azure-native keeps them on VNet updates.
            tags=ctx.tags(),
            opts=child,
        )
        nodes = cidrs["nodes"]
        node_rules = []
        if args.api_access_cidrs:
            # The private API server's endpoint sits in the node subnet: admit the deployer's networks.
            node_rules.append(_rule("allow-api-access", 200, network.SecurityRuleAccess.ALLOW, args.api_access_cidrs, ["443"], nodes))
        node_nsg = self._nsg(ctx, f"{name}-nodes-nsg", "nodes", node_rules)
        endpoint_nsg = self._nsg(ctx, f"{name}-endpoints-nsg", "endpoints", [
            _rule("allow-nodes-to-services", 100, network.SecurityRuleAccess.ALLOW, [nodes], ENDPOINT_PORTS, cidrs["endpoints"]),
            _deny_rest(cidrs["endpoints"]),
        ])
        node_subnet = network.Subnet(
            f"{name}-nodes",
            subnet_name="nodes",
            resource_group_name=rg,
            virtual_network_name=vnet.name,
            address_prefix=nodes,
            network_security_group={"id": node_nsg.id},
            # No implicit internet egress: AKS's load balancer gives nodes their outbound path.
            default_outbound_access=False,
            opts=child,
        )
        endpoint_subnet = network.Subnet(
            f"{name}-endpoints",
            subnet_name="endpoints",
            resource_group_name=rg,
            virtual_network_name=vnet.name,
            address_prefix=cidrs["endpoints"],
            network_security_group={"id": endpoint_nsg.id},
            # Enabled: the NSG applies to private endpoints too (off by default on Azure).
            private_endpoint_network_policies=network.VirtualNetworkPrivateEndpointNetworkPolicies.ENABLED,
            default_outbound_access=False,
            # One subnet operation at a time per VNet: Azure rejects parallel subnet writes.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[node_subnet]),
        )
        postgres_subnet_id: Optional[pulumi.Output[str]] = None
        data_cidrs = [cidrs["endpoints"]]
        if args.postgres_subnet:
            postgres_nsg = self._nsg(ctx, f"{name}-postgres-nsg", "postgres", [
                _rule("allow-nodes-to-postgres", 100, network.SecurityRuleAccess.ALLOW, [nodes], ["5432"], cidrs["postgres"]),
                # The HA standby replicates from the primary inside the subnet.
                _rule("allow-postgres-replication", 110, network.SecurityRuleAccess.ALLOW, [cidrs["postgres"]], ["*"],
                      cidrs["postgres"], network.SecurityRuleProtocol.ASTERISK),
                _deny_rest(cidrs["postgres"]),
            ])
            postgres_subnet = network.Subnet(
                f"{name}-postgres",
                subnet_name="postgres",
                resource_group_name=rg,
                virtual_network_name=vnet.name,
                address_prefix=cidrs["postgres"],
                network_security_group={"id": postgres_nsg.id},
                delegations=[{"name": "postgres-flexible-server", "service_name": POSTGRES_DELEGATION}],
                default_outbound_access=False,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[endpoint_subnet]),
            )
            postgres_subnet_id = postgres_subnet.id
            data_cidrs.append(cidrs["postgres"])

        zone_ids: dict[str, pulumi.Output[str]] = {}
        links: list[pulumi.Resource] = []
        for key in args.dns_zones:
            zone_name = args.postgres_dns_zone if key == "postgres" else PRIVATE_DNS_ZONES[key]
            zone = privatedns.PrivateZone(
                f"{name}-dns-{key}",
                private_zone_name=zone_name,
                resource_group_name=rg,
                location="global",
                tags=ctx.tags(),
                opts=child,
            )
            links.append(privatedns.VirtualNetworkLink(
                f"{name}-dns-{key}-link",
                private_zone_name=zone.name,
                resource_group_name=rg,
                virtual_network_link_name=ctx.name("vnet-link", 80),
                location="global",
                virtual_network={"id": vnet.id},
                # Records come from the private endpoints' zone groups, never from VM auto-registration.
                registration_enabled=False,
                tags=ctx.tags(),
                opts=child,
            ))
            zone_ids[key] = zone.id

        self.virtual_network_id = vnet.id
        self.info = NetworkInfo(
            node_subnet_id=node_subnet.id,
            endpoint_subnet_id=endpoint_subnet.id,
            postgres_subnet_id=postgres_subnet_id,
            dns_zone_ids=zone_ids,
            data_cidrs=data_cidrs,
            virtual_network_id=vnet.id,
            ready=tuple(links),
        )
        self.register_outputs({"virtualNetworkId": vnet.id})

    def _nsg(self, ctx: AzureContext, logical: str, purpose: str, rules: list[dict]) -> network.NetworkSecurityGroup:
        return network.NetworkSecurityGroup(
            logical,
            network_security_group_name=ctx.name(f"nsg-{purpose}", 80),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            security_rules=rules,
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self),
        )
