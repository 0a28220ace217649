"""The VPC: one regional subnet with secondary ranges for pods and services, Cloud NAT for egress
without public IPs, a private service access range and connection (Cloud SQL, Memorystore), and
firewall rules that admit only what the platform needs.

Address plan inside `network.cidr` (a /16): pods /17, services /20, nodes /22, private services /20.
GKE adds its own rules for the control plane; everything else arriving at the nodes is denied and
logged by the lowest-priority rule here. `mode: existing` is `existing_network`: the same
`NetworkInfo` from names in settings.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from components.gcp.context import GcpContext, NetworkInfo

PODS_RANGE = "pods"
SERVICES_RANGE = "services"
# Google's load balancer health checks (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges).
HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"]


@dataclass(frozen=True)
class AddressPlan:
    pods: str
    services: str
    nodes: str
    private_services: str


def address_plan(cidr: str) -> AddressPlan:
    """Carve a /16 into the four ranges (the plan step checks the prefix)."""
    network = ipaddress.ip_network(cidr)
    pods, rest = list(network.subnets(new_prefix=17))
    services, nodes_block, private_services, *_ = list(rest.subnets(new_prefix=20))
    nodes = next(nodes_block.subnets(new_prefix=22))
    return AddressPlan(str(pods), str(services), str(nodes), str(private_services))


def node_tag(ctx: GcpContext) -> str:
    """The network tag on every node of the platform's pool (the firewall rules' target)."""
    return ctx.name("node")


@dataclass(frozen=True)
class NetworkArgs:
    context: GcpContext
    cidr: str  # a /16
    private_services: bool  # reserve the private service access range and connect it (Cloud SQL, Memorystore)


class Network(pulumi.ComponentResource):
    info: NetworkInfo
    network: gcp.compute.Network
    subnet: gcp.compute.Subnetwork

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:Network", name, None, opts)
        ctx = args.context
        plan = address_plan(args.cidr)
        child = pulumi.ResourceOptions(parent=self)

        self.network = gcp.compute.Network(
            f"{name}-vpc",
            name=ctx.name("vpc"),
            project=ctx.project,
            auto_create_subnetworks=False,  # one subnet of our own, none in every region
            routing_mode="REGIONAL",
            delete_default_routes_on_create=False,  # the default route carries NAT egress
            description="Rasa platform",
            opts=child,
        )
        self.subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=ctx.name("nodes"),
            project=ctx.project,
            region=ctx.region,
            network=self.network.id,
            ip_cidr_range=plan.nodes,
            secondary_ip_ranges=[
                {"range_name": PODS_RANGE, "ip_cidr_range": plan.pods},
                {"range_name": SERVICES_RANGE, "ip_cidr_range": plan.services},
            ],
            private_ip_google_access=True,  # Google APIs without public IPs
            stack_type="IPV4_ONLY",
            log_config={"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5, "metadata": "INCLUDE_ALL_METADATA"},
            opts=child,
        )
        router = gcp.compute.Router(
            f"{name}-router", name=ctx.name("router"), project=ctx.project, region=ctx.region,
            network=self.network.id, opts=child,
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=ctx.name("nat"),
            project=ctx.project,
            region=ctx.region,
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[{"name": self.subnet.id, "source_ip_ranges_to_nats": ["ALL_IP_RANGES"]}],
            enable_endpoint_independent_mapping=False,
            log_config={"enable": True, "filter": "ERRORS_ONLY"},
            opts=child,
        )
        self._firewall(ctx, name, plan)

        connection = None
        if args.private_services:
            private_range = gcp.compute.GlobalAddress(
                f"{name}-private-services",
                name=ctx.name("private-services"),
                project=ctx.project,
                purpose="VPC_PEERING",
                address_type="INTERNAL",
                address=plan.private_services.split("/")[0],
                prefix_length=int(plan.private_services.split("/")[1]),
                network=self.network.id,
                labels=ctx.labels,
                opts=child,
            )
            connection = gcp.servicenetworking.Connection(
                f"{name}-private-services",
                network=self.network.id,
                service="servicenetworking.googleapis.com",
                reserved_peering_ranges=[private_range.name],
                # Abandon instead of deleting: the peering cannot go while Cloud SQL still uses it.
                deletion_policy="ABANDON",
                opts=child,
            )

        self.info = NetworkInfo(
            network_id=self.network.id,
            subnet_id=self.subnet.id,
            subnet_cidr=plan.nodes,
            pods_range_name=PODS_RANGE,
            services_range_name=SERVICES_RANGE,
            private_services_range_name=ctx.name("private-services"),
            private_services_cidr=plan.private_services,
            private_services=connection,
            pods_cidr=plan.pods,
        )
        self.register_outputs({"network": self.network.id, "subnet": self.subnet.id})

    def _firewall(self, ctx: GcpContext, name: str, plan: AddressPlan) -> None:
        child = pulumi.ResourceOptions(parent=self)
        tag = node_tag(ctx)
        rules = [
            # Nodes and pods talk to each other (kubelet, DNS, pod-to-pod); Rasa's NetworkPolicy narrows it.
            ("allow-internal", 1000, [plan.nodes, plan.pods], [{"protocol": "tcp"}, {"protocol": "udp"}, {"protocol": "icmp"}]),
            # Load balancers (the ingress) probe the nodes from Google's health-check ranges.
            ("allow-health-checks", 1000, HEALTH_CHECK_RANGES, [{"protocol": "tcp"}]),
        ]
        for suffix, priority, sources, allows in rules:
            gcp.compute.Firewall(
                f"{name}-{suffix}",
                name=ctx.name(suffix),
                project=ctx.project,
                network=self.network.id,
                direction="INGRESS",
                priority=priority,
                source_ranges=sources,
                target_tags=[tag],
                allows=allows,
                log_config={"metadata": "INCLUDE_ALL_METADATA"},
                opts=child,
            )
        gcp.compute.Firewall(
            f"{name}-deny-ingress",
            name=ctx.name("deny-ingress"),
            project=ctx.project,
            network=self.network.id,
            direction="INGRESS",
            priority=65534,  # above the implied rules only: GKE's own rules (1000) still apply
            source_ranges=["0.0.0.0/0"],
            denies=[{"protocol": "all"}],
            log_config={"metadata": "INCLUDE_ALL_METADATA"},
            opts=child,
        )


def existing_network(
    project: str, region: str, *, network: str, subnetwork: str, subnet_cidr: str, pods_range_name: str,
    services_range_name: str, private_services_range_name: str, private_services_cidr: str,
) -> NetworkInfo:
    """The facts of a VPC this program does not manage (names checked by the plan step)."""
    return NetworkInfo(
        network_id=f"projects/{project}/global/networks/{network}",
        subnet_id=f"projects/{project}/regions/{region}/subnetworks/{subnetwork}",
        subnet_cidr=subnet_cidr,
        pods_range_name=pods_range_name,
        services_range_name=services_range_name,
        private_services_range_name=private_services_range_name,
        private_services_cidr=private_services_cidr,
    )
