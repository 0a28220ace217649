"""The verify Job under the project's mock engine: what it registers, and when it runs again."""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.rasa.endpoints import CA_DIR, ENDPOINTS_DIR, ENDPOINTS_PATH
from components.rasa.verify_job import SCRIPT, SCRIPT_DIR, VerifyJob, VerifyJobArgs
from tests.support.engine import Registered, register

SECRET_REF = {"name": "LOCK_STORE_PASSWORD",
              "valueFrom": {"secretKeyRef": {"name": "rasa-credentials", "key": "lock-store-password"}}}


def args(**changes: Any) -> VerifyJobArgs:
    base = VerifyJobArgs(
        namespace="rasa", image="rasa/rasa-pro:3.21.0", service_account_name="rasa",
        endpoints_config_map="rasa-endpoints", ca_config_map="rasa-ca-certificates",
        env=[{"name": "SQL_TRACKER_STORE_SSL_MODE", "value": "verify-full"}, SECRET_REF,
             k8s.core.v1.EnvVarArgs(name="VAULT_TOKEN", value_from=k8s.core.v1.EnvVarSourceArgs(
                 secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name="rasa-credentials", key="vault-token")))],
        remote_storage="aws", model="models/rasa-bot", config_digest="abc123",
    )
    return dataclasses.replace(base, **changes)


def run(job_args: VerifyJobArgs) -> list[Registered]:
    return register(lambda: VerifyJob("verify", job_args))


def one(resources: list[Registered], type_: str) -> Registered:
    found = [r for r in resources if r.type == type_]
    assert len(found) == 1, [r.type for r in resources]
    return found[0]


def job(resources: list[Registered]) -> dict[str, Any]:
    return one(resources, "kubernetes:batch/v1:Job").inputs


def pod(resources: list[Registered]) -> dict[str, Any]:
    return job(resources)["spec"]["template"]["spec"]


def container(resources: list[Registered]) -> dict[str, Any]:
    (only,) = pod(resources)["containers"]
    return only


def test_the_script_configmap_holds_the_module_verbatim():
    config_map = one(run(args()), "kubernetes:core/v1:ConfigMap").inputs
    assert config_map["metadata"]["name"] == "rasa-verify-script"
    assert config_map["data"] == {"verify.py": SCRIPT.read_text()}


def test_the_job_runs_the_script_on_the_rasa_image_with_the_pods_files():
    resources = run(args())
    c = container(resources)
    assert c["image"] == "rasa/rasa-pro:3.21.0"
    assert c["command"] == ["python", f"{SCRIPT_DIR}/verify.py"]
    assert c["args"] == ["--endpoints", ENDPOINTS_PATH, "--timeout", "20", "--remote-storage", "aws",
                         "--model", "models/rasa-bot"]
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert set(mounts) == {SCRIPT_DIR, ENDPOINTS_DIR, CA_DIR, "/tmp"}
    volumes = {v["name"]: v for v in pod(resources)["volumes"]}
    assert volumes["endpoints"]["configMap"]["name"] == "rasa-endpoints"
    assert volumes["ca-certificates"]["configMap"]["name"] == "rasa-ca-certificates"
    assert volumes["verify-script"]["configMap"]["name"] == "rasa-verify-script"
    assert pod(resources)["serviceAccountName"] == "rasa"  # the Rasa pods' cloud identity
    assert pod(resources)["restartPolicy"] == "Never"


def test_a_missing_model_is_allowed_only_when_asked():
    assert "--model-optional" not in container(run(args()))["args"]
    assert container(run(args(model_required=False)))["args"][-1] == "--model-optional"


def test_hardening_is_the_rasa_pods():
    resources = run(args())
    security = pod(resources)["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == 1001 and security["runAsGroup"] == 1001
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    c = container(resources)["securityContext"]
    assert c["readOnlyRootFilesystem"] is True and c["allowPrivilegeEscalation"] is False
    assert c["privileged"] is False and c["capabilities"] == {"drop": ["ALL"]}
    tmp = next(v for v in pod(resources)["volumes"] if v["name"] == "tmp")
    assert "emptyDir" in tmp
    assert all(m["readOnly"] for m in container(resources)["volumeMounts"] if m["mountPath"] != "/tmp")
    assert pod(resources)["automountServiceAccountToken"] is False


def test_job_limits_are_set():
    spec = job(run(args(backoff_limit=0, active_deadline_seconds=200, ttl_seconds_after_finished=600)))["spec"]
    assert (spec["backoffLimit"], spec["activeDeadlineSeconds"], spec["ttlSecondsAfterFinished"]) == (0, 200, 600)
    default = job(run(args()))["spec"]
    assert default["backoffLimit"] <= 2 and default["activeDeadlineSeconds"] > 0 and default["ttlSecondsAfterFinished"] > 0


def test_credentials_come_only_from_secret_refs():
    env = {e["name"]: e for e in container(run(args()))["env"]}
    assert env["LOCK_STORE_PASSWORD"] == SECRET_REF
    assert env["VAULT_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "rasa-credentials", "key": "vault-token"}
    assert env["SQL_TRACKER_STORE_SSL_MODE"] == {"name": "SQL_TRACKER_STORE_SSL_MODE", "value": "verify-full"}
    assert env["HOME"]["value"] == "/tmp"  # the root filesystem is read-only
    for entry in env.values():
        if any(word in entry["name"] for word in ("PASSWORD", "TOKEN", "KEY", "SECRET", "LICENSE")):
            assert "value" not in entry and "secretKeyRef" in entry["valueFrom"], entry


def test_a_literal_credential_is_refused():
    leaked = args(env=[{"name": "KAFKA_SASL_PASSWORD", "value": "hunter2-literal"}])
    with pytest.raises(Exception, match="KAFKA_SASL_PASSWORD looks like a credential"):
        run(leaked)


def job_name(job_args: VerifyJobArgs) -> str:
    name = job(run(job_args))["metadata"]["name"]
    assert name.startswith("rasa-verify-") and len(name) == len("rasa-verify-") + 10
    return name


@pytest.mark.parametrize("change", [
    {"image": "rasa/rasa-pro:3.21.1"},
    {"model": "models/rasa-bot-2"},
    {"model_required": False},
    {"config_digest": "def456"},
    {"check_timeout_seconds": 30},
    {"ca_config_map": "other-ca"},
    {"env": [SECRET_REF]},
], ids=lambda c: next(iter(c)))
def test_the_job_is_named_after_its_inputs(change):
    """A new name gives a new Job: it runs again whenever what it checks changes."""
    assert job_name(args(**change)) != job_name(args())


def test_an_unchanged_deploy_keeps_the_job():
    assert job_name(args()) == job_name(args())


def test_provider_and_dependencies_reach_the_resources():
    def body():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        before = k8s.core.v1.ConfigMap("before", metadata={"name": "before", "namespace": "rasa"},
                                       opts=pulumi.ResourceOptions(provider=provider))
        VerifyJob("verify", args(provider=provider, depends_on=[before]))

    resources = register(body)
    before = next(r for r in resources if r.name == "before")
    job_resource = one(resources, "kubernetes:batch/v1:Job")
    assert before.urn in job_resource.dependencies
    assert "cluster" in job_resource.provider
    script = next(r for r in resources if r.name == "verify-script")
    assert "cluster" in script.provider and before.urn in script.dependencies
