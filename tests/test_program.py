"""The Pulumi entry point as `pulumi up` runs it: config from the engine, errors without a traceback."""

from __future__ import annotations

import json

import pulumi
import pytest
import yaml
from pulumi.runtime.settings import set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra import platform
from infra.mocks import PlatformMocks
from infra.preview import REPO, RecordingMonitor
from infra.settings import ConfigError, load_from_pulumi

SECRET_KEYS = ["trackerStore", "lockStore", "eventQueue", "vault", "rasa"]


def engine_config(**changes) -> dict[str, str]:
    """The byo-dev stack file as the engine hands it to the program: JSON text per key, secrets decrypted."""
    document = yaml.safe_load((REPO / "stacks" / "Pulumi.byo-dev.yaml").read_text())["config"]
    document["rasa-platform:rasa"]["license"] = "license-value"
    document["rasa-platform:vault"]["adminToken"] = "vault-token-value"
    document["rasa-platform:trackerStore"]["password"] = "pg-value"
    document["rasa-platform:lockStore"]["password"] = "redis-value"
    document["rasa-platform:eventQueue"]["password"] = "kafka-value"
    for key, value in changes.items():
        document[f"rasa-platform:{key}"] = value
    return {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in document.items()}


def use_engine(config: dict[str, str], secret_keys=SECRET_KEYS) -> RecordingMonitor:
    pulumi.runtime.set_all_config(config, [f"rasa-platform:{k}" for k in secret_keys])
    set_root_resource(None)
    monitor = RecordingMonitor(PlatformMocks())
    pulumi.runtime.set_mocks(PlatformMocks(), project="rasa-platform", stack="byo-dev", preview=False, monitor=monitor)
    return monitor


def test_settings_are_read_from_the_engine_config():
    use_engine(engine_config())
    settings = load_from_pulumi()
    assert settings.stack == "byo-dev"
    assert settings.tracker_store.password.get_secret_value() == "pg-value"
    assert settings.placeholder_secrets == ()


def test_config_error_is_a_pulumi_run_error_so_pulumi_up_prints_no_traceback():
    use_engine(engine_config(trackerStore={"mode": "existing", "host": "db", "maxConnections": 5}))
    with pytest.raises(ConfigError) as caught:
        load_from_pulumi()
    assert isinstance(caught.value, pulumi.RunError)
    assert str(caught.value) == "config error: rasa-platform:trackerStore.maxConnections = 5: must be between 10 and 100000"


def test_a_misspelled_namespace_under_pulumi_up_is_refused_not_ignored():
    config = engine_config()
    config["rasa-platfrom:tags"] = json.dumps({"team": "bots"})
    config["aws:region"] = "eu-central-1"  # a provider's namespace is fine
    use_engine(config)
    with pytest.raises(ConfigError) as caught:
        load_from_pulumi()
    assert str(caught.value) == (
        "config error: rasa-platfrom:tags: unknown config namespace rasa-platfrom; did you mean rasa-platform:tags?"
    )


def test_every_problem_under_pulumi_up_is_reported_at_once():
    use_engine(engine_config(region="eu-centrl-1", lockStore={"mode": "existing", "host": "redis", "port": 0}))
    with pytest.raises(ConfigError) as caught:
        load_from_pulumi()
    assert len(caught.value.lines) == 1  # a type error stops before the cross-field rules...
    assert "lockStore.port = 0" in str(caught.value)
    use_engine(engine_config(region="eu-centrl-1", rasa={"license": "x", "ingress": {"enabled": True}}))
    with pytest.raises(ConfigError) as caught:
        load_from_pulumi()
    keys = [line.split(" = ")[0].removeprefix("config error: rasa-platform:") for line in caught.value.lines]
    assert keys == ["region", "rasa.ingress.host", "rasa.ingress.className", "rasa.ingress.clusterIssuer",
                    "rasa.ingress.controllerNamespace", "rasa.ingress.controllerInstalled"]  # ...the rest come together


def test_missing_secret_under_pulumi_up_is_an_error_not_a_placeholder():
    config = engine_config()
    rasa = json.loads(config["rasa-platform:rasa"])
    del rasa["license"]
    config["rasa-platform:rasa"] = json.dumps(rasa)
    use_engine(config)
    with pytest.raises(ConfigError, match=r"rasa-platform:rasa.license = \(not set\): is required"):
        load_from_pulumi()


def test_program_registers_the_workload_with_real_secret_values_kept_secret():
    monitor = use_engine(engine_config())
    _sync_await(run_pulumi_func(platform.program))  # runs until every registration has finished

    types = {r.type for r in monitor.recorded}
    assert "kubernetes:apps/v1:Deployment" in types and "pulumi:providers:kubernetes" in types
    dumped = json.dumps([r.inputs for r in monitor.recorded])
    for value in ("license-value", "vault-token-value", "pg-value", "redis-value", "kafka-value"):
        assert value not in dumped, f"{value} registered unmasked"
    secrets = [r for r in monitor.recorded if r.type == "kubernetes:core/v1:Secret"]
    # Every credential goes to the bootstrap's own Secret in Vault's namespace; Rasa's has none.
    assert [s.inputs["metadata"]["namespace"] for s in secrets] == ["vault"]
    assert set(secrets[0].inputs["stringData"]) == {
        "rasa-license", "rasa-auth-token", "vault-admin-token", "lock-store-password", "event-queue-password",
        "sql_store_username", "sql_store_password",
    }
