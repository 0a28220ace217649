"""Node autoscaling for the EKS managed node group: the Kubernetes Cluster Autoscaler.

Why this one (README: AWS, Autoscaling): the platform runs one managed node group whose size
limits are cluster.nodeCountMin/Max, and the Cluster Autoscaler scales exactly that group between
exactly those limits. EKS tags a managed node group's Auto Scaling group for its auto-discovery,
so nothing else is configured. Karpenter would replace the node group with its own NodePools and
EC2NodeClass (and a second way of choosing instance types); EKS Auto Mode would replace the node
group, the launch template and the core add-ons altogether. Either is a different cluster design,
not an addition to this one.

Installed from its official chart, chart and image pinned (the image's minor must be the
cluster's Kubernetes minor), with an IRSA role that may describe Auto Scaling groups and instance
types and may resize or shrink only the groups EKS tagged as this cluster's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.aws.context import AwsContext, ClusterAccess, irsa_trust_policy, policy_document, role
from components.aws.node_types import AUTOSCALER_REQUESTS

CHART = "cluster-autoscaler"
CHART_VERSION = "9.59.0"
CHART_REPOSITORY = "https://kubernetes.github.io/autoscaler"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "cluster-autoscaler"
# Kubernetes minor → the newest Cluster Autoscaler release of that minor (cluster-autoscaler-1.x.y tags).
IMAGE_TAGS = {"1.32": "v1.32.7", "1.33": "v1.33.6", "1.34": "v1.34.4", "1.35": "v1.35.2"}


def autoscaler_policy(ctx: AwsContext, cluster_name: str) -> pulumi.Output[str]:
    """The autoscaler's AWS README policy ("Full Cluster Autoscaler Features"), its writes limited
    to the Auto Scaling groups EKS tagged as this cluster's."""
    return policy_document([
        {
            "Sid": "DiscoverGroupsAndInstanceTypes",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            "Resource": "*",  # Describe calls take no resource
        },
        {
            "Sid": "ResizeThisClustersGroupsOnly",
            "Effect": "Allow",
            "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            "Resource": ctx.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*"),
            "Condition": {"StringEquals": {
                f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned",
                "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
            }},
        },
    ])


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    context: AwsContext
    access: ClusterAccess
    cluster_name: str  # the EKS name: auto-discovery tag and IAM condition
    kubernetes_version: str  # picks the image (IMAGE_TAGS)
    kubernetes_provider: k8s.Provider
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)  # nodes to run on


class ClusterAutoscaler(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:ClusterAutoscaler", name, None, opts)
        ctx = args.context
        scaler_role = role(
            ctx, f"{name}-role", parent=self,
            assume_role_policy=irsa_trust_policy(args.access, NAMESPACE, SERVICE_ACCOUNT),
            description=f"Cluster Autoscaler of {args.cluster_name}: resizes its managed node group", purpose="eks-autoscaler",
            inline_policy=autoscaler_policy(ctx, args.cluster_name),
        )
        cpu, memory = AUTOSCALER_REQUESTS
        self.release = k8s.helm.v3.Release(
            name,
            name=CHART,
            chart=CHART,
            version=CHART_VERSION,
            repository_opts={"repo": CHART_REPOSITORY},
            namespace=NAMESPACE,
            create_namespace=False,
            atomic=True,  # a failed install or upgrade rolls back instead of leaving half a release
            cleanup_on_fail=True,
            timeout=600,
            values={
                "cloudProvider": "aws",
                "awsRegion": ctx.region,
                "autoDiscovery": {"clusterName": args.cluster_name},
                "fullnameOverride": CHART,
                "image": {"tag": IMAGE_TAGS[args.kubernetes_version]},
                "replicaCount": 1,
                "rbac": {"create": True, "serviceAccount": {
                    "create": True, "name": SERVICE_ACCOUNT,
                    "annotations": {"eks.amazonaws.com/role-arn": scaler_role.arn},
                }},
                "extraArgs": {
                    "balance-similar-node-groups": True,  # keep the zones even as it scales
                    "expander": "least-waste",
                    "skip-nodes-with-local-storage": False,  # emptyDir scratch space must not pin a node
                },
                "resources": {"requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"}, "limits": {"memory": f"{memory}Mi"}},
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containerSecurityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                             "capabilities": {"drop": ["ALL"]}},
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider, depends_on=list(args.depends_on)),
        )
        self.register_outputs({"roleArn": scaler_role.arn})
