"""What a cloud package hands to the cloud-agnostic platform wiring (infra/platform.py).

Each cloud package (components/aws, later azure and gcp) exposes one object satisfying `Cloud`.
Only services whose settings say `managed` (and the cluster when `create`) are asked of the cloud;
`existing` services are built from settings by components/existing.py, the same on every cloud.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Protocol

import pulumi

from components.contracts import (
    KafkaConnection,
    ModelStorageConnection,
    PostgresConnection,
    RedisConnection,
    WorkloadIdentity,
)

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

    from infra.settings import StackSettings

# The Kubernetes service account Rasa runs as; clouds bind workload identities to it.
RASA_SERVICE_ACCOUNT = "rasa-pro"


@dataclass(frozen=True)
class CloudServices:
    """What one cloud provisioned. A field is None when that service is `existing`."""

    kubernetes_provider: Optional["k8s.Provider"] = None  # None when cluster.mode is existing
    tracker_store: Optional[PostgresConnection] = None
    lock_store: Optional[RedisConnection] = None
    event_queue: Optional[KafkaConnection] = None
    model_storage: Optional[ModelStorageConnection] = None
    identity: WorkloadIdentity = field(default_factory=WorkloadIdentity)
    # Stack outputs an operator needs next (cluster name, bucket, seal key, ...).
    outputs: dict[str, pulumi.Input] = field(default_factory=dict)
    # Resources the Rasa workload must wait for (e.g. node groups, add-ons).
    workload_depends_on: tuple[pulumi.Resource, ...] = ()


class Cloud(Protocol):
    name: str

    def tracker_store_max_connections(self, settings: "StackSettings") -> int:
        """The managed tracker database's connection limit, known before anything is created
        (from the instance size), so the connection budget is checked up front."""
        ...

    def provision(self, settings: "StackSettings") -> CloudServices:
        """Create the managed services and, if asked, the cluster."""
        ...
