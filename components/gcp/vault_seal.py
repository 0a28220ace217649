"""Auto-unseal for the in-cluster Vault: a Cloud KMS key and a Google service account that may use
only that key, bound through Workload Identity to the Vault server's Kubernetes service account.

The account holds a custom role with exactly the three permissions Vault's `gcpckms` seal uses
(encrypt, decrypt, read the key), granted on the key itself. `seal_config` hands the stanza's
parameters (project, region, key_ring, crypto_key) and the service-account annotation to the
cloud-neutral Vault component.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from components.contracts import VaultSealConfig, WorkloadIdentity
from components.gcp.context import GcpContext
from components.gcp.identity import METADATA_SERVER, SERVICE_ACCOUNT_ANNOTATION, workload_identity_binding
from components.gcp.kms import KeyRing

SEAL_PERMISSIONS = (
    "cloudkms.cryptoKeyVersions.useToEncrypt",
    "cloudkms.cryptoKeyVersions.useToDecrypt",
    "cloudkms.cryptoKeys.get",
)
KEY_NAME = "vault-seal"


@dataclass(frozen=True)
class VaultSealArgs:
    context: GcpContext
    keys: KeyRing
    namespace: str  # of the Vault server's service account
    service_account: str


class VaultSeal(pulumi.ComponentResource):
    seal_config: VaultSealConfig
    email: pulumi.Output[str]

    def __init__(self, name: str, args: VaultSealArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:VaultSeal", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        key = args.keys.key(f"{name}-key", KEY_NAME, self)
        account = gcp.serviceaccount.Account(
            f"{name}-account",
            account_id=ctx.account_id("vault-seal"),
            project=ctx.project,
            display_name="Vault auto-unseal",
            description=f"Vault server ({args.namespace}/{args.service_account}): gcpckms seal with its key only",
            opts=child,
        )
        workload_identity_binding(ctx, f"{name}-workload-identity", account, args.namespace, args.service_account, self)
        role = gcp.projects.IAMCustomRole(
            f"{name}-role",
            project=ctx.project,
            role_id=ctx.unique_name(f"{name}-suffix", "vault-seal", self, 64).apply(lambda n: n.replace("-", "_")),
            title="Vault auto-unseal (gcpckms)",
            description="Encrypt, decrypt and read one Cloud KMS key",
            permissions=list(SEAL_PERMISSIONS),
            stage="GA",
            opts=child,
        )
        gcp.kms.CryptoKeyIAMMember(
            f"{name}-use-key",
            crypto_key_id=key.id,
            role=role.name,
            member=ctx.service_account_member(account.email),
            opts=child,
        )
        key_ring_name = args.keys.key_ring.name
        self.email = account.email
        self.key_id = key.id
        self.seal_config = VaultSealConfig(
            seal_type="gcpckms",
            parameters={"project": ctx.project, "region": ctx.region, "key_ring": key_ring_name, "crypto_key": KEY_NAME},
            identity=WorkloadIdentity(
                service_account_annotations=account.email.apply(lambda email: {SERVICE_ACCOUNT_ANNOTATION: email}),
                network=METADATA_SERVER,
            ),
            namespace=args.namespace,
            service_account=args.service_account,
        )
        self.register_outputs({"email": self.email, "keyId": self.key_id})
