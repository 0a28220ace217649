"""The offline preview command: artifacts, masking, and every way it refuses bad input.

Bad input is answered with one line per problem on stderr, exit 2, no traceback, and nothing
written for that stack. The shipped stacks' own runs come from the session fixtures
(tests/conftest.py); a test here previews only its own variants.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import policies.offline as offline
from infra.mocks import PlatformMocks
from infra.preview import ARTIFACTS, evaluate_policies, main, render_artifacts, run_stack
from infra.settings import PLACEHOLDER_SECRET

REPO = Path(__file__).resolve().parent.parent


def stack_copy(tmp_path: Path, name: str = "byo-dev", new_name: str = "variant", **section_changes) -> Path:
    """Copy a shipped stack file under a new name with sections changed, as a user would edit it."""
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{name}.yaml").read_text())
    for key, value in section_changes.items():
        full = key if ":" in key else f"rasa-platform:{key}"
        if isinstance(value, dict) and isinstance(document["config"].get(full), dict):
            document["config"][full].update(value)
        else:
            document["config"][full] = value
    stacks = tmp_path / "stacks"
    stacks.mkdir(exist_ok=True)
    (stacks / f"Pulumi.{new_name}.yaml").write_text(yaml.safe_dump(document))
    return stacks


def broken_stack(tmp_path: Path, name: str, text: str) -> Path:
    stacks = tmp_path / "stacks"
    stacks.mkdir(exist_ok=True)
    (stacks / f"Pulumi.{name}.yaml").write_text(text)
    return stacks


def run_cli(capsys, *args: str) -> tuple[int, list[str], str]:
    """main(args) → (exit code, stderr lines, stdout)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines(), captured.out


# ---------------------------------------------------------------------------------------------
# What a good stack gets (from the session's command-line run: no preview of its own)


def test_preview_writes_every_artifact(shipped_cli_runs):
    run = shipped_cli_runs[0]
    out = run.out / "byo-dev"
    assert ARTIFACTS
    for name in ARTIFACTS:
        assert (out / name).stat().st_size > 0, name
    assert "== byo-dev" in run.stdout and "connection budget" in run.stdout

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
    assert json.loads((out / "policy.json").read_text())["mandatoryFailures"] == 0


def test_program_warnings_reach_the_summary_not_the_console(shipped_previews, shipped_cli_runs):
    assert any("cluster.apiAccessCidrs is empty" in w for w in shipped_previews["aws-dev"].warnings)
    run = shipped_cli_runs[0]
    assert "| warning | the EKS API endpoint is private and cluster.apiAccessCidrs is empty" in (run.out / "aws-dev" / "summary.md").read_text()
    assert "WARNING" not in run.stderr.upper() and run.stderr == ""
    reachable = {"mode": "create", "kubernetesVersion": "1.33", "apiAccessCidrs": ["10.60.0.0/16"]}
    routed = {"vaultNetwork": {"peeringConnectionId": "pcx-0a1b2c3d4e5f60718"}}
    # With a way in, a route to Vault and a model required (Rasa is not left waiting for one): nothing to warn about.
    quiet = {"cluster": reachable, "aws": routed, "rasa": {"verify": {"requireModel": True}}}
    assert run_stack("aws-dev", overrides=quiet).warnings == []


def test_secrets_are_masked_in_every_artifact(tmp_path):
    stacks = stack_copy(
        tmp_path,
        rasa={"license": {"secure": "v1:AAAAencrypted"}},
        vault={"adminToken": {"secure": "v1:BBBBencrypted"}},
    )
    assert main(["--stack", "variant", "--stacks-dir", str(stacks), "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out" / "variant"
    produced = "".join(p.read_text() for p in out.iterdir())
    # what the mock engine generated for every password the program asked for
    resources = json.loads((out / "resources.json").read_text())
    passwords = [r for r in resources if r["type"] == "random:index/randomPassword:RandomPassword"]
    assert passwords
    generated = [PlatformMocks().outputs_for(r["type"], r["name"], r["inputs"])[1]["result"] for r in passwords]
    for value in ("offline-preview-secure-value", PLACEHOLDER_SECRET, "v1:AAAA", "v1:BBBB", *generated):
        assert value not in produced, value
    assert "[secret]" in produced
    summary = (out / "summary.md").read_text()
    assert "rasa.license" not in summary.split("secrets to set")[-1]  # set (encrypted) in the stack file


# ---------------------------------------------------------------------------------------------
# Config errors: one line each, the stack's name first, nothing registered or written


def test_config_error_exits_2_with_one_line_naming_the_stack_and_registers_nothing(tmp_path, capsys):
    stacks = stack_copy(tmp_path, trackerStore={"port": 0})
    code, err, _ = run_cli(capsys, "--stack", "variant", "--stacks-dir", str(stacks), "--out", str(tmp_path / "out"))
    assert code == 2
    assert err == ["variant: config error: rasa-platform:trackerStore.port = 0: must be between 1 and 65535"]
    assert not (tmp_path / "out" / "variant").exists()
    assert run_stack("variant", stacks_dir=stacks).resources == []


def test_every_config_error_of_a_stack_is_printed_and_kept(tmp_path, capsys):
    stacks = stack_copy(tmp_path, trackerStore={"port": 0}, lockStore={"port": 70000})
    code, err, _ = run_cli(capsys, "--stack", "variant", "--stacks-dir", str(stacks), "--out", str(tmp_path / "out"))
    assert code == 2
    assert sorted(err) == [
        "variant: config error: rasa-platform:lockStore.port = 70000: must be between 1 and 65535",
        "variant: config error: rasa-platform:trackerStore.port = 0: must be between 1 and 65535",
    ]
    assert not (tmp_path / "out").exists()
    result = run_stack("variant", stacks_dir=stacks)
    assert len(result.config_errors) == 2 and result.resources == []
    assert result.config_error == "\n".join(result.config_errors)
    assert result.error_lines == [f"variant: {line}" for line in result.config_errors]
    assert result.exit_code == 2


def test_impossible_connection_budget_is_a_config_error_before_any_resource(tmp_path):
    stacks = stack_copy(tmp_path, environment="prod", rasa={"replicas": 2}, trackerStore={"maxConnections": 10})
    result = run_stack("variant", stacks_dir=stacks)
    assert result.config_error is not None and result.resources == []
    assert result.config_error.startswith("config error: rasa-platform:trackerStore.maxConnections = 10: connection budget:")
    assert "7 Rasa processes" in result.config_error


def test_a_misspelled_namespace_is_an_error_naming_the_key_and_the_closest_namespace(tmp_path, capsys):
    stacks = stack_copy(tmp_path, **{"rasa-platfrom:tags": {"team": "x"}})
    code, err, _ = run_cli(capsys, "--stack", "variant", "--stacks-dir", str(stacks), "--out", str(tmp_path / "out"))
    assert code == 2
    assert err == [
        "variant: config error: rasa-platfrom:tags: unknown config namespace rasa-platfrom; did you mean rasa-platform:tags?"
    ]
    assert not (tmp_path / "out").exists()


def test_a_key_without_namespace_is_the_projects(tmp_path):
    document = yaml.safe_load((REPO / "stacks" / "Pulumi.byo-dev.yaml").read_text())
    document["config"]["tags"] = document["config"].pop("rasa-platform:tags") | {"owner": "bare-key"}
    stacks = broken_stack(tmp_path, "bare", yaml.safe_dump(document))
    result = run_stack("bare", stacks_dir=stacks)
    assert result.config_error is None, result.config_error
    assert result.settings.tags["owner"] == "bare-key"

    document["config"]["rasa-platform:tags"] = {"team": "twice"}
    stacks = broken_stack(tmp_path, "twice", yaml.safe_dump(document))
    assert run_stack("twice", stacks_dir=stacks).config_error == (
        f"{stacks / 'Pulumi.twice.yaml'}: config key rasa-platform:tags is set twice (as tags and as rasa-platform:tags)"
    )


# ---------------------------------------------------------------------------------------------
# Files that are not stack files: one line starting with the file


BROKEN_FILES = {
    "syntax": ("config:\n  rasa-platform:cloud: aws\n  rasa-platform:environment: dev: x\n",
               ":3:33: YAML syntax error: mapping values are not allowed here"),
    "duplicate": ("config:\n  rasa-platform:cloud: aws\n  rasa-platform:cloud: gcp\n",
                  ":3:3: YAML error: duplicate key rasa-platform:cloud (first at line 2)"),
    "list": ("- config\n", ": not a stack file: the top level is a list; expected a mapping with config:"),
    "empty": ("", ": not a stack file: it is empty; expected a mapping with config:"),
    "noconfig": ("rasa-platform:cloud: aws\n", ": not a stack file: no config: mapping at the top level"),
    "configlist": ("config:\n  - rasa-platform:cloud\n",
                   ": not a stack file: config: is a list; expected a mapping of config keys"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_a_file_that_is_not_a_stack_file_is_one_line_naming_the_file(tmp_path, capsys, name):
    text, message = BROKEN_FILES[name]
    stacks = broken_stack(tmp_path, name, text)
    code, err, out = run_cli(capsys, "--stack", name, "--stacks-dir", str(stacks), "--out", str(tmp_path / "out"))
    assert code == 2
    assert err == [f"{stacks / f'Pulumi.{name}.yaml'}{message}"]
    assert out == "" and not (tmp_path / "out").exists()


def test_bad_input_under_the_command_line_has_no_traceback(tmp_path):
    stacks = stack_copy(tmp_path, cloud="azur")
    broken_stack(tmp_path, "yaml", BROKEN_FILES["syntax"][0])
    run = subprocess.run(
        [sys.executable, "-m", "infra.preview", "--stacks-dir", str(stacks), "--out", str(tmp_path / "o")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "variant: config error: rasa-platform:cloud = azur: unknown cloud; allowed: aws, azure, gcp",
        f"{stacks / 'Pulumi.yaml.yaml'}:3:33: YAML syntax error: mapping values are not allowed here",
    ]
    assert not (tmp_path / "o").exists()


def test_paths_in_messages_are_relative_to_the_working_directory(tmp_path, capsys, monkeypatch):
    broken_stack(tmp_path, "syntax", BROKEN_FILES["syntax"][0])
    monkeypatch.chdir(tmp_path)
    code, err, _ = run_cli(capsys, "--stack", "syntax", "--stacks-dir", str(tmp_path / "stacks"), "--out", "out")
    assert code == 2
    assert err == ["stacks/Pulumi.syntax.yaml:3:33: YAML syntax error: mapping values are not allowed here"]


# ---------------------------------------------------------------------------------------------
# Which stacks: --stack, --stacks-dir


def test_stacks_dir_is_honoured_for_listing_reading_and_messages(tmp_path, capsys):
    stacks = stack_copy(tmp_path, new_name="good")
    broken_stack(tmp_path, "broken", BROKEN_FILES["syntax"][0])
    code, err, out = run_cli(capsys, "--stacks-dir", str(stacks), "--out", str(tmp_path / "out"))
    assert code == 2
    assert err == [f"{stacks / 'Pulumi.broken.yaml'}:3:33: YAML syntax error: mapping values are not allowed here"]
    assert "== good" in out and "== broken" not in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good"]
    assert sorted(p.name for p in (tmp_path / "out" / "good").iterdir()) == sorted(ARTIFACTS)

    code, err, _ = run_cli(capsys, "--stack", "aws-dev", "--stacks-dir", str(stacks), "--out", str(tmp_path / "o2"))
    assert code == 2
    assert err == [f"unknown stack aws-dev: no {stacks / 'Pulumi.aws-dev.yaml'}; available: broken, good"]

    empty = tmp_path / "empty"
    empty.mkdir()
    code, err, _ = run_cli(capsys, "--stacks-dir", str(empty), "--out", str(tmp_path / "o3"))
    assert (code, err) == (2, [f"no stacks found in {empty} (looking for Pulumi.<stack>.yaml)"])
    assert not (tmp_path / "o2").exists() and not (tmp_path / "o3").exists()


def test_unknown_stack_is_answered_with_the_stacks_available(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, err, out = run_cli(capsys, "--stack", "nope", "--out", str(tmp_path))
    assert code == 2
    assert err == ["unknown stack nope: no stacks/Pulumi.nope.yaml; available: aws-dev, aws-prod, aws-staging, azure-dev, azure-prod, byo-dev, gcp-dev, gcp-prod"]
    assert out == "" and list(tmp_path.iterdir()) == []
    assert run_stack("nope").file_error.endswith("Pulumi.nope.yaml: stack file not found")


@pytest.mark.parametrize("argument", ["stacks/Pulumi.byo-dev.yaml", "Pulumi.byo-dev.yaml", "./stacks/Pulumi.byo-dev.yaml"])
def test_a_stack_file_path_is_answered_with_the_name_to_pass(tmp_path, capsys, monkeypatch, argument):
    monkeypatch.chdir(REPO)
    code, err, out = run_cli(capsys, "--stack", argument, "--out", str(tmp_path))
    assert code == 2
    assert err == [f"--stack {argument}: pass the stack's name, not its file: --stack byo-dev"]
    assert out == "" and list(tmp_path.iterdir()) == []


def test_a_stack_file_path_elsewhere_hints_at_stacks_dir_too(tmp_path, capsys):
    stacks = stack_copy(tmp_path)
    code, err, _ = run_cli(capsys, "--stack", str(stacks / "Pulumi.variant.yaml"), "--out", str(tmp_path / "out"))
    assert code == 2
    assert err == [
        f"--stack {stacks / 'Pulumi.variant.yaml'}: pass the stack's name, not its file: --stack variant --stacks-dir {stacks}"
    ]


def test_a_fully_qualified_stack_name_is_answered_with_the_short_name(tmp_path, capsys):
    code, err, _ = run_cli(capsys, "--stack", "acme/rasa-platform/byo-dev", "--out", str(tmp_path))
    assert (code, err) == (2, [
        "--stack acme/rasa-platform/byo-dev: pass the stack's short name (its file is Pulumi.<name>.yaml): --stack byo-dev"
    ])


def test_usage_errors_are_checked_before_any_stack_is_previewed(tmp_path, capsys):
    code, err, out = run_cli(capsys, "--stack", "byo-dev", "--stack", "nope", "--out", str(tmp_path))
    assert code == 2 and len(err) == 1 and err[0].startswith("unknown stack nope:")
    assert out == "" and list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# --policy-config: the pack's config file (policies.offline.load_config)


@pytest.fixture
def policy_config_reader(monkeypatch):
    """The pack's own `policies.offline.load_config`, with every config `evaluate` receives recorded."""
    seen: list[dict] = []
    evaluate = offline.evaluate

    def recording_evaluate(resources, config=None, **kwargs):
        seen.append(config)
        return evaluate(resources, config, **kwargs)

    monkeypatch.setattr(offline, "evaluate", recording_evaluate)
    return seen


def test_policy_config_file_values_reach_the_pack_over_the_stacks_environment(tmp_path, capsys, policy_config_reader):
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"all": "disabled", "minBackupDays": 9}))
    code, err, _ = run_cli(capsys, "--stack", "byo-dev", "--policy-config", str(config), "--out", str(tmp_path / "out"))
    assert (code, err) == (0, [])
    assert policy_config_reader == [{"environment": "dev", "all": "disabled", "minBackupDays": 9}]
    verdict = json.loads((tmp_path / "out" / "byo-dev" / "policy.json").read_text())
    assert verdict["rulesEvaluated"] == []  # every rule disabled by the file


def test_the_files_environment_wins_over_the_stacks(tmp_path, capsys, policy_config_reader):
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"environment": "prod"}))
    assert main(["--stack", "byo-dev", "--policy-config", str(config), "--out", str(tmp_path / "out")]) in (0, 1)
    assert policy_config_reader == [{"environment": "prod"}]


def test_a_bad_policy_config_file_is_one_line_and_exit_2(tmp_path, capsys, policy_config_reader):
    config = tmp_path / "policy-config.json"
    config.write_text("{not json")
    code, err, out = run_cli(capsys, "--policy-config", str(config), "--out", str(tmp_path / "out"))
    assert code == 2 and len(err) == 1
    assert str(config) in err[0] and "not valid JSON" in err[0]
    assert out == "" and not (tmp_path / "out").exists() and policy_config_reader == []


def test_a_policy_config_file_without_a_reader_in_the_pack_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delattr(offline, "load_config", raising=False)
    config = tmp_path / "policy-config.json"
    config.write_text("{}")
    code, err, _ = run_cli(capsys, "--policy-config", str(config), "--out", str(tmp_path / "out"))
    assert (code, err) == (2, [
        f"--policy-config {config}: this policy pack cannot read a config file (policies.offline.load_config is missing)"
    ])


def test_the_verdict_is_passed_through_unchanged(shipped_previews, monkeypatch):
    verdict = {"pack": "rasa-platform", "rulesEvaluated": ["r"], "violations": [], "mandatoryFailures": 0,
               "rules": [{"name": "r", "enforcement": "mandatory", "description": "d"}]}
    monkeypatch.setattr(offline, "evaluate", lambda resources, config=None, **kw: verdict)
    result = dataclasses.replace(shipped_previews["byo-dev"])
    result.policy = evaluate_policies(result)
    assert result.policy == verdict
    assert json.loads(render_artifacts(result)["policy.json"]) == verdict


def test_the_policy_line_counts_rules_by_status(shipped_previews):
    from infra.preview.summary import policy_line

    byo = shipped_previews["byo-dev"]
    statuses = {rule["status"] for rule in byo.policy["rules"]}
    assert {"pass", "not-applicable"} <= statuses  # no AWS resource in a bring-your-own stack
    line = policy_line(byo.policy)
    counted = sum(int(part.split()[0]) for part in line.split("(")[1].rstrip(")").split(", "))
    assert counted == len(byo.policy["rules"]) and "not-applicable" in line
