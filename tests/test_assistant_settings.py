"""Settings a real CALM assistant needs, through the real program under the mock engine: LLM keys
and other environment, channels, scheduling, digests, egress, and the action server."""

from __future__ import annotations

import pytest
import yaml

from infra.preview import run_stack
from tests.previewing import env_of, manifest, manifests_of_kind, preview, rasa_container
from tests.support.assistant import SECURE, secret_stack

DIGEST = "sha256:" + "0123456789abcdef" * 4
SLACK = {"slack_token": "${SLACK_BOT_TOKEN}", "slack_signing_secret": "${SLACK_SIGNING_SECRET}", "slack_channel": "#bots"}


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    return tmp_path_factory.mktemp("stacks")


def assistant(stacks, **rasa):
    """byo-dev with an LLM key and Slack's secrets set as Pulumi secrets, plus `rasa` overrides."""
    base = {"secretEnv": {"OPENAI_API_KEY": SECURE, "SLACK_BOT_TOKEN": SECURE, "SLACK_SIGNING_SECRET": SECURE}}
    name = secret_stack(stacks, rasa={**base, **rasa})
    return preview(name, stacks_dir=stacks)


def errors(stacks, **rasa) -> list[str]:
    name = secret_stack(stacks, name="broken", rasa=rasa)
    result = run_stack(name, stacks_dir=stacks)
    assert result.config_errors and not result.resources, result.config_errors
    return result.config_errors


# -- environment: plain values, and secrets only by reference -----------------------------------------


def vault_env_template(pod_template) -> str:
    return pod_template["metadata"]["annotations"]["vault.hashicorp.com/agent-inject-template-rasa-env"]


def verify_job(result):
    (job,) = [r for r in result.resources
              if r.type == "kubernetes:batch/v1:Job" and r.inputs["metadata"]["name"].startswith("rasa-verify-")]
    return job


def test_secret_env_reaches_the_pod_only_from_vault(stacks):
    result = assistant(stacks, env={"RASA_DUCKLING_HTTP_URL": "http://duckling.nlp:8000"})
    env = {e["name"]: e for e in rasa_container(result)["env"]}
    assert "OPENAI_API_KEY" not in env  # neither a literal nor a Secret reference
    assert env["RASA_DUCKLING_HTTP_URL"] == {"name": "RASA_DUCKLING_HTTP_URL", "value": "http://duckling.nlp:8000"}
    template = vault_env_template(manifest(result, "Deployment", "rasa-pro")["spec"]["template"])
    assert """export OPENAI_API_KEY='{{ index .Data.data "rasa-env.OPENAI_API_KEY" """ in template
    # The bootstrap writes the value to Vault; its own Secret holds it, masked.
    secret = manifest(result, "Secret", "vault-bootstrap-credentials")
    assert {"rasa-env.OPENAI_API_KEY", "rasa-env.SLACK_BOT_TOKEN", "rasa-license"} <= set(secret["stringData"])
    assert set(secret["stringData"].values()) == {"[secret]"}  # values stay Pulumi secrets
    assert not [m for m in result_manifests(result, "Secret") if m["metadata"]["namespace"] == "rasa"]
    # The verify Job sees what Rasa sees, the same way.
    assert vault_env_template(verify_job(result).inputs["spec"]["template"]) == template


def test_telemetry_is_off_and_the_log_level_is_info_unless_set(stacks):
    env = env_of(rasa_container(preview("byo-dev")))
    assert env["RASA_TELEMETRY_ENABLED"] == "false" and env["LOG_LEVEL"] == "INFO"
    env = env_of(rasa_container(preview("byo-dev", rasa={"telemetry": True, "logLevel": "DEBUG"})))
    assert env["RASA_TELEMETRY_ENABLED"] == "true" and env["LOG_LEVEL"] == "DEBUG"


@pytest.mark.parametrize("rasa, expected", [
    ({"env": {"OPENAI_API_KEY": "sk-123"}},
     "rasa-platform:rasa.env.OPENAI_API_KEY = [value]: looks like a credential: set it as a Pulumi secret in rasa.secretEnv.OPENAI_API_KEY"),
    ({"env": {"SLACK_TOKEN": "x"}}, "rasa.env.SLACK_TOKEN = [value]: looks like a credential"),
    ({"env": {"LOG_LEVEL": "DEBUG"}}, "rasa-platform:rasa.env.LOG_LEVEL = DEBUG: set by rasa.logLevel"),
    ({"env": {"SQL_POOL_SIZE": "5"}}, "rasa.env.SQL_POOL_SIZE = 5: set by the platform itself"),
    ({"env": {"1ABC": "x"}}, "rasa.env.1ABC"),
    ({"actionServer": {"env": {"CRM_API_KEY": "k"}}}, "rasa.actionServer.env.CRM_API_KEY = [value]: looks like a credential"),
    ({"env": {"CRM_URL": "https://crm"}, "secretEnv": {"CRM_URL": SECURE}},
     "rasa-platform:rasa.secretEnv.CRM_URL = [secret]: also set in rasa.env; keep one"),
    ({"secretEnv": {"VAULT_TOKEN": SECURE}}, "rasa-platform:rasa.secretEnv.VAULT_TOKEN = [secret]: set by the platform itself"),
])
def test_bad_environment_is_refused_with_one_line(stacks, rasa, expected):
    (line,) = errors(stacks, **rasa)
    assert expected in line


def test_secret_env_in_plain_text_is_refused():
    result = run_stack("byo-dev", overrides={"rasa": {"secretEnv": {"OPENAI_API_KEY": "sk-live-123"}}})
    assert result.config_errors == [
        "config error: rasa-platform:rasa.secretEnv = [plain text]: credentials must be Pulumi secrets: "
        "pulumi config set --secret --path 'rasa-platform:rasa.secretEnv' ..."
    ] and not result.resources
    assert "sk-live-123" not in " ".join(result.config_errors)


# -- channels: credentials.yml mounted and passed ----------------------------------------------------


def test_credentials_file_is_mounted_and_passed_with_its_references_unquoted(stacks):
    result = assistant(stacks, credentials={"rest": None, "slack": SLACK, "socketio": {"session_persistence": True}})
    text = manifest(result, "ConfigMap", "rasa-channels")["data"]["credentials.yml"]
    assert "slack_token: ${SLACK_BOT_TOKEN}\n" in text  # unquoted: the only form Rasa interpolates
    assert yaml.safe_load(text)["rest"] is None and yaml.safe_load(text)["slack"]["slack_channel"] == "#bots"
    c = rasa_container(result)
    assert c["command"][-2:] == ["--credentials", "/app/channels/credentials.yml"]  # after Vault's env is sourced
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert mounts["/app/channels"]["readOnly"] is True
    volumes = {v["name"]: v for v in manifest(result, "Deployment", "rasa-pro")["spec"]["template"]["spec"]["volumes"]}
    assert volumes[mounts["/app/channels"]["name"]]["configMap"] == {"name": "rasa-channels"}
    annotations = manifest(result, "Deployment", "rasa-pro")["spec"]["template"]["metadata"]["annotations"]
    assert "rasa-platform.io/channels-hash" in annotations  # a changed file rolls the pods
    # Every variable the file names is in the container's environment, from Vault.
    template = vault_env_template(manifest(result, "Deployment", "rasa-pro")["spec"]["template"])
    assert """export SLACK_BOT_TOKEN='{{ index .Data.data "rasa-env.SLACK_BOT_TOKEN" """ in template


def test_a_custom_channel_is_named_by_its_module_path(stacks):
    result = assistant(stacks, credentials={"addons.channels.MyInput": {"api_key": "${OPENAI_API_KEY}"}})
    text = manifest(result, "ConfigMap", "rasa-channels")["data"]["credentials.yml"]
    assert yaml.safe_load(text) == {"addons.channels.MyInput": {"api_key": "${OPENAI_API_KEY}"}}


def test_without_credentials_there_is_no_channels_file():
    result = preview("byo-dev")
    assert "--credentials" not in rasa_container(result)["command"]
    assert all(m["metadata"]["name"] != "rasa-channels" for m in result_manifests(result, "ConfigMap"))


def result_manifests(result, kind):
    from tests.previewing import manifests_of_kind
    return manifests_of_kind(result, kind)


@pytest.mark.parametrize("credentials, expected", [
    ({"slack": {**SLACK, "slack_token": "${SLACK_TOKEN_TYPO}"}},
     "rasa-platform:rasa.credentials.slack.slack_token = ${SLACK_TOKEN_TYPO}: ${SLACK_TOKEN_TYPO} is not defined: "
     "add SLACK_TOKEN_TYPO to rasa.secretEnv (or rasa.env)"),
    ({"slack": {**SLACK, "slack_signing_secret": "abc123"}},
     "rasa-platform:rasa.credentials.slack.slack_signing_secret = [literal]: a channel credential must be a ${VAR} reference"),
    ({"twilio": {"account_sid": "AC1", "auth_token": "${SLACK_BOT_TOKEN}x", "twilio_number": "+1"}},
     "rasa.credentials.twilio.auth_token = ${SLACK_BOT_TOKEN}x: Rasa interpolates only a whole value of the form ${VAR}"),
    ({"slack": "on"}, "rasa.credentials.slack = on: must be a mapping"),
    ({"slak": SLACK}, "rasa-platform:rasa.credentials.slak = [channel]: not a Rasa channel; built-in: audiocodes,"),
])
def test_channel_mistakes_are_refused_before_anything_exists(stacks, credentials, expected):
    secret = {"SLACK_BOT_TOKEN": SECURE, "SLACK_SIGNING_SECRET": SECURE}
    (line,) = errors(stacks, secretEnv=secret, credentials=credentials)
    assert expected in line


# -- digests, scheduling, egress ------------------------------------------------------------------


def test_a_digest_pins_the_image_of_rasa_its_verify_job_and_the_action_server():
    result = preview("byo-dev", rasa={"image": f"rasa/rasa-pro@{DIGEST}", "actionServer": {
        "enabled": True, "image": f"registry.acme.com:5000/bots/actions@{DIGEST}", "tag": "1.4.2"}})
    assert rasa_container(result)["image"] == f"rasa/rasa-pro:3.21.0@{DIGEST}"
    job = verify_job(result)
    assert job.inputs["spec"]["template"]["spec"]["containers"][0]["image"] == f"rasa/rasa-pro:3.21.0@{DIGEST}"
    actions = manifest(result, "Deployment", "rasa-action-server")["spec"]["template"]["spec"]["containers"][0]
    assert actions["image"] == f"registry.acme.com:5000/bots/actions:1.4.2@{DIGEST}"
    assert result.policy["mandatoryFailures"] == 0


def test_a_malformed_digest_is_refused():
    result = run_stack("byo-dev", overrides={"rasa": {"image": "rasa/rasa-pro@sha256:abc"}})
    assert result.config_errors == ["config error: rasa-platform:rasa.image = rasa/rasa-pro@sha256:abc: must be an image "
                                    "repository such as rasa/rasa-pro, optionally pinned to a digest (repo@sha256:<64 hex digits>)"]


SCHEDULING = {
    "nodeSelector": {"workload": "rasa"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "rasa", "effect": "NoSchedule"}],
    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}]}]}}},
    "imagePullSecrets": ["acme-registry"],
}


def test_scheduling_fields_reach_rasa_its_verify_job_and_the_action_server():
    result = preview("byo-dev", rasa={**SCHEDULING, "actionServer": {
        "enabled": True, "image": "acme/actions", "tag": "1.4.2", "nodeSelector": {"workload": "actions"},
        "imagePullSecrets": ["actions-registry"]}})
    pod = manifest(result, "Deployment", "rasa-pro")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"workload": "rasa"}
    assert pod["tolerations"] == [{"key": "dedicated", "operator": "Equal", "value": "rasa", "effect": "NoSchedule"}]
    assert pod["affinity"] == SCHEDULING["affinity"]
    assert pod["imagePullSecrets"] == [{"name": "acme-registry"}]
    job = verify_job(result)
    job_pod = job.inputs["spec"]["template"]["spec"]
    assert {k: job_pod[k] for k in ("nodeSelector", "tolerations", "affinity", "imagePullSecrets")} == {
        k: pod[k] for k in ("nodeSelector", "tolerations", "affinity", "imagePullSecrets")}
    actions = manifest(result, "Deployment", "rasa-action-server")["spec"]["template"]["spec"]
    assert actions["nodeSelector"] == {"workload": "actions"} and actions["imagePullSecrets"] == [{"name": "actions-registry"}]
    assert "tolerations" not in actions and "affinity" not in actions


def test_the_bootstrap_and_rasa_pro_services_run_on_rasas_nodes():
    """A tainted node group for Rasa: the bootstrap (Rasa's image) and Rasa Pro Services go there
    too; Rasa's affinity (it may name Rasa's own pods) stays Rasa's; pull secrets only in Rasa's
    namespace, where they exist."""
    result = preview("byo-dev", rasa=SCHEDULING, analytics={
        "enabled": True, "command": ["start-analytics"], "consumerUsername": "rasa-analytics"})
    node = {"nodeSelector": {"workload": "rasa"},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "rasa", "effect": "NoSchedule"}]}
    (bootstrap,) = [m for m in manifests_of_kind(result, "Job") if m["metadata"]["name"].startswith("vault-bootstrap-")]
    pod = bootstrap["spec"]["template"]["spec"]
    assert {k: pod.get(k) for k in node} == node and "affinity" not in pod and "imagePullSecrets" not in pod
    services = manifest(result, "Deployment", "rasa-pro-services")["spec"]["template"]["spec"]
    assert {k: services.get(k) for k in node} == node and "affinity" not in services
    assert services["imagePullSecrets"] == [{"name": "acme-registry"}]


def test_an_unknown_affinity_kind_is_refused():
    result = run_stack("byo-dev", overrides={"rasa": {"affinity": {"nodeAfinity": {}}}})
    assert result.config_errors == ["config error: rasa-platform:rasa.affinity = {\"nodeAfinity\": {}}: unknown affinity kind "
                                    "nodeAfinity; allowed: nodeAffinity, podAffinity, podAntiAffinity (Kubernetes' own form)"]


def test_egress_rules_are_exactly_as_listed():
    result = preview("byo-dev", rasa={
        "egress": [{"cidr": "162.159.140.245/32", "port": 443}, {"cidr": "10.30.0.0/16", "port": 8000, "protocol": "TCP"}],
        "actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.4.2",
                         "egress": [{"cidr": "10.60.0.0/16", "port": 5432}]},
    })
    rasa_egress = manifest(result, "NetworkPolicy", "rasa-pro")["spec"]["egress"]
    listed = [r for r in rasa_egress if r["to"][0].get("ipBlock", {}).get("cidr") in ("162.159.140.245/32", "10.30.0.0/16")]
    assert listed == [
        {"to": [{"ipBlock": {"cidr": "162.159.140.245/32"}}], "ports": [{"protocol": "TCP", "port": 443}]},
        {"to": [{"ipBlock": {"cidr": "10.30.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 8000}]},
    ]
    # Nothing else opens 8000, and no rule grew a 0.0.0.0/0 the stack did not write for it.
    assert [r for r in rasa_egress if {"protocol": "TCP", "port": 8000} in r["ports"]] == listed[1:]
    verify = manifest(result, "NetworkPolicy", "rasa-verify")["spec"]["egress"]
    assert listed[0] in verify and listed[1] in verify  # the Job reaches what Rasa reaches
    actions = manifest(result, "NetworkPolicy", "rasa-action-server")["spec"]
    assert set(actions["policyTypes"]) == {"Ingress", "Egress"}
    assert actions["egress"][1:] == [{"to": [{"ipBlock": {"cidr": "10.60.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 5432}]}]
    assert {p["port"] for p in actions["egress"][0]["ports"]} == {53}  # DNS, nothing else


# -- the action server, fit for production --------------------------------------------------------


def test_the_prod_action_server_has_its_own_account_hpa_pdb_spread_and_secret_env(stacks):
    name = secret_stack(stacks, name="actions-prod", environment="prod", rasa={"replicas": 2, "actionServer": {
        "enabled": True, "image": "acme/actions", "tag": "1.4.2", "secretEnv": {"CRM_API_KEY": SECURE},
        "env": {"CRM_URL": "https://crm.acme.com"},
        "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5},
        "serviceAccountAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/actions"}}})
    result = preview(name, stacks_dir=stacks)
    deployment = manifest(result, "Deployment", "rasa-action-server")
    pod = deployment["spec"]["template"]["spec"]
    assert "replicas" not in deployment["spec"]  # the HPA owns the count
    assert pod["serviceAccountName"] == "rasa-action-server" and pod["automountServiceAccountToken"] is False
    sa = manifest(result, "ServiceAccount", "rasa-action-server")
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/actions"}
    zones = [s for s in pod["topologySpreadConstraints"] if s["topologyKey"] == "topology.kubernetes.io/zone"]
    assert [z["whenUnsatisfiable"] for z in zones] == ["DoNotSchedule"]
    hpa = manifest(result, "HorizontalPodAutoscaler", "rasa-action-server")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert hpa["spec"]["scaleTargetRef"]["name"] == "rasa-action-server"
    assert manifest(result, "PodDisruptionBudget", "rasa-action-server")["spec"]["maxUnavailable"] == 1  # prod preset
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert "CRM_API_KEY" not in env  # from Vault, its own secret (tests/test_vault_action_server.py)
    template = vault_env_template(deployment["spec"]["template"])
    assert """export CRM_API_KEY='{{ index .Data.data "actions-env.CRM_API_KEY" """ in template
    assert env["CRM_URL"] == {"name": "CRM_URL", "value": "https://crm.acme.com"}
    # Rasa's own pod does not get the action server's key.
    assert "CRM_API_KEY" not in env_of(rasa_container(result))
    assert "CRM_API_KEY" not in vault_env_template(manifest(result, "Deployment", "rasa-pro")["spec"]["template"])
    assert result.policy["mandatoryFailures"] == 0, result.policy["violations"]


@pytest.mark.parametrize("stack", ["aws-prod", "byo-dev"])
def test_enabling_the_action_server_in_prod_passes_every_mandatory_policy(stack):
    result = preview(stack, environment="prod", rasa={"replicas": 2, "actionServer": {
        "enabled": True, "image": "acme/actions", "tag": "1.4.2", "egress": [{"cidr": "10.70.0.0/16", "port": 443}]}})
    assert manifest(result, "Deployment", "rasa-action-server")["spec"]["replicas"] == 2  # the prod preset
    assert manifest(result, "PodDisruptionBudget", "rasa-action-server")
    assert result.policy["mandatoryFailures"] == 0, result.policy["violations"]
    evaluated = {r["rule"]: r["status"] for r in result.policy["rules"]}
    assert evaluated["k8s-prod-replicas"] == evaluated["k8s-prod-disruption-budget"] == "pass"
