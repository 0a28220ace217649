"""The one mock engine: used everywhere, faithful to the stack's region, deterministic."""

from __future__ import annotations

import ast
from pathlib import Path

from infra.mocks import PlatformMocks
from infra.preview import run_stack

REPO = Path(__file__).resolve().parent.parent


def test_no_other_mock_engine_exists_in_the_repository():
    engines = []
    for path in sorted([*REPO.glob("infra/**/*.py"), *REPO.glob("tests/**/*.py"), *REPO.glob("components/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(ast.unparse(b).endswith("Mocks") for b in node.bases):
                engines.append(f"{path.relative_to(REPO)}:{node.name}")
    assert engines == ["infra/mocks.py:PlatformMocks"]


def test_a_us_east_1_stack_renders_us_east_1_host_names():
    result = run_stack("aws-dev", overrides={"region": "us-east-1"})
    assert result.config_error is None, result.config_error
    endpoints = next(
        r.inputs["data"]["endpoints.yml"] for r in result.resources
        if r.type == "kubernetes:core/v1:ConfigMap" and r.inputs["metadata"]["name"] == "rasa-endpoints"
    )
    assert ".us-east-1.rds.amazonaws.com" in endpoints and ".use1.cache.amazonaws.com" in endpoints
    assert ".kafka.us-east-1.amazonaws.com" in endpoints
    assert "eu-central-1" not in endpoints and "euc1" not in endpoints
    assert result.outputs["awsRegion"] == "us-east-1"


def test_ids_look_like_the_clouds_ids_and_answers_do_not_depend_on_the_run():
    first, second = PlatformMocks("us-west-2"), PlatformMocks("us-west-2")
    vpc_id, _ = first.outputs_for("aws:ec2/vpc:Vpc", "network-vpc", {"cidrBlock": "10.0.0.0/16"})
    assert vpc_id.startswith("vpc-") and len(vpc_id) == 21
    key_id, key = first.outputs_for("aws:kms/key:Key", "logs-key-key", {})
    assert key["arn"] == f"arn:aws:kms:us-west-2:123456789012:key/{key_id}"
    assert first.outputs_for("aws:kms/key:Key", "logs-key-key", {}) == second.outputs_for("aws:kms/key:Key", "logs-key-key", {})
    password = first.outputs_for("random:index/randomPassword:RandomPassword", "db-password", {"length": 40})[1]["result"]
    assert len(password) == 40 and password == second.outputs_for(
        "random:index/randomPassword:RandomPassword", "db-password", {"length": 40})[1]["result"]
