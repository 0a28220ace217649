"""AWS-only settings (`rasa-platform:aws`).

Cloud-neutral things (backups, high availability, storage sizes, topic settings, protection) live
in the generic sections (components/settings/sections.py); this section holds everything that has
no meaning on another cloud: instance classes and node types, VPC and subnet ids, IAM, MSK's
Kafka versions. Per-environment defaults come from components/aws/presets.py.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, Field

from components.settings.values import DnsLabel, HttpsUrl, Section, between, matching

# The account ids AWS's documentation uses in examples (and LocalStack's): copied into a stack,
# they fail only in a real account, halfway through `pulumi up`, so they are refused here.
EXAMPLE_ACCOUNT_IDS = ("123456789012", "111122223333", "444455556666", "777788889999", "000000000000")


def _real_account(value: str) -> str:
    account = value.split(":")[4] if value.startswith("arn:") else value
    if account in EXAMPLE_ACCOUNT_IDS:
        raise ValueError(f"account {account} is an example from AWS's documentation, not a real account: use your own account id")
    return value


AccountId = Annotated[str, matching(r"[0-9]{12}", "a 12-digit AWS account id"), AfterValidator(_real_account)]
IamRoleArn = Annotated[
    str,
    matching(r"arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}", "an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
    AfterValidator(_real_account),
]
IamPolicyArn = Annotated[
    str,
    matching(r"arn:aws(-cn|-us-gov)?:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]{1,512}", "an IAM policy ARN"),
    AfterValidator(_real_account),
]
SecurityGroupId = Annotated[str, matching(r"sg-[0-9a-f]{8,17}", "a security group id (sg-...)")]
VpcId = Annotated[str, matching(r"vpc-[0-9a-f]{8,17}", "a VPC id (vpc-...)")]
SubnetId = Annotated[str, matching(r"subnet-[0-9a-f]{8,17}", "a subnet id (subnet-...)")]
PeeringConnectionId = Annotated[str, matching(r"pcx-[0-9a-f]{8,17}", "a VPC peering connection id (pcx-...)")]
TransitGatewayId = Annotated[str, matching(r"tgw-[0-9a-f]{8,17}", "a transit gateway id (tgw-...)")]

# The values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)

# The EKS add-ons the platform installs (and whose versions may be pinned).
EKS_ADDONS = ("vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "metrics-server")


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be one of CloudWatch's retention periods: {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return value


def _addon_versions(value: dict[str, str]) -> dict[str, str]:
    for name, version in value.items():
        if name not in EKS_ADDONS:
            raise ValueError(f"unknown add-on {name}; allowed: {', '.join(EKS_ADDONS)}")
        if not version.startswith("v"):
            raise ValueError(f"add-on {name}: version must look like v1.19.0-eksbuild.1")
    return value


class NetworkIdsSettings(Section):
    """The VPC to use when `network.mode` is existing."""

    vpc_id: Optional[VpcId] = None
    """existing network: the VPC id."""
    private_subnet_ids: tuple[SubnetId, ...] = ()
    """existing network: subnets for nodes and data services (one per zone, 2 or 3)."""
    public_subnet_ids: tuple[SubnetId, ...] = ()
    """existing network: subnets for load balancers and NAT."""


class VaultNetworkSettings(Section):
    """How the VPC created here reaches an external Vault on a private network (vault.egressCidrs):
    one of a peering connection to accept or a transit gateway to attach. Either way the private
    subnets get a route to each vault.egressCidrs; without one they send it to the NAT gateway."""

    peering_connection_id: Optional[PeeringConnectionId] = None
    """A VPC peering connection requested to this VPC (e.g. by an HCP HVN) that this stack accepts."""
    transit_gateway_id: Optional[TransitGatewayId] = None
    """A transit gateway (yours or shared through RAM) the private subnets are attached to."""


class NodeGroupSettings(Section):
    """The managed node group (its size limits are the generic cluster.nodeCountMin/Max)."""

    instance_type: Optional[str] = None
    """EC2 instance type of the nodes (preset when unset)."""
    ami_type: Literal["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD"] = "AL2023_x86_64_STANDARD"
    """Node image; AL2023 only (the launch template's root device /dev/xvda assumes it). ARM needs Graviton types."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """On-demand or spot nodes."""
    disk_gb: Annotated[int, between(20, 2000)] = 50
    """Root volume of each node (gp3, encrypted with the platform's EBS key)."""
    max_unavailable: Annotated[int, between(1, 10)] = 1
    """Nodes replaced at once during a node group update."""


class TrackerStoreAwsSettings(Section):
    instance_class: Optional[str] = None
    """RDS PostgreSQL instance class (preset when unset); its memory sets max_connections."""


class LockStoreAwsSettings(Section):
    node_type: Optional[str] = None
    """ElastiCache node type (preset when unset)."""


class EventQueueAwsSettings(Section):
    kafka_version: str = "3.8.0"
    """MSK Kafka version (3.6 to 3.9)."""
    broker_instance_type: Optional[str] = None
    """MSK broker instance type (preset when unset)."""
    broker_storage_gb: Annotated[int, between(1, 16384)] = 100
    """EBS storage per broker."""
    brokers_per_zone: Annotated[int, between(1, 4)] = 1
    """MSK brokers in each zone (total = zones × this)."""


class ModelStorageAwsSettings(Section):
    endpoint_url: Optional[HttpsUrl] = None
    """existing S3-compatible store only: its endpoint URL (AWS_ENDPOINT_URL)."""


class VaultSealSettings(Section):
    """A KMS key and an IRSA role for Vault's awskms auto-unseal (used by the in-cluster Vault)."""

    enabled: bool = False
    """Create the seal key and the Vault server's IRSA role (outputs vaultSealKmsKeyId, vaultSealRoleArn)."""
    namespace: DnsLabel = "vault"
    """Namespace of the Vault server's service account."""
    service_account: DnsLabel = "vault"
    """Name of the Vault server's service account."""


class AwsSettings(Section):
    iam_auth: bool = False
    """Reach RDS, ElastiCache and MSK with IAM (IRSA) instead of passwords (Rasa Pro 3.14+)."""
    allowed_account_ids: tuple[AccountId, ...] = ()
    """The only AWS accounts this stack may touch: a wrong profile fails before any change."""
    nat_gateways: Literal["single", "perZone"] = "single"
    """One NAT gateway for the VPC, or one per zone (survives a zone outage)."""
    flow_logs: bool = False
    """VPC flow logs (all traffic) to an encrypted CloudWatch log group."""
    log_retention_days: Annotated[int, AfterValidator(_log_retention)] = 30
    """Retention of every log group the platform creates (EKS, RDS, ElastiCache, MSK, flow logs)."""
    cluster_admin_role_arns: tuple[IamRoleArn, ...] = ()
    """IAM roles given EKS access entries with AmazonEKSClusterAdminPolicy (authentication mode API, no aws-auth)."""
    grant_deployer_cluster_admin: bool = True
    """Also give cluster admin to the identity running `pulumi up` (it deploys the workload). Do not list that role above too."""
    client_security_group_ids: tuple[SecurityGroupId, ...] = ()
    """Security groups (besides the EKS cluster security group) allowed into the data services."""
    permissions_boundary_arn: Optional[IamPolicyArn] = None
    """Permissions boundary attached to every IAM role the platform creates."""
    addon_versions: Annotated[dict[str, str], AfterValidator(_addon_versions)] = Field(default_factory=dict)
    """Pin EKS add-on versions (vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver, metrics-server); unset: EKS's default for the Kubernetes version."""
    network: NetworkIdsSettings = NetworkIdsSettings()
    vault_network: VaultNetworkSettings = VaultNetworkSettings()
    node_group: NodeGroupSettings = NodeGroupSettings()
    tracker_store: TrackerStoreAwsSettings = TrackerStoreAwsSettings()
    lock_store: LockStoreAwsSettings = LockStoreAwsSettings()
    event_queue: EventQueueAwsSettings = EventQueueAwsSettings()
    model_storage: ModelStorageAwsSettings = ModelStorageAwsSettings()
    vault_seal: VaultSealSettings = VaultSealSettings()
