"""The deployer reaches a private EKS API: cluster.apiAccessCidrs become 443 rules on the cluster
security group (the group on the private endpoint's ENIs) before any Kubernetes object; a private
cluster nobody can reach is a preview warning; documentation example ranges are refused."""

from __future__ import annotations

import pytest

from infra.settings import ConfigError
from tests.aws.harness import plan_for, provision
from tests.previewing import preview

RUNNERS = "10.60.0.0/16"  # a CI runners' VPC peered with this one
VPN = "10.8.0.0/20"


@pytest.fixture(scope="module")
def reachable():
    return provision(plan_for("prod", cluster={"apiAccessCidrs": [RUNNERS, VPN]}))


def test_each_cidr_is_a_443_rule_on_the_eks_cluster_security_group(reachable):
    rules = reachable.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert sorted(r.inputs["cidrIpv4"] for r in rules) == sorted([RUNNERS, VPN])
    for rule in rules:
        assert rule.inputs["securityGroupId"] == reachable.cluster_security_group_id
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 443, 443)
        assert "cluster.apiAccessCidrs" in rule.inputs["description"]
    # the endpoint itself stays private
    vpc = reachable.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is False


def test_kubernetes_objects_wait_for_the_rules(reachable):
    provider = reachable.one("pulumi:providers:kubernetes")
    rules = {r.urn for r in reachable.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert len(rules) == 2 and rules <= set(provider.dependencies)


def test_no_cidrs_no_rules(prod_run):
    assert prod_run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []


def test_a_private_cluster_nobody_can_reach_is_a_preview_warning():
    private = preview("aws-prod", cluster={"mode": "create", "kubernetesVersion": "1.33", "publicAccessCidrs": []})
    (warning,) = [w for w in private.warnings if "cluster.apiAccessCidrs" in w]
    assert "EKS API endpoint is private" in warning
    reachable = preview("aws-prod", cluster={"mode": "create", "kubernetesVersion": "1.33", "apiAccessCidrs": [RUNNERS]})
    assert not [w for w in reachable.warnings if "cluster.apiAccessCidrs" in w]
    rules = [r for r in reachable.resources if r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"]
    assert [r.inputs["cidrIpv4"] for r in rules] == [RUNNERS]  # in the preview's resources.json
    public = preview("aws-prod", cluster={"mode": "create", "kubernetesVersion": "1.33", "publicAccessCidrs": ["198.18.0.10/32"]})
    assert not [w for w in public.warnings if "cluster.apiAccessCidrs" in w]


@pytest.mark.parametrize("key", ["publicAccessCidrs", "apiAccessCidrs"])
def test_documentation_example_ranges_are_refused(key):
    with pytest.raises(ConfigError) as caught:
        plan_for("dev", cluster={key: ["203.0.113.10/32"]})
    assert str(caught.value) == (
        f"config error: rasa-platform:cluster.{key} = 203.0.113.10/32: "
        "is an example range from RFC 5737 that no deployer has: use your own network's CIDR"
    )


def test_ipv6_api_access_is_refused():
    with pytest.raises(ConfigError) as caught:
        plan_for("dev", cluster={"apiAccessCidrs": ["fd00::/64"]})
    assert "rasa-platform:cluster.apiAccessCidrs = fd00::/64: IPv4 CIDRs only" in str(caught.value)


def test_every_address_is_refused_as_api_access():
    with pytest.raises(ConfigError) as caught:
        plan_for("dev", cluster={"apiAccessCidrs": ["0.0.0.0/0"]})
    assert "rasa-platform:cluster.apiAccessCidrs = 0.0.0.0/0: must name the deployer's networks, not every address" in str(caught.value)
