"""A Key Vault with one RSA key: RBAC authorization only (no access policies), purge protection
and soft delete always on. Used for AKS's KMS encryption of etcd and for Vault's seal.

Who may use the key is decided by role assignments on the key itself (never the vault), made by
the component that owns the identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_azure_native.keyvault as keyvault

from components.azure.context import AzureContext, NetworkInfo, private_endpoint


@dataclass(frozen=True)
class KeyVaultArgs:
    context: AzureContext
    purpose: str  # short: `kms`, `seal` (names and the logical names of children)
    soft_delete_days: int
    key_ops: Sequence[str]
    key_size: int = 3072
    # Private: public network access off and a private endpoint in the endpoint subnet. A vault
    # the AKS control plane must reach for KMS stays public (firewall open, RBAC only): a private
    # KMS vault needs API server VNet integration, which this platform does not enable.
    private: bool = False
    network: Optional[NetworkInfo] = None
    rotate_after_days: Optional[int] = None  # automatic key rotation; None when the consumer pins a version


class KeyVault(pulumi.ComponentResource):
    vault: keyvault.Vault
    key: keyvault.Key

    def __init__(self, name: str, args: KeyVaultArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:KeyVault", name, None, opts)
        ctx = args.context
        protected = pulumi.ResourceOptions(parent=self, protect=ctx.protect)
        self.vault = keyvault.Vault(
            f"{name}-vault",
            vault_name=ctx.unique_name(args.purpose, 24),
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            properties={
                "tenant_id": ctx.tenant_id,
                "sku": {"family": keyvault.SkuFamily.A, "name": keyvault.SkuName.STANDARD},
                "enable_rbac_authorization": True,
                "enable_purge_protection": True,  # cannot be turned off again: keys outlive mistakes
                "enable_soft_delete": True,
                "soft_delete_retention_in_days": args.soft_delete_days,
                "enabled_for_deployment": False,
                "enabled_for_disk_encryption": False,
                "enabled_for_template_deployment": False,
                "public_network_access": "Disabled" if args.private else "Enabled",
                "network_acls": {
                    "default_action": keyvault.NetworkRuleAction.DENY if args.private else keyvault.NetworkRuleAction.ALLOW,
                    "bypass": keyvault.NetworkRuleBypassOptions.NONE if args.private else keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,
                },
            },
            tags=ctx.tags(),
            opts=protected,
        )
        properties: dict = {
            "kty": keyvault.JsonWebKeyType.RSA,
            "key_size": args.key_size,
            "key_ops": list(args.key_ops),
            "attributes": {"enabled": True, "exportable": False},
        }
        if args.rotate_after_days:
            properties["rotation_policy"] = {
                "lifetime_actions": [{
                    "action": {"type": keyvault.KeyRotationPolicyActionType.ROTATE},
                    "trigger": {"time_after_create": f"P{args.rotate_after_days}D"},
                }],
            }
        self.key = keyvault.Key(
            f"{name}-key",
            key_name=f"{ctx.base_name}-{args.purpose}"[:127],
            vault_name=self.vault.name,
            resource_group_name=ctx.resource_group_name,
            properties=properties,
            tags=ctx.tags(),
            opts=protected,
        )
        if args.private:
            assert args.network is not None
            private_endpoint(
                ctx, f"{name}-vault", parent=self, target_id=self.vault.id, group_id="vault",
                subnet_id=args.network.endpoint_subnet_id, dns_zone_id=args.network.dns_zone_ids["vault"],
            )
        self.register_outputs({"vaultName": self.vault.name, "keyName": self.key.name})
