"""The model on a first deploy (upload, version check, no hang without one) and the Ingress (only
the channels' paths; its controller and issuer installed on a created cluster, declared on an
existing one), through the real program under the mock engine."""

from __future__ import annotations

import pytest

from infra.preview import run_stack
from tests.previewing import manifest, manifests_of_kind, preview, resources_of_type
from tests.support.assistant import model_archive

OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
RELEASE = "kubernetes:helm.sh/v3:Release"
SKIP_AWAIT = "pulumi.com/skipAwait"


def deployment_of(result, name="rasa-pro"):
    (found,) = [r for r in resources_of_type(result, "kubernetes:apps/v1:Deployment") if r.inputs["metadata"]["name"] == name]
    return found


# -- the model ---------------------------------------------------------------------------------


def test_without_a_model_pulumi_does_not_wait_and_says_where_the_model_goes():
    result = preview("aws-dev")
    deployment = deployment_of(result)
    assert deployment.inputs["metadata"]["annotations"][SKIP_AWAIT] == "true"
    bucket = result.outputs["modelBucket"]
    where = f"s3://{bucket}/models/assistant.tar.gz"
    assert where in result.outputs["rasaModel"] and "Rasa waits for a model" in result.outputs["rasaModel"]
    # Warned before the bucket's name is known (a real preview), the exact place in the output.
    assert any(w.startswith("Rasa waits for a model: upload a trained model to s3://<stack output modelBucket>/"
                            "models/assistant.tar.gz") for w in result.warnings)
    existing = preview("byo-dev")
    assert any("s3://acme-rasa-models-dev/models/assistant.tar.gz" in w for w in existing.warnings)
    assert not resources_of_type(result, OBJECT)
    # The probes are unchanged: Kubernetes still keeps traffic away from a pod without a model.
    probe = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert "/status" in " ".join(probe["exec"]["command"])


def test_a_required_model_is_waited_for():
    result = preview("aws-dev", rasa={"verify": {"requireModel": True}})
    assert SKIP_AWAIT not in deployment_of(result).inputs["metadata"]["annotations"]
    assert result.outputs["rasaModel"].startswith("required at s3://")
    assert not any("Rasa waits for a model" in w for w in result.warnings)


def test_an_uploaded_model_is_an_encrypted_object_the_deployment_waits_for(tmp_path):
    archive = model_archive(tmp_path / "assistant.tar.gz", "3.21.0")
    result = preview("aws-dev", modelStorage={"uploadFrom": str(archive)})
    (obj,) = resources_of_type(result, OBJECT)
    inputs = obj.inputs
    assert inputs["key"] == "models/assistant.tar.gz" and inputs["bucket"] == result.outputs["modelBucket"]
    assert inputs["serverSideEncryption"] == "aws:kms" and inputs["bucketKeyEnabled"] is True
    # The bucket's own customer key, the one its default encryption names (the bucket refuses others).
    (sse,) = resources_of_type(result, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    bucket_key = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    assert inputs["kmsKeyId"] == bucket_key and bucket_key.startswith("arn:aws:kms:")
    import hashlib
    assert inputs["sourceHash"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert inputs["metadata"] == {"rasa-version": "3.21.0"}
    deployment = deployment_of(result)
    assert obj.urn in deployment.dependencies
    (job,) = [j for j in resources_of_type(result, "kubernetes:batch/v1:Job")
              if j.inputs["metadata"]["name"].startswith("rasa-verify-")]
    assert obj.urn in job.dependencies  # the verify Job's model check sees the uploaded object
    assert SKIP_AWAIT not in deployment.inputs["metadata"]["annotations"]
    assert not any("Rasa waits for a model" in w for w in result.warnings)
    assert result.outputs["rasaModel"] == f"uploaded from {archive} to s3://{result.outputs['modelBucket']}/models/assistant.tar.gz"


def test_a_changed_model_file_changes_the_source_hash(tmp_path):
    first = preview("aws-dev", modelStorage={"uploadFrom": str(model_archive(tmp_path / "a.tar.gz", "3.21.0"))})
    second = preview("aws-dev", modelStorage={"uploadFrom": str(model_archive(tmp_path / "b.tar.gz", "3.20.2"))})
    (a,), (b,) = resources_of_type(first, OBJECT), resources_of_type(second, OBJECT)
    assert a.inputs["sourceHash"] != b.inputs["sourceHash"] and a.urn == b.urn  # same object, new content


@pytest.mark.parametrize("make, expected", [
    (lambda p: model_archive(p, "3.19.4"),
     "was trained with Rasa 3.19.4; the image (Rasa 3.21) loads models from 3.20.0 on (rasa-pro 3.21.0, rasa/constants.py: "
     "MINIMUM_COMPATIBLE_VERSION = \"3.20.0\"): retrain it"),
    (lambda p: model_archive(p, rasa2=True), "is a Rasa 2 model (fingerprint.json)"),
    (lambda p: model_archive(p, None), "has no metadata.json"),
    (lambda p: model_archive(p, metadata={"model_id": "x"}), "metadata.json has no rasa_open_source_version"),
    (lambda p: (p.write_bytes(b"not a tarball"), p)[1], "is not a readable .tar.gz model archive"),
])
def test_a_model_the_image_cannot_load_is_refused_before_anything_exists(tmp_path, make, expected):
    archive = make(tmp_path / "model.tar.gz")
    result = run_stack("aws-dev", overrides={"modelStorage": {"uploadFrom": str(archive)}})
    (line,) = result.config_errors
    assert line.startswith(f"config error: rasa-platform:modelStorage.uploadFrom = {str(archive)[:20]}") and expected in line
    assert not result.resources


def test_upload_needs_a_file_a_known_image_and_a_managed_bucket(tmp_path):
    missing = run_stack("aws-dev", overrides={"modelStorage": {"uploadFrom": "models/nowhere.tar.gz"}})
    assert "no such file" in missing.config_errors[0]
    archive = model_archive(tmp_path / "m.tar.gz")
    unknown = run_stack("aws-dev", overrides={"modelStorage": {"uploadFrom": str(archive)}, "rasa": {"tag": "3.19.2"}})
    assert "cannot check a model for Rasa image tag 3.19.2 (known image versions: 3.21)" in unknown.config_errors[0]
    existing = run_stack("byo-dev", overrides={"modelStorage": {"uploadFrom": str(archive)}})
    assert "needs modelStorage.mode managed" in existing.config_errors[0]
    # A cloud package that cannot upload refuses the setting instead of ignoring it (every cloud
    # registered today uploads: a copy of AWS's spec without it stands in for a new one).
    from dataclasses import replace
    from components.registry import CLOUDS
    from components.settings.errors import Problems
    from infra.settings import rasa_rules
    from tests.aws.harness import settings_for
    problems = Problems()
    newcomer = replace(CLOUDS["aws"], title="Newcloud", uploads_models=False)
    rasa_rules.check(settings_for("dev", modelStorage={"uploadFrom": str(archive)}), newcomer, problems)
    (line,) = [str(e) for e in problems.errors]
    assert line.startswith("config error: rasa-platform:modelStorage.uploadFrom = ")
    assert line.endswith(": the Newcloud package does not upload models yet")
    not_archive = run_stack("aws-dev", overrides={"modelStorage": {"uploadFrom": "model.zip"}})
    assert "a path to a trained model archive (.tar.gz)" in not_archive.config_errors[0]


# -- the Ingress: what it publishes ------------------------------------------------------------

EXISTING_INGRESS = {"enabled": True, "host": "bot.acme.com", "className": "nginx", "clusterIssuer": "letsencrypt",
                    "controllerNamespace": "ingress-nginx", "controllerInstalled": True}


def paths_of(result):
    ingress = manifest(result, "Ingress", "rasa-pro")
    return [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]]


def test_by_default_only_the_webhooks_are_published():
    result = preview("byo-dev", rasa={"ingress": EXISTING_INGRESS})
    assert paths_of(result) == ["/webhooks/"]
    assert result.policy["rules"] and not [v for v in result.policy["violations"] if v["rule"] == "k8s-rasa-api-not-public"]


def test_the_socketio_path_is_published_when_that_channel_is_configured():
    result = preview("byo-dev", rasa={"ingress": EXISTING_INGRESS, "credentials": {"socketio": {"socketio_path": "/chat.io"}}})
    assert paths_of(result) == ["/webhooks/", "/chat.io"]
    default = preview("byo-dev", rasa={"ingress": EXISTING_INGRESS, "credentials": {"rest": None, "socketio": None}})
    assert paths_of(default) == ["/webhooks/", "/socket.io"]


def test_widening_to_the_whole_api_is_published_and_advised_against():
    result = preview("byo-dev", rasa={"ingress": {**EXISTING_INGRESS, "paths": ["/"]}})
    assert paths_of(result) == ["/webhooks/", "/"]
    advisories = [v for v in result.policy["violations"] if v["rule"] == "k8s-rasa-api-not-public"]
    assert len(advisories) == 1 and advisories[0]["enforcement"] == "advisory"
    assert result.policy["mandatoryFailures"] == 0


def test_an_ingress_on_an_existing_cluster_needs_its_prerequisites_declared():
    result = run_stack("byo-dev", overrides={"rasa": {"ingress": {**EXISTING_INGRESS, "controllerInstalled": False}}})
    assert result.config_errors == [
        "config error: rasa-platform:rasa.ingress.controllerInstalled = false: on an existing cluster, install the ingress "
        "controller and the cert-manager ClusterIssuer the Ingress names, then set this to true"]
    assert not result.resources


# -- the Ingress's prerequisites on a created cluster (AWS) ------------------------------------


@pytest.fixture(scope="module")
def aws_ingress():
    return preview("aws-dev", rasa={"ingress": {"enabled": True, "host": "bot.acme.com", "acmeEmail": "ops@acme.com"}})


def ingress_releases(result):
    """The Helm releases of the Ingress's prerequisites (the cluster autoscaler is a release too)."""
    return [r for r in resources_of_type(result, RELEASE) if "IngressPrerequisites" in r.urn]


def test_a_created_cluster_gets_a_pinned_controller_and_cert_manager(aws_ingress):
    releases = {r.inputs["chart"]: r for r in ingress_releases(aws_ingress)}
    assert {chart: r.inputs["version"] for chart, r in releases.items()} == {"traefik": "41.3.0", "cert-manager": "v1.21.2"}
    assert releases["traefik"].inputs["repositoryOpts"]["repo"] == "https://traefik.github.io/charts"
    assert releases["cert-manager"].inputs["values"]["crds"] == {"enabled": True, "keep": True}
    traefik = releases["traefik"].inputs["values"]
    assert traefik["providers"]["kubernetesCRD"] == {"enabled": False}  # only the Ingress API: least RBAC
    assert traefik["ingressClass"]["name"] == "traefik"
    # The installer is cloud-neutral; AWS adds only what its load balancer needs.
    assert traefik["service"]["annotations"] == {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
    (issuer,) = manifests_of_kind(aws_ingress, "ClusterIssuer")
    acme = issuer["spec"]["acme"]
    assert issuer["metadata"]["name"] == "letsencrypt" and acme["email"] == "ops@acme.com"
    assert acme["solvers"] == [{"http01": {"ingress": {"ingressClassName": "traefik"}}}]
    for namespace in ("traefik", "cert-manager"):
        labels = manifest(aws_ingress, "Namespace", namespace)["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_ingress_names_what_was_installed_and_waits_for_it(aws_ingress):
    ingress = manifest(aws_ingress, "Ingress", "rasa-pro")
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert ingress["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "letsencrypt",
        # HTTPS only: Traefik would also serve the webhooks over plain HTTP on its `web` entry point.
        "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
        "traefik.ingress.kubernetes.io/router.tls": "true",
    }
    (resource,) = resources_of_type(aws_ingress, "kubernetes:networking.k8s.io/v1:Ingress")
    waited = {r.urn for r in ingress_releases(aws_ingress)}
    waited |= {r.urn for r in resources_of_type(aws_ingress, "kubernetes:cert-manager.io/v1:ClusterIssuer")}
    assert len(waited) == 3 and waited <= set(resource.dependencies)
    admitted = manifest(aws_ingress, "NetworkPolicy", "rasa-pro")["spec"]["ingress"][0]["from"]
    assert {p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in admitted} == {"rasa", "traefik"}
    providers = {r.provider for r in ingress_releases(aws_ingress)}
    assert providers == {deployment_of(aws_ingress).provider}  # installed on the created cluster


@pytest.mark.parametrize("ingress, expected", [
    ({"enabled": True, "host": "bot.acme.com"}, "rasa-platform:rasa.ingress.acmeEmail = (not set): is required when the platform installs"),
    ({"enabled": True, "host": "bot.acme.com", "acmeEmail": "ops@acme.com", "className": "nginx"},
     "rasa-platform:rasa.ingress.className = nginx: a created cluster gets traefik from the AWS package"),
])
def test_a_created_clusters_ingress_settings_are_checked(ingress, expected):
    result = run_stack("aws-dev", overrides={"rasa": {"ingress": ingress}})
    (line,) = result.config_errors
    assert line.startswith(f"config error: {expected}") and not result.resources


# -- the same prerequisites on Azure and GCP (components/ingress is cloud-neutral) --------------


@pytest.mark.parametrize("stack", ["azure-prod", "gcp-prod"])
def test_every_cloud_installs_the_same_controller_and_issuer_on_its_created_cluster(stack):
    result = preview(stack, rasa={"ingress": {"enabled": True, "host": "bot.acme.com", "acmeEmail": "ops@acme.com"}})
    releases = {r.inputs["chart"]: r for r in ingress_releases(result)}
    assert {chart: r.inputs["version"] for chart, r in releases.items()} == {"traefik": "41.3.0", "cert-manager": "v1.21.2"}
    # Neither AKS nor GKE needs an annotation for one layer-4 load balancer in front of Traefik.
    assert releases["traefik"].inputs["values"]["service"]["annotations"] == {}
    (issuer,) = manifests_of_kind(result, "ClusterIssuer")
    assert issuer["spec"]["acme"]["email"] == "ops@acme.com"
    ingress = manifest(result, "Ingress", "rasa-pro")
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    (resource,) = resources_of_type(result, "kubernetes:networking.k8s.io/v1:Ingress")
    assert {r.urn for r in ingress_releases(result)} <= set(resource.dependencies)
    assert {r.provider for r in ingress_releases(result)} == {deployment_of(result).provider}
    assert result.policy["mandatoryFailures"] == 0


def test_the_waiting_warning_names_the_output_that_holds_the_container_on_azure():
    result = preview("azure-dev")
    assert any(w.startswith("Rasa waits for a model: upload a trained model to azure://<stack output modelContainer>/")
               for w in result.warnings)
    assert "modelContainer" in result.outputs
