"""GCP-only settings (`rasa-platform:gcp`).

Cloud-neutral things (backups, high availability, sizes in GB, topic settings, protection) live in
the generic sections; this section holds what only means something on Google Cloud: the project,
machine types and tiers, the VPC's names for `mode: existing`, GKE's release channel and location.
Per-environment defaults come from components/gcp/presets.py.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from components.settings.values import Cidr, DnsLabel, Section, between, matching

ProjectId = Annotated[str, matching(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", "a GCP project id (6-30 lower-case letters, digits, -)")]
ResourceName = Annotated[str, matching(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?", "a GCP resource name (lower-case letters, digits, -)")]
Zone = Annotated[str, matching(r"[a-z]+-[a-z]+[0-9]+-[a-z]", "a GCP zone such as europe-west3-a")]


class NetworkIdsSettings(Section):
    """The VPC to use when `network.mode` is existing (names in this project)."""

    network: Optional[ResourceName] = None
    """existing network: the VPC's name."""
    subnetwork: Optional[ResourceName] = None
    """existing network: the regional subnet for nodes and Managed Kafka."""
    subnet_cidr: Optional[Cidr] = None
    """existing network: that subnet's primary range (Rasa's egress to Managed Kafka)."""
    pods_range_name: Optional[ResourceName] = None
    """existing network: the subnet's secondary range for pods."""
    services_range_name: Optional[ResourceName] = None
    """existing network: the subnet's secondary range for services."""
    private_services_range_name: Optional[ResourceName] = None
    """existing network: the allocated range of its private service access connection (Cloud SQL, Memorystore)."""
    private_services_cidr: Optional[Cidr] = None
    """existing network: that range's CIDR (Rasa's egress to Cloud SQL and Memorystore)."""


class ClusterGcpSettings(Section):
    zone: Optional[Zone] = None
    """A zonal cluster in this zone (dev only); unset: a regional cluster over the region's zones."""
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    """GKE release channel (automatic upgrades within it)."""
    dns_endpoint: bool = True
    """Reach the control plane through its DNS endpoint, authorised by IAM only (the deployer needs no network path)."""
    admin_members: tuple[str, ...] = ()
    """IAM members (user:, group:, serviceAccount:) given roles/container.admin on the project."""


class NodePoolSettings(Section):
    machine_type: Optional[str] = None
    """GCE machine type of the nodes (preset when unset)."""
    disk_gb: Annotated[int, between(20, 2000)] = 100
    """Boot disk of each node (pd-balanced)."""
    spot: bool = False
    """Spot VMs (cheaper, can be reclaimed at any time)."""
    max_surge: Annotated[int, between(0, 10)] = 1
    """Extra nodes created at once during an upgrade."""


class TrackerStoreGcpSettings(Section):
    tier: Optional[str] = None
    """Cloud SQL machine tier, db-custom-<vCPUs>-<memory MiB> (preset when unset); its memory sets max_connections."""


class LockStoreGcpSettings(Section):
    memory_size_gb: Optional[Annotated[int, between(1, 300)]] = None
    """Memorystore for Redis capacity (preset when unset)."""


class EventQueueGcpSettings(Section):
    vcpu_count: Optional[Annotated[int, between(3, 1000)]] = None
    """Managed Kafka vCPUs (at least 3; preset when unset)."""
    memory_gb: Optional[Annotated[int, between(3, 8000)]] = None
    """Managed Kafka memory (1 to 8 GiB per vCPU; preset when unset)."""
    consumers: tuple[Annotated[str, matching(r"[a-z0-9._-]+@[a-z0-9.-]+", "an account email")], ...] = ()
    """Accounts that may read the topic (Rasa Analytics, ...): the topic's ACL admits Rasa (write) and these (read) only."""


class ModelStorageGcpSettings(Section):
    soft_delete_days: Annotated[int, between(7, 90)] = 7
    """Days deleted or overwritten objects stay restorable (GCS soft delete)."""


class VaultSealSettings(Section):
    """A Cloud KMS key and a Google service account for Vault's gcpckms auto-unseal."""

    enabled: bool = False
    """Create the seal key and bind Vault's service account to a Google service account that may use only it."""
    namespace: DnsLabel = "vault"
    """Namespace of the Vault server's service account."""
    service_account: DnsLabel = "vault"
    """Name of the Vault server's service account."""


class GcpSettings(Section):
    project: Optional[ProjectId] = None
    """The project everything is created in (required when anything is managed)."""
    network: NetworkIdsSettings = NetworkIdsSettings()
    cluster: ClusterGcpSettings = ClusterGcpSettings()
    node_pool: NodePoolSettings = NodePoolSettings()
    tracker_store: TrackerStoreGcpSettings = TrackerStoreGcpSettings()
    lock_store: LockStoreGcpSettings = LockStoreGcpSettings()
    event_queue: EventQueueGcpSettings = EventQueueGcpSettings()
    model_storage: ModelStorageGcpSettings = ModelStorageGcpSettings()
    vault_seal: VaultSealSettings = VaultSealSettings()
