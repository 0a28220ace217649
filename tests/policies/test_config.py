"""policies.offline.load_config: the CLI's --policy-pack-config file (and the offline shorthand)."""

from __future__ import annotations

import json

import pytest

from policies.offline import PolicyConfigError, evaluate, load_config

from . import fixtures as fx
from .helpers import R, changed


def write(tmp_path, content, suffix=".json"):
    path = tmp_path / f"policy-config{suffix}"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


CLI_CONFIG = {
    "all": {"enforcementLevel": "mandatory"},
    "database-backup-retention": {"enforcementLevel": "mandatory", "minBackupDaysProd": 30},
    "allowed-regions": {"allowedRegions": ["eu-central-1", "eu-west-1"]},
    "required-tags": {"requiredTags": ["owner"]},
    "database-monitoring": "disabled",
}


def test_the_cli_format_loads_normalised(tmp_path):
    assert load_config(write(tmp_path, CLI_CONFIG)) == {
        "all": "mandatory",
        "database-backup-retention": {"enforcementLevel": "mandatory", "minBackupDaysProd": 30},
        "allowed-regions": {"allowedRegions": ["eu-central-1", "eu-west-1"]},
        "required-tags": {"requiredTags": ["owner"]},
        "database-monitoring": {"enforcementLevel": "disabled"},
    }


def test_yaml_and_the_offline_shorthand_load(tmp_path):
    text = "environment: prod\nminBackupDaysProd: 21\nallowedRegions: [eu-central-1]\nk8s-probes: advisory\n"
    assert load_config(write(tmp_path, text, ".yaml")) == {
        "environment": "prod", "minBackupDaysProd": 21, "allowedRegions": ["eu-central-1"],
        "k8s-probes": {"enforcementLevel": "advisory"},
    }
    assert load_config(write(tmp_path, "", ".yml")) == {}


def database(backup_days: int) -> list[dict]:
    stack = [r for r in fx.secure_stack() if r.name in ("tracker-store", "tracker-pg16")]
    stack = [R(r.type, r.name, changed(r.props, "backupRetentionPeriod", backup_days) if r.name == "tracker-store"
               else r.props, r.deps, r.prop_deps) for r in stack]
    return [{"type": r.type, "name": r.name, "urn": r.urn, "props": r.props, "parent": None, "dependencies": []}
            for r in stack]


def test_a_loaded_config_drives_evaluate(tmp_path):
    statuses = {r["rule"]: r["status"] for r in evaluate(database(21), load_config(write(tmp_path, CLI_CONFIG)))["rules"]}
    assert statuses["database-backup-retention"] == "fail"  # 21 < the file's minBackupDaysProd 30
    assert statuses["database-monitoring"] == "disabled"
    shorthand = load_config(write(tmp_path, {"minBackupDaysProd": 20.0}))  # JSON numbers may be floats
    assert evaluate(database(21), shorthand)["violations"] == []


@pytest.mark.parametrize("content,expected", [
    ({"database-backup-retentoin": {"minBackupDays": 10}},
     'database-backup-retentoin = {"minBackupDays": 10}: unknown rule or threshold (did you mean '
     "database-backup-retention?); allowed: all, environment, minBackupDays, minBackupDaysProd, allowedRegions, "
     "requiredTags or one of the pack's"),
    ({"database-backup-retention": {"minBackupDay": 10}},
     "database-backup-retention.minBackupDay = 10: unknown key; allowed: enforcementLevel, environment, "
     "minBackupDays, minBackupDaysProd"),
    ({"k8s-probes": {"minBackupDays": 3}}, "k8s-probes.minBackupDays = 3: unknown key; allowed: enforcementLevel"),
    ({"database-backup-retention": {"minBackupDays": "ten"}},
     'database-backup-retention.minBackupDays = "ten": must be a whole number >= 1'),
    ({"database-backup-retention": {"minBackupDays": 0}}, "minBackupDays = 0: must be a whole number >= 1"),
    ({"minBackupDaysProd": True}, "minBackupDaysProd = true: must be a whole number >= 1"),
    ({"allowedRegions": "eu-central-1"}, 'allowedRegions = "eu-central-1": must be a list of strings'),
    ({"environment": "production"}, 'environment = "production": allowed: dev, staging, prod'),
    ({"k8s-probes": "warn"}, 'k8s-probes = "warn": allowed: advisory, mandatory, remediate, disabled'),
    ({"k8s-probes": {"enforcementLevel": "off"}},
     'k8s-probes.enforcementLevel = "off": allowed: advisory, mandatory, remediate, disabled'),
    ({"all": "strict"}, 'all = "strict": allowed: advisory, mandatory, remediate, disabled'),
    ({"k8s-probes": 3}, "k8s-probes = 3: must be a level (advisory, mandatory, remediate, disabled) or a mapping of "
                        "enforcementLevel"),
    (["k8s-probes"], '(top level) = ["k8s-probes"]: must be a mapping'),
    ('{"k8s-probes": ', "is not valid JSON: Expecting value at line 1 column 16"),
])
def test_a_bad_config_is_one_line_naming_file_key_value_and_what_is_allowed(tmp_path, content, expected):
    path = write(tmp_path, content)
    with pytest.raises(PolicyConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"policy config error: {path}: ")
    assert expected in message, message
    assert isinstance(raised.value, ValueError)


def test_bad_yaml_and_a_missing_file_are_one_line_too(tmp_path):
    with pytest.raises(PolicyConfigError, match=r"policy-config.yaml: is not valid YAML: .* at line 2 column \d+$"):
        load_config(write(tmp_path, "all: advisory\n  k8s-probes: [\n", ".yaml"))
    with pytest.raises(PolicyConfigError, match=r"nope.json: cannot be read: No such file or directory$"):
        load_config(tmp_path / "nope.json")


def test_evaluate_rejects_what_load_config_rejects():
    with pytest.raises(PolicyConfigError, match="the config given to evaluate: k8s-probs = "):
        evaluate([], {"k8s-probs": "advisory"})
