"""What every AWS component receives besides its own arguments, and the small helpers they share.

`AwsContext` carries the common arguments (name prefix, tags, protection), the explicit AWS
provider (region pinned from settings, so the ambient `aws:region` can never move a stack), the
account, and the account-wide choices every IAM role and log group follows. Network and cluster
facts travel as `NetworkInfo` and `ClusterAccess`, the same whether this program created them or
looked them up (`mode: existing`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.aws.tags import with_name
from components.common import CommonArgs


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def dns_suffix_for(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"



@dataclass(frozen=True)
class AwsContext:
    common: CommonArgs
    provider: aws.Provider
    region: str
    partition: str
    account_id: pulumi.Output[str]
    log_retention_days: int  # of every log group the platform creates
    permissions_boundary_arn: Optional[str] = None  # attached to every IAM role the platform creates
    # The customer key every CloudWatch log group of the platform is encrypted with.
    logs_key_arn: Optional[pulumi.Input[str]] = None

    @property
    def protect(self) -> bool:
        return self.common.protect

    @property
    def base_name(self) -> str:
        return self.common.name

    def name(self, suffix: str, max_length: int = 63) -> str:
        """A physical name `<base>-<suffix>` that fits `max_length`, trimming the base, never the suffix."""
        return self.common.physical_name(suffix, max_length)

    def tags(self, name: Optional[str] = None) -> dict[str, str]:
        return with_name(dict(self.common.tags), name)

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> pulumi.Output[str]:
        region = self.region if regional else ""
        if not account:
            return pulumi.Output.from_input(f"arn:{self.partition}:{service}:{region}::{resource}")
        return self.account_id.apply(lambda acct: f"arn:{self.partition}:{service}:{region}:{acct}:{resource}")

    @property
    def dns_suffix(self) -> str:
        return dns_suffix_for(self.partition)

    def service_principal(self, service: str) -> str:
        return f"{service}.{self.dns_suffix}"

    def options(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for a top-level component: every child inherits the pinned AWS provider."""
        return pulumi.ResourceOptions(providers=[self.provider], **kwargs)

    def invoke_options(self) -> pulumi.InvokeOptions:
        return pulumi.InvokeOptions(provider=self.provider)


@dataclass(frozen=True)
class NetworkInfo:
    """Where the platform's resources live. Subnet lists have one entry per zone, known at plan time."""

    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]  # nodes and EKS control-plane ENIs
    data_subnet_ids: Sequence[pulumi.Input[str]]  # RDS, ElastiCache, MSK
    data_cidrs: pulumi.Input[list[str]]  # what the Rasa pod's egress NetworkPolicy may reach
    public_subnet_ids: Sequence[pulumi.Input[str]] = ()
    # The private subnets' routes out (NAT, and to Vault's network): nodes launched before them
    # cannot reach the EKS API, ECR or Vault and never join. Empty for an existing VPC.
    private_routes: Sequence[pulumi.Resource] = ()

    @property
    def zones(self) -> int:
        return len(self.data_subnet_ids)


@dataclass(frozen=True)
class ClusterAccess:
    """What services need from the Kubernetes cluster: who may connect, and how pods assume roles."""

    name: pulumi.Input[str]
    # The EKS cluster security group: attached to the control plane and every managed node. The
    # data services admit it, so they wait for the cluster (data_security_group says why).
    security_group_id: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]  # https://oidc.eks.<region>.amazonaws.com/id/<id>
    extra_client_security_group_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def client_security_group_ids(self) -> list[pulumi.Input[str]]:
        return [self.security_group_id, *self.extra_client_security_group_ids]


# ---------------------------------------------------------------------------------------------
# IAM documents. Built as JSON here (not with aws.iam.get_policy_document) so that they are plain
# program values: visible in the offline preview and in tests without a provider call.


def policy_document(statements: Sequence[dict[str, Any]]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust_policy(ctx: AwsContext, service: str, *, source_account: bool = False) -> pulumi.Output[str]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": ctx.service_principal(service)},
        "Action": "sts:AssumeRole",
    }
    if source_account:
        # Confused-deputy guard for services acting on behalf of this account only.
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": ctx.account_id}}
    return policy_document([statement])


def irsa_trust_policy(cluster: ClusterAccess, namespace: str, service_account: str) -> pulumi.Output[str]:
    """Only this service account in this namespace of this cluster may assume the role."""

    def document(args: list[Any]) -> str:
        provider_arn, issuer_url = args
        issuer = issuer_url.removeprefix("https://")
        return json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    f"{issuer}:aud": "sts.amazonaws.com",
                }},
            }],
        })

    return pulumi.Output.all(cluster.oidc_provider_arn, cluster.oidc_issuer_url).apply(document)


@dataclass(frozen=True)
class GrantedRole:
    """A role and the policies attached to it: a service that must hold its permissions from its
    first API call (and keep them until its last, on destroy) depends on `grants`, as AWS documents."""

    role: aws.iam.Role
    grants: tuple[pulumi.Resource, ...]


def role(ctx: AwsContext, logical_name: str, **arguments: Any) -> aws.iam.Role:
    """`granted_role` (same arguments) when nothing needs to wait for the role's policies."""
    return granted_role(ctx, logical_name, **arguments).role


def granted_role(
    ctx: AwsContext,
    logical_name: str,
    *,
    parent: pulumi.Resource,
    assume_role_policy: pulumi.Input[str],
    description: str,
    purpose: str,
    managed_policy_suffixes: Sequence[str] = (),
    inline_policy: Optional[pulumi.Input[str]] = None,
) -> GrantedRole:
    """An IAM role named `<base>-<purpose>-<random>`, with its AWS-managed policies (by name) and one
    inline policy, all children of parent; handed back with those policies."""
    grants: list[pulumi.Resource] = []
    created = aws.iam.Role(
        logical_name,
        name_prefix=f"{ctx.name(purpose, 37)}-",
        assume_role_policy=assume_role_policy,
        description=description,
        max_session_duration=3600,
        permissions_boundary=ctx.permissions_boundary_arn,
        force_detach_policies=True,
        tags=ctx.tags(),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    for suffix in managed_policy_suffixes:
        short = suffix.rsplit("/", 1)[-1]
        grants.append(aws.iam.RolePolicyAttachment(
            f"{logical_name}-{short}",
            role=created.name,
            policy_arn=f"arn:{ctx.partition}:iam::aws:policy/{suffix}",
            opts=pulumi.ResourceOptions(parent=parent),
        ))
    if inline_policy is not None:
        grants.append(aws.iam.RolePolicy(
            f"{logical_name}-policy",
            role=created.name,
            policy=inline_policy,
            opts=pulumi.ResourceOptions(parent=parent),
        ))
    return GrantedRole(created, tuple(grants))


def log_group(
    ctx: AwsContext,
    logical_name: str,
    name: pulumi.Input[str],
    *,
    parent: pulumi.Resource,
) -> aws.cloudwatch.LogGroup:
    """A log group created before the service that writes to it, so retention and the customer key
    apply from the first line (services otherwise create theirs unencrypted and kept forever)."""
    return aws.cloudwatch.LogGroup(
        logical_name,
        name=name,
        retention_in_days=ctx.log_retention_days,
        kms_key_id=ctx.logs_key_arn,
        log_group_class="STANDARD",
        skip_destroy=False,
        tags=ctx.tags(),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def data_security_group(
    ctx: AwsContext,
    logical_name: str,
    *,
    parent: pulumi.Resource,
    network: NetworkInfo,
    cluster_sources: Sequence[pulumi.Input[str]],
    ports: Sequence[int],
    description: str,
) -> aws.ec2.SecurityGroup:
    """A data service's security group: its TCP port(s), open only to the cluster's security groups.

    Rules are inline so the group is authoritative (an added rule elsewhere is reverted) and the
    whole rule set is one reviewable value; no egress: data services never initiate connections.

    Why the data services wait for the EKS cluster: this group admits the EKS cluster security
    group, which EKS creates with the cluster, so the group, and the database, cache and broker
    using it, start once the control plane exists (about 10 minutes into a first deploy; MSK then
    sets the deploy's length). That group is the one EKS itself puts on the control plane, every
    managed node (so every pod sharing the node's network interfaces), Fargate pods and Auto Mode
    nodes, and on nothing else. A group of the platform's own, created with the network, would
    remove the wait, but only the nodes this program launches would carry it (through the launch
    template, which must then list the cluster group too, since EKS stops adding it when a template
    names groups): changing the template replaces every node of a running cluster, Karpenter's
    node classes and any other compute added later would each have to select it or lose their
    data services, and `cluster.mode: existing` would still admit the looked-up cluster group.
    README, Speed and memory: what the wait costs.
    """
    return aws.ec2.SecurityGroup(
        logical_name,
        vpc_id=network.vpc_id,
        description=description,
        ingress=[
            aws.ec2.SecurityGroupIngressArgs(
                description=f"{description}: from the Kubernetes cluster",
                protocol="tcp",
                from_port=port,
                to_port=port,
                security_groups=list(cluster_sources),
            )
            for port in ports
        ],
        egress=[],
        revoke_rules_on_delete=True,
        tags=ctx.tags(ctx.name(logical_name)),
        opts=pulumi.ResourceOptions(parent=parent),
    )
