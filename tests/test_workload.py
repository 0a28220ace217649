"""The Rasa Pro workload as it will be applied, from the real program under the mock engine."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from infra.preview import kubernetes_manifests
from tests.previewing import env_of, manifest, preview, rasa_container


@pytest.fixture(scope="module")
def dev():
    return preview("byo-dev")


@pytest.fixture(scope="module")
def prod():
    return preview(
        "byo-dev",
        environment="prod",
        rasa={
            "replicas": 2,
            "ingress": {"enabled": True, "host": "bot.acme.com", "clusterIssuer": "letsencrypt", "className": "nginx",
                        "controllerNamespace": "ingress-nginx", "controllerInstalled": True},
            "actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.4.2"},
            "nlgUrl": "https://nlg.acme.com/nlg",
            "sanicWorkers": 2,
        },
    )


def test_container_is_non_root_read_only_without_privilege_escalation(dev):
    deployment = manifest(dev, "Deployment", "rasa-pro")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 1001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    sc = rasa_container(dev)["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"]: m for m in rasa_container(dev)["volumeMounts"]}
    assert "/tmp" in mounts and "/app/models" in mounts  # writable scratch space on a read-only root
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    assert mounts["/app/config"]["readOnly"] is True


def test_image_command_and_resources_come_from_settings(dev):
    c = rasa_container(dev)
    assert c["image"] == "rasa/rasa-pro:3.21.0"
    argv = c["command"][4:]  # after `/bin/sh -c <source the Vault file, exec "$@"> <$0>`
    assert argv[:3] == ["rasa", "run", "--enable-api"] and "args" not in c
    assert argv[argv.index("--model") + 1] == "models/assistant.tar.gz"
    assert c["resources"]["requests"] == {"cpu": "1", "memory": "2Gi"}
    assert c["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}


def test_probes_liveness_on_root_readiness_on_status_with_token_from_env(dev):
    c = rasa_container(dev)
    assert c["livenessProbe"]["httpGet"]["path"] == "/"
    command = " ".join(c["readinessProbe"]["exec"]["command"])
    assert "/status?token=" in command and "os.environ['AUTH_TOKEN']" in command
    assert c["startupProbe"]["httpGet"]["path"] == "/"


def test_budget_env_matches_the_annotation(dev):
    env = env_of(rasa_container(dev))
    deployment = manifest(dev, "Deployment", "rasa-pro")
    budget = json.loads(deployment["metadata"]["annotations"]["rasa-platform.io/connection-budget"])
    assert budget["maxConnections"] == 100 and budget["maxProcesses"] == 2  # 1 replica + 1 surge
    assert env["SQL_POOL_SIZE"] == str(budget["poolSize"])
    assert env["SQL_MAX_OVERFLOW"] == str(budget["maxOverflow"])
    assert budget["maxProcesses"] * (budget["poolSize"] + budget["maxOverflow"]) < 80


def test_credentials_reach_the_pod_only_from_vault(dev):
    env = {e["name"] for e in rasa_container(dev)["env"]}
    assert not env & {"RASA_LICENSE", "AUTH_TOKEN", "VAULT_TOKEN", "LOCK_STORE_PASSWORD", "KAFKA_SASL_PASSWORD"}
    assert not any(m["kind"] == "Secret" and m["metadata"].get("namespace") == "rasa" for m in kubernetes_manifests(dev.resources))
    template = manifest(dev, "Deployment", "rasa-pro")["spec"]["template"]["metadata"]["annotations"][
        "vault.hashicorp.com/agent-inject-template-rasa-env"]
    for var, key in (("RASA_LICENSE", "rasa-license"), ("AUTH_TOKEN", "rasa-auth-token"),
                     ("LOCK_STORE_PASSWORD", "lock-store-password"), ("KAFKA_SASL_PASSWORD", "event-queue-password")):
        assert f"export {var}='{{{{ index .Data.data \"{key}\"" in template


def test_endpoints_configmap_is_what_the_pod_mounts(dev):
    cm = manifest(dev, "ConfigMap", "rasa-endpoints")
    endpoints = yaml.safe_load(cm["data"]["endpoints.yml"])
    assert endpoints["tracker_store"]["url"] == "rasa-db.dev.acme.internal"
    origins = json.loads(cm["metadata"]["annotations"]["rasa-platform.io/service-origins"])
    assert set(origins.values()) == {"existing"}
    volumes = manifest(dev, "Deployment", "rasa-pro")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "endpoints", "configMap": {"name": "rasa-endpoints"}} in volumes


def test_labels_and_selector(dev):
    deployment = manifest(dev, "Deployment", "rasa-pro")
    labels = deployment["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "rasa-pro"
    assert labels["app.kubernetes.io/instance"] == "byo-dev"
    assert labels["rasa-platform.io/environment"] == "dev"
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    namespace = manifest(dev, "Namespace", "rasa")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_dev_has_fixed_replicas_and_no_hpa_or_pdb(dev):
    assert manifest(dev, "Deployment", "rasa-pro")["spec"]["replicas"] == 1
    # The whole inventory, so an absent kind cannot pass because nothing was found at all.
    kinds = sorted(m["kind"] for m in rasa_objects(dev))
    assert kinds == ["ConfigMap", "ConfigMap", "ConfigMap", "Deployment", "Job", "Namespace", "NetworkPolicy",
                     "NetworkPolicy", "Service", "ServiceAccount"]  # the verify Job, its script and policy


def test_dev_spreads_over_zones_when_it_can(dev):
    spread = manifest(dev, "Deployment", "rasa-pro")["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {s["topologyKey"]: s["whenUnsatisfiable"] for s in spread} == {
        "topology.kubernetes.io/zone": "ScheduleAnyway",
        "kubernetes.io/hostname": "ScheduleAnyway",
    }


def test_prod_has_hpa_pdb_and_zone_spread(prod):
    deployment = manifest(prod, "Deployment", "rasa-pro")
    assert "replicas" not in deployment["spec"]  # the HPA owns the count
    hpa = manifest(prod, "HorizontalPodAutoscaler", "rasa-pro")
    assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] == 6
    assert hpa["spec"]["scaleTargetRef"]["name"] == "rasa-pro"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["averageUtilization"] == 70
    pdb = manifest(prod, "PodDisruptionBudget", "rasa-pro")
    assert pdb["spec"]["maxUnavailable"] == 1
    spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    zones = [s for s in spread if s["topologyKey"] == "topology.kubernetes.io/zone"]
    assert [z["whenUnsatisfiable"] for z in zones] == ["DoNotSchedule"]
    budget = json.loads(deployment["metadata"]["annotations"]["rasa-platform.io/connection-budget"])
    assert budget["maxProcesses"] == (6 + 1) * 2


def test_prod_lock_store_is_concurrent_redis(prod):
    endpoints = yaml.safe_load(manifest(prod, "ConfigMap", "rasa-endpoints")["data"]["endpoints.yml"])
    assert endpoints["lock_store"]["type"] == "concurrent_redis"


def test_network_policy_allows_only_backing_services_dns_and_vault(dev):
    policy = manifest(dev, "NetworkPolicy", "rasa-pro")["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    (ingress,) = policy["ingress"]
    assert ingress["ports"] == [{"protocol": "TCP", "port": 5005}]
    egress_ports = {(p["port"], p["protocol"]) for rule in policy["egress"] for p in rule["ports"]}
    assert egress_ports == {(53, "UDP"), (53, "TCP"), (5432, "TCP"), (6380, "TCP"), (9096, "TCP"), (443, "TCP"), (8200, "TCP")}
    postgres_rules = [r for r in policy["egress"] if r["ports"][0]["port"] == 5432]
    assert [r["to"] for r in postgres_rules] == [[{"ipBlock": {"cidr": "10.20.0.0/16"}}]]


def test_ingress_with_tls_and_issuer(prod):
    ingress = manifest(prod, "Ingress", "rasa-pro")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert ingress["spec"]["tls"] == [{"hosts": ["bot.acme.com"], "secretName": "rasa-pro-tls"}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    ingress_from = manifest(prod, "NetworkPolicy", "rasa-pro")["spec"]["ingress"][0]["from"]
    namespaces = {p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in ingress_from}
    assert namespaces == {"rasa", "ingress-nginx"}
    assert prod.outputs["rasaPublicUrl"] == "https://bot.acme.com"


def test_action_server_is_deployed_wired_and_isolated(prod):
    deployment = manifest(prod, "Deployment", "rasa-action-server")
    c = deployment["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "acme/actions:1.4.2"
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    endpoints = yaml.safe_load(manifest(prod, "ConfigMap", "rasa-endpoints")["data"]["endpoints.yml"])
    assert endpoints["action_endpoint"]["url"] == "http://rasa-action-server.rasa.svc.cluster.local:5055/webhook"
    assert endpoints["nlg"]["url"] == "https://nlg.acme.com/nlg"
    policy = manifest(prod, "NetworkPolicy", "rasa-action-server")["spec"]
    assert policy["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "server"
    rasa_egress = manifest(prod, "NetworkPolicy", "rasa-pro")["spec"]["egress"]
    to_actions = [r for r in rasa_egress if "podSelector" in r["to"][0]]
    assert [r["ports"] for r in to_actions] == [[{"protocol": "TCP", "port": 5055}]]
    assert to_actions[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "action-server"


def test_extra_namespaces_nlg_and_a_custom_action_server_port_reach_the_network_policy():
    result = preview(
        "byo-dev",
        rasa={
            "ingressFromNamespaces": ["channels"],
            "nlgUrl": "https://nlg.acme.com:8443/nlg",
            "actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.4.2", "port": 5056, "replicas": 2},
        },
    )
    policy = manifest(result, "NetworkPolicy", "rasa-pro")["spec"]
    (ingress,) = policy["ingress"]
    admitted = {p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in ingress["from"]}
    assert admitted == {"rasa", "channels"}  # no ingress controller: the Ingress is off
    egress_ports = [rule["ports"] for rule in policy["egress"]]
    assert [{"protocol": "TCP", "port": 5056}] in egress_ports and [{"protocol": "TCP", "port": 8443}] in egress_ports
    actions = manifest(result, "Deployment", "rasa-action-server")
    assert actions["spec"]["replicas"] == 2
    assert actions["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 5056
    assert manifest(result, "Service", "rasa-action-server")["spec"]["ports"][0]["port"] == 5056
    endpoints = yaml.safe_load(manifest(result, "ConfigMap", "rasa-endpoints")["data"]["endpoints.yml"])
    assert endpoints["action_endpoint"]["url"] == "http://rasa-action-server.rasa.svc.cluster.local:5056/webhook"


def test_service_account_carries_configured_annotations():
    result = preview("byo-dev", rasa={"serviceAccountAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/rasa"}})
    sa = manifest(result, "ServiceAccount", "rasa-pro")
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/rasa"}
    assert sa["automountServiceAccountToken"] is False


def test_the_clouds_identity_annotations_win_over_configured_ones():
    result = preview(
        "aws-dev",
        rasa={"serviceAccountAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/other", "example.com/team": "bots"}},
    )
    annotations = manifest(result, "ServiceAccount", "rasa-pro")["metadata"]["annotations"]
    assert annotations["example.com/team"] == "bots"
    assert annotations["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::123456789012:role/rasa-aws-dev-rasa")


def test_existing_cluster_provider_uses_the_configured_context(dev):
    providers = [r for r in dev.resources if r.type == "pulumi:providers:kubernetes"]
    assert len(providers) == 1 and providers[0].inputs["context"] == "platform-dev"
    k8s_resources = [r for r in dev.resources if r.type.startswith("kubernetes:")]
    assert k8s_resources and all(r.provider == providers[0].urn for r in k8s_resources)


RASA_PACKAGE = Path(__file__).resolve().parents[1] / "components" / "rasa"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return names | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_the_rasa_components_read_no_settings_and_do_not_plan_the_budget():
    modules = sorted(RASA_PACKAGE.glob("*.py"))
    assert {"workload.py", "action_server.py", "pod.py", "network_policy.py"} <= {m.name for m in modules}
    for module in modules:
        forbidden = {i for i in _imports(module) if i.startswith(("components.settings", "infra"))}
        assert not forbidden, f"{module.name} imports {forbidden}"
    # The budget is planned once, in infra/settings; the workload only records it.
    for name in ("workload.py", "pod.py"):
        assert "plan_budget" not in (RASA_PACKAGE / name).read_text()


# -- the verify Job -------------------------------------------------------------------------------


def rasa_objects(result):
    """The objects of Rasa's namespace (Vault's are tests/test_vault_*.py's)."""
    return [m for m in kubernetes_manifests(result.resources)
            if m["metadata"].get("namespace") == "rasa" or m["metadata"]["name"] == "rasa" and m["kind"] == "Namespace"]


def verify_job(result):
    jobs = [m for m in rasa_objects(result) if m["kind"] == "Job"]
    assert len(jobs) == 1, [m["metadata"]["name"] for m in jobs]
    return jobs[0]


def test_the_verify_job_runs_the_checks_as_rasa_sees_the_services(dev):
    job = verify_job(dev)
    assert job["metadata"]["name"].startswith("rasa-verify-") and job["metadata"]["namespace"] == "rasa"
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    rasa = rasa_container(dev)
    assert container["image"] == rasa["image"] == "rasa/rasa-pro:3.21.0"
    assert pod["serviceAccountName"] == "rasa-pro" and pod["restartPolicy"] == "Never"
    # Every variable the Rasa container has, wired the same way (credentials from the Secret only).
    rasa_env = {e["name"]: e for e in rasa["env"]}
    job_env = {e["name"]: e for e in container["env"]}
    assert rasa_env, "the Rasa container has an environment"
    assert all(job_env[name] == entry for name, entry in rasa_env.items() if name != "HOME")
    assert container["args"] == ["--endpoints", "/app/config/endpoints.yml", "--timeout", "20",
                                 "--remote-storage", "aws", "--model", "models/assistant.tar.gz", "--model-optional"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    rasa_mounts = {m["mountPath"] for m in rasa["volumeMounts"] if m.get("readOnly")}
    assert len(rasa_mounts) == 2 and rasa_mounts <= mounts  # endpoints.yml and the CA files, at Rasa's paths


def test_the_deployment_waits_for_the_verify_job(dev):
    (deployment,) = [r for r in dev.resources if r.type == "kubernetes:apps/v1:Deployment"]
    (job,) = [r for r in dev.resources if r.type == "kubernetes:batch/v1:Job" and r.name == "rasa-verify-job"]
    assert job.urn in deployment.dependencies


def test_the_verify_pod_may_reach_what_rasa_may_and_nobody_reaches_it(dev):
    rasa_policy = manifest(dev, "NetworkPolicy", "rasa-pro")
    verify_policy = manifest(dev, "NetworkPolicy", "rasa-verify")
    job_labels = verify_job(dev)["spec"]["template"]["metadata"]["labels"]
    assert verify_policy["spec"]["podSelector"]["matchLabels"].items() <= job_labels.items()
    assert verify_policy["spec"]["ingress"] == [] and set(verify_policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert verify_policy["spec"]["egress"] == rasa_policy["spec"]["egress"]
    # The Rasa pods' own policy does not select the Job's pods.
    assert not rasa_policy["spec"]["podSelector"]["matchLabels"].items() <= job_labels.items()


def test_a_required_model_and_a_disabled_verify_job():
    strict = preview("byo-dev", rasa={"verify": {"requireModel": True, "timeoutSeconds": 45}})
    args = verify_job(strict)["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--model-optional" not in args and args[args.index("--timeout") + 1] == "45"
    off = preview("byo-dev", rasa={"verify": {"enabled": False}})
    kinds = [m["kind"] for m in rasa_objects(off)]
    assert "Job" not in kinds and kinds.count("NetworkPolicy") == 1
    (deployment,) = [r for r in off.resources if r.type == "kubernetes:apps/v1:Deployment"]
    assert not any("rasa-verify" in d for d in deployment.dependencies)


def test_the_verify_job_runs_again_when_the_configuration_changes(dev):
    changed = preview("byo-dev", lockStore={"port": 6390})
    assert verify_job(changed)["metadata"]["name"] != verify_job(dev)["metadata"]["name"]
    assert verify_job(preview("byo-dev"))["metadata"]["name"] == verify_job(dev)["metadata"]["name"]
