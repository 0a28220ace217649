"""Vault under the mock engine: the chart's values per cloud, the bootstrap Job, the Rasa pod fed
only from Vault. The script itself runs against a real server in tests/integration."""

from __future__ import annotations

import hashlib
import json

import pytest

from components.vault import chart
from components.rasa.verify_job import job_digest
from components.vault.bootstrap_plan import BOOTSTRAP_SCRIPT
from infra.mocks import PlatformMocks
from infra.preview import kubernetes_manifests, run_stack
from tests.previewing import manifest, preview, rasa_container, resources_of_type

RELEASE = "kubernetes:helm.sh/v3:Release"


def release(result):
    """The Vault chart's release (the cloud may install other charts: Ingress, cert-manager)."""
    (r,) = [r for r in resources_of_type(result, RELEASE) if r.inputs.get("chart") == "vault"]
    return r.inputs


def outputs(result, type_, name):
    (r,) = [r for r in result.resources if r.type == type_ and r.name == name]
    return PlatformMocks(result.settings.region).outputs_for(r.type, r.name, r.inputs)


# -- the chart ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack, servers", [("aws-dev", 1), ("aws-prod", 3)])
def test_the_chart_is_pinned_ha_raft_with_tls_on_every_listener(shipped_previews, stack, servers):
    r = release(shipped_previews[stack])
    assert (r["chart"], r["version"], r["repositoryOpts"]["repo"]) == ("vault", chart.CHART_VERSION, chart.CHART_REPO)
    assert r["namespace"] == "vault" and r["skipAwait"] is True  # the bootstrap Job makes it ready
    values = r["values"]
    assert values["global"]["tlsDisable"] is False
    server = values["server"]
    assert server["ha"]["enabled"] is True and server["ha"]["replicas"] == servers
    assert server["ha"]["raft"]["enabled"] is True and server["standalone"]["enabled"] is False
    assert server["dev"]["enabled"] is False and values["ui"]["enabled"] is False
    config = server["ha"]["raft"]["config"]
    assert "tls_disable = false" in config and "tls_disable = 1" not in config and 'tls_min_version = "tls12"' in config
    assert config.count("retry_join {") == servers and config.count("leader_ca_cert_file") == servers
    assert server["auditStorage"]["enabled"] is True and server["dataStorage"]["enabled"] is True
    assert server["authDelegator"]["enabled"] is True
    assert server["ha"]["disruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    anti = server["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    (spread,) = server["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert spread["whenUnsatisfiable"] == ("DoNotSchedule" if stack == "aws-prod" else "ScheduleAnyway")
    injector = values["injector"]
    assert injector["enabled"] is True and injector["webhook"]["failurePolicy"] == "Fail"
    assert "failurePolicy" not in injector and "namespaceSelector" not in injector  # deprecated, and losing to webhook.*
    assert injector["webhook"]["namespaceSelector"] == {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["rasa"]}]}
    assert injector["replicas"] == (2 if stack == "aws-prod" else 1)
    for context in (server["statefulSet"]["securityContext"], injector["securityContext"]):
        assert context["pod"]["runAsNonRoot"] is True and context["pod"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert context["container"]["capabilities"] == {"drop": ["ALL"]}
        assert context["container"]["allowPrivilegeEscalation"] is False


def test_aws_seal_stanza_and_server_identity_come_from_the_seal_outputs(shipped_previews):
    result = shipped_previews["aws-prod"]
    values = release(result)["values"]
    key_id, _ = outputs(result, "aws:kms/key:Key", "vault-seal-key-key")
    _, role = outputs(result, "aws:iam/role:Role", "vault-seal-role")
    config = values["server"]["ha"]["raft"]["config"]
    assert f'seal "awskms" {{\n  kms_key_id = "{key_id}"\n  region = "eu-central-1"\n}}\n' in config
    account = values["server"]["serviceAccount"]
    assert account["name"] == "vault" and account["create"] is True
    assert account["annotations"] == {"eks.amazonaws.com/role-arn": role["arn"]}


@pytest.mark.parametrize("seal_type, parameters", [
    ("azurekeyvault", {"tenant_id": "00000000-0000-0000-0000-000000000000", "vault_name": "kv-rasa", "key_name": "vault-seal"}),
    ("gcpckms", {"project": "acme-rasa", "region": "europe-west3", "key_ring": "rasa", "crypto_key": "vault-seal"}),
])
def test_azure_and_gcp_seal_stanzas_and_identities_render_from_their_seal_config(seal_type, parameters):
    """Those clouds' packages fill a VaultSealConfig like AWS does; the chart values take it as is."""
    identity = {"azure.workload.identity/client-id": "11111111-1111-1111-1111-111111111111"} \
        if seal_type == "azurekeyvault" else {"iam.gke.io/gcp-service-account": "vault@acme-rasa.iam.gserviceaccount.com"}
    labels = {"azure.workload.identity/use": "true"} if seal_type == "azurekeyvault" else {}
    seal = chart.Seal(seal_type, parameters, service_account="vault-server", service_account_annotations=identity,
                      pod_labels=labels, env={"AZURE_TENANT_ID": "t"} if labels else {})
    values = chart.chart_values(chart.ChartInputs("vault", 3, "10Gi", "10Gi", None, seal, 2, True))
    body = "".join(f"  {k} = {json.dumps(v)}\n" for k, v in sorted(parameters.items()))
    assert f'seal "{seal_type}" {{\n{body}}}\n' in values["server"]["ha"]["raft"]["config"]
    assert values["server"]["serviceAccount"]["name"] == "vault-server"
    assert values["server"]["serviceAccount"]["annotations"] == identity
    assert values["server"]["extraLabels"] == labels
    assert values["server"]["extraEnvironmentVars"]["VAULT_CACERT"].endswith("/ca.crt")


def test_a_seal_missing_a_parameter_or_of_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="seal 'gcpckms' needs key_ring"):
        chart.seal_stanza("gcpckms", {"project": "p", "region": "r", "crypto_key": "k"})
    with pytest.raises(ValueError, match="allowed awskms, azurekeyvault, gcpckms"):
        chart.seal_stanza("transit", {})


def test_the_server_certificate_names_every_address_clients_and_peers_use(shipped_previews):
    result = shipped_previews["aws-dev"]
    (request,) = resources_of_type(result, "tls:index/certRequest:CertRequest")
    names = set(request.inputs["dnsNames"])
    assert {"vault.vault.svc", "vault-active.vault.svc", "*.vault-internal.vault.svc"} <= names
    assert request.inputs["ipAddresses"] == ["127.0.0.1"]
    (ca,) = resources_of_type(result, "tls:index/selfSignedCert:SelfSignedCert")
    assert ca.inputs["isCaCertificate"] is True
    tls_secret = manifest(result, "Secret", chart.TLS_SECRET)
    assert tls_secret["metadata"]["namespace"] == "vault" and set(tls_secret["stringData"].values()) == {"[secret]"}


def test_an_external_vault_gets_only_the_injector_and_token_review(shipped_previews):
    result = shipped_previews["byo-dev"]
    values = release(result)["values"]
    assert values["server"] == {"enabled": False}
    assert values["global"]["externalVaultAddr"] == "https://vault.dev.acme.internal:8200"
    assert values["injector"]["enabled"] is True
    binding = manifest(result, "ClusterRoleBinding", "vault-vault-token-review")
    assert binding["roleRef"]["name"] == "system:auth-delegator"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "rasa-pro", "namespace": "rasa"}]
    assert not resources_of_type(result, "tls:index/privateKey:PrivateKey")


# -- the bootstrap Job --------------------------------------------------------------------------


def bootstrap_job(result):
    (job,) = [m for m in kubernetes_manifests(result.resources)
              if m["kind"] == "Job" and m["metadata"]["name"].startswith("vault-bootstrap-")]
    return job


@pytest.mark.parametrize("stack", ["aws-dev", "byo-dev"])
def test_the_bootstrap_job_runs_the_script_on_the_rasa_image_as_its_own_account(shipped_previews, stack):
    result = shipped_previews[stack]
    job = bootstrap_job(result)
    assert job["metadata"]["namespace"] == "vault"
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == rasa_container(result)["image"] == "rasa/rasa-pro:3.21.0"
    assert pod["serviceAccountName"] == "vault-bootstrap" and pod["automountServiceAccountToken"] is False
    assert container["command"] == ["python", "/opt/rasa-platform/bootstrap/bootstrap.py"]
    config = manifest(result, "ConfigMap", "vault-bootstrap")
    assert config["data"]["bootstrap.py"] == BOOTSTRAP_SCRIPT.read_text()
    plan = json.loads(config["data"]["plan.json"])
    assert plan["role"]["service_accounts"] == [rasa_container_account(result)] and plan["role"]["namespaces"] == ["rasa"]
    assert plan["initialise"] is (stack == "aws-dev")
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts[plan["credentials_dir"]] == "credentials"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["credentials"]["secret"]["secretName"] == "vault-bootstrap-credentials"
    credentials = manifest(result, "Secret", "vault-bootstrap-credentials")
    assert credentials["metadata"]["namespace"] == "vault"
    assert set(plan["credentials"]) <= set(credentials["stringData"]) and set(credentials["stringData"].values()) == {"[secret]"}
    policy = manifest(result, "NetworkPolicy", "vault-bootstrap")
    assert policy["spec"]["ingress"] == [] and policy["spec"]["podSelector"]["matchLabels"].items() <= \
        job["spec"]["template"]["metadata"]["labels"].items()
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    # aws-dev: the API server and AWS STS (443), RDS, and MSK's IAM listener for the kafka-acls step.
    assert ports == ({53, 8200, 443, 5432, 9098} if stack == "aws-dev" else {53, 8200})
    # Only the in-cluster bootstrap holds (and may read) the recovery keys.
    if stack == "aws-dev":
        role = manifest(result, "Role", "vault-bootstrap")
        assert role["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["vault-init"],
                                  "verbs": ["get", "patch"]}]
        assert "api-token" in volumes
    else:
        assert "api-token" not in volumes and plan["admin_token_key"] == "vault-admin-token"


def rasa_container_account(result) -> str:
    return manifest(result, "Deployment", "rasa-pro")["spec"]["template"]["spec"]["serviceAccountName"]


def test_the_job_name_is_a_digest_of_script_image_plan_and_credentials(shipped_previews):
    name = bootstrap_job(shipped_previews["byo-dev"])["metadata"]["name"]
    assert name == bootstrap_job(preview("byo-dev"))["metadata"]["name"]  # stable when nothing changed
    assert bootstrap_job(preview("byo-dev", rasa={"tag": "3.21.1"}))["metadata"]["name"] != name
    assert bootstrap_job(preview("byo-dev", vault={"tokenPeriodHours": 48}))["metadata"]["name"] != name
    # Rotation: a new credential value runs the Job again (the name shows a salted digest only).
    rotated = run_stack("byo-dev", overrides={"lockStore": {"password": "rotated"}}, secret_overrides=["lockStore"])
    assert bootstrap_job(rotated)["metadata"]["name"] != name
    # ... and rolls Rasa's pods, which start with the new value, once the Job has written it.
    def revision(result):
        return manifest(result, "Deployment", "rasa-pro")["spec"]["template"]["metadata"]["annotations"][
            "rasa-platform.io/vault-credentials"]
    assert revision(rotated) == bootstrap_job(rotated)["metadata"]["name"]
    assert revision(shipped_previews["byo-dev"]) == name
    assert job_digest("a", {"x": 1}) != job_digest("b", {"x": 1})
    assert hashlib.sha256(b"rotated").hexdigest()[:10] not in name


def test_rasa_waits_for_the_bootstrap_and_the_bootstrap_for_the_release(shipped_previews):
    result = shipped_previews["aws-prod"]
    by_name = {r.name: r for r in result.resources}
    assert by_name["vault-bootstrap-job"].urn in by_name["rasa-namespace"].dependencies
    assert by_name["vault-release"].urn in by_name["vault-bootstrap-job"].dependencies


# -- the Rasa pod -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod", "byo-dev"])
def test_the_rasa_pod_is_fed_only_from_vault(shipped_previews, stack):
    result = shipped_previews[stack]
    deployment = manifest(result, "Deployment", "rasa-pro")
    template = deployment["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    a = {k.removeprefix("vault.hashicorp.com/"): v for k, v in annotations.items() if k.startswith("vault.hashicorp.com/")}
    assert a["agent-inject"] == "true" and a["agent-pre-populate-only"] == "true"
    assert a["role"] == "rasa" and a["auth-path"] == "auth/kubernetes" and a["agent-inject-token"] == "true"
    assert a["agent-inject-secret-rasa-env"] == "secret/data/rasa-secrets"
    assert a["agent-run-as-user"] == "1001" and a["agent-inject-perms-rasa-env"] == "0400"
    if stack != "byo-dev":  # in-cluster: Vault's private CA, mounted from Rasa's CA ConfigMap
        assert a["ca-cert"] == "/etc/rasa-platform/ca/vault-ca.pem"
        ca = manifest(result, "ConfigMap", "rasa-ca-certificates")["data"]
        assert ca["vault-ca.pem"].startswith("-----BEGIN CERTIFICATE-----")
    else:  # the external Vault of that stack has a public certificate
        assert "ca-cert" not in a
    pod = template["spec"]
    assert pod["automountServiceAccountToken"] is False
    token_volume = {v["name"]: v for v in pod["volumes"]}[a["agent-service-account-token-volume-name"]]
    assert token_volume["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 600
    container = rasa_container(result)
    assert a["agent-service-account-token-volume-name"] not in {m["name"] for m in container["volumeMounts"]}
    command = container["command"]
    assert command[:2] == ["/bin/sh", "-c"] and command[2].startswith(". /vault/secrets/rasa-env && ")
    assert command[2].endswith('exec "$@"') and command[4:6] == ["rasa", "run"]
    assert container["readinessProbe"]["exec"]["command"][2] == command[2]  # the probe sees AUTH_TOKEN too
    # No credential as env, no Secret of Rasa's in its namespace; VAULT_CACERT names the CA file.
    env = {e["name"]: e for e in container["env"]}
    assert all("valueFrom" not in e for e in env.values())
    assert ("VAULT_CACERT" in env) is (stack != "byo-dev")
    secrets = {m["metadata"]["name"] for m in kubernetes_manifests(result.resources)
               if m["kind"] == "Secret" and m["metadata"].get("namespace") == "rasa"}
    # Rasa Pro Services (and its database setup Job) still read their logins from Secrets of their own.
    assert secrets <= {"rasa-analytics-credentials", "rasa-analytics-database-setup"}
    # The verify Job gets its credentials the same way.
    verify = [m for m in kubernetes_manifests(result.resources)
              if m["kind"] == "Job" and m["metadata"]["name"].startswith("rasa-verify-")][0]
    verify_annotations = verify["spec"]["template"]["metadata"]["annotations"]
    assert verify_annotations["vault.hashicorp.com/agent-inject-template-rasa-env"] == a["agent-inject-template-rasa-env"]
    assert verify["spec"]["template"]["spec"]["containers"][0]["command"][2] == command[2]


def test_every_secret_env_of_the_rendered_config_is_a_template_line_of_a_key_the_bootstrap_writes(shipped_previews):
    result = shipped_previews["aws-prod"]
    template = manifest(result, "Deployment", "rasa-pro")["spec"]["template"]["metadata"]["annotations"][
        "vault.hashicorp.com/agent-inject-template-rasa-env"]
    plan = json.loads(manifest(result, "ConfigMap", "vault-bootstrap")["data"]["plan.json"])
    keys = [line.split('"')[1] for line in template.splitlines() if line.startswith("export ")]
    assert keys and set(keys) <= set(plan["credentials"])
    assert {"sql_store_username", "sql_store_password"} <= set(plan["credentials"])  # for Rasa's secrets manager
    assert "VAULT_TOKEN" not in template  # the Agent's own token, from its sink file


# -- no credential in any preview artifact -----------------------------------------------------

# Every credential a stack can set, per stack, as a canary: a value that appears nowhere else.
CANARY_PATHS = {
    "aws-dev": ["rasa.license", "rasa.authToken"],
    "aws-prod": ["rasa.license", "rasa.authToken"],
    "aws-staging": ["rasa.license", "rasa.authToken"],
    "azure-dev": ["rasa.license", "rasa.authToken"],
    "azure-prod": ["rasa.license", "rasa.authToken"],
    "gcp-dev": ["rasa.license", "rasa.authToken"],
    "gcp-prod": ["rasa.license", "rasa.authToken"],
    "byo-dev": ["rasa.license", "rasa.authToken", "vault.adminToken", "trackerStore.password", "lockStore.password",
                "eventQueue.password", "cluster.kubeconfig"],
}


def generated_values(result) -> list[str]:
    """What the mock engine computed for every password and private key the program asked for."""
    mocks, out = PlatformMocks(result.settings.region), []
    for r in result.resources:
        if r.type == "random:index/randomPassword:RandomPassword":
            out.append(mocks.outputs_for(r.type, r.name, r.inputs)[1]["result"])
        if r.type == "tls:index/privateKey:PrivateKey":
            pem = mocks.outputs_for(r.type, r.name, r.inputs)[1]["privateKeyPem"]
            out.append(pem.splitlines()[1])  # the key's body
    return out


def test_the_canary_list_covers_every_shipped_stack(shipped_previews):
    assert set(CANARY_PATHS) == set(shipped_previews)


@pytest.mark.parametrize("stack", sorted(CANARY_PATHS))
def test_no_credential_value_reaches_any_preview_artifact(stack):
    from infra.preview.artifacts import render_artifacts

    overrides: dict[str, dict] = {}
    canaries = []
    for path in CANARY_PATHS[stack]:
        section, key = path.split(".")
        value = f"CANARY-{stack}-{path}-{hashlib.sha256(path.encode()).hexdigest()[:12]}"
        overrides.setdefault(section, {})[key] = value
        canaries.append(value)
    result = run_stack(stack, overrides=overrides, secret_overrides=list(overrides))
    assert result.config_error is None, result.config_error
    assert not result.settings.placeholder_secrets  # every credential is a canary here
    generated = generated_values(result)
    assert any(r.type == "random:index/randomPassword:RandomPassword" for r in result.resources)
    artifacts = render_artifacts(result)
    assert set(artifacts) >= {"resources.json", "manifests.yaml", "endpoints.yml", "outputs.json", "summary.md"}
    for name, text in artifacts.items():
        for value in [*canaries, *generated]:
            assert value not in text, f"{name} holds a credential value ({value[:20]}...)"
    # The canaries did go somewhere: the bootstrap's Secret, masked.
    credentials = manifest(result, "Secret", "vault-bootstrap-credentials")["stringData"]
    assert {"rasa-license", "rasa-auth-token"} <= set(credentials) and set(credentials.values()) == {"[secret]"}


def test_rds_gets_rasas_role_from_the_bootstrap_with_the_admin_login_kept_out_of_vault(shipped_previews):
    result = shipped_previews["aws-prod"]
    plan = json.loads(manifest(result, "ConfigMap", "vault-bootstrap")["data"]["plan.json"])
    db = plan["database_user"]
    assert db["host"].endswith(".rds.amazonaws.com") and (db["database"], db["sslmode"]) == ("rasa", "verify-full")
    assert (db["username_key"], db["password_key"]) == ("sql_store_username", "sql_store_password")
    secret = manifest(result, "Secret", "vault-bootstrap-credentials")["stringData"]
    assert {db["admin_username_key"], db["admin_password_key"]} <= set(secret)
    assert db["admin_password_key"] not in plan["credentials"]  # Rasa never gets the master login
    # Bring-your-own PostgreSQL already has Rasa's role.
    assert json.loads(manifest(shipped_previews["byo-dev"], "ConfigMap", "vault-bootstrap")["data"]["plan.json"])[
        "database_user"] is None


def test_rasa_pro_services_credentials_reach_no_artifact_either():
    """byo-dev with analytics on an existing database: its password (inside RASA_ANALYTICS_DB_URL)
    and its consumer's SASL password as canaries, and the BI role's generated one."""
    from infra.preview.artifacts import render_artifacts

    canaries = {"database": "CANARY-analytics-db-" + hashlib.sha256(b"db").hexdigest()[:12],
                "consumer": "CANARY-analytics-kafka-" + hashlib.sha256(b"kafka").hexdigest()[:12]}
    result = run_stack("byo-dev", overrides={"analytics": {
        "enabled": True, "command": ["start-analytics"], "consumerUsername": "rasa-analytics",
        "consumerPassword": canaries["consumer"],
        "database": {"mode": "existing", "host": "bi-db.dev.acme.internal", "password": canaries["database"]},
    }}, secret_overrides=["analytics"])
    assert result.config_error is None, result.config_error
    assert not [p for p in result.settings.placeholder_secrets if p.startswith("analytics.")]  # the canaries are set
    assert not result.settings.placeholder_values
    for name, text in render_artifacts(result).items():
        for value in [*canaries.values(), *generated_values(result)]:
            assert value not in text, f"{name} holds a credential value ({value[:20]}...)"
    credentials = manifest(result, "Secret", "vault-bootstrap-credentials")
    assert credentials["metadata"]["namespace"] == "vault"
    assert {"analytics-license", "analytics-kafka-sasl-password", "analytics-db-url"} <= set(credentials["stringData"])
