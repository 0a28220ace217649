"""Azure, bring-your-own so far: Rasa on an existing AKS cluster with existing services.

`AZURE` is the package's spec (components/registry.py). It has no managed services yet (the Azure
issue adds them in this package); its section holds what only Azure means today: the storage
account and key of an existing Blob container (Rasa's Azure persistor supports account keys only).
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import SecretStr

from components.azure.regions import AZURE_REGIONS
from components.cloud import CloudPlan, CloudSpec, ExistingAccess, TagScheme
from components.settings.errors import Problems
from components.settings.stack import StackSettings
from components.settings.values import Section, matching

StorageAccountName = Annotated[str, matching(r"[a-z0-9]{3,24}", "a storage account name (3-24 lower-case letters and digits)")]


class BlobStorageSettings(Section):
    account_name: Optional[StorageAccountName] = None
    """existing Blob container: its storage account (AZURE_ACCOUNT_NAME)."""
    account_key: Optional[SecretStr] = None
    """existing Blob container: the account key, as a secret (Rasa supports key auth only)."""


class AzureSettings(Section):
    model_storage: BlobStorageSettings = BlobStorageSettings()


def tag_problem(key: str, value: str) -> Optional[str]:
    """Why Azure Resource Manager would reject this tag, or None."""
    if any(c in key for c in '<>%&\\?/'):
        return "Azure tag names may not contain < > % & \\ ? /"
    if not 1 <= len(key) <= 512:
        return "Azure tag names must be 1 to 512 characters"
    if len(value) > 256:
        return "Azure tag values must be at most 256 characters"
    return None


AZURE_TAGS = TagScheme(
    stack_key="rasa-platform:stack", environment_key="rasa-platform:environment", max_user_tags=48, problem=tag_problem,
)


def plan(settings: StackSettings, azure: AzureSettings, problems: Problems) -> CloudPlan:
    blob = azure.model_storage
    if settings.model_storage.mode == "existing":
        problems.require(blob.account_name is not None, "azure.modelStorage.accountName", None,
                         "is required for an existing Azure Blob container")
    return CloudPlan(
        settings,
        existing=ExistingAccess(model_storage_account_name=blob.account_name, model_storage_account_key=blob.account_key),
    )


def required_secrets(settings: StackSettings, azure: AzureSettings) -> list[tuple[tuple[str, ...], str]]:
    if settings.model_storage.mode == "existing":
        return [(("azure", "modelStorage", "accountKey"), "for Azure Blob Storage (Rasa supports account keys only)")]
    return []


AZURE = CloudSpec(
    name="azure",
    title="Azure",
    description="bring-your-own services on an existing AKS cluster (managed services: the Azure issue)",
    settings_model=AzureSettings,
    regions=AZURE_REGIONS,
    sdk="pulumi_azure_native",
    tag_property="tags",
    remote_storage="azure",
    tags=AZURE_TAGS,
    secret_fields=(("modelStorage", "accountKey"),),
    required_secrets=required_secrets,
    plan=plan,
)

__all__ = ["AZURE"]
