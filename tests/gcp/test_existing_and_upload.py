"""`mode: existing` for the VPC and the cluster, and `modelStorage.uploadFrom`."""

from __future__ import annotations

import pytest

from infra.settings import ConfigError
from tests.gcp.harness import PROJECT, plan_for, provision
from tests.support.assistant import model_archive

EXISTING_VPC = {
    "network": "shared-vpc", "subnetwork": "gke-nodes", "subnetCidr": "10.80.0.0/22",
    "podsRangeName": "pods", "servicesRangeName": "services",
    "privateServicesRangeName": "google-services", "privateServicesCidr": "10.81.0.0/20",
}


def test_an_existing_vpc_is_used_by_name_and_nothing_of_the_network_is_created():
    run = provision(plan_for("dev", network={"mode": "existing"}, gcp={"network": EXISTING_VPC, "cluster": {"zone": "europe-west3-a"}}))
    assert run.of_type("gcp:compute/network:Network") == [] and run.of_type("gcp:servicenetworking/connection:Connection") == []
    gke = run.one("gcp:container/cluster:Cluster")
    assert gke.inputs["subnetwork"] == f"projects/{PROJECT}/regions/europe-west3/subnetworks/gke-nodes"
    assert gke.inputs["ipAllocationPolicy"]["clusterSecondaryRangeName"] == "pods"
    redis = run.one("gcp:redis/instance:Instance")
    assert redis.inputs["reservedIpRange"] == "google-services"
    assert redis.inputs["authorizedNetwork"] == f"projects/{PROJECT}/global/networks/shared-vpc"
    assert run.resolved["tracker_store"].network.cidrs == ["10.81.0.0/20"]


def test_an_existing_vpc_without_its_names_is_refused_key_by_key():
    with pytest.raises(ConfigError) as caught:
        plan_for("dev", network={"mode": "existing"})
    assert "config error: rasa-platform:gcp.network.network = (not set): is required when network.mode is existing" in caught.value.lines
    assert any(line.startswith("config error: rasa-platform:gcp.network.privateServicesCidr") for line in caught.value.lines)


def test_an_existing_cluster_gets_no_gke_resources_but_rasa_still_gets_its_workload_identity():
    run = provision(plan_for(
        "dev", cluster={"mode": "existing", "context": "gke-dev"}, network={"mode": "existing"},
        gcp={"network": EXISTING_VPC},
    ))
    assert run.of_type("gcp:container/cluster:Cluster") == [] and run.services.kubernetes_provider is None
    assert "container.googleapis.com" not in {s.inputs["service"] for s in run.of_type("gcp:projects/service:Service")}
    assert run.resolved["identity"].service_account_annotations["iam.gke.io/gcp-service-account"].startswith("rasa-gcp-test-rasa@")


def test_upload_from_puts_the_model_at_the_model_key_and_rasa_waits_for_it(tmp_path):
    model = model_archive(tmp_path / "assistant.tar.gz", "3.21.0")
    run = provision(plan_for("dev", gcp={"cluster": {"zone": "europe-west3-a"}},
                             modelStorage={"uploadFrom": str(model), "modelKey": "models/assistant.tar.gz"}))
    obj = run.one("gcp:storage/bucketObject:BucketObject")
    assert obj.inputs["name"] == "models/assistant.tar.gz" and obj.inputs["contentType"] == "application/gzip"
    bucket = run.one("gcp:storage/bucket:Bucket")
    assert obj.inputs["bucket"] == bucket.inputs["name"]
    assert obj.inputs["metadata"]["rasa-version"] == "3.21.0"
    # The Rasa Deployment waits for it through the seam every cloud fills.
    assert run.services.model_object.__class__.__name__ == "BucketObject"


def test_without_upload_from_no_object_is_created(gcp_prod):
    assert gcp_prod.of_type("gcp:storage/bucketObject:BucketObject") == []
