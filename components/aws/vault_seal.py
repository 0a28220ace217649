"""Auto-unseal for the in-cluster Vault: a KMS key and an IRSA role that can use only that key.

Vault's `seal "awskms" { region, kms_key_id }` stanza takes `kms_key_id` and `region` from the
outputs here; the Vault server's service account carries `role_arn` as its
`eks.amazonaws.com/role-arn` annotation; `seal_config` hands both to the cloud-neutral Vault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from components.aws.context import AwsContext, ClusterAccess, irsa_trust_policy, policy_document, role
from components.aws.kms import CustomerKey, CustomerKeyArgs
from components.contracts import VaultSealConfig, WorkloadIdentity

SEAL_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]


@dataclass(frozen=True)
class VaultSealArgs:
    context: AwsContext
    cluster: ClusterAccess
    namespace: str  # of the Vault server's service account
    service_account: str


class VaultSeal(pulumi.ComponentResource):
    kms_key_id: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    region: str

    def __init__(self, name: str, args: VaultSealArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:VaultSeal", name, None, opts)
        ctx = args.context
        seal = args
        key = CustomerKey(
            f"{name}-key", CustomerKeyArgs(ctx, "vault-seal", "Vault auto-unseal (awskms seal)"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        unsealer = role(
            ctx, f"{name}-role", parent=self,
            assume_role_policy=irsa_trust_policy(args.cluster, seal.namespace, seal.service_account),
            description=f"Vault server ({seal.namespace}/{seal.service_account}): auto-unseal with its KMS key",
            purpose="vault-seal",
            inline_policy=policy_document([{
                "Sid": "AutoUnsealWithThisKeyOnly",
                "Effect": "Allow",
                "Action": SEAL_ACTIONS,
                "Resource": key.arn,
            }]),
        )
        self.kms_key_id = key.key_id
        self.kms_key_arn = key.arn
        self.role_arn = unsealer.arn
        self.region = ctx.region
        self.seal_config = VaultSealConfig(
            seal_type="awskms",
            parameters={"region": ctx.region, "kms_key_id": key.key_id},
            identity=WorkloadIdentity(service_account_annotations={"eks.amazonaws.com/role-arn": unsealer.arn}),
            namespace=seal.namespace,
            service_account=seal.service_account,
        )
        self.register_outputs({"kmsKeyId": self.kms_key_id, "roleArn": self.role_arn, "region": self.region})
