"""The node capacity table (components/aws/node_types.py) and the capacity check the AWS plan
runs before anything exists: the EKS AMI's kubelet reserve, worked by hand for the preset types,
and one config error naming the keys when the node group is too small."""

from __future__ import annotations

import pytest

from components.aws.node_types import (
    DAEMONS_CPU_MILLICORES, DAEMONS_MEMORY_MIB, instance_type, kube_reserved_cpu_millicores, node_shape,
)
from infra.settings import ConfigError
from tests.aws.harness import plan_for


@pytest.mark.parametrize("vcpus, reserved", [(2, 70), (4, 80), (8, 90), (16, 110), (32, 150)])
def test_kube_reserved_cpu_follows_the_eks_ami_ranges(vcpus, reserved):
    # 6% of core 1 (60m), 1% of core 2 (10m), 0.5% of cores 3-4 (10m), 0.25% of the rest (2.5m per core)
    assert kube_reserved_cpu_millicores(vcpus) == reserved


@pytest.mark.parametrize("name, max_pods", [("m6i.large", 29), ("m6i.2xlarge", 58), ("m6i.4xlarge", 110), ("m7g.8xlarge", 234)])
def test_max_pods_is_the_eni_formula_capped_for_managed_node_groups(name, max_pods):
    # 3×(10−1)+2, 4×(15−1)+2, 8×(30−1)+2 = 234 capped at 110 below 30 vCPUs, not capped at 32
    assert instance_type(name).max_pods == max_pods


def test_m6i_2xlarge_worked_by_hand():
    shape = node_shape("m6i.2xlarge")
    assert shape.cpu_millicores == 8000 - 90 == 7910
    # 32 GiB less 7.5% VM overhead, less 255 + 11 × 58 MiB kube-reserved, less the 100Mi eviction threshold
    assert shape.memory_mib == int(32768 * 0.925) - (255 + 11 * 58) - 100 == 29317
    # one 4-CPU prod Rasa pod per node, not two, once the daemons run
    free = shape.cpu_millicores - DAEMONS_CPU_MILLICORES
    assert 4000 <= free < 8000
    assert DAEMONS_CPU_MILLICORES == 155 and DAEMONS_MEMORY_MIB == 120


def test_unknown_types_have_no_shape():
    assert node_shape("m6i.metal") is None and node_shape("x9.large") is None


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_every_preset_fits_its_node_group(environment):
    plan_for(environment)  # raises ConfigError if the pods do not fit


def test_a_node_group_too_small_for_the_pods_is_one_config_error_naming_the_keys():
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", cluster={"mode": "create", "nodeCountMin": 3, "nodeCountMax": 5})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("config error: rasa-platform:aws.nodeGroup.instanceType = m6i.2xlarge: too small for the platform's pods:")
    assert "7 × Rasa pod (4000m CPU, 8192 MiB)" in message and "need 7 nodes but the node group stops at 5" in message
    for key in ("cluster.nodeCountMax", "rasa.autoscaling.maxReplicas", "rasa.resources.cpuRequest", "rasa.resources.memoryRequest"):
        assert key in message


def test_a_pod_no_node_can_hold_is_named():
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", aws={"nodeGroup": {"instanceType": "m6i.xlarge"}})
    assert "a single pod does not fit on one node" in str(caught.value)


def test_an_instance_type_outside_the_table_is_refused():
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", aws={"nodeGroup": {"instanceType": "x2iedn.xlarge"}})
    assert "rasa-platform:aws.nodeGroup.instanceType = x2iedn.xlarge: not in the node capacity table" in str(caught.value)


def test_a_graviton_type_needs_the_arm_image():
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", aws={"nodeGroup": {"instanceType": "m7g.2xlarge"}})
    assert "rasa-platform:aws.nodeGroup.amiType = AL2023_x86_64_STANDARD: m7g.2xlarge is arm64" in str(caught.value)
    plan_for("prod", aws={"nodeGroup": {"instanceType": "m7g.2xlarge", "amiType": "AL2023_ARM_64_STANDARD"}})
