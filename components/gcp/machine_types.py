"""What a GKE node of a machine type offers pods, for the capacity check (components/capacity.py).

Allocatable = capacity − GKE's kube-reserved − the 100 MiB eviction threshold, with GKE's documented
reserve (https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes, "Memory and CPU
reservations"):
* memory: 255 MiB on machines under 1 GiB, else 25 % of the first 4 GiB, 20 % of the next 4, 10 % of
  the next 8, 6 % of the next 112 and 2 % above 128 GiB;
* CPU: 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % above four.
Machine sizes are Compute Engine's (GiB per vCPU by family). The reserve applies to the VM's memory;
the kernel keeps a little more, so real allocatable memory is slightly lower (tens of MiB).
"""

from __future__ import annotations

from typing import Optional

from components.capacity import NodeShape

SOURCE = "https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes"
EVICTION_MIB = 100

# Family → (vCPU sizes, GiB of memory per vCPU).
_FAMILIES: dict[str, tuple[tuple[int, ...], int]] = {
    "e2-standard": ((2, 4, 8, 16, 32), 4),
    "e2-highmem": ((2, 4, 8, 16), 8),
    "n2-standard": ((2, 4, 8, 16, 32, 48, 64, 80, 96, 128), 4),
    "n2-highmem": ((2, 4, 8, 16, 32, 48, 64, 80, 96, 128), 8),
    "n2d-standard": ((2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224), 4),
    "n2d-highmem": ((2, 4, 8, 16, 32, 48, 64, 80, 96), 8),
    "c3-standard": ((4, 8, 22, 44, 88, 176), 4),
    "c3-highmem": ((4, 8, 22, 44, 88, 176), 8),
    "t2d-standard": ((1, 2, 4, 8, 16, 32, 48, 60), 4),
}

MACHINE_TYPES: dict[str, tuple[int, int]] = {
    f"{family}-{vcpus}": (vcpus, vcpus * per_vcpu)
    for family, (sizes, per_vcpu) in _FAMILIES.items() for vcpus in sizes
}

# Requests of what GKE runs on every node of a Standard cluster with Dataplane V2 and Workload Identity,
# plus a share of the kube-system Deployments (kube-dns, konnectivity-agent, metrics-server) that land
# on some nodes. A `kubectl describe node` of GKE 1.29 (github.com/cryptnono/cryptnono/issues/34) shows
# fluentbit-gke 105m/230Mi, gke-metadata-server 100m/100Mi, ip-masq-agent 10m/16Mi, kube-dns 260m/110Mi
# and konnectivity-agent 15m/60Mi; anetd, gke-metrics-agent and pdcsi-node are covered by the margin.
# Not measured by this project: check with `kubectl describe node` on the first deploy.
SYSTEM_DAEMONS_CPU_MILLICORES = 400
SYSTEM_DAEMONS_MEMORY_MIB = 700
SYSTEM_DAEMONS_SOURCE = "https://github.com/cryptnono/cryptnono/issues/34"


def _tiered(total: float, tiers: list[tuple[float, float]]) -> float:
    """Σ share × (part of `total` inside each tier); tiers are (upper bound, share), the last open-ended."""
    reserved, lower = 0.0, 0.0
    for upper, share in tiers:
        if total <= lower:
            break
        reserved += (min(total, upper) - lower) * share
        lower = upper
    return reserved


def memory_reserved_mib(memory_gib: float) -> int:
    if memory_gib < 1:
        return 255
    tiers = [(4, 0.25), (8, 0.20), (16, 0.10), (128, 0.06), (float("inf"), 0.02)]
    return round(_tiered(memory_gib, tiers) * 1024)


def cpu_reserved_millicores(vcpus: float) -> int:
    tiers = [(1, 0.06), (2, 0.01), (4, 0.005), (float("inf"), 0.0025)]
    return round(_tiered(vcpus, tiers) * 1000)


def node_shape(machine_type: str) -> Optional[NodeShape]:
    """The allocatable CPU and memory of a machine type GKE would report, or None when unknown."""
    size = MACHINE_TYPES.get(machine_type)
    if size is None:
        return None
    vcpus, memory_gib = size
    return NodeShape(
        node_type=machine_type,
        cpu_millicores=vcpus * 1000 - cpu_reserved_millicores(vcpus),
        memory_mib=memory_gib * 1024 - memory_reserved_mib(memory_gib) - EVICTION_MIB,
        source=SOURCE,
    )
