"""Auto-unseal for the in-cluster Vault: a Key Vault key and a workload identity that may only
wrap and unwrap with that key.

Vault's `seal "azurekeyvault" { tenant_id, vault_name, key_name }` stanza takes its values from
here; the Vault server's service account carries the identity's client id (Azure workload identity
annotation and pod label); `seal_config` hands both to the cloud-neutral Vault. The role is
"Key Vault Crypto Service Encryption User" on the key itself: get, wrapKey, unwrapKey, no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from components.azure.context import AzureContext, ClusterAccess, NetworkInfo, role_assignment
from components.azure.identity import federated_identity, workload_identity
from components.azure.key_vault import KeyVault, KeyVaultArgs
from components.contracts import VaultSealConfig

SEAL_ROLE = "Key Vault Crypto Service Encryption User"


@dataclass(frozen=True)
class VaultSealArgs:
    context: AzureContext
    network: NetworkInfo
    cluster: ClusterAccess
    namespace: str  # of the Vault server's service account
    service_account: str
    soft_delete_days: int


class VaultSeal(pulumi.ComponentResource):
    seal_config: VaultSealConfig
    vault_name: pulumi.Output[str]
    key_name: pulumi.Output[str]
    client_id: pulumi.Output[str]

    def __init__(self, name: str, args: VaultSealArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:VaultSeal", name, None, opts)
        ctx = args.context
        vault = KeyVault(
            f"{name}-kv",
            KeyVaultArgs(ctx, "seal", args.soft_delete_days, key_ops=["wrapKey", "unwrapKey"], private=True,
                         network=args.network, rotate_after_days=365),
            opts=pulumi.ResourceOptions(parent=self),
        )
        identity = federated_identity(
            ctx, name, parent=self, cluster=args.cluster, namespace=args.namespace,
            service_account=args.service_account, purpose="vault-seal",
        )
        role_assignment(ctx, f"{name}-unseal", parent=self, scope=vault.key.id, role=SEAL_ROLE,
                        principal_id=identity.principal_id, description="Vault auto-unseal: this key only")
        self.vault_name = vault.vault.name
        self.key_name = vault.key.name
        self.client_id = identity.client_id
        self.seal_config = VaultSealConfig(
            seal_type="azurekeyvault",
            parameters={"tenant_id": ctx.tenant_id, "vault_name": self.vault_name, "key_name": self.key_name},
            identity=workload_identity(identity.client_id, ctx.tenant_id, env=True),
            namespace=args.namespace,
            service_account=args.service_account,
        )
        self.register_outputs({"vaultName": self.vault_name, "keyName": self.key_name, "clientId": self.client_id})
