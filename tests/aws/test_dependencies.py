"""The dependencies AWS documents, written out: EKS and its node group hold their IAM policies from
their first API call to their last (create, replace, destroy), and nodes launch only once the
private subnets route to NAT. Checked in the mock engine's record and in the preview's
resources.json, the graph `pulumi up` would follow."""

from __future__ import annotations


def _attachments_of(run, role_logical: str) -> set[str]:
    return {
        r.urn for r in [*run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"), *run.of_type("aws:iam/rolePolicy:RolePolicy")]
        if r.name.startswith(f"{role_logical}-")
    }


def test_the_cluster_waits_for_its_role_policies(prod_run):
    cluster = prod_run.one("aws:eks/cluster:Cluster")
    grants = _attachments_of(prod_run, "cluster-role")
    # AmazonEKSClusterPolicy and the inline policy for the secrets key
    assert len(grants) == 2
    assert grants <= set(cluster.dependencies)


def test_the_node_group_waits_for_its_role_policies_and_the_nat_routes(prod_run):
    group = prod_run.one("aws:eks/nodeGroup:NodeGroup")
    grants = _attachments_of(prod_run, "cluster-node-role")
    assert len(grants) == 2  # worker node policy, ECR pull
    assert grants <= set(group.dependencies)
    nat_routes = {r.urn for r in prod_run.of_type("aws:ec2/route:Route") if r.name.startswith("network-private-default-")}
    associations = {r.urn for r in prod_run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
                    if r.name.startswith("network-private-")}
    assert len(nat_routes) == 3 and len(associations) == 3
    assert nat_routes | associations <= set(group.dependencies)


def test_the_edges_are_in_the_previews_resources_json(shipped_previews):
    for stack in ("aws-dev", "aws-prod"):
        resources = {r.urn: r for r in shipped_previews[stack].resources}
        by_name = {(r.type, r.name): r for r in resources.values()}
        cluster = by_name[("aws:eks/cluster:Cluster", "cluster-eks")]
        group = by_name[("aws:eks/nodeGroup:NodeGroup", "cluster-nodes")]
        attachment = by_name[("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cluster-role-AmazonEKSClusterPolicy")]
        node_attachment = by_name[("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cluster-node-role-AmazonEKSWorkerNodePolicy")]
        nat_route = by_name[("aws:ec2/route:Route", "network-private-default-0")]
        assert attachment.urn in cluster.as_json()["dependencies"], stack
        assert {node_attachment.urn, nat_route.urn} <= set(group.as_json()["dependencies"]), stack
