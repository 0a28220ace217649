"""Will the platform's pods fit on the cluster's nodes? Checked before anything is registered.

Cloud-neutral: the pods come from settings (requests × how many can run at once, a rollout's
surge included); the node comes from the cloud package, which knows a node type's allocatable CPU
and memory (capacity minus the kubelet / system reserve and the eviction threshold) and what its
own system daemons request on every node. Each cloud's plan step calls `check_fits` with them and
one config error names the keys to change when the pods cannot be placed at the node group's
maximum size.

Placement is first-fit decreasing over whole pods: a pod cannot be split across nodes, so two
4-CPU pods do not fit on two nodes with 3.9 CPU free each even though the sums say they would.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from components.rasa.pod import ROLLING_SURGE
from components.rasa.verify_job import VERIFY_REQUESTS
from components.settings.errors import Problems
from components.settings.stack import StackSettings


_CPU = re.compile(r"([0-9]+(?:\.[0-9]+)?)(m?)")
_MEMORY = re.compile(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?")
_MEBIBYTES = {None: 1 / 2**20, "Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024**2,
              "k": 1000 / 2**20, "M": 10**6 / 2**20, "G": 10**9 / 2**20, "T": 10**12 / 2**20}


def cpu_millicores(quantity: str) -> int:
    """A Kubernetes CPU quantity ("2", "500m", "0.5") in millicores, rounded up."""
    match = _CPU.fullmatch(quantity)
    if not match:
        raise ValueError(f"not a CPU quantity: {quantity!r}")
    value = float(match.group(1))
    return math.ceil(value if match.group(2) else value * 1000)


def memory_mib(quantity: str) -> int:
    """A Kubernetes memory quantity ("4Gi", "512Mi", "1G") in MiB, rounded up."""
    match = _MEMORY.fullmatch(quantity)
    if not match:
        raise ValueError(f"not a memory quantity: {quantity!r}")
    return math.ceil(float(match.group(1)) * _MEBIBYTES[match.group(2)])


@dataclass(frozen=True)
class NodeShape:
    """What one node of a type offers pods, and where those figures come from."""

    node_type: str
    cpu_millicores: int  # allocatable
    memory_mib: int  # allocatable
    source: str  # the documented formula or table the figures follow


@dataclass(frozen=True)
class PodDemand:
    """Pods of one kind that may run at the same time, and the settings that size them."""

    what: str  # "Rasa pod"
    cpu_millicores: int
    memory_mib: int
    count: int
    keys: tuple[str, ...]  # stack keys that change this demand


def platform_demands(settings: StackSettings) -> list[PodDemand]:
    """The platform's pods at their most: Rasa at its maximum replicas plus a rollout's surge, the
    action server and Rasa Pro Services likewise, and the verify Job that runs while the old pods
    still serve."""
    rasa = settings.rasa
    most = rasa.autoscaling.max_replicas if rasa.autoscaling.enabled else rasa.replicas
    replicas_key = "rasa.autoscaling.maxReplicas" if rasa.autoscaling.enabled else "rasa.replicas"
    demands = [PodDemand(
        "Rasa pod", cpu_millicores(rasa.resources.cpu_request), memory_mib(rasa.resources.memory_request),
        most + ROLLING_SURGE, (replicas_key, "rasa.resources.cpuRequest", "rasa.resources.memoryRequest"),
    )]
    action = rasa.action_server
    if action.enabled:
        scaled = action.autoscaling.enabled
        demands.append(PodDemand(
            "action server pod", cpu_millicores(action.resources.cpu_request), memory_mib(action.resources.memory_request),
            (action.autoscaling.max_replicas if scaled else action.replicas) + ROLLING_SURGE,
            ("rasa.actionServer.autoscaling.maxReplicas" if scaled else "rasa.actionServer.replicas",
             "rasa.actionServer.resources.cpuRequest", "rasa.actionServer.resources.memoryRequest"),
        ))
    if rasa.verify.enabled:
        demands.append(PodDemand("verify Job pod", cpu_millicores(VERIFY_REQUESTS["cpu"]), memory_mib(VERIFY_REQUESTS["memory"]), 1, ("rasa.verify.enabled",)))
    analytics = settings.analytics
    if analytics.enabled:
        r = analytics.resources
        demands.append(PodDemand(
            "Rasa Pro Services pod", cpu_millicores(r.cpu_request), memory_mib(r.memory_request),
            analytics.replicas + ROLLING_SURGE,
            ("analytics.replicas", "analytics.resources.cpuRequest", "analytics.resources.memoryRequest"),
        ))
    return demands


def nodes_needed(demands: Sequence[PodDemand], free_cpu: int, free_memory: int) -> int | None:
    """Nodes first-fit decreasing placement needs, or None when some pod fits on no node at all."""
    pods = sorted(
        ((d.cpu_millicores, d.memory_mib) for d in demands for _ in range(d.count)),
        key=lambda pod: (pod[0] / max(free_cpu, 1)) + (pod[1] / max(free_memory, 1)),
        reverse=True,
    )
    nodes: list[list[int]] = []  # [cpu left, memory left] per node
    for cpu, memory in pods:
        if cpu > free_cpu or memory > free_memory:
            return None
        for node in nodes:
            if node[0] >= cpu and node[1] >= memory:
                node[0] -= cpu
                node[1] -= memory
                break
        else:
            nodes.append([free_cpu - cpu, free_memory - memory])
    return len(nodes)


def check_fits(
    demands: Sequence[PodDemand],
    node: NodeShape,
    *,
    daemons_cpu_millicores: int,
    daemons_memory_mib: int,
    nodes_max: int,
    node_type_key: str,
    nodes_max_key: str,
    problems: Problems,
) -> None:
    """One config error unless every pod in `demands` can be placed on `nodes_max` nodes of `node`,
    each already running the cloud's system daemons (their requests per node)."""
    free_cpu = node.cpu_millicores - daemons_cpu_millicores
    free_memory = node.memory_mib - daemons_memory_mib
    needed = nodes_needed(demands, free_cpu, free_memory)
    if needed is not None and needed <= nodes_max:
        return
    pods = ", ".join(f"{d.count} × {d.what} ({d.cpu_millicores}m CPU, {d.memory_mib} MiB)" for d in demands)
    free = f"{free_cpu}m CPU and {free_memory} MiB free per {node.node_type} node after system daemons"
    keys = sorted({node_type_key, nodes_max_key, *(k for d in demands for k in d.keys)})
    if needed is None:
        why = f"a single pod does not fit on one node: {pods}; {free}"
    else:
        why = f"{pods} need {needed} nodes but the node group stops at {nodes_max}; {free}"
    problems.add(node_type_key, node.node_type, f"too small for the platform's pods: {why} (change one of {', '.join(keys)})")
