"""The pack as the CLI loads it: names, levels, remediation, schema, entry point, docs."""

from __future__ import annotations

import pathlib
import re
import runpy
import sys

import pulumi_policy
import yaml
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy, StackValidationPolicy

from policies.aws import types as aws
from policies.pack import ALL_POLICIES, DEFAULT_ENFORCEMENT, PACK_NAME, REMEDIATION

PACK_DIR = pathlib.Path(__file__).resolve().parents[2] / "policies"


def test_rule_names_are_unique_stable_kebab_case():
    names = [p.name for p in ALL_POLICIES]
    assert len(names) >= 50
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names)
    assert re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", PACK_NAME)


def test_every_rule_has_level_description_remediation_and_types():
    assert ALL_POLICIES and set(REMEDIATION) == {p.name for p in ALL_POLICIES}
    for p in ALL_POLICIES:
        assert isinstance(p, (ResourceValidationPolicy, StackValidationPolicy))
        assert p.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY), p.name
        assert p.description.endswith(".") and len(p.description) > 20, p.name
        assert p.remediation_steps == REMEDIATION[p.name] and REMEDIATION[p.name], p.name
        assert p.resource_types, p.name
        if p.config_schema is not None:
            assert isinstance(p.config_schema, PolicyConfigSchema) and p.config_schema.properties, p.name
            for prop in p.config_schema.properties.values():
                assert prop.get("type") in ("string", "integer", "array"), p.name


def test_threshold_rules_publish_their_config_defaults():
    schema = {p.name: p.config_schema for p in ALL_POLICIES}
    backup = schema["database-backup-retention"].properties
    assert backup["minBackupDays"]["default"] == 7 and backup["minBackupDaysProd"]["default"] == 14
    assert schema["allowed-regions"].properties["allowedRegions"]["default"] == []
    assert schema["required-tags"].properties["requiredTags"]["default"] == []
    assert "environment" in schema["k8s-prod-replicas"].properties


def test_main_only_builds_the_pack(monkeypatch):
    built = {}

    class FakePack:
        def __init__(self, **kwargs):
            built.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", FakePack)
    monkeypatch.setattr(sys, "path", [str(PACK_DIR)] + sys.path)  # as `python -m pulumi.policy <dir>` does
    for name in [m for m in sys.modules if m.startswith("rasa_platform_policies")]:
        monkeypatch.delitem(sys.modules, name)
    runpy.run_path(str(PACK_DIR), run_name="__main__")
    assert built["name"] == PACK_NAME
    assert [p.name for p in built["policies"]] == [p.name for p in ALL_POLICIES]
    assert built["enforcement_level"] == DEFAULT_ENFORCEMENT


def test_pulumi_policy_yaml_and_requirements():
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"]
    requirements = (PACK_DIR / "requirements.txt").read_text()
    from importlib.metadata import version
    for package in ("pulumi", "pulumi-policy", "PyYAML"):
        assert f"{package}=={version(package)}" in requirements, package


def test_readme_documents_every_rule_with_its_level():
    from policies.docs import rule_table

    readme = (PACK_DIR / "README.md").read_text()
    assert rule_table() in readme, "policies/README.md is stale: run python -m policies.docs --write"
    assert ALL_POLICIES
    for p in ALL_POLICIES:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{p.name}` |")), None)
        assert row, f"{p.name} missing from policies/README.md"
        assert f"| {p.enforcement_level.value} |" in row, p.name


def test_pack_serves_over_the_analyzer_protocol():
    """Start the pack as the CLI does and ask it, over gRPC, what the engine would ask."""
    import subprocess

    import grpc
    from google.protobuf import empty_pb2, struct_pb2
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    def struct(value: dict) -> struct_pb2.Struct:
        s = struct_pb2.Struct()
        s.update(value)
        return s

    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown string
    proc = subprocess.Popen([sys.executable, "-c", f"import runpy; runpy.run_path({str(PACK_DIR)!r}, run_name='__main__')"],
                            stdout=subprocess.PIPE)
    try:
        port = int(proc.stdout.readline().decode().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
            assert info.name == PACK_NAME and [p.name for p in info.policies] == [p.name for p in ALL_POLICIES]

            db = analyzer_pb2.AnalyzeRequest(
                type=aws.DB_INSTANCE, urn=f"urn:pulumi:s::p::{aws.DB_INSTANCE}::db", name="db",
                properties=struct({"storageEncrypted": True, "kmsKeyId": unknown, "publiclyAccessible": True,
                                   "backupRetentionPeriod": 7}))
            found = {(d.policyName, analyzer_pb2.EnforcementLevel.Name(d.enforcementLevel))
                     for d in stub.Analyze(db, timeout=30).diagnostics}
            assert ("database-not-public", "MANDATORY") in found
            assert ("database-encrypted-with-customer-key", "ADVISORY") in found  # unknown kmsKeyId
            assert ("database-backup-retention", "MANDATORY") not in found  # 7 days is enough outside prod

            bucket_urn = f"urn:pulumi:s::p::{aws.BUCKET}::models"
            stack = analyzer_pb2.AnalyzeStackRequest(resources=[
                analyzer_pb2.AnalyzerResource(type=aws.BUCKET, urn=bucket_urn, name="models",
                                              properties=struct({})),
                analyzer_pb2.AnalyzerResource(
                    type=aws.VERSIONING, name="v", urn=f"urn:pulumi:s::p::{aws.VERSIONING}::v",
                    properties=struct({"bucket": unknown, "versioningConfiguration": {"status": "Enabled"}}),
                    dependencies=[bucket_urn],
                    propertyDependencies={"bucket": analyzer_pb2.AnalyzerPropertyDependencies(urns=[bucket_urn])}),
            ])
            diagnostics = stub.AnalyzeStack(stack, timeout=30).diagnostics
            by_rule = {d.policyName: d for d in diagnostics}
            assert "storage-versioning-enabled" not in by_rule  # joined through the property dependency
            assert by_rule["storage-public-access-blocked"].urn == bucket_urn
    finally:
        proc.kill()
        proc.wait()


def test_every_rule_is_exercised_by_a_test():
    here = pathlib.Path(__file__).parent
    text = "".join(p.read_text() for p in here.glob("test_*.py") if p.name != "test_pack.py")
    assert ALL_POLICIES and text
    untested = [p.name for p in ALL_POLICIES if f'"{p.name}"' not in text]
    assert not untested, untested
