"""Every shipped stack's endpoints.yml, as its pod would get it, loads with Rasa Pro's own code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.rasa import vault_delivery
from infra.preview import all_stacks, endpoints_yml, kubernetes_manifests
from tests.support.rasa_env import RasaRunner

pytestmark = pytest.mark.integration

LOCK_STORE_TYPES = {"concurrent_redis": "ConcurrentRedisLockStore", "redis": "RedisLockStore"}


def pod_environment(manifests: list[dict]) -> dict[str, str]:
    """The Rasa container's environment: literal values as given, Secret references and what the
    Vault Agent's template exports (plus VAULT_TOKEN, from its token file) with stand-ins."""
    deployment = next(m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == "rasa-pro")
    template = deployment["spec"]["template"]
    (container,) = template["spec"]["containers"]
    env = {}
    for item in container["env"]:
        env[item["name"]] = item["value"] if "value" in item else f"stand-in-for-{item['valueFrom']['secretKeyRef']['key']}"
    agent = (template["metadata"].get("annotations") or {}).get(f"{vault_delivery.PREFIX}agent-inject-template-{vault_delivery.ENV_FILE}")
    if agent:
        for line in agent.splitlines():
            if line.startswith("export "):
                name = line.removeprefix("export ").split("=", 1)[0]
                env[name] = f"stand-in-for-{line.split(chr(34))[1]}"
        env[vault_delivery.VAULT_TOKEN_ENV] = "stand-in-for-the-agent-token"
    return env


@pytest.mark.parametrize("stack", all_stacks())
def test_shipped_stack_endpoints_load_in_rasa(stack: str, rasa: RasaRunner, tmp_path: Path, shipped_previews) -> None:
    result = shipped_previews[stack]
    assert result.config_error is None, result.config_error
    text = endpoints_yml(result.resources)
    assert text, "no endpoints.yml ConfigMap registered"
    path = tmp_path / "endpoints.yml"
    path.write_text(text)
    env = pod_environment(kubernetes_manifests(result.resources))

    report = rasa.run(["load", "kafka-producer"], env, endpoints=path)
    load = report["load"]
    assert load.get("loaded"), load
    rendered = yaml.safe_load(text)
    endpoints = load["endpoints"]
    assert endpoints["tracker_store"]["type"] == "sql"
    assert endpoints["lock_store"]["type"] == rendered["lock_store"]["type"]
    assert endpoints["event_broker"]["type"] == "kafka"
    assert LOCK_STORE_TYPES[rendered["lock_store"]["type"]] == load["lock_store"]["class"], load["lock_store"]
    broker = load["event_broker"]
    assert broker["class"] == "KafkaEventBroker" and broker["partition_by_sender"] is True
    # librdkafka accepted the producer configuration (SASL_SSL with hostname checks)
    assert broker["producer"] == {"class": "Producer"}, broker["producer"]
    assert load["secrets_manager"]["type"] == "vault", load["secrets_manager"]
