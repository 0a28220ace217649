"""GKE and the VPC: private nodes and endpoint, Workload Identity, Dataplane V2, shielded nodes,
secrets encryption, autoscaling within settings, the kubeconfig, NAT and firewall rules."""

from __future__ import annotations

import json

from tests.gcp.harness import PROJECT, plan_for, provision


def test_prod_cluster_is_regional_private_encrypted_and_protected(gcp_prod):
    gke = gcp_prod.one("gcp:container/cluster:Cluster")
    i = gke.inputs
    assert i["location"] == "europe-west3"
    assert i["privateClusterConfig"]["enablePrivateNodes"] is True and i["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert i["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] is False
    # Only the cluster's own nodes and pods: no CIDR is listed in settings.
    assert [b["cidrBlock"] for b in i["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == ["10.40.144.0/22", "10.40.0.0/17"]
    assert i["workloadIdentityConfig"] == {"workloadPool": f"{PROJECT}.svc.id.goog"}
    assert i["datapathProvider"] == "ADVANCED_DATAPATH" and i["enableShieldedNodes"] is True
    assert i["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": gcp_prod.key_id("gke-secrets")}
    assert i["releaseChannel"] == {"channel": "STABLE"} and i["minMasterVersion"] == "1.33"
    assert i["removeDefaultNodePool"] is True and i["deletionProtection"] is True and gke.protect is True
    assert i["addonsConfig"]["httpLoadBalancing"] == {"disabled": False}
    assert i["gatewayApiConfig"] == {"channel": "CHANNEL_STANDARD"}
    assert "APISERVER" in i["loggingConfig"]["enableComponents"]
    assert i["masterAuth"]["clientCertificateConfig"]["issueClientCertificate"] is False


def test_the_node_pool_autoscales_within_settings_on_shielded_nodes_with_its_own_account(gcp_prod):
    pool = gcp_prod.one("gcp:container/nodePool:NodePool")
    settings = gcp_prod.settings.cluster
    assert pool.inputs["autoscaling"]["totalMinNodeCount"] == settings.node_count_min == 3
    assert pool.inputs["autoscaling"]["totalMaxNodeCount"] == settings.node_count_max == 9
    config = pool.inputs["nodeConfig"]
    assert config["machineType"] == "n2-standard-16"
    assert config["serviceAccount"] == f"rasa-gcp-test-gke-nodes@{PROJECT}.iam.gserviceaccount.com"
    assert config["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    assert config["tags"] == ["rasa-gcp-test-node"]
    assert "initialNodeCount" in pool.ignore_changes


def test_public_and_private_api_cidrs_become_authorized_networks_and_open_the_ip_endpoint():
    run = provision(plan_for("dev", gcp={"cluster": {"zone": "europe-west3-a"}},
                             cluster={"publicAccessCidrs": ["203.0.113.10/32"], "apiAccessCidrs": ["10.99.0.0/24"]}))
    gke = run.one("gcp:container/cluster:Cluster")
    assert gke.inputs["location"] == "europe-west3-a"
    assert gke.inputs["privateClusterConfig"]["enablePrivateEndpoint"] is False
    assert [b["cidrBlock"] for b in gke.inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == [
        "10.40.144.0/22", "10.40.0.0/17", "203.0.113.10/32", "10.99.0.0/24"]


def test_the_kubeconfig_uses_the_dns_endpoint_and_gke_gcloud_auth_plugin(gcp_prod):
    provider = gcp_prod.one("pulumi:providers:kubernetes", "cluster-kubernetes")
    config = json.loads(provider.inputs["kubeconfig"])
    user = config["users"][0]["user"]["exec"]
    assert user["command"] == "gke-gcloud-auth-plugin" and "token" not in json.dumps(config["users"])
    assert config["clusters"][0]["cluster"]["server"].endswith(".europe-west3.gke.goog")
    assert gcp_prod.services.kubernetes_provider is not None


def test_the_workload_waits_for_the_node_pool_and_rasas_grants(gcp_prod):
    waits = {r.__class__.__name__ for r in gcp_prod.services.workload_depends_on}
    assert {"NodePool", "Topic", "User", "IAMMember", "BucketIAMMember"} <= waits


def test_the_network_has_private_google_access_nat_and_only_the_needed_ingress(gcp_prod):
    subnet = gcp_prod.one("gcp:compute/subnetwork:Subnetwork")
    assert subnet.inputs["privateIpGoogleAccess"] is True and subnet.inputs["ipCidrRange"] == "10.40.144.0/22"
    assert {r["rangeName"]: r["ipCidrRange"] for r in subnet.inputs["secondaryIpRanges"]} == {
        "pods": "10.40.0.0/17", "services": "10.40.128.0/20"}
    nat = gcp_prod.one("gcp:compute/routerNat:RouterNat")
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    rules = {r.inputs["name"]: r.inputs for r in gcp_prod.of_type("gcp:compute/firewall:Firewall")}
    assert rules["rasa-gcp-test-deny-ingress"]["denies"] == [{"protocol": "all"}]
    assert rules["rasa-gcp-test-allow-internal"]["sourceRanges"] == ["10.40.144.0/22", "10.40.0.0/17"]
    assert all(r["direction"] == "INGRESS" for r in rules.values())
    assert gcp_prod.one("gcp:compute/network:Network").inputs["autoCreateSubnetworks"] is False


def test_every_api_is_enabled_before_anything_else_and_never_disabled(gcp_prod):
    services = gcp_prod.of_type("gcp:projects/service:Service")
    assert {"container.googleapis.com", "sqladmin.googleapis.com", "redis.googleapis.com", "managedkafka.googleapis.com",
            "servicenetworking.googleapis.com", "cloudkms.googleapis.com"} <= {s.inputs["service"] for s in services}
    assert all(s.inputs["disableOnDestroy"] is False for s in services)
    main = gcp_prod.one("pulumi:providers:gcp", "gcp")
    assert {s.urn for s in services} <= set(main.dependencies)
    assert all(r.provider.startswith(main.urn) for r in gcp_prod.of_type("gcp:kms/keyRing:KeyRing"))


def test_every_gcp_resource_carries_the_platform_labels(gcp_prod):
    labelled = [r for r in gcp_prod.resources if r.type.startswith("gcp:") and "labels" in r.inputs]
    assert len(labelled) >= 6
    for r in labelled:
        assert r.inputs["labels"]["rasa-platform-stack"] == "gcp-test", r.name
        assert r.inputs["labels"]["rasa-platform-environment"] == "prod", r.name
