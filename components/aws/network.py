"""The VPC: three subnet tiers per zone, NAT for the nodes, flow logs where settings ask, and
routes to an external Vault's private network (aws.vaultNetwork).

Layout of the VPC CIDR (a /16 shown; any /16../20 scales the same way):
* private (nodes, pods, EKS control-plane ENIs): the first three quarters, one /18 per zone;
  the VPC CNI gives every pod a VPC address, so this tier gets almost all of the space;
* data (RDS, ElastiCache, MSK): /22s at the start of the last quarter, no route to the internet;
* public (NAT gateways and internet-facing load balancers only): /22s in the middle of the last
  quarter; nothing launched there gets a public IP by default.

`mode: existing` takes a VPC id and private subnet ids (one per zone) and looks up their CIDRs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.aws.context import AwsContext, NetworkInfo, log_group, policy_document, role, service_trust_policy


def subnet_plan(cidr: str, zones: int) -> dict[str, list[str]]:
    """Private, data and public subnet CIDRs per zone for a VPC CIDR of /16 to /20."""
    network = ipaddress.ip_network(cidr)
    quarters = list(network.subnets(new_prefix=network.prefixlen + 2))
    small = list(quarters[3].subnets(new_prefix=network.prefixlen + 6))
    return {
        "private": [str(quarters[i]) for i in range(zones)],
        "data": [str(small[i]) for i in range(zones)],
        "public": [str(small[8 + i]) for i in range(zones)],
    }


@dataclass(frozen=True)
class NetworkArgs:
    context: AwsContext
    mode: str  # create | existing
    # create
    cidr: str = "10.40.0.0/16"
    zones: int = 3
    nat_gateways: str = "single"  # single | perZone
    flow_logs: bool = False
    # Vault on a private network (vault.egressCidrs), reached over one of these (aws.vaultNetwork)
    vault_cidrs: tuple[str, ...] = ()
    vault_peering_connection_id: Optional[str] = None
    vault_transit_gateway_id: Optional[str] = None
    # existing
    vpc_id: Optional[str] = None
    private_subnet_ids: tuple[str, ...] = ()
    public_subnet_ids: tuple[str, ...] = ()


class Network(pulumi.ComponentResource):
    info: NetworkInfo
    vpc_id: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:Network", name, None, opts)
        self._name = name
        ctx = args.context
        if args.mode == "existing":
            self.info = self._existing(ctx, args)
            self.vpc_id = pulumi.Output.from_input(self.info.vpc_id)
        else:
            self.info = self._create(ctx, args, name)
        self.register_outputs({"vpcId": self.vpc_id})

    def _existing(self, ctx: AwsContext, args: NetworkArgs) -> NetworkInfo:
        cidrs = [
            aws.ec2.get_subnet_output(id=subnet_id, opts=pulumi.InvokeOptions(parent=self)).cidr_block
            for subnet_id in args.private_subnet_ids
        ]
        return NetworkInfo(
            vpc_id=args.vpc_id,
            private_subnet_ids=list(args.private_subnet_ids),
            # Bring-your-own VPCs seldom have a separate data tier: the services share the private subnets.
            data_subnet_ids=list(args.private_subnet_ids),
            data_cidrs=pulumi.Output.all(*cidrs),
            public_subnet_ids=list(args.public_subnet_ids),
        )

    def _create(self, ctx: AwsContext, args: NetworkArgs, n: str) -> NetworkInfo:
        zones = args.zones
        plan = subnet_plan(args.cidr, zones)
        child = pulumi.ResourceOptions(parent=self)
        az_names = aws.get_availability_zones_output(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self),
        ).names

        vpc = aws.ec2.Vpc(
            f"{n}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,  # required by EKS, RDS and MSK endpoints
            enable_dns_hostnames=True,
            instance_tenancy="default",
            tags=ctx.tags(ctx.name("vpc")),
            opts=child,
        )
        self.vpc_id = vpc.id
        # CIS: the default security group must allow nothing (it is attached when none is chosen).
        aws.ec2.DefaultSecurityGroup(
            f"{n}-default-sg",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags=ctx.tags(ctx.name("default-deny-all")),
            opts=child,
        )
        igw = aws.ec2.InternetGateway(f"{n}-igw", vpc_id=vpc.id, tags=ctx.tags(ctx.name("igw")), opts=child)

        def subnets(tier: str, role_tag: Optional[dict[str, str]]) -> list[aws.ec2.Subnet]:
            return [
                aws.ec2.Subnet(
                    f"{n}-{tier}-{i}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    availability_zone=az_names.apply(lambda names, i=i: names[i]),
                    map_public_ip_on_launch=False,
                    assign_ipv6_address_on_creation=False,
                    tags={**ctx.tags(ctx.name(f"{tier}-{i}")), **(role_tag or {})},
                    opts=child,
                )
                for i, cidr in enumerate(plan[tier])
            ]

        public = subnets("public", {"kubernetes.io/role/elb": "1"})
        private = subnets("private", {"kubernetes.io/role/internal-elb": "1"})
        data = subnets("data", None)

        public_routes = aws.ec2.RouteTable(f"{n}-public-rt", vpc_id=vpc.id, tags=ctx.tags(ctx.name("public")), opts=child)
        aws.ec2.Route(f"{n}-public-default", route_table_id=public_routes.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=igw.id, opts=child)
        for i, subnet in enumerate(public):
            aws.ec2.RouteTableAssociation(f"{n}-public-{i}", subnet_id=subnet.id, route_table_id=public_routes.id, opts=child)

        # One NAT gateway (dev: cheaper, one zone's outage cuts egress) or one per zone (prod).
        nat_count = zones if args.nat_gateways == "perZone" else 1
        nats = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{n}-nat-{i}", domain="vpc", tags=ctx.tags(ctx.name(f"nat-{i}")), opts=child)
            nats.append(aws.ec2.NatGateway(
                f"{n}-nat-{i}",
                allocation_id=eip.id,
                subnet_id=public[i].id,
                connectivity_type="public",
                availability_mode="zonal",  # one gateway in one zone's public subnet
                tags=ctx.tags(ctx.name(f"nat-{i}")),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            ))

        private_tables = []
        private_routes: list[pulumi.Resource] = []
        for i, subnet in enumerate(private):
            table = aws.ec2.RouteTable(f"{n}-private-rt-{i}", vpc_id=vpc.id, tags=ctx.tags(ctx.name(f"private-{i}")), opts=child)
            private_routes.append(aws.ec2.Route(
                f"{n}-private-default-{i}", route_table_id=table.id, destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[i % nat_count].id, opts=child,
            ))
            private_routes.append(aws.ec2.RouteTableAssociation(
                f"{n}-private-{i}", subnet_id=subnet.id, route_table_id=table.id, opts=child,
            ))
            private_tables.append(table)

        private_routes += self._vault_routes(ctx, args, vpc, private, private_tables)

        # The data tier has only the VPC's local route: nothing there can reach the internet.
        data_routes = aws.ec2.RouteTable(f"{n}-data-rt", vpc_id=vpc.id, tags=ctx.tags(ctx.name("data")), opts=child)
        for i, subnet in enumerate(data):
            aws.ec2.RouteTableAssociation(f"{n}-data-{i}", subnet_id=subnet.id, route_table_id=data_routes.id, opts=child)

        # Model downloads and image layers from S3 stay on the AWS network (and skip NAT charges).
        aws.ec2.VpcEndpoint(
            f"{n}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{ctx.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_tables],
            tags=ctx.tags(ctx.name("s3")),
            opts=child,
        )

        if args.flow_logs:
            self._flow_logs(ctx, vpc)

        return NetworkInfo(
            vpc_id=vpc.id,
            private_subnet_ids=[s.id for s in private],
            data_subnet_ids=[s.id for s in data],
            data_cidrs=plan["data"],
            public_subnet_ids=[s.id for s in public],
            private_routes=private_routes,
        )

    def _vault_routes(
        self, ctx: AwsContext, args: NetworkArgs, vpc: aws.ec2.Vpc, private: list[aws.ec2.Subnet],
        tables: list[aws.ec2.RouteTable],
    ) -> list[pulumi.Resource]:
        """Routes from the private subnets (nodes, so pods) to vault.egressCidrs over the peering
        connection or transit gateway aws.vaultNetwork names. The Rasa NetworkPolicy opening those
        CIDRs is not enough on its own: without a route the NAT gateway gets the traffic, and a
        private HCP HVN or corporate Vault is not on the internet."""
        n, child = self._name, pulumi.ResourceOptions(parent=self)
        if not args.vault_cidrs:
            return []
        target: dict[str, pulumi.Input[str]]
        if args.vault_peering_connection_id:
            accepted = aws.ec2.VpcPeeringConnectionAccepter(
                f"{n}-vault-peering",
                vpc_peering_connection_id=args.vault_peering_connection_id,
                auto_accept=True,
                tags=ctx.tags(ctx.name("vault-peering")),
                opts=child,
            )
            target, via = {"vpc_peering_connection_id": accepted.id}, accepted
        elif args.vault_transit_gateway_id:
            via = aws.ec2transitgateway.VpcAttachment(
                f"{n}-vault-tgw",
                transit_gateway_id=args.vault_transit_gateway_id,
                vpc_id=vpc.id,
                subnet_ids=[s.id for s in private],  # one per zone, as the attachment requires
                dns_support="enable",
                ipv6_support="disable",
                appliance_mode_support="disable",
                tags=ctx.tags(ctx.name("vault-tgw")),
                opts=child,
            )
            target = {"transit_gateway_id": args.vault_transit_gateway_id}
        else:
            pulumi.log.warn(
                f"vault.egressCidrs {', '.join(args.vault_cidrs)} have no route from this VPC (its private subnets send them "
                "to the NAT gateway): set aws.vaultNetwork.peeringConnectionId or aws.vaultNetwork.transitGatewayId "
                "(README: AWS, Vault on a private network)",
                resource=self,
            )
            return []
        return [
            aws.ec2.Route(
                f"{n}-vault-{i}-{j}", route_table_id=table.id, destination_cidr_block=cidr, **target,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[via]),
            )
            for i, table in enumerate(tables)
            for j, cidr in enumerate(args.vault_cidrs)
        ]

    def _flow_logs(self, ctx: AwsContext, vpc: aws.ec2.Vpc) -> None:
        group = log_group(ctx, f"{self._name}-flow-logs", f"/aws/vpc/{ctx.base_name}/flow-logs", parent=self)
        writer = role(
            ctx,
            f"{self._name}-flow-logs-role",
            parent=self,
            assume_role_policy=service_trust_policy(ctx, "vpc-flow-logs", source_account=True),
            description="VPC flow logs write to their CloudWatch log group",
            purpose="flow-logs",
            # The five actions AWS documents for a flow-log role (VPC User Guide, "IAM role for
            # publishing flow logs to CloudWatch Logs"), scoped to this group where IAM allows it.
            inline_policy=policy_document([
                {
                    "Sid": "WriteThisLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [group.arn, group.arn.apply(lambda arn: f"{arn}:*")],
                },
                {
                    # A list call: it takes no single group, only the account's groups in this region.
                    "Sid": "FindTheLogGroup",
                    "Effect": "Allow",
                    "Action": "logs:DescribeLogGroups",
                    "Resource": ctx.arn("logs", "log-group:*"),
                },
            ]),
        )
        aws.ec2.FlowLog(
            f"{self._name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=writer.arn,
            max_aggregation_interval=60,
            tags=ctx.tags(ctx.name("flow-logs")),
            opts=pulumi.ResourceOptions(parent=self),
        )
