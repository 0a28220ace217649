"""What an AKS node of a VM size offers pods, for the plan step's capacity check.

AKS reserves CPU and memory on every node for the kubelet and the OS (kube-reserved) and keeps an
eviction threshold; allocatable is capacity minus both. The formula is Microsoft's, for AKS 1.29
and later (https://learn.microsoft.com/en-us/azure/aks/node-resource-reservations):
* CPU: a fixed reserve by core count (1: 60m, 2: 100m, 4: 140m, 8: 180m, 16: 260m, 32: 420m,
  64: 740m);
* memory: the lesser of 20 MB × max pods + 50 MB and 25 % of the node's memory, plus a 100 Mi
  eviction threshold. The cluster sets max pods explicitly (MAX_PODS) so this figure is fixed.
The VM sizes (vCPU, GiB) are from the Dv5 / Ev5 series pages on Microsoft Learn.
"""

from __future__ import annotations

import math

from components.capacity import NodeShape

MAX_PODS = 110  # per node (components/azure/cluster.py writes it): keeps the memory reserve at 2.2 GB
SOURCE = "https://learn.microsoft.com/en-us/azure/aks/node-resource-reservations (AKS 1.29+)"

# size -> (vCPU, GiB of memory)
VM_SIZES: dict[str, tuple[int, int]] = {
    **{f"Standard_D{n}ds_v5": (n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)},
    **{f"Standard_D{n}s_v5": (n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)},
    **{f"Standard_D{n}as_v5": (n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)},
    **{f"Standard_E{n}ds_v5": (n, 8 * n) for n in (2, 4, 8, 16, 32, 48, 64)},
    **{f"Standard_E{n}s_v5": (n, 8 * n) for n in (2, 4, 8, 16, 32, 48, 64)},
    **{f"Standard_F{n}s_v2": (n, 2 * n) for n in (2, 4, 8, 16, 32, 48, 64)},
}

_CPU_RESERVE = ((1, 60), (2, 100), (4, 140), (8, 180), (16, 260), (32, 420), (64, 740))
EVICTION_MIB = 100

# What AKS's own DaemonSets request on every Linux node of an overlay + Cilium cluster, rounded
# up: cilium 100 Mi and no CPU (Azure/AKS#5244), cloud-node-manager 50m / 50 Mi and each Azure Disk
# CSI node container 10m / 20 Mi (a node listing in Azure/AKS#5251), plus room for azure-cns and
# azure-ip-masq-agent, whose requests those threads do not show. Not measured on a node here.
DAEMONS_CPU_MILLICORES = 300
DAEMONS_MEMORY_MIB = 600


def cpu_reserve(cores: int) -> int:
    for limit, reserve in _CPU_RESERVE:
        if cores <= limit:
            return reserve
    return _CPU_RESERVE[-1][1]


def memory_reserve_mib(memory_mib: int, max_pods: int = MAX_PODS) -> int:
    kube_reserved_mb = min(20 * max_pods + 50, 0.25 * memory_mib * 2**20 / 10**6)
    return math.ceil(kube_reserved_mb * 10**6 / 2**20) + EVICTION_MIB


def node_shape(vm_size: str) -> NodeShape:
    """Allocatable CPU and memory of one node (KeyError for a size the table does not know)."""
    cores, gib = VM_SIZES[vm_size]
    memory = gib * 1024
    return NodeShape(vm_size, cores * 1000 - cpu_reserve(cores), memory - memory_reserve_mib(memory), SOURCE)
