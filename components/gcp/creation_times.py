"""How long GCP takes to create the slow resource types this package registers (first deploy).

Typical figures, not worst cases, and none measured by this project (no GCP project is reachable
here): each row names the page its figure rests on and what that page says. A type listed here must
be one the mock table (mock_outputs.py) lists.
"""

from __future__ import annotations

from components.cloud import CreationTime

GCP_CREATION_TIMES: dict[str, CreationTime] = {
    "gcp:managedkafka/cluster:Cluster": CreationTime(
        30,
        "https://cloud.google.com/managed-service-for-apache-kafka/docs/create-cluster",
        "Google's create-cluster page: creating a cluster is a long-running operation of up to about 30 minutes",
    ),
    "gcp:sql/databaseInstance:DatabaseInstance": CreationTime(
        12,
        "https://cloud.google.com/sql/docs/postgres/create-instance",
        "a create operation of several minutes, longer for REGIONAL instances; 12 taken as typical, not measured here",
    ),
    "gcp:container/cluster:Cluster": CreationTime(
        10,
        "https://cloud.google.com/kubernetes-engine/docs/how-to/creating-a-regional-cluster",
        "regional control plane plus the temporary default pool; 10 taken as typical, not measured here",
    ),
    "gcp:redis/instance:Instance": CreationTime(
        8,
        "https://cloud.google.com/memorystore/docs/redis/create-instance-console",
        "instance creation takes several minutes (STANDARD_HA with a replica longer); 8 taken as typical",
    ),
    "gcp:container/nodePool:NodePool": CreationTime(
        4,
        "https://cloud.google.com/kubernetes-engine/docs/how-to/node-pools",
        "node VMs boot and register with the control plane; 4 taken as typical, not measured here",
    ),
    "gcp:servicenetworking/connection:Connection": CreationTime(
        2,
        "https://cloud.google.com/vpc/docs/configure-private-services-access",
        "the peering with Google's service producer network; 2 taken as typical",
    ),
}
