"""The Azure cloud package: AKS, Blob Storage, Azure Managed Redis (or Cache for Redis Premium),
PostgreSQL Flexible Server and Event Hubs for Rasa Pro, plus a Key Vault key for Vault's seal.

`AZURE` is its one spec object (listed in components/registry.py): the `rasa-platform:azure`
settings section and presets, the plan step (components/azure/plan.py), the provision step
(components/azure/provision.py), the offline mock outputs, the tag scheme and the typical creation
times of its slow resource types (components/azure/creation_times.py).
"""

from __future__ import annotations

from components.azure.creation_times import AZURE_CREATION_TIMES
from components.azure.mock_outputs import AZURE_MOCKS
from components.azure.plan import plan
from components.azure.presets import AZURE_PRESETS
from components.azure.provision import provision
from components.azure.regions import AZURE_REGIONS
from components.azure.settings import AzureSettings
from components.azure.tags import AZURE_TAGS
from components.cloud import CloudSpec
from components.ingress import INSTALLED as TRAEFIK_WITH_CERT_MANAGER
from components.settings.stack import StackSettings


def required_secrets(settings: StackSettings, azure: AzureSettings) -> list[tuple[tuple[str, ...], str]]:
    if settings.model_storage.mode == "existing":
        return [(("azure", "modelStorage", "accountKey"), "for Azure Blob Storage (Rasa supports account keys only)")]
    return []


AZURE = CloudSpec(
    name="azure",
    title="Azure",
    description="AKS, Blob Storage, Azure Managed Redis, PostgreSQL Flexible Server, Event Hubs, workload identity, a Key Vault key for Vault's seal",
    settings_model=AzureSettings,
    regions=AZURE_REGIONS,
    sdk="pulumi_azure_native",
    tag_property="tags",
    remote_storage="azure",
    tags=AZURE_TAGS,
    presets=AZURE_PRESETS,
    managed=frozenset({"cluster", "modelStorage", "lockStore", "trackerStore", "eventQueue", "analytics.database"}),
    # Its own Kafka first; `confluent`: Confluent Cloud in this cloud's region (components/confluent).
    event_queue_providers=("event-hubs", "confluent"),
    # A namespace-level SAS rule (Listen + Send) of its own, a consumer group and a dead-letter hub.
    analytics_consumer=True,
    seals_vault=lambda azure: azure.vault_seal.enabled,
    vault_seal_setting="azure.vaultSeal.enabled: true",
    ingress_controller=TRAEFIK_WITH_CERT_MANAGER,
    uploads_models=True,
    secret_fields=(("modelStorage", "accountKey"),),
    required_secrets=required_secrets,
    plan=plan,
    provision=provision,
    mocks=AZURE_MOCKS,
    creation_times=AZURE_CREATION_TIMES,
)

__all__ = ["AZURE"]
