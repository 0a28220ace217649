"""The action server's secretEnv through Vault, under the mock engine: its own Kubernetes auth
role and policy, a secret of its own that Rasa's role cannot read, the Agent's annotations, and
the image's entrypoint exec'd by the wrapper. The policies are enforced against a real server in
tests/integration/test_vault_bootstrap.py."""

from __future__ import annotations

import json

import pytest

from components.vault.jobs.bootstrap import grants, workload_policy
from infra.preview import kubernetes_manifests, run_stack
from tests.previewing import manifest, preview

PREFIX = "vault.hashicorp.com/"


@pytest.fixture(scope="module")
def staging(shipped_previews):
    return shipped_previews["aws-staging"]  # an action server with secretEnv CRM_API_KEY


def pod_template(result):
    return manifest(result, "Deployment", "rasa-action-server")["spec"]["template"]


def plan_of(result) -> dict:
    return json.loads(manifest(result, "ConfigMap", "vault-bootstrap")["data"]["plan.json"])


def test_the_action_server_logs_in_with_its_own_role_and_reads_its_own_secret(staging):
    template = pod_template(staging)
    a = {k.removeprefix(PREFIX): v for k, v in template["metadata"]["annotations"].items() if k.startswith(PREFIX)}
    assert a["role"] == "rasa-action-server" and a["agent-inject"] == "true" and a["agent-pre-populate-only"] == "true"
    assert a["agent-inject-secret-rasa-env"] == "secret/data/rasa-secrets-actions"
    lines = [line for line in a["agent-inject-template-rasa-env"].splitlines() if line.startswith("export ")]
    assert lines == ["""export CRM_API_KEY='{{ index .Data.data "actions-env.CRM_API_KEY" | replaceAll "'" "'\\\\''" }}'"""]
    assert "agent-inject-token" not in a  # it never talks to Vault itself
    assert a["agent-run-as-user"] == "1001" and a["agent-inject-perms-rasa-env"] == "0400"
    # Vault's private CA, where the Agent (copying the container's mounts) finds it.
    assert a["ca-cert"] == "/etc/rasa-platform/ca/vault-ca.pem" and a["agent-copy-volume-mounts"] == "action-server"
    container = template["spec"]["containers"][0]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in template["spec"]["volumes"]}
    assert volumes[mounts["/etc/rasa-platform/ca"]["name"]]["configMap"]["name"] == "rasa-ca-certificates"
    token_volume = volumes[a["agent-service-account-token-volume-name"]]
    assert token_volume["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 600
    assert a["agent-service-account-token-volume-name"] not in {m["name"] for m in container["volumeMounts"]}
    assert template["spec"]["serviceAccountName"] == "rasa-action-server"
    assert template["spec"]["automountServiceAccountToken"] is False
    # Rolled with Rasa when the bootstrap wrote new values.
    rasa = manifest(staging, "Deployment", "rasa-pro")["spec"]["template"]["metadata"]["annotations"]
    assert template["metadata"]["annotations"]["rasa-platform.io/vault-credentials"] == rasa["rasa-platform.io/vault-credentials"]


def test_the_wrapper_sources_the_rendered_env_and_execs_the_images_entrypoint(staging):
    container = pod_template(staging)["spec"]["containers"][0]
    command = container["command"]
    assert command[:2] == ["/bin/sh", "-c"] and command[2] == '. /vault/secrets/rasa-env && exec "$@"'
    assert command[3:] == ["./entrypoint.sh", "./entrypoint.sh", "start", "--actions", "actions"]  # rasa/rasa-sdk's
    assert "VAULT_TOKEN" not in command[2]
    env = {e["name"]: e for e in container["env"]}
    assert set(env) == {"CRM_URL"} and all("valueFrom" not in e for e in env.values())


def test_no_secret_of_rasas_or_the_action_servers_is_in_rasas_namespace(staging):
    secrets = {m["metadata"]["name"] for m in kubernetes_manifests(staging.resources)
               if m["kind"] == "Secret" and m["metadata"].get("namespace") == "rasa"}
    assert "rasa-credentials" not in secrets
    assert "actions-env.CRM_API_KEY" in manifest(staging, "Secret", "vault-bootstrap-credentials")["stringData"]


def test_the_bootstrap_writes_a_policy_a_role_and_a_secret_for_the_action_server_only(staging):
    plan = plan_of(staging)
    (workload,) = [w for w in plan["workloads"] if w["policy"] != "rasa-pro-services"]  # analytics: its own test
    assert workload["policy"] == workload["role"]["name"] == "rasa-action-server"
    assert (workload["role"]["service_accounts"], workload["role"]["namespaces"]) == (["rasa-action-server"], ["rasa"])
    assert workload["secrets_path"] == "rasa-secrets-actions" and workload["credentials"] == ["actions-env.CRM_API_KEY"]
    # Rasa's secret has none of the action server's keys, and Rasa's role is bound to Rasa alone.
    assert not [k for k in plan["credentials"] if k.startswith("actions-env.")]
    assert plan["role"]["service_accounts"] == ["rasa-pro"]
    # The action server's policy reads its own path and nothing else (no token renewal, no Rasa secret).
    rasa_grant, actions_grant = [g for g in grants(plan) if g["policy"] != "rasa-pro-services"]
    assert actions_grant["policy_text"] == workload_policy(plan, workload)
    assert [line.strip() for line in actions_grant["policy_text"].splitlines() if line.startswith("path")] == [
        'path "secret/data/rasa-secrets-actions" {']
    assert "rasa-secrets-actions" not in rasa_grant["policy_text"]


def test_its_agent_reaches_vault_through_its_network_policy(staging):
    egress = manifest(staging, "NetworkPolicy", "rasa-action-server")["spec"]["egress"]
    rasa_vault = [r for r in manifest(staging, "NetworkPolicy", "rasa-pro")["spec"]["egress"]
                  if [p["port"] for p in r["ports"]] == [8200]]
    assert rasa_vault and rasa_vault[0] in egress
    assert [[p["port"] for p in r["ports"]] for r in egress] == [[53, 53], [8200], [443]]  # DNS, Vault, its CRM


def test_an_action_server_without_secret_env_gets_no_agent_role_or_secret():
    result = preview("aws-dev", rasa={"actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.4.2"}})
    template = pod_template(result)
    assert not [k for k in (template["metadata"].get("annotations") or {}) if k.startswith(PREFIX)]
    assert "command" not in template["spec"]["containers"][0]  # the image's own entrypoint runs
    assert plan_of(result)["workloads"] == []
    egress = manifest(result, "NetworkPolicy", "rasa-action-server")["spec"]["egress"]
    assert [[p["port"] for p in r["ports"]] for r in egress] == [[53, 53]]


def test_a_custom_command_is_what_the_wrapper_execs():
    result = preview("aws-staging", rasa={"actionServer": {"command": ["python", "-m", "rasa_sdk", "--actions", "bots"]}})
    assert pod_template(result)["spec"]["containers"][0]["command"][3:] == [
        "python", "python", "-m", "rasa_sdk", "--actions", "bots"]


def test_an_empty_command_is_one_config_line():
    result = run_stack("aws-staging", overrides={"rasa": {"actionServer": {"command": []}}})
    assert result.config_errors == [
        "config error: rasa-platform:rasa.actionServer.command = []: must be the image's entrypoint and arguments, "
        "a non-empty list of non-empty strings (rasa/rasa-sdk: [./entrypoint.sh, start, --actions, actions])"]
    assert not result.resources


def test_an_external_vault_reviews_the_action_servers_token_with_a_grant_of_its_own():
    overrides = {"rasa": {"actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.4.2",
                                           "secretEnv": {"CRM_API_KEY": "k"}}}}
    result = run_stack("byo-dev", overrides=overrides, secret_overrides=["rasa"])
    assert result.config_error is None, result.config_error
    binding = manifest(result, "ClusterRoleBinding", "vault-vault-token-review")
    subjects = {(s["namespace"], s["name"]) for s in binding["subjects"]}
    assert subjects == {("rasa", "rasa-pro"), ("rasa", "rasa-action-server")}
