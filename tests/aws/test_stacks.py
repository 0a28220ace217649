"""The shipped AWS stacks: no secrets in the files, valid settings, and a clean offline preview."""

from __future__ import annotations

import json

import pytest
import yaml

from infra.preview import REPO, main, read_stack_file, run_stack
from infra.settings import load_stack
from tests.aws.harness import provision

STACKS = ("aws-dev", "aws-prod")
CREDENTIAL_KEYS = {"password", "token", "license", "authToken", "kubeconfig", "accountKey"}


def stack_file(name: str) -> dict:
    return yaml.safe_load((REPO / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]


def keys_in(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from keys_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from keys_in(v)


@pytest.mark.parametrize("name", STACKS)
def test_stack_files_hold_no_credentials_and_run_vault_in_the_cluster(name):
    config = stack_file(name)
    keys = set(keys_in(config))
    assert {"mode", "namespace", "kafkaVersion"} <= keys  # the walk reaches nested keys
    assert not CREDENTIAL_KEYS & keys, "credentials belong in `pulumi config set --secret`"
    assert "secure" not in json.dumps(config)
    assert config["rasa-platform:cloud"] == "aws"
    assert config["rasa-platform:vault"]["mode"] == "in-cluster"
    assert config["rasa-platform:aws"]["vaultSeal"]["enabled"] is True


@pytest.mark.parametrize("name, environment, zones", [("aws-dev", "dev", 2), ("aws-prod", "prod", 3)])
def test_stack_files_load_and_provision_everything_managed(name, environment, zones):
    raw, secret_keys = read_stack_file(REPO / "stacks" / f"Pulumi.{name}.yaml")
    plan = load_stack(raw, secret_keys, name, placeholder_for_missing_secrets=True)
    settings = plan.settings
    assert settings.environment == environment and settings.region == "eu-central-1"
    assert set(settings.placeholder_secrets) == {"rasa.license"}  # nothing else to set by hand
    assert all(s.mode == "managed" for n, s in settings.services().items() if n != "vault")
    assert settings.vault.mode == "in-cluster" and settings.vault.servers == (3 if environment == "prod" else 1)
    run = provision(plan)
    assert len(run.of_type("aws:ec2/subnet:Subnet")) == 3 * zones
    assert len(run.of_type("aws:msk/cluster:Cluster")) == 1 and len(run.of_type("aws:rds/instance:Instance")) == 1
    assert run.outputs_of(run.one("aws:kms/key:Key", "vault-seal-key-key"))["keyId"]
    if environment == "prod":
        assert run.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]["endpointPublicAccess"] is False
        assert run.of_type("aws:ec2/flowLog:FlowLog")


@pytest.mark.parametrize("name", STACKS)
def test_offline_preview_of_the_aws_stacks_passes_with_no_policy_failure(name, shipped_previews):
    result = shipped_previews[name]
    assert result.config_error is None
    assert result.policy.get("violations", []) == [], result.policy.get("violations")
    assert result.exit_code == 0
    types = {r.type for r in result.resources}
    assert {"aws:eks/cluster:Cluster", "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:msk/cluster:Cluster", "aws:msk/topic:Topic", "aws:s3/bucket:Bucket"} <= types


def test_preview_cli_exits_0_and_writes_the_artifacts(tmp_path):
    assert main(["--stack", "aws-prod", "--out", str(tmp_path)]) == 0
    written = {p.name for p in (tmp_path / "aws-prod").iterdir()}
    assert {"resources.json", "endpoints.yml", "manifests.yaml", "summary.md"} <= written
    endpoints = yaml.safe_load((tmp_path / "aws-prod" / "endpoints.yml").read_text())
    assert endpoints["event_broker"]["sasl_mechanism"] == "SCRAM-SHA-512"
    assert ".rds.amazonaws.com" in endpoints["tracker_store"]["url"]


EXISTING_NETWORK_AND_CLUSTER = {
    "cluster": {"mode": "existing", "name": "platform-eks", "context": "platform"},
    "network": {"mode": "existing"},
    "aws": {"network": {"vpcId": "vpc-0a1b2c3d4e5f60718",
                        "privateSubnetIds": ["subnet-0a1b2c3d4e5f60701", "subnet-0a1b2c3d4e5f60702", "subnet-0a1b2c3d4e5f60703"]}},
}


@pytest.mark.parametrize("overrides", [{"aws": {"iamAuth": True}, "analytics": {"enabled": False}}, EXISTING_NETWORK_AND_CLUSTER], ids=["iam-auth", "existing-network-and-cluster"])
def test_offline_preview_of_aws_prod_variants_passes_the_policy_pack(overrides):
    result = run_stack("aws-prod", overrides=overrides)
    assert result.config_error is None and result.exit_code == 0, result.policy.get("violations")
    types = {r.type for r in result.resources}
    if "cluster" in overrides:
        assert "aws:eks/cluster:Cluster" not in types and "aws:ec2/vpc:Vpc" not in types
    else:
        assert "aws:elasticache/userGroup:UserGroup" in types
