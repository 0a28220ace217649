"""Workload rules over typed pulumi_kubernetes Deployments and ConfigMaps."""

from __future__ import annotations

import pytest

from policies.kubernetes import types as k8s_types
from policies.kubernetes.credentials import is_credential_name

from . import fixtures as fx
from .helpers import DELETE, U, changed, run_resource

C0 = "spec.template.spec.containers.0"
POD = "spec.template.spec"
DEPLOYMENT_RULES = ["k8s-resources-requests-limits", "k8s-run-as-non-root", "k8s-no-privilege-escalation",
                    "k8s-read-only-root-filesystem", "k8s-probes", "k8s-image-pinned",
                    "k8s-no-literal-credentials-in-env", "k8s-prod-zone-spread"]


def deployment(path=None, value=None, environment="prod"):
    props = fx.rasa_deployment(environment)
    return changed(props, path, value) if path else props


def with_init_container(**security):
    props = fx.rasa_deployment()
    init = {"name": "wait", "image": "busybox:1.36", "securityContext": {**fx.SECURITY_CONTEXT, **security},
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "50m", "memory": "32Mi"}}}
    return changed(props, f"{POD}.initContainers", [init])


@pytest.mark.parametrize("rule", DEPLOYMENT_RULES)
def test_secure_deployment_passes(rule):
    assert run_resource(rule, fx.T_DEPLOYMENT, fx.rasa_deployment()).ok


@pytest.mark.parametrize("rule,path,value,expected", [
    ("k8s-resources-requests-limits", f"{C0}.resources.limits", DELETE, "resources.limits.cpu"),
    ("k8s-resources-requests-limits", f"{C0}.resources.requests.memory", DELETE, "requests.memory"),
    ("k8s-run-as-non-root", f"{C0}.securityContext.runAsNonRoot", False, "runAsNonRoot"),
    ("k8s-run-as-non-root", f"{C0}.securityContext.runAsUser", 0, "UID 0"),
    ("k8s-no-privilege-escalation", f"{C0}.securityContext.allowPrivilegeEscalation", DELETE, "allowPrivilegeEscalation"),
    ("k8s-no-privilege-escalation", f"{C0}.securityContext.privileged", True, "privileged"),
    ("k8s-read-only-root-filesystem", f"{C0}.securityContext.readOnlyRootFilesystem", False, "readOnlyRootFilesystem"),
    ("k8s-probes", f"{C0}.livenessProbe", DELETE, "livenessProbe"),
    ("k8s-probes", f"{C0}.readinessProbe", DELETE, "readinessProbe"),
    ("k8s-image-pinned", f"{C0}.image", "rasa/rasa-pro:latest", ":latest"),
    ("k8s-image-pinned", f"{C0}.image", "rasa/rasa-pro", "no tag"),
    ("k8s-image-pinned", f"{C0}.image", "registry.local:5000/rasa-pro", "no tag"),
    ("k8s-no-literal-credentials-in-env", f"{C0}.env.12", {"name": "VAULT_TOKEN", "value": "hvs.CAESIabcdefghijklmnopqrstu"},
     "VAULT_TOKEN is a credential"),
    ("k8s-no-literal-credentials-in-env", f"{C0}.env.12", {"name": "DB_PASSWORD", "value": "hunter2"}, "DB_PASSWORD"),
    ("k8s-no-literal-credentials-in-env", f"{C0}.env.12", {"name": "RASA_LICENSE", "value": "x"}, "RASA_LICENSE"),
    ("k8s-no-literal-credentials-in-env", f"{C0}.env.12", {"name": "OPTIONS", "value": "[secret]"}, "Pulumi secret"),
    ("k8s-no-literal-credentials-in-env", f"{C0}.env.12", {"name": "EXTRA", "value": "AKIAABCDEFGHIJKLMNOP"},
     "AWS access key"),
    ("k8s-no-literal-credentials-in-env", f"{C0}.env.12", {"name": "DATABASE_URL", "value": "postgres://u:pw@db/rasa"},
     "password inside a URL"),
    ("k8s-prod-zone-spread", f"{POD}.topologySpreadConstraints", DELETE, "spread over zones"),
    ("k8s-prod-zone-spread", f"{POD}.topologySpreadConstraints.0.topologyKey", "kubernetes.io/hostname", "zones"),
])
def test_insecure_deployment_fails(rule, path, value, expected):
    outcome = run_resource(rule, fx.T_DEPLOYMENT, deployment(path, value))
    assert outcome.has(expected), outcome.messages


@pytest.mark.parametrize("rule,path", [
    ("k8s-resources-requests-limits", f"{C0}.resources"),
    ("k8s-run-as-non-root", f"{POD}.securityContext.runAsNonRoot"),
    ("k8s-no-privilege-escalation", f"{C0}.securityContext.allowPrivilegeEscalation"),
    ("k8s-read-only-root-filesystem", f"{C0}.securityContext"),
    ("k8s-probes", f"{POD}.containers"),
    ("k8s-image-pinned", f"{C0}.image"),
    ("k8s-no-literal-credentials-in-env", f"{C0}.env.0.value"),
    ("k8s-prod-zone-spread", f"{POD}.topologySpreadConstraints"),
])
def test_unknown_deployment_values_are_undecided(rule, path):
    props = deployment(path, U)
    if rule == "k8s-run-as-non-root":
        props = changed(props, f"{C0}.securityContext.runAsNonRoot", DELETE)
    outcome = run_resource(rule, fx.T_DEPLOYMENT, props)
    assert outcome.violations == [] and outcome.undecided


def test_pod_level_security_context_applies_and_container_overrides():
    props = deployment(f"{C0}.securityContext.runAsNonRoot", DELETE)
    assert run_resource("k8s-run-as-non-root", fx.T_DEPLOYMENT, props).ok  # inherited from the pod
    props = changed(props, f"{POD}.securityContext.runAsNonRoot", DELETE)
    assert run_resource("k8s-run-as-non-root", fx.T_DEPLOYMENT, props).has("runAsNonRoot")


def test_init_containers_are_checked_too():
    assert run_resource("k8s-no-privilege-escalation", fx.T_DEPLOYMENT,
                        with_init_container(allowPrivilegeEscalation=True)).has("container 'wait'")
    assert run_resource("k8s-probes", fx.T_DEPLOYMENT, with_init_container()).ok  # init containers need no probes


def test_digest_pinned_image_passes():
    props = deployment(f"{C0}.image", "rasa/rasa-pro@sha256:" + "a" * 64)
    assert run_resource("k8s-image-pinned", fx.T_DEPLOYMENT, props).ok


def test_zone_spread_only_in_prod():
    props = deployment(f"{POD}.topologySpreadConstraints", DELETE, environment="dev")
    assert run_resource("k8s-prod-zone-spread", fx.T_DEPLOYMENT, props).ok


@pytest.mark.parametrize("name,expected", [
    ("PASSWORD", True), ("DB_PASSWORD", True), ("AUTH_TOKEN", True), ("JWT_SECRET", True), ("RASA_LICENSE", True),
    ("AZURE_ACCOUNT_KEY", True), ("AWS_SECRET_ACCESS_KEY", True), ("sasl_password", True), ("api-key", True),
    ("SECRET_MANAGER", False), ("VAULT_RASA_SECRETS_PATH", False), ("KMS_KEY_ID", False), ("AWS_ACCESS_KEY_ID", False),
    ("SSL_KEYFILE", False), ("key_prefix", False), ("SANIC_WORKERS", False), ("TICKET_LOCK_LIFETIME", False),
])
def test_credential_names(name, expected):
    assert is_credential_name(name) is expected


def test_env_references_are_not_literals():
    for value in ("${VAULT_TOKEN}", "$(VAULT_TOKEN)", "vault:secret/data/rasa#token", ""):
        props = deployment(f"{C0}.env.12", {"name": "VAULT_TOKEN", "value": value})
        assert run_resource("k8s-no-literal-credentials-in-env", fx.T_DEPLOYMENT, props).ok, value


# -- ConfigMaps ---------------------------------------------------------------------------------------

def configmap(data):
    return {"metadata": {"name": "cm", "namespace": "rasa"}, "data": data}


ENDPOINTS_LITERAL = fx.endpoints_yml({**fx.ENDPOINTS, "lock_store": {**fx.ENDPOINTS["lock_store"], "password": "hunter2"}})
ENDPOINTS_QUOTED = fx.endpoints_yml().replace("password: ${LOCK_STORE_PASSWORD}", 'password: "${LOCK_STORE_PASSWORD}"')
ENDPOINTS_TRACKER_LITERAL = fx.endpoints_yml({**fx.ENDPOINTS, "tracker_store": {**fx.ENDPOINTS["tracker_store"],
                                                                                 "password": "s3cr3t-pw"}})
ENDPOINTS_VAULT_TOKEN = fx.endpoints_yml({**fx.ENDPOINTS, "secrets_manager": {**fx.ENDPOINTS["secrets_manager"],
                                                                               "token": "hvs.abcdefghijklmnopqrstuvwxyz"}})


def test_secure_configmaps_pass():
    assert run_resource("k8s-no-credentials-in-configmap", fx.T_CONFIGMAP, fx.rasa_configmap()).ok
    scripts = configmap({"bootstrap.py": "password = os.environ['PASSWORD']\n", "ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n",
                         "LOG_LEVEL": "INFO", "password_file": "/vault/secrets/pw",
                         "bootstrap_secrets.py": "import hvac\n", "DB_PASSWORD": "${DB_PASSWORD}"})
    assert run_resource("k8s-no-credentials-in-configmap", fx.T_CONFIGMAP, scripts).ok


@pytest.mark.parametrize("data,expected", [
    ({"endpoints.yml": ENDPOINTS_LITERAL}, "lock_store.password is a literal credential"),
    ({"endpoints.yml": ENDPOINTS_QUOTED}, "quoted"),
    ({"endpoints.yml": ENDPOINTS_TRACKER_LITERAL}, "tracker_store.password"),
    ({"endpoints.yml": ENDPOINTS_VAULT_TOKEN}, "secrets_manager.token"),
    ({"endpoints.yml": "tracker_store:\n  password: {source: env, key: X}\n"}, "not a Vault reference"),
    ({"DB_PASSWORD": "hunter2"}, "data[DB_PASSWORD] is a credential"),
    ({"license": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyYXNhLXBybyJ9.c2lnbmF0dXJlc2lnbmF0dXJl"}, "credential"),
    ({"notes.txt": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"}, "private key"),
    ({"endpoints.yml": "[secret]"}, "Pulumi secret"),
])
def test_credentials_in_configmaps_fail(data, expected):
    outcome = run_resource("k8s-no-credentials-in-configmap", fx.T_CONFIGMAP, configmap(data))
    assert outcome.has(expected), outcome.messages


def test_unknown_configmap_data_is_undecided():
    outcome = run_resource("k8s-no-credentials-in-configmap", fx.T_CONFIGMAP, configmap({"endpoints.yml": U}))
    assert outcome.violations == [] and outcome.undecided
    outcome = run_resource("k8s-no-credentials-in-configmap", fx.T_CONFIGMAP, {"metadata": {}, "data": U})
    assert outcome.violations == [] and outcome.undecided


JOB_RULES = ["k8s-resources-requests-limits", "k8s-run-as-non-root", "k8s-no-privilege-escalation",
             "k8s-read-only-root-filesystem", "k8s-image-pinned", "k8s-no-literal-credentials-in-env"]


def job(path=None, value=None):
    """The Rasa Deployment's pod template as a Job's (the verify Job runs the same image and env)."""
    deployment_props = fx.rasa_deployment()
    props = {"metadata": deployment_props["metadata"],
             "spec": {"backoffLimit": 1, "template": deployment_props["spec"]["template"]}}
    return changed(props, path, value) if path else props


@pytest.mark.parametrize("rule", JOB_RULES)
def test_a_jobs_pods_are_hardened_like_a_deployments(rule):
    assert run_resource(rule, k8s_types.JOB, job()).ok
    broken = {
        "k8s-resources-requests-limits": (f"{C0}.resources.limits", DELETE, "resources.limits.cpu"),
        "k8s-run-as-non-root": (f"{C0}.securityContext.runAsUser", 0, "UID 0"),
        "k8s-no-privilege-escalation": (f"{C0}.securityContext.privileged", True, "privileged"),
        "k8s-read-only-root-filesystem": (f"{C0}.securityContext.readOnlyRootFilesystem", False, "readOnlyRootFilesystem"),
        "k8s-image-pinned": (f"{C0}.image", "rasa/rasa-pro:latest", ":latest"),
        "k8s-no-literal-credentials-in-env": (f"{C0}.env.12", {"name": "DB_PASSWORD", "value": "hunter2"}, "DB_PASSWORD"),
    }[rule]
    path, value, expected = broken
    outcome = run_resource(rule, k8s_types.JOB, job(path, value))
    assert outcome.has(expected), outcome.messages


def test_a_job_needs_no_probes():
    assert run_resource("k8s-probes", k8s_types.JOB, job(f"{C0}.livenessProbe", DELETE)).ok


# -- image digests (a stack may pin rasa.image to repo@sha256:...) --------------------------------

@pytest.mark.parametrize("image", [
    "rasa/rasa-pro:3.21.0@sha256:" + "0123456789abcdef" * 4,  # what the program renders: tag kept, digest decides
    "registry.local:5000/team/actions@sha256:" + "f" * 64,
])
def test_well_formed_digests_pass(image):
    assert run_resource("k8s-image-pinned", fx.T_DEPLOYMENT, deployment(f"{C0}.image", image)).ok


@pytest.mark.parametrize("image", ["rasa/rasa-pro@sha256:abc", "rasa/rasa-pro:3.21.0@sha256:" + "G" * 64, "rasa/rasa-pro@latest"])
def test_malformed_digests_fail(image):
    outcome = run_resource("k8s-image-pinned", fx.T_DEPLOYMENT, deployment(f"{C0}.image", image))
    assert not outcome.ok and "malformed digest" in outcome.messages[0]


# -- what an Ingress publishes of Rasa ----------------------------------------------------------

def ingress(*paths, backend="rasa-pro", default_backend=None):
    to = {"service": {"name": backend, "port": {"number": 5005}}}
    spec = {
        "ingressClassName": "traefik",
        "tls": [{"hosts": ["bot.acme.com"], "secretName": "rasa-pro-tls"}],
        "rules": [{"host": "bot.acme.com", "http": {
            "paths": [{"path": p, "pathType": "Prefix", "backend": to} for p in paths]}}],
    }
    if default_backend:
        spec["defaultBackend"] = {"service": {"name": default_backend, "port": {"number": 5005}}}
    return {"metadata": {"name": "rasa-pro", "namespace": "rasa"}, "spec": spec}


def test_an_ingress_publishing_the_channels_paths_passes():
    assert run_resource("k8s-rasa-api-not-public", k8s_types.INGRESS, ingress("/webhooks/", "/socket.io")).ok
    # Another service's catch-all is not Rasa's API.
    assert run_resource("k8s-rasa-api-not-public", k8s_types.INGRESS, ingress("/", backend="docs")).ok


@pytest.mark.parametrize("props", [ingress("/webhooks/", "/"), ingress("/webhooks/", default_backend="rasa-pro")])
def test_an_ingress_publishing_the_whole_api_is_advised_against(props):
    outcome = run_resource("k8s-rasa-api-not-public", k8s_types.INGRESS, props)
    assert not outcome.ok and "whole HTTP API is public" in outcome.messages[0]


def test_an_unknown_ingress_path_is_undecided():
    outcome = run_resource("k8s-rasa-api-not-public", k8s_types.INGRESS, ingress(U))
    assert outcome.undecided
