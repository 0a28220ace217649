"""The Google APIs the stack needs, enabled as resources so a fresh project works.

Every other GCP resource uses a provider that depends on these (components/gcp/provision.py), so
nothing is created before its API is on. `disable_on_destroy=False`: turning an API off when this
stack goes would break whatever else in the project uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

# API → what needs it.
APIS: dict[str, str] = {
    "serviceusage.googleapis.com": "enabling the others",
    "cloudresourcemanager.googleapis.com": "project IAM bindings",
    "iam.googleapis.com": "service accounts and custom roles",
    "iamcredentials.googleapis.com": "Workload Identity tokens",
    "cloudkms.googleapis.com": "customer-managed keys",
    "compute.googleapis.com": "VPC, subnet, NAT, firewall",
    "servicenetworking.googleapis.com": "private service access (Cloud SQL, Memorystore)",
    "container.googleapis.com": "GKE",
    "storage.googleapis.com": "model bucket",
    "sqladmin.googleapis.com": "Cloud SQL",
    "redis.googleapis.com": "Memorystore for Redis",
    "managedkafka.googleapis.com": "Managed Service for Apache Kafka",
    "logging.googleapis.com": "GKE and Cloud SQL logs",
    "monitoring.googleapis.com": "GKE metrics",
}


def apis_for(*, cluster: bool, tracker_store: bool, lock_store: bool, managed_kafka: bool) -> list[str]:
    """The APIs a stack's managed services need (the base set always)."""
    skip = set()
    if not cluster:
        skip |= {"container.googleapis.com", "logging.googleapis.com", "monitoring.googleapis.com"}
    if not tracker_store:
        skip.add("sqladmin.googleapis.com")
    if not lock_store:
        skip.add("redis.googleapis.com")
    if not (tracker_store or lock_store):
        skip.add("servicenetworking.googleapis.com")
    if not managed_kafka:
        skip.add("managedkafka.googleapis.com")
    return [api for api in APIS if api not in skip]


@dataclass(frozen=True)
class ProjectServicesArgs:
    project: str
    apis: tuple[str, ...]


class ProjectServices(pulumi.ComponentResource):
    services: list[gcp.projects.Service]

    def __init__(self, name: str, args: ProjectServicesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:ProjectServices", name, None, opts)
        self.services = [
            gcp.projects.Service(
                f"{name}-{api.split('.')[0]}",
                project=args.project,
                service=api,
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for api in args.apis
        ]
        self.register_outputs({"services": [s.service for s in self.services]})
