"""The policy pack over what the real program registers: shipped stacks pass, insecure variants fail."""

from __future__ import annotations

import pytest

from infra.preview import all_stacks, main, run_stack


def test_there_are_shipped_stacks_to_preview():
    assert {"aws-dev", "aws-prod", "byo-dev"} <= set(all_stacks())


@pytest.mark.parametrize("stack", all_stacks())
def test_every_shipped_stack_has_zero_mandatory_violations(stack, shipped_previews):
    result = shipped_previews[stack]
    assert result.config_error is None, result.config_error
    assert result.policy["pack"], "the policy pack must be importable"
    assert len(result.policy["rulesEvaluated"]) >= 40
    mandatory = [v for v in result.policy["violations"] if v["enforcement"] == "mandatory"]
    assert mandatory == [], mandatory
    assert result.exit_code == 0


def fired(result) -> set[str]:
    return {v["rule"] for v in result.policy["violations"] if v["enforcement"] == "mandatory"}


@pytest.mark.parametrize(
    "stack, overrides, rule",
    [
        ("aws-prod", {"protection": False}, "database-deletion-protection-in-prod"),
        ("aws-prod", {"trackerStore": {"highAvailability": False}}, "database-multi-az-in-prod"),
        ("aws-prod", {"trackerStore": {"backupDays": 7}}, "database-backup-retention"),
        ("aws-prod", {"lockStore": {"highAvailability": False}}, "cache-multi-az-in-prod"),
        ("aws-prod", {"rasa": {"podDisruptionBudget": False}}, "k8s-prod-disruption-budget"),
        ("aws-prod", {"rasa": {"replicas": 1, "autoscaling": {"enabled": False, "minReplicas": 1, "maxReplicas": 1}}},
         "k8s-prod-replicas"),
        ("aws-prod", {"cluster": {"publicAccessCidrs": ["0.0.0.0/0"]}}, "cluster-private-endpoint"),
        ("byo-dev", {"lockStore": {"tls": False}}, "rasa-services-tls"),
    ],
)
def test_insecure_variant_fails_the_matching_rule(stack, overrides, rule):
    result = run_stack(stack, overrides=overrides)
    assert result.config_error is None, result.config_error
    assert rule in fired(result), result.policy["violations"]
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "stack, overrides, start",
    [
        ("byo-dev", {"lockStore": {"tls": False}}, "rasa-platform:lockStore.tls is false: "),
        ("aws-prod", {"trackerStore": {"backupDays": 7}}, "rasa-platform:trackerStore.backupDays is 7: "),
        ("aws-prod", {"lockStore": {"highAvailability": False}}, "rasa-platform:lockStore.highAvailability is false: "),
        ("aws-prod", {"rasa": {"podDisruptionBudget": False}}, "rasa-platform:rasa.podDisruptionBudget is false: "),
    ],
)
def test_mandatory_message_names_the_stack_key_the_user_set(stack, overrides, start):
    result = run_stack(stack, overrides=overrides)
    messages = [v["message"] for v in result.policy["violations"] if v["enforcement"] == "mandatory"]
    assert messages, result.policy["violations"]
    assert all(m.startswith(start) for m in messages), messages


def test_preview_exits_1_naming_the_rule(tmp_path, capsys, monkeypatch):
    import infra.preview as preview

    original = preview.run_stack
    monkeypatch.setattr(
        preview, "run_stack",
        lambda name, **kw: original(name, overrides={"protection": False}, **kw),
    )
    assert main(["--stack", "aws-prod", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "MANDATORY database-deletion-protection-in-prod" in out
    assert "database-deletion-protection-in-prod" in (tmp_path / "aws-prod" / "summary.md").read_text()
