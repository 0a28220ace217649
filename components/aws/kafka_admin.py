"""MSK's Kafka administrator: an IRSA role for the Vault bootstrap Job, which grants the SCRAM
users' ACLs through the brokers' IAM listener.

Why a role and not a user: the cluster refuses what no ACL allows (`allow.everyone.if.no.acl.found=false`)
and MSK has no super users, so the first ACL can only be created by an IAM-authenticated client,
whose Kafka requests MSK authorises with IAM actions instead of ACLs. Creating ACLs is Kafka's
ALTER on the cluster (MSK: `kafka-cluster:AlterCluster`), listing them DESCRIBE on the cluster
(`kafka-cluster:DescribeCluster`), and every IAM request needs `kafka-cluster:Connect` (AWS,
"Semantics of IAM authorization policy actions and resources"): exactly those three, on this
cluster's ARN, and nothing on any topic or group. Only the bootstrap's service account in Vault's
namespace may assume the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from components.aws.context import AwsContext, ClusterAccess, NetworkInfo, granted_role, irsa_trust_policy, policy_document
from components.aws.event_queue import IAM_PORT
from components.aws.identity import ROLE_ANNOTATION
from components.contracts import KafkaAdminAccess, NetworkAccess, WorkloadIdentity

ADMIN_ACTIONS = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:AlterCluster"]
STS_PORT = 443  # the pod exchanges its web identity token for the role's credentials at AWS STS


@dataclass(frozen=True)
class KafkaAdminArgs:
    context: AwsContext
    cluster: ClusterAccess
    network: NetworkInfo
    namespace: str  # of the bootstrap's service account (Vault's)
    service_account: str
    msk_cluster_arn: pulumi.Input[str]
    iam_bootstrap_servers: pulumi.Input[str]  # MSK's comma-separated IAM listener (port 9098)


def admin_statements(cluster_arn: pulumi.Input[str]) -> list[dict]:
    return [{
        "Sid": "GrantAclsOnThisClusterOnly",
        "Effect": "Allow",
        "Action": ADMIN_ACTIONS,
        "Resource": cluster_arn,
    }]


class KafkaAdmin(pulumi.ComponentResource):
    access: KafkaAdminAccess
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: KafkaAdminArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:KafkaAdmin", name, None, opts)
        ctx = args.context
        granted = granted_role(
            ctx, f"{name}-role", parent=self,
            assume_role_policy=irsa_trust_policy(args.cluster, args.namespace, args.service_account),
            description=f"Vault bootstrap ({args.namespace}/{args.service_account}): grants the MSK SCRAM users' ACLs",
            purpose="kafka-admin",
            inline_policy=policy_document(admin_statements(args.msk_cluster_arn)),
        )
        self.role_arn = granted.role.arn
        self.access = KafkaAdminAccess(
            bootstrap_servers=pulumi.Output.from_input(args.iam_bootstrap_servers).apply(
                lambda text: sorted(text.split(",")) if text else []),
            network=NetworkAccess(ports=(IAM_PORT,), cidrs=args.network.data_cidrs),
            namespace=args.namespace,
            service_account=args.service_account,
            identity=WorkloadIdentity(
                service_account_annotations=granted.role.arn.apply(lambda arn: {ROLE_ANNOTATION: arn}),
                # The SDK then asks the region's STS, not the global endpoint.
                env={"AWS_REGION": ctx.region, "AWS_STS_REGIONAL_ENDPOINTS": "regional"},
                network=(NetworkAccess(ports=(STS_PORT,)),),
            ),
            security_protocol="SASL_SSL",
            sasl_mechanism="AWS_MSK_IAM",
            region=ctx.region,
            ca_cert_pem=None,  # MSK's broker certificates chain to Amazon's public roots
            # IAM answers with the role's policy only once it is attached.
            ready=granted.grants,
        )
        self.register_outputs({"roleArn": self.role_arn})
