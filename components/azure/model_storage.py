"""Blob Storage for trained models: a StorageV2 account (ZRS, GZRS in prod), HTTPS and TLS 1.2
only, no public blobs, public network access off with a blob private endpoint, versioning and
soft delete, and one private container.

Trade-off, written out: Rasa's Azure persistor (`rasa/core/persistor.py`) authenticates with the
account key only (no managed identity, no SAS), so shared-key access stays ON and the key reaches
Rasa as a secret (Vault, never a ConfigMap). The key is the account's first key; rotating it is
`az storage account keys renew` followed by `pulumi up` (which reads the new key).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native.storage as storage

from components.azure.context import AzureContext, NetworkInfo, private_endpoint
from components.contracts import ModelStorageConnection, NetworkAccess
from components.model_archive import ModelArchive, object_key

CONTAINER = "models"


@dataclass(frozen=True)
class ModelStorageArgs:
    context: AzureContext
    network: NetworkInfo
    model_key: str  # the blob Rasa loads (`rasa run --model`)
    replication: str  # Standard_ZRS | Standard_GZRS | Standard_RAGZRS
    soft_delete_days: int
    noncurrent_version_days: int  # how long replaced model versions are kept
    account_name: Optional[str] = None  # a fixed account name; default `<base>models<random>`
    upload_from: Optional[ModelArchive] = None  # modelStorage.uploadFrom, read and checked by the plan
    container: str = CONTAINER


class ModelStorage(pulumi.ComponentResource):
    connection: ModelStorageConnection
    account: storage.StorageAccount
    container: storage.BlobContainer
    # The uploaded model (modelStorage.uploadFrom), for the Rasa workload to wait on; None without one.
    model_upload: Optional[storage.Blob]

    def __init__(self, name: str, args: ModelStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:ModelStorage", name, None, opts)
        ctx = args.context
        rg = ctx.resource_group_name
        child = pulumi.ResourceOptions(parent=self)

        self.account = storage.StorageAccount(
            f"{name}-account",
            account_name=args.account_name or ctx.unique_name("models", 24, hyphens=False),
            resource_group_name=rg,
            location=ctx.location,
            kind=storage.Kind.STORAGE_V2,
            sku={"name": args.replication},
            access_tier="Hot",
            enable_https_traffic_only=True,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            allow_blob_public_access=False,
            # Rasa's persistor supports account keys only (see the module docstring).
            allow_shared_key_access=True,
            default_to_o_auth_authentication=True,  # portal and CLI use Entra ID, not the key
            public_network_access=storage.PublicNetworkAccess.DISABLED,
            network_rule_set={"default_action": storage.DefaultAction.DENY, "bypass": storage.Bypass.NONE},
            allowed_copy_scope=storage.AllowedCopyScope.PRIVATE_LINK,
            allow_cross_tenant_replication=False,
            is_hns_enabled=False,  # versioning and soft delete need a flat namespace
            encryption={
                "key_source": "Microsoft.Storage",
                "require_infrastructure_encryption": True,  # a second, infrastructure-level AES-256 layer
                "services": {"blob": {"enabled": True, "key_type": "Account"}},
            },
            key_policy={"key_expiration_period_in_days": 90},  # flags keys older than 90 days
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=self.account.name,
            resource_group_name=rg,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy={"enabled": True, "days": args.soft_delete_days, "allow_permanent_delete": False},
            container_delete_retention_policy={"enabled": True, "days": args.soft_delete_days},
            opts=child,
        )
        storage.ManagementPolicy(
            f"{name}-lifecycle",
            account_name=self.account.name,
            resource_group_name=rg,
            management_policy_name="default",
            policy={"rules": [{
                "name": "expire-old-model-versions",
                "enabled": True,
                "type": storage.RuleType.LIFECYCLE,
                "definition": {
                    "filters": {"blob_types": ["blockBlob"]},
                    "actions": {"version": {"delete": {"days_after_creation_greater_than": args.noncurrent_version_days}}},
                },
            }]},
            opts=child,
        )
        self.container = storage.BlobContainer(
            f"{name}-container",
            container_name=args.container,
            account_name=self.account.name,
            resource_group_name=rg,
            public_access=storage.PublicAccess.NONE,
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        private_endpoint(
            ctx, f"{name}-blob", parent=self, target_id=self.account.id, group_id="blob",
            subnet_id=args.network.endpoint_subnet_id, dns_zone_id=args.network.dns_zone_ids["blob"],
        )
        self.model_upload = None
        if args.upload_from:
            # Uploaded through the data plane: the deployer must reach the private endpoint (run
            # `pulumi up` inside the VNet, as for the private API server).
            self.model_upload = storage.Blob(
                f"{name}-model",
                blob_name=object_key(args.model_key),
                container_name=self.container.name,
                account_name=self.account.name,
                resource_group_name=rg,
                type=storage.BlobType.BLOCK,
                content_type="application/gzip",
                source=pulumi.FileAsset(str(args.upload_from.path)),
                # A changed file gives a new hash, so the blob is replaced (versioning keeps the old one).
                metadata={"rasaversion": args.upload_from.rasa_version, "sha256": args.upload_from.sha256},
                opts=child,
            )

        keys = storage.list_storage_account_keys_output(
            account_name=self.account.name, resource_group_name=rg, opts=pulumi.InvokeOptions(parent=self),
        )
        self.account_key = pulumi.Output.secret(keys.keys.apply(lambda ks: ks[0].value))
        self.connection = ModelStorageConnection(
            provider="azure",
            bucket=self.container.name,
            model_key=args.model_key,
            origin="managed",
            region=ctx.location,
            account_name=self.account.name,
            account_key=self.account_key,
            network=NetworkAccess(ports=(443,), cidrs=args.network.data_cidrs),
            resource_name=self.account.name,
        )
        self.register_outputs({"accountName": self.account.name, "container": self.container.name})
