"""The cloud-neutral capacity check (components/capacity.py): quantities, placement, the error line."""

import pytest

from components.capacity import NodeShape, PodDemand, check_fits, cpu_millicores, memory_mib, nodes_needed, platform_demands
from components.settings.errors import Problems
from tests.aws.harness import settings_for


@pytest.mark.parametrize("quantity, millicores", [("4", 4000), ("500m", 500), ("0.25", 250), ("1.5", 1500)])
def test_cpu_quantities(quantity, millicores):
    assert cpu_millicores(quantity) == millicores


@pytest.mark.parametrize("quantity, mib", [("8Gi", 8192), ("512Mi", 512), ("1G", 954), ("1048576Ki", 1024)])
def test_memory_quantities(quantity, mib):
    assert memory_mib(quantity) == mib


def test_whole_pods_are_placed_not_sums():
    # Two 4-CPU pods on 7.9-CPU nodes: the sums (8 ≤ 15.8) fit two nodes, and so does placement;
    # three such pods need three nodes, because no node holds two.
    pod = PodDemand("Rasa pod", 4000, 8192, 3, ("rasa.replicas",))
    assert nodes_needed([pod], 7900, 30000) == 3
    assert nodes_needed([PodDemand("small", 3900, 1000, 4, ())], 7900, 30000) == 2
    assert nodes_needed([PodDemand("huge", 8000, 1000, 1, ())], 7900, 30000) is None


def _check(demands, nodes_max, cpu=7910, memory=30000):
    problems = Problems()
    check_fits(demands, NodeShape("m6i.2xlarge", cpu, memory, "test"), daemons_cpu_millicores=300,
               daemons_memory_mib=600, nodes_max=nodes_max, node_type_key="aws.nodeGroup.instanceType",
               nodes_max_key="cluster.nodeCountMax", problems=problems)
    return problems.errors


def test_fits_when_every_pod_has_a_node():
    assert _check([PodDemand("Rasa pod", 4000, 8192, 7, ("rasa.autoscaling.maxReplicas",))], 7) == []


def test_one_line_naming_the_keys_when_the_group_is_too_small():
    errors = _check([PodDemand("Rasa pod", 4000, 8192, 7, ("rasa.autoscaling.maxReplicas", "rasa.resources.cpuRequest"))], 6)
    assert len(errors) == 1
    text = str(errors[0])
    assert "need 7 nodes but the node group stops at 6" in text
    for key in ("aws.nodeGroup.instanceType", "cluster.nodeCountMax", "rasa.autoscaling.maxReplicas", "rasa.resources.cpuRequest"):
        assert key in text


def test_a_pod_larger_than_a_node_is_named():
    errors = _check([PodDemand("Rasa pod", 8000, 8192, 1, ("rasa.resources.cpuRequest",))], 9)
    assert "a single pod does not fit on one node" in str(errors[0])


def test_platform_demands_count_surge_action_server_and_verify_job():
    settings = settings_for("prod", rasa={"actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.0.0", "replicas": 2}})
    demands = {d.what: d for d in platform_demands(settings)}
    rasa = settings.rasa
    assert demands["Rasa pod"].count == rasa.autoscaling.max_replicas + 1
    assert demands["Rasa pod"].cpu_millicores == cpu_millicores(rasa.resources.cpu_request)
    assert demands["action server pod"].count == 3
    assert demands["action server pod"].memory_mib == 512
    assert demands["verify Job pod"].count == 1


def test_an_autoscaled_action_server_is_counted_at_its_maximum():
    settings = settings_for("prod", rasa={"actionServer": {
        "enabled": True, "image": "acme/actions", "tag": "1.0.0", "replicas": 2,
        "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 7}}})
    (actions,) = [d for d in platform_demands(settings) if d.what == "action server pod"]
    assert actions.count == 7 + 1 and actions.keys[0] == "rasa.actionServer.autoscaling.maxReplicas"
