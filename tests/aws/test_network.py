"""Network: tiers per zone, no public IPs by default, NAT per preset, flow logs in prod, existing VPCs."""

from __future__ import annotations

import pytest

from components.aws.network import subnet_plan
from tests.aws.harness import plan_for, provision

EXISTING_NETWORK = {
    "vpcId": "vpc-0a1b2c3d4e5f60718",
    "privateSubnetIds": ["subnet-0a1b2c3d4e5f60701", "subnet-0a1b2c3d4e5f60702"],
}


@pytest.fixture
def prod(prod_run):
    return prod_run


@pytest.fixture
def dev(dev_run):
    return dev_run


def subnets(run, tier):
    return sorted((r for r in run.of_type("aws:ec2/subnet:Subnet") if r.name.startswith(f"network-{tier}-")), key=lambda r: r.name)


def test_three_tiers_in_every_zone_with_the_planned_cidrs(prod):
    plan = subnet_plan("10.40.0.0/16", 3)
    for tier in ("private", "data", "public"):
        created = subnets(prod, tier)
        assert [s.inputs["cidrBlock"] for s in created] == plan[tier]
        assert [s.inputs["availabilityZone"] for s in created] == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    vpc = prod.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.40.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True


def test_nothing_gets_a_public_ip_by_default_and_the_default_security_group_allows_nothing(prod):
    assert len(prod.of_type("aws:ec2/subnet:Subnet")) == 9
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in prod.of_type("aws:ec2/subnet:Subnet"))
    default_sg = prod.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_sg.inputs["ingress"] == [] and default_sg.inputs["egress"] == []


def test_load_balancer_role_tags_mark_public_and_private_subnets(prod):
    assert [len(subnets(prod, tier)) for tier in ("public", "private", "data")] == [3, 3, 3]
    assert all(s.inputs["tags"]["kubernetes.io/role/elb"] == "1" for s in subnets(prod, "public"))
    assert all(s.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1" for s in subnets(prod, "private"))
    assert all("kubernetes.io/role/elb" not in s.inputs["tags"] for s in subnets(prod, "data"))


def test_prod_has_a_nat_gateway_per_zone_and_dev_one(prod, dev):
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 3
    assert len(dev.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert len(dev.of_type("aws:ec2/subnet:Subnet")) == 6  # two zones in dev
    eips = prod.of_type("aws:ec2/eip:Eip")
    assert len(eips) == 3 and all(e.inputs["domain"] == "vpc" for e in eips)


def test_only_private_route_tables_route_to_nat_and_the_data_tier_has_no_internet_route(prod):
    routes = prod.of_type("aws:ec2/route:Route")
    to_nat = [r for r in routes if "natGatewayId" in r.inputs]
    to_igw = [r for r in routes if "gatewayId" in r.inputs]
    assert len(to_nat) == 3 and len(to_igw) == 1
    assert all(r.inputs["destinationCidrBlock"] == "0.0.0.0/0" for r in routes)
    data_table = prod.one("aws:ec2/routeTable:RouteTable", "network-data-rt")
    data_table_id = data_table.urn
    # no Route resource depends on the data route table
    assert not any(data_table_id in r.dependencies for r in routes)
    assert "routes" not in data_table.inputs or data_table.inputs["routes"] == []


def test_s3_gateway_endpoint_serves_the_private_route_tables(prod):
    endpoint = prod.one("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["serviceName"] == "com.amazonaws.eu-central-1.s3"
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert len(endpoint.inputs["routeTableIds"]) == 3


def test_prod_flow_logs_capture_all_traffic_into_an_encrypted_log_group(prod, dev):
    flow = prod.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert flow.inputs["logDestination"].endswith(group.inputs["name"])
    assert group.inputs["kmsKeyId"] == prod.key_arn("logs")
    assert group.inputs["retentionInDays"] == 365
    writer = next(r for r in prod.of_type("aws:iam/role:Role") if "vpc-flow-logs" in r.inputs["assumeRolePolicy"])
    trust = writer.policy("assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    # the permissions the VPC guide documents, on this group (DescribeLogGroups lists the account's)
    policy = prod.one("aws:iam/rolePolicy:RolePolicy", "network-flow-logs-role-policy").policy()
    actions = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"}
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["WriteThisLogGroup"]["Resource"][0] == prod.arn_of(group)
    assert by_sid["FindTheLogGroup"]["Resource"] == "arn:aws:logs:eu-central-1:123456789012:log-group:*"
    assert dev.of_type("aws:ec2/flowLog:FlowLog") == []


def test_an_existing_network_creates_no_network_and_reads_its_subnets():
    run = provision(plan_for("prod", network={"mode": "existing"}, aws={"network": EXISTING_NETWORK, "eventQueue": {"brokersPerZone": 2}}))
    for type_ in ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/routeTable:RouteTable"):
        assert run.of_type(type_) == []
    subnet_lookups = [args["id"] for token, args in run.calls if token == "aws:ec2/getSubnet:getSubnet"]
    assert subnet_lookups == EXISTING_NETWORK["privateSubnetIds"]
    # services and the cluster go where settings say, and Rasa's egress is the looked-up CIDRs
    rds_subnets = run.one("aws:rds/subnetGroup:SubnetGroup")
    assert rds_subnets.inputs["subnetIds"] == EXISTING_NETWORK["privateSubnetIds"]
    assert run.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]["subnetIds"] == EXISTING_NETWORK["privateSubnetIds"]
    assert run.one("aws:ec2/securityGroup:SecurityGroup", "lock-store-sg").inputs["vpcId"] == EXISTING_NETWORK["vpcId"]
    cidrs = run.resolved["tracker_store"].network.cidrs
    assert len(cidrs) == 2 and all(c.startswith("10.99.") for c in cidrs)
    assert run.one("aws:msk/cluster:Cluster").inputs["numberOfBrokerNodes"] == 4  # 2 zones × 2
