"""What every GCP component receives besides its own arguments.

`GcpContext` carries the common arguments (name prefix, labels, protection), the explicit provider
(project and region pinned from settings, so the ambient gcloud project can never move a stack) and
the platform's key ring. Network and cluster facts travel as `NetworkInfo` and `ClusterAccess`, the
same whether this program created them or they were named in settings (`mode: existing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.common import CommonArgs



def pem_bundle(certs: Any) -> Optional[str]:
    """The PEM bundle of a `server_ca_certs` list (both CAs during a rotation), or None when empty."""
    pems = [c.get("cert") if isinstance(c, dict) else c.cert for c in certs or []]
    return "\n".join(p.strip() for p in pems if p) + "\n" if any(pems) else None


@dataclass(frozen=True)
class GcpContext:
    common: CommonArgs
    provider: gcp.Provider
    project: str
    region: str

    @property
    def protect(self) -> bool:
        return self.common.protect

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.common.tags)

    def name(self, suffix: str, max_length: int = 63) -> str:
        """A physical name `<base>-<suffix>` that fits `max_length`, trimming the base, never the suffix."""
        return self.common.physical_name(suffix, max_length)

    def unique_name(self, logical_name: str, suffix: str, parent: pulumi.Resource, max_length: int = 63) -> pulumi.Output[str]:
        """`<base>-<suffix>-<8 hex>` for names GCP keeps after deletion (key rings forever, Cloud SQL
        instances a week, custom roles 37 days): a destroyed and re-created stack gets a fresh one."""
        random_part = random.RandomId(logical_name, byte_length=4, opts=pulumi.ResourceOptions(parent=parent))
        stem = self.name(suffix, max_length - 9)
        return random_part.hex.apply(lambda h: f"{stem}-{h}")

    def account_id(self, purpose: str) -> str:
        """A service account id (6-30 characters, a letter first): `<base>-<purpose>`."""
        return self.name(purpose, 30)

    def service_account_member(self, email: pulumi.Input[str]) -> pulumi.Output[str]:
        return pulumi.Output.from_input(email).apply(lambda e: f"serviceAccount:{e}")

    @property
    def workload_pool(self) -> str:
        return f"{self.project}.svc.id.goog"

    def workload_identity_member(self, namespace: str, service_account: str) -> str:
        """The IAM member of one Kubernetes service account (GKE Workload Identity)."""
        return f"serviceAccount:{self.workload_pool}[{namespace}/{service_account}]"

    def options(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for a top-level component: every child inherits the pinned provider."""
        return pulumi.ResourceOptions(providers=[self.provider], **kwargs)

    def invoke_options(self) -> pulumi.InvokeOptions:
        return pulumi.InvokeOptions(provider=self.provider)


@dataclass(frozen=True)
class NetworkInfo:
    """Where the platform's resources live: one VPC, one regional subnet, one private service range."""

    network_id: pulumi.Input[str]  # projects/<p>/global/networks/<name>
    subnet_id: pulumi.Input[str]  # projects/<p>/regions/<r>/subnetworks/<name>
    subnet_cidr: str  # nodes and Managed Kafka's endpoints
    pods_range_name: str
    services_range_name: str
    private_services_range_name: str  # the allocated range Cloud SQL and Memorystore take addresses from
    private_services_cidr: str
    # The private service access connection (None with an existing network: it already exists).
    private_services: Optional[pulumi.Resource] = None
    pods_cidr: Optional[str] = None  # known when this program created the network

    @property
    def data_cidrs(self) -> list[str]:
        """What the Rasa pod's egress may reach for the managed data services."""
        return [self.private_services_cidr, self.subnet_cidr]

    def after_private_services(self) -> Sequence[pulumi.Resource]:
        return [self.private_services] if self.private_services is not None else []
