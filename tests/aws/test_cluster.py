"""EKS: private endpoint, envelope encryption, logs, access entries, IMDSv2 nodes, IRSA, add-ons,
the encrypted default storage class, the Kubernetes provider; and an existing cluster by name."""

from __future__ import annotations

import json

import pytest

from components.aws.cluster import CONTROL_PLANE_LOGS
from components.aws.mock_outputs import fake_call
from tests.aws.harness import plan_for, provision

ADMIN_ROLE = "arn:aws:iam::246813579024:role/platform-admins"  # not a documentation example account: those are refused
DEPLOYER_ROLE = "arn:aws:iam::123456789012:role/platform-deployer"  # the mocked session's issuer


@pytest.fixture(scope="module")
def prod():
    return provision(plan_for("prod", aws={"clusterAdminRoleArns": [ADMIN_ROLE]}))


@pytest.fixture(scope="module")
def dev():
    return provision(plan_for("dev", cluster={"publicAccessCidrs": ["198.18.0.10/32"]}))


def eks(run):
    return run.one("aws:eks/cluster:Cluster")


def private_subnet_urns(run):
    return {r.urn for r in run.of_type("aws:ec2/subnet:Subnet") if "-private-" in r.name}


def test_api_endpoint_is_private_unless_cidrs_are_listed(prod, dev):
    vpc = eks(prod).inputs["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True and vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc
    assert vpc["securityGroupIds"] == []
    dev_vpc = eks(dev).inputs["vpcConfig"]
    assert dev_vpc["endpointPublicAccess"] is True and dev_vpc["publicAccessCidrs"] == ["198.18.0.10/32"]


def test_control_plane_sits_in_the_private_subnets_only(prod):
    cluster = eks(prod)
    assert len(cluster.inputs["vpcConfig"]["subnetIds"]) == 3
    assert private_subnet_urns(prod) <= set(cluster.dependencies)
    assert not any("-public-" in urn or "-data-" in urn for urn in cluster.dependencies if "Subnet" in urn)


def test_kubernetes_secrets_are_envelope_encrypted_with_a_rotating_customer_key(prod):
    cluster = eks(prod)
    assert cluster.inputs["encryptionConfig"] == {"provider": {"keyArn": prod.key_arn("eks-secrets")}, "resources": ["secrets"]}
    assert prod.key("eks-secrets").inputs["enableKeyRotation"] is True
    # the control plane's role may use exactly that key
    role_policy = next(r for r in prod.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == "cluster-role-policy")
    (statement,) = role_policy.policy()["Statement"]
    assert statement["Resource"] == prod.key_arn("eks-secrets")


def test_every_control_plane_log_goes_to_a_pre_created_encrypted_log_group(prod):
    cluster = eks(prod)
    assert cluster.inputs["enabledClusterLogTypes"] == CONTROL_PLANE_LOGS == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane-logs")
    assert group.inputs["name"] == f"/aws/eks/{cluster.inputs['name']}/cluster"
    assert group.inputs["kmsKeyId"] == prod.key_arn("logs")
    assert group.urn in cluster.dependencies  # exists before EKS would create its own


def test_access_entries_not_aws_auth_and_explicit_admins_only(prod):
    cluster = eks(prod)
    assert cluster.inputs["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    entries = {e.inputs["principalArn"]: e for e in prod.of_type("aws:eks/accessEntry:AccessEntry")}
    assert set(entries) == {ADMIN_ROLE, DEPLOYER_ROLE}
    assert all(e.inputs["type"] == "STANDARD" for e in entries.values())
    associations = prod.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert {a.inputs["principalArn"] for a in associations} == {ADMIN_ROLE, DEPLOYER_ROLE}
    for a in associations:
        assert a.inputs["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        assert a.inputs["accessScope"] == {"type": "cluster"}
    # the deployer is looked up as the role behind the session, not the session ARN
    assert "aws:iam/getSessionContext:getSessionContext" in prod.calls_made


def test_no_deployer_entry_when_turned_off():
    run = provision(plan_for("dev", aws={"grantDeployerClusterAdmin": False, "clusterAdminRoleArns": [ADMIN_ROLE]}))
    assert [e.inputs["principalArn"] for e in run.of_type("aws:eks/accessEntry:AccessEntry")] == [ADMIN_ROLE]


def test_nodes_require_imdsv2_with_one_hop_and_encrypted_root_volumes(prod):
    template = prod.one("aws:ec2/launchTemplate:LaunchTemplate")
    assert template.inputs["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
        "httpProtocolIpv6": "disabled",
        "instanceMetadataTags": "disabled",
    }
    (disk,) = template.inputs["blockDeviceMappings"]
    assert disk["ebs"]["encrypted"] == "true"
    assert disk["ebs"]["kmsKeyId"] == prod.key_arn("ebs")
    assert disk["ebs"]["volumeType"] == "gp3"
    assert "vpcSecurityGroupIds" not in template.inputs  # EKS attaches the cluster security group


def test_node_group_uses_the_template_spans_every_zone_and_follows_the_settings(prod):
    group = prod.one("aws:eks/nodeGroup:NodeGroup")
    template = prod.one("aws:ec2/launchTemplate:LaunchTemplate")
    assert group.inputs["launchTemplate"]["version"] == "1"
    assert template.urn in group.dependencies
    assert private_subnet_urns(prod) <= set(group.dependencies)
    assert len(group.inputs["subnetIds"]) == 3
    assert group.inputs["scalingConfig"] == {"minSize": 3, "maxSize": 9, "desiredSize": 3}
    assert group.inputs["instanceTypes"] == ["m6i.2xlarge"]
    assert group.inputs["amiType"] == "AL2023_x86_64_STANDARD" and group.inputs["capacityType"] == "ON_DEMAND"
    assert group.inputs["version"] == "1.33" == eks(prod).inputs["version"]
    assert "diskSize" not in group.inputs  # the launch template owns the disk
    assert group.ignore_changes == ["scalingConfig.desiredSize"]  # an autoscaler owns the current size


def test_node_role_has_no_cni_permissions_those_sit_on_the_aws_node_irsa_role(prod):
    attached = {a.name: a.inputs["policyArn"] for a in prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    node = {v for k, v in attached.items() if k.startswith("cluster-node-role-")}
    assert node == {"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"}
    assert attached["cluster-vpc-cni-role-AmazonEKS_CNI_Policy"] == "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"


@pytest.mark.parametrize(
    "role_name, service_account",
    [("cluster-vpc-cni-role", "kube-system:aws-node"), ("cluster-ebs-csi-role", "kube-system:ebs-csi-controller-sa")],
)
def test_add_on_roles_trust_only_their_service_account_through_the_cluster_oidc_provider(prod, role_name, service_account):
    role = prod.one("aws:iam/role:Role", role_name)
    (statement,) = role.policy("assumeRolePolicy")["Statement"]
    oidc = prod.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"] == prod.arn_of(oidc)
    conditions = statement["Condition"]["StringEquals"]
    assert {k.rsplit(":", 1)[1]: v for k, v in conditions.items()} == {
        "sub": f"system:serviceaccount:{service_account}", "aud": "sts.amazonaws.com",
    }
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert oidc.inputs["url"].startswith("https://oidc.eks.eu-central-1.amazonaws.com/id/")
    assert "thumbprintLists" not in oidc.inputs  # IAM trusts EKS's issuer through its own CA library


def test_core_add_ons_networking_before_nodes_the_rest_after(prod):
    addons = {a.inputs["addonName"]: a for a in prod.of_type("aws:eks/addon:Addon")}
    assert set(addons) == {"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "metrics-server"}  # prod has an HPA
    nodes = prod.one("aws:eks/nodeGroup:NodeGroup")
    assert {addons["vpc-cni"].urn, addons["kube-proxy"].urn} <= set(nodes.dependencies)
    assert nodes.urn in addons["coredns"].dependencies and nodes.urn in addons["aws-ebs-csi-driver"].dependencies
    # NetworkPolicies (Rasa's egress rules) are enforced only with this switch
    assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    assert addons["vpc-cni"].inputs["serviceAccountRoleArn"] == prod.arn_of(prod.one("aws:iam/role:Role", "cluster-vpc-cni-role"))
    assert addons["aws-ebs-csi-driver"].inputs["serviceAccountRoleArn"] == prod.arn_of(prod.one("aws:iam/role:Role", "cluster-ebs-csi-role"))
    assert "serviceAccountRoleArn" not in addons["coredns"].inputs
    assert eks(prod).inputs["bootstrapSelfManagedAddons"] is False


def test_pinned_add_on_versions_are_used():
    run = provision(plan_for("dev", aws={"addonVersions": {"coredns": "v1.11.4-eksbuild.2"}}))
    versions = {a.inputs["addonName"]: a.inputs.get("addonVersion") for a in run.of_type("aws:eks/addon:Addon")}
    assert versions["coredns"] == "v1.11.4-eksbuild.2" and versions["vpc-cni"] is None


def test_default_storage_class_is_encrypted_gp3_with_the_platform_key(prod):
    sc = prod.one("kubernetes:storage.k8s.io/v1:StorageClass")
    assert sc.inputs["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert sc.inputs["provisioner"] == "ebs.csi.aws.com"
    assert sc.inputs["parameters"]["type"] == "gp3" and sc.inputs["parameters"]["encrypted"] == "true"
    assert sc.inputs["parameters"]["kmsKeyId"] == prod.key_arn("ebs")
    assert sc.inputs["volumeBindingMode"] == "WaitForFirstConsumer"
    assert sc.inputs["reclaimPolicy"] == "Retain"  # prod keeps volumes of deleted claims
    k8s_provider = prod.one("pulumi:providers:kubernetes")
    assert sc.provider.startswith(k8s_provider.urn)
    ebs = next(a for a in prod.of_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "aws-ebs-csi-driver")
    assert ebs.urn in sc.dependencies


def test_ebs_key_policy_allows_ec2_in_this_account_only(prod):
    statements = prod.key("ebs").policy()["Statement"]
    ebs = next(s for s in statements if s["Sid"] == "EbsThroughEc2InThisAccount")
    assert ebs["Condition"]["StringEquals"] == {
        "kms:CallerAccount": "123456789012", "kms:ViaService": "ec2.eu-central-1.amazonaws.com",
    }


def test_ebs_key_policy_lets_the_auto_scaling_service_linked_role_launch_nodes(prod):
    """The two statements the EC2 Auto Scaling guide documents, matched on aws:PrincipalArn so the
    policy is valid before the service-linked role exists (an empty account)."""
    statements = {s["Sid"]: s for s in prod.key("ebs").policy()["Statement"]}
    slr = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    use = statements["AutoScalingLaunchesNodesWithEncryptedVolumes"]
    assert use["Principal"] == {"AWS": "*"} and use["Condition"] == {"StringEquals": {"aws:PrincipalArn": slr}}
    assert sorted(use["Action"]) == sorted(["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"])
    grant = statements["AutoScalingAttachesPersistentResources"]
    assert grant["Action"] == "kms:CreateGrant"
    assert grant["Condition"] == {"StringEquals": {"aws:PrincipalArn": slr}, "Bool": {"kms:GrantIsForAWSResource": "true"}}
    # and the launch template's disks use exactly that key
    (disk,) = prod.one("aws:ec2/launchTemplate:LaunchTemplate").inputs["blockDeviceMappings"]
    assert disk["ebs"]["kmsKeyId"] == prod.key_arn("ebs")


def test_kubernetes_provider_uses_a_credential_free_kubeconfig_and_waits_for_admin_access(prod):
    provider = prod.one("pulumi:providers:kubernetes")
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    (user,) = kubeconfig["users"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"] == [
        "eks", "get-token", "--cluster-name", "rasa-aws-test-eks", "--region", "eu-central-1", "--output", "json",
    ]
    assert "token" not in user["user"]
    (cluster,) = kubeconfig["clusters"]
    assert cluster["cluster"]["server"].startswith("https://")
    associations = {a.urn for a in prod.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")}
    assert associations <= set(provider.dependencies)
    services = prod.services
    assert services.kubernetes_provider is not None
    waited = {r._name for r in services.workload_depends_on}
    assert {"cluster-nodes", "cluster-coredns", "cluster-vpc-cni", "cluster-gp3-encrypted"} <= waited


def test_prod_cluster_has_deletion_protection_and_pulumi_protect(prod, dev):
    assert eks(prod).inputs["deletionProtection"] is True and eks(prod).protect is True
    assert eks(dev).inputs["deletionProtection"] is False and eks(dev).protect is False
    assert eks(prod).inputs["upgradePolicy"] == {"supportType": "STANDARD"}


EXISTING = {
    "cluster": {"mode": "existing", "name": "platform-eks", "context": "platform"},
    "network": {"mode": "existing"},
    "aws": {"network": {"vpcId": "vpc-0a1b2c3d4e5f60718",
                        "privateSubnetIds": ["subnet-0a1b2c3d4e5f60701", "subnet-0a1b2c3d4e5f60702", "subnet-0a1b2c3d4e5f60703"]}},
}


def test_existing_cluster_is_looked_up_by_name_for_security_groups_and_irsa():
    run = provision(plan_for("prod", **EXISTING))
    assert run.of_type("aws:eks/cluster:Cluster") == [] and run.of_type("aws:eks/nodeGroup:NodeGroup") == []
    assert run.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    # No cluster of ours to wait for: Rasa waits only for its topic and SCRAM user.
    assert run.services.kubernetes_provider is None and len(run.services.workload_depends_on) == 2
    lookups = dict(run.calls)
    assert lookups["aws:eks/getCluster:getCluster"] == {"name": "platform-eks"}
    assert lookups["aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"]["url"].startswith("https://oidc.eks.eu-central-1.amazonaws.com/id/")
    existing_sg = fake_call("aws:eks/getCluster:getCluster", {"name": "platform-eks"})["vpcConfig"]["clusterSecurityGroupId"]
    data_sgs = run.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert len(data_sgs) == 3
    for sg in data_sgs:
        assert sg.inputs["ingress"], sg.name
        assert all(rule["securityGroups"] == [existing_sg] for rule in sg.inputs["ingress"])
    role = run.one("aws:iam/role:Role", "rasa-identity-role")
    (statement,) = role.policy("assumeRolePolicy")["Statement"]
    assert "oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/" in statement["Principal"]["Federated"]
    assert run.resolved["identity"].service_account_annotations["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::123456789012:role/")
