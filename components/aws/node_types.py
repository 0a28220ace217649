"""What one EKS node offers pods, per supported EC2 instance type, and what the system pods of
this platform's clusters take from it: the AWS side of the capacity check (components/capacity.py).

Allocatable = capacity − kube-reserved − the hard eviction threshold, as the EKS AMI's node agent
(awslabs/amazon-eks-ami, nodeadm/internal/kubelet/config.go, used by the AL2023 images here)
configures every kubelet:
* kube-reserved CPU: 6% of the first core, 1% of the second, 0.5% of the third and fourth, 0.25%
  of every core above four (getCPUMillicoresToReserve);
* kube-reserved memory: 255 MiB + 11 MiB × max pods (getMemoryMebibytesToReserve);
* evictionHard memory.available: 100Mi; no system-reserved.
Max pods is the ENI formula, ENIs × (IPv4 addresses per ENI − 1) + 2 (CalcMaxPods, with the ENI
figures of nodeadm/internal/kubelet/instance-info.jsonl, the successor of eni-max-pods.txt),
capped by managed node groups at 110 below 30 vCPUs and 250 above (EKS User Guide, managed node
groups and maxPods).
Memory capacity is below the nominal size (the hypervisor and kernel keep some): we take off
7.5%, Karpenter's default estimate for EC2 (vmMemoryOverheadPercent 0.075), on the safe side of
what nodes report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from components.capacity import NodeShape, PodDemand

SOURCE = ("EKS AMI kubelet reserve (awslabs/amazon-eks-ami nodeadm kubelet config), ENI max pods "
          "(instance-info.jsonl, managed node group cap), 7.5% VM memory overhead (Karpenter's default)")
EVICTION_HARD_MIB = 100
VM_MEMORY_OVERHEAD = 0.075

# Size → (vCPUs, ENIs, IPv4 addresses per ENI); the same for every family listed below
# (instance-info.jsonl).
SIZES: dict[str, tuple[int, int, int]] = {
    "large": (2, 3, 10),
    "xlarge": (4, 4, 15),
    "2xlarge": (8, 4, 15),
    "4xlarge": (16, 8, 30),
    "8xlarge": (32, 8, 30),
}
# Family → (GiB of memory per vCPU, CPU architecture).
FAMILIES: dict[str, tuple[int, str]] = {
    **{f: (4, "x86_64") for f in ("m6i", "m7i", "m6a", "m7a")},
    **{f: (2, "x86_64") for f in ("c6i", "c7i")},
    **{f: (8, "x86_64") for f in ("r6i", "r7i")},
    **{f: (4, "arm64") for f in ("m6g", "m7g")},
    **{f: (2, "arm64") for f in ("c6g", "c7g")},
    **{f: (8, "arm64") for f in ("r6g", "r7g")},
}
AMI_ARCHITECTURE = {"AL2023_x86_64_STANDARD": "x86_64", "AL2023_ARM_64_STANDARD": "arm64"}


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpus: int
    memory_gib: int
    enis: int
    ips_per_eni: int
    architecture: str

    @property
    def max_pods(self) -> int:
        return min(self.enis * (self.ips_per_eni - 1) + 2, 110 if self.vcpus < 30 else 250)


def instance_type(name: str) -> Optional[InstanceType]:
    family, _, size = name.partition(".")
    if family not in FAMILIES or size not in SIZES:
        return None
    vcpus, enis, ips = SIZES[size]
    per_vcpu, arch = FAMILIES[family]
    return InstanceType(name, vcpus, vcpus * per_vcpu, enis, ips, arch)


def kube_reserved_cpu_millicores(vcpus: int) -> int:
    """nodeadm's getCPUMillicoresToReserve, integer arithmetic included: per range of millicores,
    the share in hundredths of a percent (600 = 6%)."""
    total = vcpus * 1000
    ranges = (0, 1000, 2000, 4000, total)
    shares = (600, 100, 50, 25)
    reserved = 0
    for i, share in enumerate(shares):
        start, end = ranges[i], ranges[i + 1]
        if total > start:
            reserved += (min(total, end) - start) * share // 10000
    return reserved


def node_shape(name: str) -> Optional[NodeShape]:
    """Allocatable CPU and memory of one node of `name`, or None for a type not in the table."""
    t = instance_type(name)
    if t is None:
        return None
    capacity_mib = int(t.memory_gib * 1024 * (1 - VM_MEMORY_OVERHEAD))
    kube_reserved_mib = 255 + 11 * t.max_pods
    return NodeShape(
        node_type=name,
        cpu_millicores=t.vcpus * 1000 - kube_reserved_cpu_millicores(t.vcpus),
        memory_mib=capacity_mib - kube_reserved_mib - EVICTION_HARD_MIB,
        source=SOURCE,
    )


# Requests of what runs on every node (DaemonSets), per node: aws-node 25m (the vpc-cni chart's
# resources; its network-policy agent requests nothing), kube-proxy 100m (EKS's add-on manifest),
# the EBS CSI node plugin's three containers at 10m / 40Mi each (the aws-ebs-csi-driver chart's
# node.resources, which its sidecars default to).
DAEMONS_CPU_MILLICORES = 25 + 100 + 3 * 10
DAEMONS_MEMORY_MIB = 3 * 40


# The Cluster Autoscaler's requests (millicores, MiB), set in its Helm values: the figures its
# chart's values.yaml suggests.
AUTOSCALER_REQUESTS = (100, 300)


def system_pods(*, metrics_server: bool, cluster_autoscaler: bool) -> list[PodDemand]:
    """Cluster-wide system pods that need a place besides the platform's own: CoreDNS (EKS add-on:
    two replicas of 100m / 70Mi), the EBS CSI controller (two replicas of six containers at 10m /
    40Mi), metrics-server (counted as two replicas of the upstream chart's 100m / 200Mi), the
    Cluster Autoscaler (one replica, the requests components/aws/cluster_autoscaler.py sets)."""
    pods = [
        PodDemand("CoreDNS pod", 100, 70, 2, ()),
        PodDemand("EBS CSI controller pod", 60, 240, 2, ()),
    ]
    if metrics_server:
        pods.append(PodDemand("metrics-server pod", 100, 200, 2, ()))
    if cluster_autoscaler:
        pods.append(PodDemand("Cluster Autoscaler pod", *AUTOSCALER_REQUESTS, 1, ()))
    return pods
