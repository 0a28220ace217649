"""The GCP cloud package: GKE, GCS, Memorystore for Redis, Cloud SQL for PostgreSQL and Managed
Service for Apache Kafka (or Confluent Cloud) for Rasa Pro.

`GCP` is its one spec object (listed in components/registry.py): the `rasa-platform:gcp` settings
section and presets, the plan step (plan.py), the provision step (provision.py), the offline mock
outputs, the label scheme (GCP's key rules: lower case, no `:`) and the typical creation times of
its slow resource types.
"""

from __future__ import annotations

from components.cloud import CloudSpec
from components.ingress import INSTALLED as TRAEFIK_WITH_CERT_MANAGER
from components.gcp.creation_times import GCP_CREATION_TIMES
from components.gcp.labels import GCP_LABELS, label_problem
from components.gcp.mock_outputs import GCP_MOCKS
from components.gcp.plan import EVENT_QUEUE_PROVIDERS, plan
from components.gcp.presets import GCP_PRESETS
from components.gcp.provision import provision
from components.gcp.regions import GCP_REGIONS
from components.gcp.settings import GcpSettings

GCP = CloudSpec(
    name="gcp",
    title="Google Cloud",
    description="GKE, GCS, Memorystore for Redis, Cloud SQL PostgreSQL, Managed Kafka or Confluent Cloud, Workload Identity, a KMS key for Vault's seal",
    settings_model=GcpSettings,
    regions=GCP_REGIONS,
    sdk="pulumi_gcp",
    tag_property="labels",
    remote_storage="gcs",
    tags=GCP_LABELS,
    presets=GCP_PRESETS,
    managed=frozenset({"cluster", "modelStorage", "lockStore", "trackerStore", "eventQueue", "analytics.database"}),
    event_queue_providers=EVENT_QUEUE_PROVIDERS,
    # A service account of its own (Managed Kafka) or a Confluent service account and key, with ACLs.
    analytics_consumer=True,
    seals_vault=lambda gcp: gcp.vault_seal.enabled,
    vault_seal_setting="gcp.vaultSeal.enabled: true",
    ingress_controller=TRAEFIK_WITH_CERT_MANAGER,
    uploads_models=True,
    plan=plan,
    provision=provision,
    mocks=GCP_MOCKS,
    creation_times=GCP_CREATION_TIMES,
)

__all__ = ["GCP", "label_problem"]
