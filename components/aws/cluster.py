"""EKS: private API endpoint, envelope-encrypted secrets, control-plane logs, access entries, a
managed node group with IMDSv2 only, IRSA, the core add-ons (metrics-server when an HPA needs it),
the Cluster Autoscaler when the group may grow, and an encrypted gp3 default storage class. Hands a Kubernetes provider to the Rasa workload.

`mode: existing` is `lookup_existing_cluster`: the cluster's security group and OIDC provider
come from the AWS API by cluster name, so the data services and IRSA work the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.context import (
    AwsContext, ClusterAccess, NetworkInfo, granted_role, irsa_trust_policy, log_group, policy_document, role,
    service_trust_policy,
)
from components.aws.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.aws.kms import CustomerKey, CustomerKeyArgs, ebs_statements

CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
DEFAULT_STORAGE_CLASS = "gp3-encrypted"
# Add-ons that must run before nodes can join (networking); the others need nodes to become ACTIVE.
BEFORE_NODES = ("vpc-cni", "kube-proxy")


def cluster_name(ctx: AwsContext, configured: Optional[str]) -> str:
    return configured or ctx.name("eks", 100)


def kubeconfig(name: pulumi.Input[str], endpoint: pulumi.Input[str], ca_data: pulumi.Input[str], region: str) -> pulumi.Output[str]:
    """A kubeconfig that holds no credential: `aws eks get-token` mints a short-lived token per call."""

    def render(args: list[str]) -> str:
        cluster, server, ca = args
        return json.dumps({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster, "cluster": {"server": server, "certificate-authority-data": ca}}],
            "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": cluster}}],
            "current-context": cluster,
            "users": [{
                "name": cluster,
                "user": {"exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": "aws",
                    "args": ["eks", "get-token", "--cluster-name", cluster, "--region", region, "--output", "json"],
                    "interactiveMode": "Never",
                }},
            }],
        })

    return pulumi.Output.all(name, endpoint, ca_data).apply(render)


def lookup_existing_cluster(ctx: AwsContext, name: str, client_security_group_ids: tuple[str, ...] = ()) -> ClusterAccess:
    """The facts IRSA and the data services need from a cluster this program does not manage."""
    cluster = aws.eks.get_cluster_output(name=name, opts=ctx.invoke_options())
    issuer = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
    provider = aws.iam.get_open_id_connect_provider_output(url=issuer, opts=ctx.invoke_options())
    return ClusterAccess(
        name=name,
        security_group_id=cluster.vpc_config.cluster_security_group_id,
        oidc_provider_arn=provider.arn,
        oidc_issuer_url=issuer,
        extra_client_security_group_ids=client_security_group_ids,
    )


@dataclass(frozen=True)
class ClusterArgs:
    context: AwsContext
    network: NetworkInfo
    kubernetes_version: str
    node_instance_type: str
    node_count_min: int
    node_count_max: int
    name: Optional[str] = None  # the EKS name; default `<base>-eks`
    public_access_cidrs: tuple[str, ...] = ()  # empty: the API endpoint is private only
    api_access_cidrs: tuple[str, ...] = ()  # private networks admitted to the private endpoint on 443
    node_ami_type: str = "AL2023_x86_64_STANDARD"
    node_capacity_type: str = "ON_DEMAND"
    node_disk_gb: int = 50
    node_max_unavailable: int = 1
    admin_role_arns: tuple[str, ...] = ()  # EKS access entries with cluster admin
    grant_deployer_admin: bool = True  # also the identity running `pulumi up` (it deploys the workload)
    client_security_group_ids: tuple[str, ...] = ()  # besides the cluster security group, into the data services
    addon_versions: Mapping[str, str] = field(default_factory=dict)  # unset: EKS's default for the version
    metrics_server: bool = False  # the EKS community add-on: an HPA scales on nothing without it
    node_autoscaling: bool = False  # the Cluster Autoscaler between node_count_min and node_count_max


class Cluster(pulumi.ComponentResource):
    access: ClusterAccess
    kubernetes_provider: k8s.Provider
    # What the workload must wait for: nodes, networking, DNS, storage, and our own access.
    ready: list[pulumi.Resource]
    eks_name: str  # the EKS cluster name (known before creation: log group and kubeconfig use it)
    endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:Cluster", name, None, opts)
        ctx = args.context
        self._args = args
        self.eks_name = cluster_name(ctx, args.name)
        self._n = n = name
        child = pulumi.ResourceOptions(parent=self)

        secrets_key = CustomerKey(
            f"{n}-secrets-key",
            CustomerKeyArgs(ctx, "eks-secrets", f"EKS envelope encryption of Kubernetes secrets ({self.eks_name})"),
            opts=child,
        )
        ebs_key = CustomerKey(
            f"{n}-ebs-key",
            CustomerKeyArgs(ctx, "ebs", f"EBS volumes of {self.eks_name}: node disks and persistent volumes",
                            extra_statements=ebs_statements(ctx)),
            opts=child,
        )
        logs = log_group(ctx, f"{n}-control-plane-logs", f"/aws/eks/{self.eks_name}/cluster", parent=self)

        cluster_role = granted_role(
            ctx, f"{n}-role", parent=self,
            assume_role_policy=service_trust_policy(ctx, "eks"),
            description=f"EKS control plane of {self.eks_name}", purpose="eks-cluster",
            managed_policy_suffixes=["AmazonEKSClusterPolicy"],
            inline_policy=policy_document([{
                "Sid": "EnvelopeEncryptionOfSecrets",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                "Resource": secrets_key.arn,
            }]),
        )

        public_cidrs = list(args.public_access_cidrs)
        vpc_config: dict = {
            "subnet_ids": list(args.network.private_subnet_ids),
            "endpoint_private_access": True,
            # Public only for the listed CIDRs; with none, the API is reachable from the VPC only.
            "endpoint_public_access": bool(public_cidrs),
            "security_group_ids": [],
        }
        if public_cidrs:
            vpc_config["public_access_cidrs"] = public_cidrs

        self.cluster = aws.eks.Cluster(
            f"{n}-eks",
            name=self.eks_name,
            version=args.kubernetes_version,
            role_arn=cluster_role.role.arn,
            vpc_config=vpc_config,
            access_config={
                "authentication_mode": "API",
                # Explicit access entries below instead of an invisible creator grant.
                "bootstrap_cluster_creator_admin_permissions": False,
            },
            encryption_config={"provider": {"key_arn": secrets_key.arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=CONTROL_PLANE_LOGS,
            kubernetes_network_config={"ip_family": "ipv4"},
            # The core add-ons are managed add-ons below, with versions and roles we control.
            bootstrap_self_managed_addons=False,
            upgrade_policy={"support_type": "STANDARD"},
            deletion_protection=ctx.protect,
            tags=ctx.tags(self.eks_name),
            # AWS: the cluster role's policies must be attached before the cluster is created and
            # detached only after it is deleted, or EKS cannot manage (or clean up) its ENIs.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, *cluster_role.grants], protect=ctx.protect),
        )
        self.endpoint = self.cluster.endpoint
        issuer = self.cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)

        # IRSA. No thumbprint: IAM validates EKS's issuer against its own trusted root CAs.
        oidc = aws.iam.OpenIdConnectProvider(
            f"{n}-oidc",
            url=issuer,
            client_id_lists=["sts.amazonaws.com"],
            tags=ctx.tags(f"{self.eks_name}-irsa"),
            opts=child,
        )
        self.access = ClusterAccess(
            name=self.cluster.name,
            security_group_id=self.cluster.vpc_config.cluster_security_group_id,
            oidc_provider_arn=oidc.arn,
            oidc_issuer_url=issuer,
            extra_client_security_group_ids=args.client_security_group_ids,
        )

        admin_grants = self._access_entries(ctx)
        api_access = self._api_access(ctx)

        addons: dict[str, aws.eks.Addon] = {}
        cni_role = role(
            ctx, f"{n}-vpc-cni-role", parent=self,
            assume_role_policy=irsa_trust_policy(self.access, "kube-system", "aws-node"),
            description=f"VPC CNI (aws-node) of {self.eks_name}: ENI and IP management", purpose="eks-vpc-cni",
            managed_policy_suffixes=["AmazonEKS_CNI_Policy"],
        )
        addons["vpc-cni"] = self._addon(
            ctx, "vpc-cni", role_arn=cni_role.arn,
            # Without this the Rasa NetworkPolicy is accepted by the API but never enforced.
            configuration={"enableNetworkPolicy": "true"},
        )
        addons["kube-proxy"] = self._addon(ctx, "kube-proxy")

        nodes = self._node_group(ctx, args.network, ebs_key, depends_on=[addons[a] for a in BEFORE_NODES])

        ebs_role = role(
            ctx, f"{n}-ebs-csi-role", parent=self,
            assume_role_policy=irsa_trust_policy(self.access, "kube-system", "ebs-csi-controller-sa"),
            description=f"EBS CSI driver of {self.eks_name}: persistent volumes", purpose="eks-ebs-csi",
            managed_policy_suffixes=["service-role/AmazonEBSCSIDriverPolicy"],
            inline_policy=policy_document([
                {
                    "Sid": "UseTheVolumeKey",
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                    "Resource": ebs_key.arn,
                },
                {
                    "Sid": "GrantsForAttachedVolumesOnly",
                    "Effect": "Allow",
                    "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    "Resource": ebs_key.arn,
                    "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                },
            ]),
        )
        addons["coredns"] = self._addon(ctx, "coredns", depends_on=[nodes])
        addons["aws-ebs-csi-driver"] = self._addon(ctx, "aws-ebs-csi-driver", role_arn=ebs_role.arn, depends_on=[nodes])
        if args.metrics_server:
            # EKS ships no metrics API: without it the HPA reads no CPU and never scales.
            addons["metrics-server"] = self._addon(ctx, "metrics-server", depends_on=[nodes])

        self.kubeconfig = kubeconfig(
            self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority.data, ctx.region,
        )
        self.kubernetes_provider = k8s.Provider(
            f"{n}-kubernetes",
            kubeconfig=self.kubeconfig,
            # Every Kubernetes object waits for our access entry and for the network path to the API.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*admin_grants, *api_access]),
        )
        if args.node_autoscaling:
            ClusterAutoscaler(
                f"{n}-autoscaler",
                ClusterAutoscalerArgs(ctx, self.access, cluster_name=self.eks_name, kubernetes_version=args.kubernetes_version,
                                      kubernetes_provider=self.kubernetes_provider, depends_on=[nodes, addons["coredns"]]),
                opts=child,
            )
        storage_class = k8s.storage.v1.StorageClass(
            f"{n}-gp3-encrypted",
            metadata={
                "name": DEFAULT_STORAGE_CLASS,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            provisioner="ebs.csi.aws.com",
            parameters={
                "type": "gp3",
                "encrypted": "true",
                "kmsKeyId": ebs_key.arn,
                "csi.storage.k8s.io/fstype": "ext4",
            },
            volume_binding_mode="WaitForFirstConsumer",  # the volume is created in the pod's zone
            allow_volume_expansion=True,
            reclaim_policy="Retain" if ctx.protect else "Delete",
            opts=pulumi.ResourceOptions(
                parent=self, provider=self.kubernetes_provider, depends_on=[addons["aws-ebs-csi-driver"]],
            ),
        )

        self.ready = [nodes, *addons.values(), *admin_grants, *api_access, storage_class]
        self.register_outputs({
            "name": self.cluster.name,
            "endpoint": self.cluster.endpoint,
            "oidcProviderArn": oidc.arn,
            "securityGroupId": self.access.security_group_id,
        })

    # -----------------------------------------------------------------------------------------

    def _api_access(self, ctx: AwsContext) -> list[pulumi.Resource]:
        """443 on the EKS cluster security group from each cluster.apiAccessCidrs network.

        The private endpoint's ENIs carry that group, which EKS creates admitting only itself: a
        deployer outside it (a CI runner in a peered VPC, a VPN) cannot create the first Kubernetes
        object. When the endpoint is private and nothing is admitted, say so before `pulumi up`
        waits on a connection that cannot succeed."""
        args = self._args
        if not args.api_access_cidrs and not args.public_access_cidrs:
            pulumi.log.warn(
                "the EKS API endpoint is private and cluster.apiAccessCidrs is empty: `pulumi up` cannot create "
                "Kubernetes objects unless it runs on a node of this cluster; list the deployer's network "
                "(peered VPC or VPN) in cluster.apiAccessCidrs, or a temporary cluster.publicAccessCidrs "
                "(README: AWS, the first deploy)",
                resource=self,
            )
        return [
            aws.vpc.SecurityGroupIngressRule(
                f"{self._n}-api-from-{i}",
                security_group_id=self.access.security_group_id,
                description=f"EKS API (private endpoint) from {cidr}: cluster.apiAccessCidrs",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=cidr,
                tags=ctx.tags(),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for i, cidr in enumerate(args.api_access_cidrs)
        ]

    def _access_entries(self, ctx: AwsContext) -> list[pulumi.Resource]:
        principals: list[tuple[str, pulumi.Input[str]]] = [
            (f"{self._n}-admin-{i}", arn) for i, arn in enumerate(self._args.admin_role_arns)
        ]
        if self._args.grant_deployer_admin:
            caller = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self))
            # An assumed-role session ARN is not a valid principal: access entries need the role.
            deployer = aws.iam.get_session_context_output(arn=caller.arn, opts=pulumi.InvokeOptions(parent=self))
            principals.append((f"{self._n}-deployer", deployer.issuer_arn))

        grants: list[pulumi.Resource] = []
        for logical, principal in principals:
            entry = aws.eks.AccessEntry(
                logical,
                cluster_name=self.cluster.name,
                principal_arn=principal,
                type="STANDARD",
                tags=ctx.tags(),
                opts=pulumi.ResourceOptions(parent=self),
            )
            grants.append(aws.eks.AccessPolicyAssociation(
                logical,
                cluster_name=self.cluster.name,
                principal_arn=principal,
                policy_arn=f"arn:{ctx.partition}:eks::aws:cluster-access-policy/{CLUSTER_ADMIN_POLICY}",
                access_scope={"type": "cluster"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]),
            ))
        return grants

    def _addon(
        self,
        ctx: AwsContext,
        addon: str,
        *,
        role_arn: Optional[pulumi.Input[str]] = None,
        configuration: Optional[dict] = None,
        depends_on: Optional[list[pulumi.Resource]] = None,
    ) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{self._n}-{addon}",
            cluster_name=self.cluster.name,
            addon_name=addon,
            addon_version=self._args.addon_versions.get(addon),
            service_account_role_arn=role_arn,
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            preserve=False,
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on or []),
        )

    def _node_group(
        self, ctx: AwsContext, network: NetworkInfo, ebs_key: CustomerKey, depends_on: list[pulumi.Resource],
    ) -> aws.eks.NodeGroup:
        args = self._args
        node_role = granted_role(
            ctx, f"{self._n}-node-role", parent=self,
            assume_role_policy=service_trust_policy(ctx, "ec2"),
            description=f"Worker nodes of {self.eks_name} (pods use IRSA, never this role)", purpose="eks-node",
            # The CNI policy sits on the aws-node IRSA role instead of every node.
            managed_policy_suffixes=["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"],
        )
        node_tags = ctx.tags(f"{self.eks_name}-node")
        template = aws.ec2.LaunchTemplate(
            f"{self._n}-nodes",
            name_prefix=f"{self.eks_name}-nodes-",
            description=f"Worker nodes of {self.eks_name}: IMDSv2 only, encrypted gp3 root volume",
            update_default_version=True,
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",  # IMDSv2 only
                # 1 hop: pods (one hop further) cannot reach the node role's credentials.
                "http_put_response_hop_limit": 1,
                "http_protocol_ipv6": "disabled",
                "instance_metadata_tags": "disabled",
            },
            block_device_mappings=[{
                "device_name": "/dev/xvda",  # AL2023 root volume
                "ebs": {
                    "volume_size": args.node_disk_gb,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "kms_key_id": ebs_key.arn,
                    "delete_on_termination": "true",
                },
            }],
            tag_specifications=[
                {"resource_type": kind, "tags": node_tags} for kind in ("instance", "volume", "network-interface")
            ],
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.eks.NodeGroup(
            f"{self._n}-nodes",
            cluster_name=self.cluster.name,
            node_role_arn=node_role.role.arn,
            subnet_ids=list(network.private_subnet_ids),  # spread over every zone
            version=args.kubernetes_version,
            ami_type=args.node_ami_type,
            capacity_type=args.node_capacity_type,
            instance_types=[args.node_instance_type],
            scaling_config={
                "min_size": args.node_count_min,
                "max_size": args.node_count_max,
                "desired_size": args.node_count_min,
            },
            update_config={"max_unavailable": args.node_max_unavailable},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            tags=ctx.tags(f"{self.eks_name}-nodes"),
            opts=pulumi.ResourceOptions(
                parent=self,
                # AWS: the node role's policies before the group (nodes join with them) and after it on
                # destroy; the private routes, or nodes cannot reach the API, ECR or STS and never join.
                depends_on=[*depends_on, *node_role.grants, *network.private_routes],
                # An autoscaler owns the current size once the group exists.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
