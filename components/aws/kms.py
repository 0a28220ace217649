"""Customer-managed KMS keys: one per service, rotation on, policy written out.

The key policy always grants the account root `kms:*` (this is what lets IAM policies grant use
of the key at all; without it only the key policy counts and the key can become unmanageable).
Services that must use the key without an IAM identity of ours get their own statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.aws.context import AwsContext, policy_document

# Days a scheduled key deletion waits: the maximum, so a mistaken delete can still be cancelled.
DELETION_WINDOW_DAYS = 30
ROTATION_PERIOD_DAYS = 365


@dataclass(frozen=True)
class CustomerKeyArgs:
    context: AwsContext
    purpose: str  # short, used in the alias: alias/<base>/<purpose>
    description: str
    extra_statements: Sequence[dict[str, Any]] = field(default_factory=tuple)


class CustomerKey(pulumi.ComponentResource):
    key: aws.kms.Key
    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: CustomerKeyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:CustomerKey", name, None, opts)
        ctx = args.context
        root = ctx.account_id.apply(lambda acct: f"arn:{ctx.partition}:iam::{acct}:root")
        statements: list[dict[str, Any]] = [
            {
                "Sid": "AccountRootManagesKey",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "kms:*",
                "Resource": "*",
            },
            *args.extra_statements,
        ]
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=ROTATION_PERIOD_DAYS,
            deletion_window_in_days=DELETION_WINDOW_DAYS,
            multi_region=False,
            is_enabled=True,
            bypass_policy_lockout_safety_check=False,
            policy=policy_document(statements),
            tags=ctx.tags(ctx.name(args.purpose)),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{ctx.base_name}/{args.purpose}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs({"arn": self.arn})


def logs_statement(ctx: AwsContext) -> dict[str, Any]:
    """CloudWatch Logs encrypts log groups with the key itself: allow it, for this account's groups only."""
    return {
        "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{ctx.region}.{ctx.dns_suffix}"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": ctx.account_id.apply(
                    lambda acct: f"arn:{ctx.partition}:logs:{ctx.region}:{acct}:log-group:*"
                )
            }
        },
    }


AUTO_SCALING_ROLE = "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"


def ebs_statements(ctx: AwsContext) -> list[dict[str, Any]]:
    """Who may use the EBS key: EC2 for this account's volumes (the EBS CSI driver's persistent
    volumes; the same shape as AWS's own aws/ebs key), and the Auto Scaling service-linked role
    that launches the managed nodes, with the two statements the EC2 Auto Scaling User Guide
    documents ("Required AWS KMS key policy for use with encrypted volumes").

    The role is matched with aws:PrincipalArn rather than named as the Principal: in an empty
    account it does not exist until the first Auto Scaling group, and KMS rejects a key policy
    naming a principal that does not exist (MalformedPolicyDocumentException).
    """
    auto_scaling = {
        "StringEquals": {
            "aws:PrincipalArn": ctx.account_id.apply(lambda acct: f"arn:{ctx.partition}:iam::{acct}:role/{AUTO_SCALING_ROLE}"),
        },
    }
    return [
        _ebs_through_ec2(ctx),
        {
            "Sid": "AutoScalingLaunchesNodesWithEncryptedVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": auto_scaling,
        },
        {
            "Sid": "AutoScalingAttachesPersistentResources",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {**auto_scaling, "Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def _ebs_through_ec2(ctx: AwsContext) -> dict[str, Any]:
    return {
        "Sid": "EbsThroughEc2InThisAccount",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": ctx.account_id,
                "kms:ViaService": f"ec2.{ctx.region}.{ctx.dns_suffix}",
            }
        },
    }


def service_key_arn(ctx: AwsContext, name: str, purpose: str, description: str, parent: pulumi.Resource) -> pulumi.Input[str]:
    """The customer key a service encrypts with: the one its CommonArgs name, else its own new
    CustomerKey `<name>-key` (a child of the service, protected with it)."""
    if ctx.common.encryption_key is not None:
        return ctx.common.encryption_key
    return CustomerKey(f"{name}-key", CustomerKeyArgs(ctx, purpose, description), opts=pulumi.ResourceOptions(parent=parent)).arn
