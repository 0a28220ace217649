"""Rasa Pro Services as the program registers it (mock engine): the Deployment, its credentials
from Vault (its own role and secret, written by the bootstrap, which also creates its database),
the NetworkPolicy, the disruption budget, the outputs and the policy verdict."""

from __future__ import annotations

import json

import pytest

from components.analytics.budget import analytics_connections
from components.analytics.rules import PLACEHOLDER_COMMAND
from infra.mocks import NEUTRAL_OUTPUTS
from infra.preview import kubernetes_manifests, run_stack, summary_rows
from tests.previewing import env_of, manifest, preview

PLAIN_ENV = {
    "KAFKA_BROKER_ADDRESS", "KAFKA_TOPIC", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME",
    "KAFKA_SSL_CA_LOCATION", "RASA_ANALYTICS_CONSUMER_ID", "RASA_ANALYTICS_CONSUMER_COUNT", "RASA_ANALYTICS_DLQ",
    "LOGGING_LEVEL", "RUN_ANALYTICS_DB_MIGRATIONS", "HOME",
}
SECRET_ENV = {"KAFKA_SASL_PASSWORD": "analytics-kafka-sasl-password", "RASA_ANALYTICS_DB_URL": "analytics-db-url",
              "RASA_LICENSE": "analytics-license", "RASA_PRO_LICENSE": "analytics-license"}
AGENT = "vault.hashicorp.com/"


@pytest.fixture(scope="module")
def prod(shipped_previews):
    return shipped_previews["aws-prod"]


@pytest.fixture(scope="module")
def byo_dev():
    """Bring-your-own services with analytics turned on in dev, on an existing database of its own."""
    return preview("byo-dev", analytics={
        "enabled": True, "consumerUsername": "rasa-analytics",
        "database": {"mode": "existing", "host": "bi-db.dev.acme.internal", "port": 5433, "egressCidrs": ["10.30.0.0/16"]},
    })


def container(result):
    (c,) = manifest(result, "Deployment", "rasa-pro-services")["spec"]["template"]["spec"]["containers"]
    return c


def bootstrap_plan_of(result):
    return json.loads(manifest(result, "ConfigMap", "vault-bootstrap")["data"]["plan.json"])


def by_name(result, name):
    return next(r for r in result.resources if r.name == name)


def test_hardened_pinned_sized_and_probed_like_rasa_s_chart(prod):
    pod = manifest(prod, "Deployment", "rasa-pro-services")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False and pod["serviceAccountName"] == "rasa-pro-services"
    c = container(prod)
    assert c["image"] == "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro-services:3.8.0"
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["privileged"] is False
    # prod preset: Rasa's minimum guidance requested
    assert c["resources"] == {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
    assert c["ports"] == [{"name": "health", "containerPort": 8732, "protocol": "TCP"}]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[probe]["httpGet"] == {"path": "/healthcheck", "port": "health"}, probe
    assert {m["mountPath"] for m in c["volumeMounts"]} == {"/etc/rasa-platform/analytics-ca", "/tmp"}


def test_env_names_are_rasa_s_and_every_credential_comes_from_its_own_vault_secret(prod):
    env = {e["name"]: e for e in container(prod)["env"]}
    assert {n for n, e in env.items() if "value" in e} == PLAIN_ENV and set(env) == PLAIN_ENV  # no secretKeyRef
    values = env_of(container(prod))
    assert values["KAFKA_TOPIC"] == "rasa-core-events" and values["RASA_ANALYTICS_DLQ"] == "rasa-analytics-dlq"
    assert values["RASA_ANALYTICS_CONSUMER_ID"] == "rasa-analytics-group"
    assert values["KAFKA_SASL_USERNAME"] == "rasa-analytics"  # its own user, not Rasa's producer
    assert values["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" and values["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert all(s.endswith(":9096") for s in values["KAFKA_BROKER_ADDRESS"].split(",")) and values["KAFKA_BROKER_ADDRESS"].count(",") == 2
    # The Agent renders them from `<secretsPath>-analytics` under its own role, with no Vault token.
    annotations = manifest(prod, "Deployment", "rasa-pro-services")["spec"]["template"]["metadata"]["annotations"]
    assert annotations[AGENT + "role"] == "rasa-pro-services" and annotations[AGENT + "agent-inject"] == "true"
    assert annotations[AGENT + "agent-inject-secret-rasa-env"] == "secret/data/rasa-secrets-analytics"
    assert AGENT + "agent-inject-token" not in annotations
    assert annotations[AGENT + "agent-copy-volume-mounts"] == "rasa-pro-services"
    assert annotations[AGENT + "ca-cert"] == "/etc/rasa-platform/analytics-ca/vault-ca.pem"  # in-cluster Vault's CA
    assert annotations[AGENT + "agent-run-as-user"] == "1001"
    template = annotations[AGENT + "agent-inject-template-rasa-env"]
    for var, key in SECRET_ENV.items():
        assert f"export {var}='{{{{ index .Data.data \"{key}\"" in template, var
    assert manifest(prod, "ConfigMap", "rasa-analytics-ca-certificates")["data"]["vault-ca.pem"].startswith("-----BEGIN")


def test_its_command_sources_the_rendered_file_then_execs_the_image_entrypoint(prod):
    result = preview("aws-prod", analytics={"command": ["/opt/analytics/start.sh", "--serve"]})
    c = container(result)
    assert c["command"] == ["/bin/sh", "-c", '. /vault/secrets/rasa-env && exec "$@"', "/opt/analytics/start.sh",
                            "/opt/analytics/start.sh", "--serve"]
    assert "VAULT_TOKEN" not in c["command"][2] and "args" not in c
    assert not result.settings.placeholder_values
    # The shipped stack does not know it: the offline preview stands in for it and lists it.
    assert container(prod)["command"][3:] == [PLACEHOLDER_COMMAND[0], *PLACEHOLDER_COMMAND]
    assert prod.settings.placeholder_values == ("analytics.command",)


def test_no_secret_of_rasa_pro_services_is_in_rasas_namespace(prod):
    secrets = [m["metadata"]["name"] for m in kubernetes_manifests(prod.resources)
               if m["kind"] == "Secret" and m["metadata"].get("namespace") == "rasa"]
    assert secrets == []
    written = manifest(prod, "Secret", "vault-bootstrap-credentials")
    assert written["metadata"]["namespace"] == "vault"
    assert set(SECRET_ENV.values()) <= set(written["stringData"])
    assert all(v == "[secret]" for v in written["stringData"].values())


def test_the_bootstrap_grants_it_a_role_reading_its_own_secret_only(prod):
    from components.vault.jobs.bootstrap import grants

    plan = bootstrap_plan_of(prod)
    (grant,) = [g for g in grants(plan) if g["policy"] == "rasa-pro-services"]
    assert grant["role"]["service_accounts"] == ["rasa-pro-services"] and grant["role"]["namespaces"] == ["rasa"]
    assert grant["secrets_path"] == "rasa-secrets-analytics"
    assert grant["credentials"] == sorted(set(SECRET_ENV.values()))
    paths = [line.split('"')[1] for line in grant["policy_text"].splitlines() if line.startswith("path")]
    assert paths == ["secret/data/rasa-secrets-analytics"]
    rasa = next(g for g in grants(plan) if g["policy"] == "rasa")
    assert "rasa-secrets-analytics" not in rasa["policy_text"] and not set(SECRET_ENV.values()) & set(rasa["credentials"])
    # Its pods roll when the bootstrap wrote new values, and only after it did.
    deployment = by_name(prod, "analytics-deployment")
    job = by_name(prod, "vault-bootstrap-job")
    assert job.urn in deployment.dependencies
    pod_annotations = manifest(prod, "Deployment", "rasa-pro-services")["spec"]["template"]["metadata"]["annotations"]
    assert pod_annotations["rasa-platform.io/vault-credentials"] == manifest(prod, "Job", job.inputs["metadata"]["name"])["metadata"]["name"]


def mock_password(resource_name: str) -> str:
    """What the mock engine answers for a 40-character RandomPassword of that name."""
    return NEUTRAL_OUTPUTS["random:index/randomPassword:RandomPassword"](resource_name, {"length": 40})["result"]


def test_no_credential_outside_a_secret(prod):
    text = json.dumps([r.inputs for r in prod.resources if r.type != "random:index/randomPassword:RandomPassword"])
    assert mock_password("analytics-database-password") not in text and "[secret]" in text
    for name in ("analytics-database-password", "analytics-read-only-password", "event-queue-analytics-scram-password",
                 "tracker-store-master-password"):
        assert mock_password(name) not in text, name
    for cm in (m for m in kubernetes_manifests(prod.resources) if m["kind"] == "ConfigMap"):
        assert "postgresql://" not in json.dumps(cm), cm["metadata"]["name"]


def test_the_bootstrap_creates_its_database_first_as_the_tracker_servers_admin(prod):
    plan = bootstrap_plan_of(prod)
    step = plan["analytics_database"]
    assert (step["database"], step["username"], step["read_only_username"]) == ("rasa_analytics", "rasa_analytics", "rasa_analytics_readonly")
    assert step["host"] == prod.outputs["analyticsDatabaseHost"] and step["sslmode"] == "verify-full"
    assert step["script"] == "/opt/rasa-platform/bootstrap/analytics_database.py"
    script = manifest(prod, "ConfigMap", "vault-bootstrap")["data"]["analytics_database.py"]
    assert "CREATE DATABASE" in script and "ALTER DEFAULT PRIVILEGES" in script
    (bootstrap,) = [m for m in kubernetes_manifests(prod.resources) if m["kind"] == "Job"
                    and m["metadata"]["name"].startswith("vault-bootstrap-")]
    (mount,) = [v for v in bootstrap["spec"]["template"]["spec"]["volumes"] if v["name"] == "bootstrap"]
    assert {i["key"] for i in mount["configMap"]["items"]} == {"bootstrap.py", "analytics_database.py", "plan.json"}
    # The bootstrap may reach PostgreSQL; no setup Job of its own is left in Rasa's namespace.
    egress = manifest(prod, "NetworkPolicy", "vault-bootstrap")["spec"]["egress"]
    assert [5432] in [[p["port"] for p in rule["ports"]] for rule in egress]
    assert not [m for m in kubernetes_manifests(prod.resources) if m["kind"] == "Job" and "analytics" in m["metadata"]["name"]]


def test_network_policy_admits_no_one_and_reaches_kafka_its_database_vault_and_dns(prod):
    spec = manifest(prod, "NetworkPolicy", "rasa-pro-services")["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"] and spec["ingress"] == []
    assert spec["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "rasa-pro-services"
    ports = [sorted(p["port"] for p in rule["ports"]) for rule in spec["egress"]]
    assert ports == [[53, 53], [9096], [5432], [8200]]
    dns, kafka, database, vault = spec["egress"]
    assert dns["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}]
    data = [{"ipBlock": {"cidr": c}} for c in ("10.50.192.0/22", "10.50.196.0/22", "10.50.200.0/22")]
    assert kafka["to"] == data and database["to"] == data
    # aws-prod's Vault runs in the cluster: its API port, as Rasa's own policy reaches it.
    rasa_vault = [r for r in manifest(prod, "NetworkPolicy", "rasa-pro")["spec"]["egress"]
                  if [p["port"] for p in r["ports"]] == [8200]]
    assert [vault] == rasa_vault


def test_prod_has_two_pods_a_disruption_budget_and_a_strict_zone_spread(prod):
    deployment = manifest(prod, "Deployment", "rasa-pro-services")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    (zone, _) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert zone["topologyKey"] == "topology.kubernetes.io/zone" and zone["whenUnsatisfiable"] == "DoNotSchedule"
    pdb = manifest(prod, "PodDisruptionBudget", "rasa-pro-services")["spec"]
    assert pdb["maxUnavailable"] == 1 and pdb["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_the_policy_pack_judges_it_and_passes_it_in_prod(prod):
    assert prod.policy["mandatoryFailures"] == 0, prod.policy["violations"]
    weak = run_stack("aws-prod", overrides={"analytics": {"replicas": 1, "podDisruptionBudget": False}})
    failing = {(v["rule"], v["message"]) for v in weak.policy["violations"]}
    assert failing == {
        ("k8s-prod-replicas", "rasa-platform:analytics.replicas is 1: prod: Deployment 'analytics-deployment' must run "
                              "at least 2 replicas"),
        ("k8s-prod-disruption-budget", "rasa-platform:analytics.podDisruptionBudget is false: prod: Deployment "
                                       "'analytics-deployment' has no PodDisruptionBudget selecting its pods"),
    }


def test_outputs_say_where_the_database_is_and_how_to_connect_read_only(prod):
    out = prod.outputs
    assert out["analyticsDatabaseHost"] == out["trackerStoreEndpoint"]  # shared: the tracker store's server
    assert (out["analyticsDatabasePort"], out["analyticsDatabaseName"]) == (5432, "rasa_analytics")
    assert out["analyticsReadOnlyUsername"] == "rasa_analytics_readonly"
    assert out["analyticsReadOnlyPassword"] == "[secret]"
    hint = out["analyticsPsqlHint"]
    assert hint.startswith(f"psql 'host={out['trackerStoreEndpoint']} port=5432 dbname=rasa_analytics "
                           "user=rasa_analytics_readonly sslmode=verify-full")
    assert "password=" not in hint and mock_password("analytics-read-only-password") not in hint
    assert out["connectionBudget"]["reservedForAnalytics"] == analytics_connections(2, 1)
    assert out["serviceOrigins"]["analytics_database"] == "shared"  # the summary's services line names it
    assert "analytics_database=shared" in dict(summary_rows(prod))["services"]


def test_an_existing_database_is_not_set_up_and_gets_its_own_egress(byo_dev):
    kinds = {(m["kind"], m["metadata"]["name"]) for m in kubernetes_manifests(byo_dev.resources)}
    assert ("Deployment", "rasa-pro-services") in kinds
    plan = bootstrap_plan_of(byo_dev)
    assert plan["analytics_database"] is None  # the operator's database and role
    assert "rasa-pro-services" in [w["policy"] for w in plan["workloads"]]  # its credentials still come from Vault
    spec = manifest(byo_dev, "NetworkPolicy", "rasa-pro-services")["spec"]
    assert {"ports": [{"port": 5433, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": "10.30.0.0/16"}}]} in spec["egress"]
    env = env_of(container(byo_dev))
    assert env["KAFKA_SASL_USERNAME"] == "rasa-analytics"  # not eventQueue.username (rasa)
    assert byo_dev.outputs["analyticsDatabaseHost"] == "bi-db.dev.acme.internal"
    assert byo_dev.outputs["connectionBudget"]["reservedForAnalytics"] == 0
    assert "analytics.database.password" in byo_dev.settings.placeholder_secrets
    assert "analytics.consumerPassword" in byo_dev.settings.placeholder_secrets
    # dev: one pod may share a zone, no disruption budget
    assert ("PodDisruptionBudget", "rasa-pro-services") not in kinds
    (zone, _) = manifest(byo_dev, "Deployment", "rasa-pro-services")["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert zone["whenUnsatisfiable"] == "ScheduleAnyway"


def test_dev_has_no_analytics_and_too_many_consumers_register_nothing(shipped_previews):
    dev = shipped_previews["aws-dev"]
    assert not [r for r in dev.resources if r.name.startswith("analytics")]
    assert "analyticsDatabaseHost" not in dev.outputs and "analytics_database" not in dev.outputs["serviceOrigins"]
    too_many = run_stack("aws-prod", overrides={"analytics": {"replicas": 7}})
    assert too_many.resources == []
    assert too_many.config_errors == [
        "config error: rasa-platform:analytics.replicas = 7: 7 pods × 1 consumers = 7 exceed eventQueue.partitions (6): "
        "the extra consumers would sit idle; lower analytics.replicas or analytics.consumerCount, or raise "
        "eventQueue.partitions"]


def test_a_shared_existing_tracker_server_leaves_the_database_script_to_the_operator():
    """No admin login for a server the stack did not create: no analytics-database step, and the
    generated passwords are outputs (secret) for running components/analytics/jobs/analytics_database.py once."""
    result = preview("byo-dev", analytics={"enabled": True, "consumerUsername": "rasa-analytics"})
    names = {m["metadata"]["name"] for m in kubernetes_manifests(result.resources)}
    assert "rasa-pro-services" in names and bootstrap_plan_of(result)["analytics_database"] is None
    out = result.outputs
    assert out["analyticsDatabaseHost"] == "rasa-db.dev.acme.internal" and out["analyticsDatabaseName"] == "rasa_analytics"
    assert out["analyticsDatabasePassword"] == out["analyticsReadOnlyPassword"] == "[secret]"
    assert out["connectionBudget"]["reservedForAnalytics"] == analytics_connections(1, 1)
    # byo-dev's brokers have no private CA: the image's bundle
    assert env_of(container(result))["KAFKA_SSL_CA_LOCATION"] == "/etc/ssl/certs/ca-certificates.crt"


def test_the_managed_setup_job_keeps_the_owner_password_out_of_the_outputs(prod):
    assert "analyticsDatabasePassword" not in prod.outputs


def test_with_an_external_vault_its_service_account_token_is_reviewable():
    """An external Vault (HCP: namespace `admin`) reviews the Agent's token with that token itself:
    its account needs the TokenReview grant Rasa's has; its Agent logs in in Vault's namespace."""
    result = preview("byo-dev", vault={"namespace": "admin"},
                     analytics={"enabled": True, "command": ["start-analytics"], "consumerUsername": "rasa-analytics"})
    subjects = manifest(result, "ClusterRoleBinding", "vault-vault-token-review")["subjects"]
    assert {"name": "rasa-pro-services", "kind": "ServiceAccount", "namespace": "rasa"} in subjects
    annotations = manifest(result, "Deployment", "rasa-pro-services")["spec"]["template"]["metadata"]["annotations"]
    assert annotations[AGENT + "namespace"] == "admin"
    assert annotations[AGENT + "agent-inject-secret-rasa-env"] == "secret/data/rasa-secrets-analytics"
    assert AGENT + "ca-cert" not in annotations  # byo-dev's Vault has a public certificate
