"""The offline preview command: artifacts, exit codes, masking."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from infra import preview as preview_module
from infra.preview import main, run_stack
from infra.settings import PLACEHOLDER_SECRET

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = ("resources.json", "endpoints.yml", "manifests.yaml", "graph.mmd", "summary.md", "policy.json")


def stack_copy(tmp_path: Path, name: str = "byo-dev", new_name: str = "variant", **section_changes) -> Path:
    """Copy a shipped stack file under a new name with sections changed, as a user would edit it."""
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{name}.yaml").read_text())
    for key, value in section_changes.items():
        full = f"rasa-platform:{key}"
        if isinstance(value, dict) and isinstance(document["config"].get(full), dict):
            document["config"][full].update(value)
        else:
            document["config"][full] = value
    stacks = tmp_path / "stacks"
    stacks.mkdir(exist_ok=True)
    (stacks / f"Pulumi.{new_name}.yaml").write_text(yaml.safe_dump(document))
    return stacks


def test_preview_writes_every_artifact(tmp_path, capsys):
    assert main(["--stack", "byo-dev", "--out", str(tmp_path)]) == 0
    out = tmp_path / "byo-dev"
    for name in ARTIFACTS:
        assert (out / name).stat().st_size > 0, name
    printed = capsys.readouterr().out
    assert "== byo-dev" in printed and "connection budget" in printed

    resources = json.loads((out / "resources.json").read_text())
    deployment = next(r for r in resources if r["type"] == "kubernetes:apps/v1:Deployment")
    assert deployment["urn"].endswith("::rasa-deployment")
    assert deployment["parent"].endswith("rasa-platform:rasa:Workload::rasa")
    assert any(d.endswith("::rasa-endpoints") for d in deployment["dependencies"])
    assert deployment["provider"].endswith("pulumi:providers:kubernetes::existing-cluster")

    endpoints = yaml.safe_load((out / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    manifests = list(yaml.safe_load_all((out / "manifests.yaml").read_text()))
    assert {"Namespace", "ServiceAccount", "Secret", "ConfigMap", "Deployment", "Service", "NetworkPolicy"} <= {
        m["kind"] for m in manifests
    }
    assert all(m["apiVersion"] and m["metadata"]["name"] for m in manifests)
    graph = (out / "graph.mmd").read_text()
    assert graph.startswith("flowchart LR") and "Workload" in graph and "-->" in graph
    summary = (out / "summary.md").read_text()
    assert "| cloud / environment | aws / dev |" in summary
    assert "secrets to set before `pulumi up`" in summary and "rasa.license" in summary


def test_secrets_are_masked_in_every_artifact(tmp_path):
    stacks = stack_copy(
        tmp_path,
        rasa={"license": {"secure": "v1:AAAAencrypted"}},
        vault={"token": {"secure": "v1:BBBBencrypted"}},
    )
    assert main(["--stack", "variant", "--stacks-dir", str(stacks), "--out", str(tmp_path / "out")]) == 0
    produced = "".join(p.read_text() for p in (tmp_path / "out" / "variant").iterdir())
    for value in ("offline-preview-secure-value", PLACEHOLDER_SECRET, "v1:AAAA", "v1:BBBB", "mock"):
        assert value not in produced, value
    assert "[secret]" in produced
    summary = (tmp_path / "out" / "variant" / "summary.md").read_text()
    assert "rasa.license" not in summary.split("secrets to set")[-1]  # set (encrypted) in the stack file


def test_config_error_exits_2_with_one_line_naming_the_stack_and_registers_nothing(tmp_path, capsys):
    stacks = stack_copy(tmp_path, trackerStore={"port": 0})
    code = main(["--stack", "variant", "--stacks-dir", str(stacks), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["variant: config error: rasa-platform:trackerStore.port = 0: must be between 1 and 65535"]
    assert not (tmp_path / "out" / "variant").exists()
    assert run_stack("variant", stacks_dir=stacks).resources == []


def test_impossible_connection_budget_is_a_config_error_before_any_resource(tmp_path):
    stacks = stack_copy(tmp_path, environment="prod", rasa={"replicas": 2}, trackerStore={"maxConnections": 10})
    result = run_stack("variant", stacks_dir=stacks)
    assert result.config_error is not None and result.resources == []
    assert result.config_error.startswith("config error: rasa-platform:trackerStore.maxConnections = 10: connection budget:")
    assert "7 Rasa processes" in result.config_error


def test_unknown_stack_exits_2(tmp_path, capsys):
    assert main(["--stack", "nope", "--out", str(tmp_path)]) == 2
    assert "Pulumi.nope.yaml not found" in capsys.readouterr().err


def test_command_line_previews_every_shipped_stack(tmp_path):
    stacks = preview_module.all_stacks()
    assert "byo-dev" in stacks
    run = subprocess.run(
        [sys.executable, "-m", "infra.preview", "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr + run.stdout
    assert "Traceback" not in run.stderr
    for name in stacks:
        assert (tmp_path / name / "summary.md").exists(), name
        assert f"== {name}" in run.stdout


def test_bad_value_under_the_command_line_has_no_traceback(tmp_path):
    stacks = stack_copy(tmp_path, cloud="azur")
    run = subprocess.run(
        [sys.executable, "-m", "infra.preview", "--stacks-dir", str(stacks), "--out", str(tmp_path / "o")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == "variant: config error: rasa-platform:cloud = azur: unknown cloud; allowed: aws, azure, gcp"


def test_program_warnings_reach_the_summary_not_the_console(tmp_path, capsys):
    result = run_stack("aws-dev")
    assert any("trackerStore.caCert is not set" in w for w in result.warnings)
    assert main(["--stack", "aws-dev", "--out", str(tmp_path)]) == 0
    assert "| warning | trackerStore.caCert is not set" in (tmp_path / "aws-dev" / "summary.md").read_text()
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    assert run_stack("aws-dev", overrides={"trackerStore": {"caCert": pem}}).warnings == []
