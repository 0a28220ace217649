"""GKE Standard: private nodes, the control plane private or open only to listed CIDRs, a DNS
endpoint authorised by IAM (so the deployer reaches a private control plane without a network
path), Workload Identity, Dataplane V2 (network policy enforced), shielded nodes, application-layer
secrets encryption with Cloud KMS, a release channel, deletion protection with `protection`, and one
autoscaling node pool with its own least-privilege service account (the default pool is removed).

Regional (a control plane and nodes in every zone of the region) unless `gcp.cluster.zone` names a
zone (dev only, refused in prod by the plan). The Kubernetes provider's kubeconfig holds no
credential: `gke-gcloud-auth-plugin` mints a short-lived token per call. For the Ingress the HTTP
load balancing add-on and the Gateway API (standard channel) are on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.gcp.context import GcpContext, NetworkInfo
from components.gcp.kms import KeyRing, service_agent
from components.gcp.network import node_tag

NODE_ROLE = "roles/container.defaultNodeServiceAccount"  # Google's minimum for nodes (logs, metrics)
ADMIN_ROLE = "roles/container.admin"
OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]  # IAM decides; scopes do not
LOG_COMPONENTS = ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"]


def kubeconfig(name: pulumi.Input[str], server: pulumi.Input[str], ca_data: pulumi.Input[Optional[str]]) -> pulumi.Output[str]:
    """A kubeconfig that holds no credential: gke-gcloud-auth-plugin asks gcloud for a token per call."""

    def render(args: list) -> str:
        cluster_name, url, ca = args
        cluster: dict = {"server": url}
        if ca:
            cluster["certificate-authority-data"] = ca
        return json.dumps({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster_name, "cluster": cluster}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [{
                "name": cluster_name,
                "user": {"exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": "gke-gcloud-auth-plugin",
                    "installHint": "gcloud components install gke-gcloud-auth-plugin",
                    "provideClusterInfo": True,
                    "interactiveMode": "Never",
                }},
            }],
        })

    return pulumi.Output.all(name, server, ca_data).apply(render)


@dataclass(frozen=True)
class ClusterArgs:
    context: GcpContext
    network: NetworkInfo
    keys: KeyRing
    kubernetes_version: str  # the minimum control-plane version within the release channel
    release_channel: str
    machine_type: str
    node_count_min: int  # across all zones
    node_count_max: int
    zone: Optional[str] = None  # a zonal cluster; None: regional
    name: Optional[str] = None
    public_access_cidrs: tuple[str, ...] = ()  # empty: the IP endpoint is private only
    api_access_cidrs: tuple[str, ...] = ()  # private networks allowed to the private endpoint
    dns_endpoint: bool = True
    node_disk_gb: int = 100
    node_spot: bool = False
    node_max_surge: int = 1
    admin_members: tuple[str, ...] = ()


class Cluster(pulumi.ComponentResource):
    cluster: gcp.container.Cluster
    node_pool: gcp.container.NodePool
    kubernetes_provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    # What the workload must wait for: the nodes and the admin grants.
    ready: list[pulumi.Resource]
    gke_name: str
    location: str

    def __init__(self, name: str, args: ClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:Cluster", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        self.gke_name = args.name or ctx.name("gke", 40)
        self.location = args.zone or ctx.region

        agent = service_agent(ctx, f"{name}-agent", "container.googleapis.com", self)
        secrets_key = args.keys.key(f"{name}-secrets-key", "gke-secrets", self, users=[agent])

        node_account = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=ctx.account_id("gke-nodes"),
            project=ctx.project,
            display_name=f"GKE nodes of {self.gke_name}",
            description="Node identity: logs and metrics only; pods use Workload Identity",
            opts=child,
        )
        node_member = ctx.service_account_member(node_account.email)
        node_grant = gcp.projects.IAMMember(f"{name}-nodes-role", project=ctx.project, role=NODE_ROLE, member=node_member, opts=child)
        node_config = self._node_config(args, node_account.email)

        public = list(args.public_access_cidrs)
        # The cluster's own nodes and pods (in-cluster jobs call the API), then what settings list.
        own = [args.network.subnet_cidr, *([args.network.pods_cidr] if args.network.pods_cidr else [])]
        authorized = [
            *({"cidr_block": c, "display_name": f"cluster {c}"} for c in own),
            *({"cidr_block": c, "display_name": f"public {c}"} for c in public),
            *({"cidr_block": c, "display_name": f"private {c}"} for c in args.api_access_cidrs if c not in own),
        ]
        self.cluster = gcp.container.Cluster(
            f"{name}-gke",
            name=self.gke_name,
            project=ctx.project,
            location=self.location,
            description=f"Rasa platform ({ctx.common.name})",
            network=args.network.network_id,
            subnetwork=args.network.subnet_id,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy={
                "cluster_secondary_range_name": args.network.pods_range_name,
                "services_secondary_range_name": args.network.services_range_name,
                "stack_type": "IPV4",
            },
            # The default pool is removed once the cluster exists; until then it runs as our node account.
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config=node_config,
            min_master_version=args.kubernetes_version,
            release_channel={"channel": args.release_channel},
            private_cluster_config={
                "enable_private_nodes": True,  # nodes have no public IP
                "enable_private_endpoint": not public,
                "master_global_access_config": {"enabled": False},
            },
            master_authorized_networks_config={
                "cidr_blocks": authorized,
                "gcp_public_cidrs_access_enabled": False,
                "private_endpoint_enforcement_enabled": True,
            },
            control_plane_endpoints_config={
                "dns_endpoint_config": {"allow_external_traffic": args.dns_endpoint},
                "ip_endpoints_config": {"enabled": True},
            },
            workload_identity_config={"workload_pool": ctx.workload_pool},
            datapath_provider="ADVANCED_DATAPATH",  # Dataplane V2: NetworkPolicy enforced
            enable_shielded_nodes=True,
            enable_legacy_abac=False,
            database_encryption={"state": "ENCRYPTED", "key_name": secrets_key.id},
            master_auth={"client_certificate_config": {"issue_client_certificate": False}},
            addons_config={
                "http_load_balancing": {"disabled": False},  # GKE Ingress and Gateway controllers
                "horizontal_pod_autoscaling": {"disabled": False},
                "gce_persistent_disk_csi_driver_config": {"enabled": True},
            },
            gateway_api_config={"channel": "CHANNEL_STANDARD"},
            logging_config={"enable_components": LOG_COMPONENTS},
            monitoring_config={"enable_components": ["SYSTEM_COMPONENTS"], "managed_prometheus": {"enabled": True}},
            maintenance_policy={"daily_maintenance_window": {"start_time": "03:00"}},
            deletion_protection=ctx.protect,
            resource_labels=ctx.labels,
            opts=pulumi.ResourceOptions(
                parent=self, protect=ctx.protect, depends_on=[*secrets_key.ready, node_grant],
                # Node pools are their own resources; GKE reports the default pool's config here.
                ignore_changes=["nodeConfig", "initialNodeCount"],
            ),
        )

        zones = 1 if args.zone else 3
        self.node_pool = gcp.container.NodePool(
            f"{name}-pool",
            name="rasa",
            project=ctx.project,
            cluster=self.cluster.id,
            location=self.location,
            initial_node_count=max(1, -(-args.node_count_min // zones)),  # per zone
            autoscaling={
                "total_min_node_count": args.node_count_min,
                "total_max_node_count": args.node_count_max,
                "location_policy": "BALANCED",
            },
            management={"auto_repair": True, "auto_upgrade": True},
            upgrade_settings={"strategy": "SURGE", "max_surge": args.node_max_surge, "max_unavailable": 0},
            node_config=node_config,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["initialNodeCount", "nodeCount"]),
        )
        admins = [
            gcp.projects.IAMMember(f"{name}-admin-{i}", project=ctx.project, role=ADMIN_ROLE, member=member, opts=child)
            for i, member in enumerate(args.admin_members)
        ]

        if args.dns_endpoint:
            # Google's public certificate on the DNS endpoint: no CA data.
            server = self.cluster.control_plane_endpoints_config.apply(
                lambda c: f"https://{c.dns_endpoint_config.endpoint}" if c and c.dns_endpoint_config else ""
            )
            ca = None
        else:
            server = self.cluster.endpoint.apply(lambda e: f"https://{e}")
            ca = self.cluster.master_auth.apply(lambda a: a.cluster_ca_certificate if a else None)
        self.kubeconfig = kubeconfig(self.cluster.name, server, ca)
        self.kubernetes_provider = k8s.Provider(
            f"{name}-kubernetes", kubeconfig=self.kubeconfig, opts=pulumi.ResourceOptions(parent=self, depends_on=admins),
        )
        self.ready = [self.node_pool, *admins]
        self.register_outputs({"name": self.cluster.name, "endpoint": self.cluster.endpoint, "location": self.location})

    @staticmethod
    def _node_config(args: ClusterArgs, service_account: pulumi.Input[str]) -> dict:
        ctx = args.context
        return {
            "machine_type": args.machine_type,
            "disk_type": "pd-balanced",
            "disk_size_gb": args.node_disk_gb,
            "image_type": "COS_CONTAINERD",
            "service_account": service_account,
            "oauth_scopes": OAUTH_SCOPES,
            "spot": args.node_spot,
            "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
            # Pods see the GKE metadata server (Workload Identity), never the node's credentials.
            "workload_metadata_config": {"mode": "GKE_METADATA"},
            "metadata": {"disable-legacy-endpoints": "true"},
            "tags": [node_tag(ctx)],
            "resource_labels": ctx.labels,
        }
