"""Autoscaling that scales: metrics-server (the EKS community add-on) wherever an HPA exists, and
the Cluster Autoscaler (official chart, pinned) with an IRSA role that may resize only this
cluster's node groups, wherever the node group may grow."""

from __future__ import annotations

import pytest

from components.aws.cluster_autoscaler import CHART_REPOSITORY, CHART_VERSION, IMAGE_TAGS
from infra.settings import ConfigError
from tests.aws.harness import plan_for, provision

RELEASE = "kubernetes:helm.sh/v3:Release"


def addons(run):
    return {a.inputs["addonName"]: a for a in run.of_type("aws:eks/addon:Addon")}


def test_metrics_server_is_installed_where_an_hpa_exists(prod_run, dev_run):
    assert prod_run.plan.settings.rasa.autoscaling.enabled
    metrics = addons(prod_run)["metrics-server"]
    nodes = prod_run.one("aws:eks/nodeGroup:NodeGroup")
    assert nodes.urn in metrics.dependencies  # its pods need nodes
    # dev has no HPA (one fixed replica): no metrics-server
    assert not dev_run.plan.settings.rasa.autoscaling.enabled
    assert "metrics-server" not in addons(dev_run)


def test_the_rasa_workload_waits_for_metrics_server(prod_run):
    metrics = addons(prod_run)["metrics-server"]
    # what CloudServices hands the workload to wait for (pulumi resources, by logical name)
    assert metrics.name in {r._name for r in prod_run.services.workload_depends_on}


def test_the_cluster_autoscaler_release_is_pinned_and_scoped_to_this_cluster(prod_run):
    release = prod_run.one(RELEASE)
    inputs = release.inputs
    assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]["repo"]) == ("cluster-autoscaler", CHART_VERSION, CHART_REPOSITORY)
    assert inputs["namespace"] == "kube-system" and inputs["atomic"] is True
    values = inputs["values"]
    cluster_name = prod_run.one("aws:eks/cluster:Cluster").inputs["name"]
    assert values["cloudProvider"] == "aws" and values["awsRegion"] == "eu-central-1"
    assert values["autoDiscovery"] == {"clusterName": cluster_name}
    assert values["image"]["tag"] == IMAGE_TAGS["1.33"] == "v1.33.6"  # the cluster's minor
    assert values["resources"]["requests"] == {"cpu": "100m", "memory": "300Mi"}
    assert values["containerSecurityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                                  "capabilities": {"drop": ["ALL"]}}
    assert values["securityContext"]["runAsNonRoot"] is True
    # through the cluster's provider, after the nodes exist
    assert release.provider.startswith(prod_run.one("pulumi:providers:kubernetes").urn)
    assert prod_run.one("aws:eks/nodeGroup:NodeGroup").urn in release.dependencies


def test_the_autoscaler_role_is_irsa_for_its_service_account_and_least_privilege(prod_run):
    release = prod_run.one(RELEASE)
    role = prod_run.one("aws:iam/role:Role", "cluster-autoscaler-role")
    assert release.inputs["values"]["rbac"]["serviceAccount"] == {
        "create": True, "name": "cluster-autoscaler", "annotations": {"eks.amazonaws.com/role-arn": prod_run.arn_of(role)},
    }
    (trust,) = role.policy("assumeRolePolicy")["Statement"]
    conditions = trust["Condition"]["StringEquals"]
    assert [v for k, v in conditions.items() if k.endswith(":sub")] == ["system:serviceaccount:kube-system:cluster-autoscaler"]
    policy = prod_run.one("aws:iam/rolePolicy:RolePolicy", "cluster-autoscaler-role-policy").policy()
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    writes = by_sid["ResizeThisClustersGroupsOnly"]
    cluster_name = prod_run.one("aws:eks/cluster:Cluster").inputs["name"]
    assert sorted(writes["Action"]) == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert writes["Condition"] == {"StringEquals": {
        f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned",
        "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
    }}
    assert writes["Resource"] == "arn:aws:autoscaling:eu-central-1:123456789012:autoScalingGroup:*:autoScalingGroupName/*"
    # everything else it may do only reads
    reads = by_sid["DiscoverGroupsAndInstanceTypes"]["Action"]
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in reads)
    assert len(policy["Statement"]) == 2


def test_no_autoscaler_when_the_node_group_cannot_grow():
    run = provision(plan_for("dev", cluster={"mode": "create", "nodeCountMin": 2, "nodeCountMax": 2}))
    assert run.of_type(RELEASE) == []
    assert [r for r in run.of_type("aws:iam/role:Role") if r.name.startswith("cluster-autoscaler")] == []


def test_a_kubernetes_version_without_a_pinned_autoscaler_is_a_config_error():
    with pytest.raises(ConfigError) as caught:
        plan_for("dev", cluster={"mode": "create", "kubernetesVersion": "1.31"})
    assert "rasa-platform:cluster.kubernetesVersion = 1.31: no Cluster Autoscaler release is pinned for it; allowed: 1.32, 1.33, 1.34, 1.35" in str(caught.value)
