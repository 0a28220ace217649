"""AKS: a pinned Kubernetes version, Entra ID authentication with Azure RBAC and local accounts
disabled, a private API server (or a public one limited to authorized IP ranges), the OIDC issuer
and workload identity, Azure CNI overlay with Cilium network policy, KMS encryption of etcd with a
Key Vault key, a system pool and an autoscaled user pool across zones in prod, automatic upgrades
inside a weekly maintenance window, and the application routing add-on (managed NGINX) for the
Ingress. Hands a Kubernetes provider to the Rasa workload that authenticates through kubelogin.

`mode: existing` is `lookup_existing_cluster`: the OIDC issuer comes from the cluster by name, so
workload identities work the same way. AKS ships metrics-server (the HPA's metrics) and runs the
cluster autoscaler itself once a pool has `enable_auto_scaling`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native.containerservice as containerservice
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights
import pulumi_kubernetes as k8s
import yaml

from components.azure.context import AzureContext, ClusterAccess, NetworkInfo, role_assignment
from components.azure.key_vault import KeyVault, KeyVaultArgs
from components.azure.vm_sizes import MAX_PODS

# Overlay address ranges: pods and services never take VNet addresses; the plan checks that
# network.cidr overlaps neither.
POD_CIDR = "192.168.0.0/16"
SERVICE_CIDR = "172.16.0.0/16"
DNS_SERVICE_IP = "172.16.0.10"
# The Entra application every AKS cluster's API server accepts tokens for (AKS-managed Entra ID).
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
MAINTENANCE_HOURS = 4
# Control-plane log categories kept: the API server, the audit log without get/list (what changed,
# by whom), Entra ID authentication (guard) and the autoscaler's decisions.
CONTROL_PLANE_LOGS = ("kube-apiserver", "kube-audit-admin", "guard", "cluster-autoscaler")


def lookup_existing_cluster(ctx: AzureContext, name: str, resource_group: str) -> ClusterAccess:
    cluster = containerservice.get_managed_cluster_output(
        resource_group_name=resource_group, resource_name=name, opts=ctx.invoke_options(),
    )
    return ClusterAccess(name=name, oidc_issuer_url=cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else ""))


def deployer_kubeconfig(encoded: str) -> str:
    """AKS's user kubeconfig with the user switched to kubelogin's Azure CLI login: no credential
    is stored; `pulumi up` runs as whoever `az login` is (a CI's workload identity or a person)."""
    config = yaml.safe_load(base64.b64decode(encoded))
    for user in config.get("users") or []:
        user["user"] = {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "kubelogin",
            "args": ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_APP_ID],
            "interactiveMode": "Never",
        }}
    return json.dumps(config)


@dataclass(frozen=True)
class ClusterArgs:
    context: AzureContext
    network: NetworkInfo
    kubernetes_version: str
    system_vm_size: str
    user_vm_size: str
    system_node_count: int
    node_count_min: int  # the user pool's autoscaler limits
    node_count_max: int
    public_access_cidrs: tuple[str, ...] = ()  # empty: a private cluster
    sku_tier: str = "Standard"
    upgrade_channel: str = "patch"
    node_os_upgrade_channel: str = "NodeImage"
    maintenance_day: str = "Sunday"
    maintenance_start_hour: int = 2
    admin_group_object_ids: tuple[str, ...] = ()
    grant_deployer_admin: bool = True
    deployer_principal_type: str = "User"  # User | ServicePrincipal
    kms_soft_delete_days: int = 7
    log_retention_days: int = 30
    name: Optional[str] = None  # the AKS name; default `<base>-aks`


class Cluster(pulumi.ComponentResource):
    access: ClusterAccess
    kubernetes_provider: k8s.Provider
    ready: list[pulumi.Resource]  # what the workload waits for: the user pool and our own access
    aks_name: str
    managed_cluster: containerservice.ManagedCluster

    def __init__(self, name: str, args: ClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:Cluster", name, None, opts)
        ctx = args.context
        rg = ctx.resource_group_name
        child = pulumi.ResourceOptions(parent=self)
        self.aks_name = args.name or ctx.name("aks", 63)
        zones = list(ctx.zones) or None

        # The control plane's own identity: KMS key use and joining nodes to our subnet.
        identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity", resource_name_=ctx.name("aks-identity", 128), resource_group_name=rg,
            location=ctx.location, tags=ctx.tags(), opts=child,
        )
        kms = KeyVault(
            f"{name}-kms",
            KeyVaultArgs(ctx, "kms", args.kms_soft_delete_days, key_ops=["encrypt", "decrypt"], key_size=2048),
            opts=child,
        )
        grants = [
            role_assignment(ctx, f"{name}-kms-crypto-user", parent=self, scope=kms.key.id, role="Key Vault Crypto User",
                            principal_id=identity.principal_id, description="AKS KMS: encrypt / decrypt etcd with this key only"),
            role_assignment(ctx, f"{name}-subnet-network", parent=self, scope=args.network.node_subnet_id,
                            role="Network Contributor", principal_id=identity.principal_id,
                            description="AKS: place nodes and the API server endpoint in the node subnet"),
        ]
        private = not args.public_access_cidrs
        system_pool = {
            "name": "system",
            "mode": containerservice.AgentPoolMode.SYSTEM,
            "type": containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
            "vm_size": args.system_vm_size,
            "count": args.system_node_count,
            "enable_auto_scaling": False,
            "availability_zones": zones,
            "vnet_subnet_id": args.network.node_subnet_id,
            "max_pods": MAX_PODS,
            "os_type": containerservice.OSType.LINUX,
            "os_sku": containerservice.OSSKU.AZURE_LINUX,
            "os_disk_type": containerservice.OSDiskType.MANAGED,
            "enable_node_public_ip": False,
            "orchestrator_version": args.kubernetes_version,
            # Only AKS's own add-ons run here: Rasa lands on the user pool.
            "node_taints": ["CriticalAddonsOnly=true:NoSchedule"],
            "upgrade_settings": {"max_surge": "33%"},
        }
        self.managed_cluster = containerservice.ManagedCluster(
            f"{name}-aks",
            resource_name_=self.aks_name,
            resource_group_name=rg,
            location=ctx.location,
            dns_prefix=self.aks_name,
            kubernetes_version=args.kubernetes_version,
            sku={"name": containerservice.ManagedClusterSKUName.BASE, "tier": args.sku_tier},
            identity={"type": containerservice.ResourceIdentityType.USER_ASSIGNED, "user_assigned_identities": [identity.id]},
            node_resource_group=ctx.name("aks-nodes", 80),
            enable_rbac=True,
            disable_local_accounts=True,  # no static admin kubeconfig: Entra ID only
            aad_profile={
                "managed": True,
                "enable_azure_rbac": True,
                "tenant_id": ctx.tenant_id,
                "admin_group_object_ids": list(args.admin_group_object_ids),
            },
            api_server_access_profile={
                "enable_private_cluster": private,
                "enable_private_cluster_public_fqdn": False,
                "private_dns_zone": "system" if private else None,
                "authorized_ip_ranges": list(args.public_access_cidrs),
                "disable_run_command": True,
            },
            # Exposure is decided above (private cluster, or authorized ranges); `publicNetworkAccess`
            # is left unset: it belongs to the preview network-security-perimeter feature, and
            # Terraform's azurerm dropped its equivalent as not honoured by the AKS API.
            oidc_issuer_profile={"enabled": True},
            security_profile={
                "workload_identity": {"enabled": True},
                "azure_key_vault_kms": {
                    "enabled": True,
                    "key_id": kms.key.key_uri_with_version,  # AKS's KMS needs the versioned key id
                    "key_vault_network_access": containerservice.KeyVaultNetworkAccessTypes.PUBLIC,
                },
                "image_cleaner": {"enabled": True, "interval_hours": 168},
            },
            network_profile={
                "network_plugin": containerservice.NetworkPlugin.AZURE,
                "network_plugin_mode": containerservice.NetworkPluginMode.OVERLAY,
                "network_dataplane": containerservice.NetworkDataplane.CILIUM,
                "network_policy": containerservice.NetworkPolicy.CILIUM,
                "pod_cidr": POD_CIDR,
                "service_cidr": SERVICE_CIDR,
                "dns_service_ip": DNS_SERVICE_IP,
                "load_balancer_sku": containerservice.LoadBalancerSku.STANDARD,
                "outbound_type": containerservice.OutboundType.LOAD_BALANCER,
            },
            agent_pool_profiles=[system_pool],
            auto_upgrade_profile={"upgrade_channel": args.upgrade_channel, "node_os_upgrade_channel": args.node_os_upgrade_channel},
            auto_scaler_profile={"balance_similar_node_groups": "true", "expander": "least-waste"},
            # No application routing add-on: the Ingress is served by the pinned Traefik and
            # cert-manager every cloud installs (components/ingress), which also issues its certificate.
            ingress_profile={"web_app_routing": {"enabled": False}},
            storage_profile={
                "disk_csi_driver": {"enabled": True},
                "file_csi_driver": {"enabled": False},
                "blob_csi_driver": {"enabled": False},
                "snapshot_controller": {"enabled": True},
            },
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=grants),
        )
        cluster_name = self.managed_cluster.name
        user_pool = containerservice.AgentPool(
            f"{name}-rasa-pool",
            agent_pool_name="rasa",
            resource_name_=cluster_name,
            resource_group_name=rg,
            mode=containerservice.AgentPoolMode.USER,
            type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
            vm_size=args.user_vm_size,
            enable_auto_scaling=True,  # AKS's cluster autoscaler, within the settings' limits
            min_count=args.node_count_min,
            max_count=args.node_count_max,
            count=args.node_count_min,
            availability_zones=zones,
            vnet_subnet_id=args.network.node_subnet_id,
            max_pods=MAX_PODS,
            os_type=containerservice.OSType.LINUX,
            os_sku=containerservice.OSSKU.AZURE_LINUX,
            os_disk_type=containerservice.OSDiskType.MANAGED,
            enable_node_public_ip=False,
            orchestrator_version=args.kubernetes_version,
            node_labels={"rasa-platform/pool": "rasa"},
            upgrade_settings={"max_surge": "33%"},
            tags=ctx.tags(),
            # The autoscaler owns the node count once the pool exists.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"]),
        )
        window = {
            "schedule": {"weekly": {"day_of_week": args.maintenance_day, "interval_weeks": 1}},
            "duration_hours": MAINTENANCE_HOURS,
            "start_time": f"{args.maintenance_start_hour:02d}:00",
            "utc_offset": "+00:00",
        }
        windows = [
            containerservice.MaintenanceConfiguration(
                f"{name}-{config_name}",
                config_name=config_name,
                resource_name_=cluster_name,
                resource_group_name=rg,
                maintenance_window=window,
                opts=child,
            )
            for config_name in ("aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule")
        ]
        workspace = operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=ctx.name("aks-logs", 63),
            resource_group_name=rg,
            location=ctx.location,
            sku={"name": operationalinsights.WorkspaceSkuNameEnum.PER_GB2018},
            retention_in_days=args.log_retention_days,
            # Entra ID only, and readers see only the resources they may see.
            features={"disable_local_auth": True, "enable_log_access_using_only_resource_permissions": True},
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        monitor.DiagnosticSetting(
            f"{name}-control-plane-logs",
            name="control-plane-logs",
            resource_uri=self.managed_cluster.id,
            workspace_id=workspace.id,
            log_analytics_destination_type="Dedicated",
            logs=[{"category": category, "enabled": True} for category in CONTROL_PLANE_LOGS],
            opts=child,
        )
        ready: list[pulumi.Resource] = [user_pool, *windows]
        if args.grant_deployer_admin:
            ready.append(authorization_for_deployer(ctx, name, self, self.managed_cluster.id, args.deployer_principal_type))

        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=rg, resource_name=cluster_name, format="exec", opts=pulumi.InvokeOptions(parent=self),
        )
        self.kubeconfig = pulumi.Output.secret(credentials.kubeconfigs.apply(lambda kc: deployer_kubeconfig(kc[0].value)))
        self.kubernetes_provider = k8s.Provider(
            f"{name}-kubernetes",
            kubeconfig=self.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
        )
        self.ready = ready
        self.access = ClusterAccess(
            name=cluster_name,
            oidc_issuer_url=self.managed_cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url if p else ""),
        )
        self.fqdn = self.managed_cluster.private_fqdn if private else self.managed_cluster.fqdn
        self.register_outputs({"name": cluster_name, "fqdn": self.fqdn})


def authorization_for_deployer(ctx: AzureContext, name: str, parent: pulumi.Resource, cluster_id: pulumi.Input[str],
                               principal_type: str) -> pulumi.Resource:
    """The identity running `pulumi up` deploys the workload through the Kubernetes API: with Azure
    RBAC for Kubernetes that needs a role on the cluster (Azure checks the principal's type)."""
    return role_assignment(
        ctx, f"{name}-deployer-admin", parent=parent, scope=cluster_id, role="Azure Kubernetes Service RBAC Cluster Admin",
        principal_id=ctx.deployer_object_id, principal_type=principal_type, description="the deployer of this stack (pulumi up)",
    )
