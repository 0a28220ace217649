"""`StackSettings`: everything the program needs, validated, cloud-neutral part.

infra/settings joins each registered cloud's section (`aws`, `azure`, ...) to this model and
narrows `cloud` to the registered names; code that needs a cloud's section reads it through that
cloud's spec, never by attribute name.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field

from components.settings.sections import (
    AnalyticsSettings, ClusterSettings, EventQueueSettings, LockStoreSettings, ModelStorageSettings, NetworkSettings,
    RasaSettings, TrackerStoreSettings, VaultSettings,
)
from components.settings.values import Section

ENVIRONMENTS = ("dev", "staging", "prod")
# The services a cloud can provide; each is `managed` (created here) or `existing`.
SERVICE_KEYS = ("modelStorage", "lockStore", "trackerStore", "eventQueue", "vault")


class StackSettings(Section):
    """Built only by infra/settings (`load_settings`), which adds the cloud sections."""

    stack: str
    cloud: str
    """Where managed services run (required)."""
    environment: Literal["dev", "staging", "prod"]
    """Preset of sizes and protections (required)."""
    region: Optional[str] = None
    """Cloud region (required when anything is managed; checked against the cloud's regions)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Tags / labels on every cloud resource (keys must be legal on the cloud)."""
    protection: bool = False
    """Deletion protection on data services and the cluster, final snapshots and kept backups, and Pulumi `protect` on every data-holding resource and key."""
    network: NetworkSettings = NetworkSettings()
    cluster: ClusterSettings = ClusterSettings()
    model_storage: ModelStorageSettings = ModelStorageSettings()
    lock_store: LockStoreSettings = LockStoreSettings()
    tracker_store: TrackerStoreSettings = TrackerStoreSettings()
    event_queue: EventQueueSettings = EventQueueSettings()
    vault: VaultSettings = VaultSettings()
    rasa: RasaSettings = RasaSettings()
    analytics: AnalyticsSettings = AnalyticsSettings()
    # Secrets the offline preview filled in because the stack file could not hold them.
    placeholder_secrets: tuple[str, ...] = ()
    # Other values only the operator can know (e.g. an image's entrypoint), filled in the same way.
    placeholder_values: tuple[str, ...] = ()

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    def services(self) -> dict[str, Any]:
        return {
            "modelStorage": self.model_storage,
            "lockStore": self.lock_store,
            "trackerStore": self.tracker_store,
            "eventQueue": self.event_queue,
            "vault": self.vault,
        }

    def managed(self) -> list[str]:
        """The keys of what this stack asks a cloud to create (`cluster` when created)."""
        names = [key for key, section in self.services().items() if section.mode == "managed"]
        if self.cluster.mode == "create":
            names.append("cluster")
        if self.analytics.enabled and self.analytics.database.mode == "managed":
            names.append("analytics.database")  # a PostgreSQL server of its own
        return names

    def any_managed(self) -> bool:
        return bool(self.managed())

    def cloud_section(self, name: str) -> Section:
        """The section of cloud `name` (joined by infra/settings from the registry)."""
        return getattr(self, name)
