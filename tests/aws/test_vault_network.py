"""An external Vault on a private network is reachable: aws.vaultNetwork accepts a peering
connection or attaches a transit gateway, and every private route table gets a route to each
vault.egressCidrs over it; CIDRs that nothing routes are a one-line preview warning."""

from __future__ import annotations

import pytest

from infra.settings import ConfigError
from tests.aws.harness import VAULT, plan_for, provision
from tests.previewing import preview

PCX = "pcx-0a1b2c3d4e5f60718"
TGW = "tgw-0a1b2c3d4e5f60718"
HVN = ["172.25.16.0/20", "172.25.48.0/20"]


def vault_routes(run):
    return [r for r in run.of_type("aws:ec2/route:Route") if r.name.startswith("network-vault-")]


def private_tables(run):
    return {run.id_of(t) for t in run.of_type("aws:ec2/routeTable:RouteTable") if "-private-rt-" in t.name}


@pytest.fixture(scope="module")
def peered():
    return provision(plan_for("prod", vault={**VAULT, "egressCidrs": HVN}, aws={"vaultNetwork": {"peeringConnectionId": PCX}}))


@pytest.fixture(scope="module")
def attached():
    return provision(plan_for("prod", vault={**VAULT, "egressCidrs": HVN}, aws={"vaultNetwork": {"transitGatewayId": TGW}}))


def test_a_peering_connection_is_accepted_and_routed_from_every_private_table(peered):
    accepter = peered.one("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter")
    assert accepter.inputs["vpcPeeringConnectionId"] == PCX and accepter.inputs["autoAccept"] is True
    routes = vault_routes(peered)
    assert len(routes) == 3 * len(HVN)  # every private route table × every CIDR
    assert {r.inputs["routeTableId"] for r in routes} == private_tables(peered)
    assert sorted({r.inputs["destinationCidrBlock"] for r in routes}) == HVN
    for route in routes:
        assert route.inputs["vpcPeeringConnectionId"] == PCX
        assert "natGatewayId" not in route.inputs and "transitGatewayId" not in route.inputs
        assert accepter.urn in route.dependencies  # routed once accepted
    assert peered.of_type("aws:ec2transitgateway/vpcAttachment:VpcAttachment") == []


def test_a_transit_gateway_is_attached_in_every_zone_and_routed(attached):
    (attachment,) = attached.of_type("aws:ec2transitgateway/vpcAttachment:VpcAttachment")
    assert attachment.inputs["transitGatewayId"] == TGW
    private_subnets = {attached.id_of(s) for s in attached.of_type("aws:ec2/subnet:Subnet") if "-private-" in s.name}
    assert set(attachment.inputs["subnetIds"]) == private_subnets and len(private_subnets) == 3
    assert attachment.inputs["vpcId"] == attached.id_of(attached.one("aws:ec2/vpc:Vpc"))
    routes = vault_routes(attached)
    assert len(routes) == 6 and {r.inputs["routeTableId"] for r in routes} == private_tables(attached)
    assert all(r.inputs["transitGatewayId"] == TGW and attachment.urn in r.dependencies for r in routes)


def test_nodes_launch_after_the_vault_routes(peered):
    group = peered.one("aws:eks/nodeGroup:NodeGroup")
    assert {r.urn for r in vault_routes(peered)} <= set(group.dependencies)


def test_the_data_tier_gets_no_route_to_vault(peered):
    data_table = peered.id_of(peered.one("aws:ec2/routeTable:RouteTable", "network-data-rt"))
    assert all(r.inputs["routeTableId"] != data_table for r in vault_routes(peered))


def test_cidrs_nothing_routes_are_one_warning_line():
    # The shipped aws-prod runs Vault in the cluster: here an external one, egressCidrs set, no aws.vaultNetwork.
    external = {**VAULT, "egressCidrs": ["172.25.32.0/20"]}
    result = preview("aws-prod", vault=external)
    (warning,) = [w for w in result.warnings if "vault.egressCidrs" in w]
    assert warning.startswith("vault.egressCidrs 172.25.32.0/20 have no route from this VPC")
    assert "aws.vaultNetwork.peeringConnectionId" in warning and "\n" not in warning
    routed = preview("aws-prod", vault=external,
                     aws={"eventQueue": {"kafkaVersion": "3.8.0"}, "vaultNetwork": {"peeringConnectionId": PCX}})
    assert not [w for w in routed.warnings if "vault.egressCidrs" in w]
    routes = [r for r in routed.resources if r.type == "aws:ec2/route:Route" and r.name.startswith("network-vault-")]
    assert len(routes) == 3  # in the preview's resources.json


@pytest.mark.parametrize("sections, expected", [
    ({"aws": {"vaultNetwork": {"peeringConnectionId": PCX, "transitGatewayId": TGW}}},
     f"rasa-platform:aws.vaultNetwork.transitGatewayId = {TGW}: set one of peeringConnectionId or transitGatewayId, not both"),
    ({"vault": {**VAULT, "egressCidrs": []}, "aws": {"vaultNetwork": {"transitGatewayId": TGW}}},
     "rasa-platform:vault.egressCidrs = []: is required with aws.vaultNetwork"),
    ({"aws": {"vaultNetwork": {"peeringConnectionId": "vpc-123"}}}, "must be a VPC peering connection id (pcx-...)"),
])
def test_contradictory_or_malformed_vault_network_settings_are_refused(sections, expected):
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", **sections)
    assert expected in str(caught.value)


def test_an_existing_vpc_routes_vault_itself():
    network = {"vpcId": "vpc-0123456789abcdef0", "privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", network={"mode": "existing"}, aws={"network": network, "vaultNetwork": {"peeringConnectionId": PCX}})
    assert f"rasa-platform:aws.vaultNetwork.peeringConnectionId = {PCX}: applies when network.mode is create" in str(caught.value)
