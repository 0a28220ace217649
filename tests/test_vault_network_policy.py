"""NetworkPolicies of Vault's namespace under the mock engine: the servers admit only their
clients' pods, the bootstrap Job, the injector and each other; the injector admits its webhook
port only. What a CNI then enforces is for a cluster to show."""

from __future__ import annotations

import pytest

from tests.previewing import manifest, manifests_of_kind, preview

SERVER_PODS = {"app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", "component": "server"}
INJECTOR_PODS = {"app.kubernetes.io/name": "vault-agent-injector", "app.kubernetes.io/instance": "vault",
                 "component": "webhook"}


def peers(rule) -> list[tuple]:
    return [((p.get("namespaceSelector") or {}).get("matchLabels", {}).get("kubernetes.io/metadata.name"),
             p["podSelector"]["matchLabels"]) for p in rule["from"]]


def ports(rule) -> list[int]:
    return [p["port"] for p in rule["ports"]]


def pod_labels(result, kind, name) -> dict:
    return manifest(result, kind, name)["spec"]["template"]["metadata"]["labels"]


def matches(selector: dict, labels: dict) -> bool:
    return selector.items() <= labels.items()


@pytest.mark.parametrize("stack", ["aws-staging", "azure-prod", "gcp-dev"])
def test_the_servers_admit_their_clients_the_bootstrap_the_injector_and_each_other(shipped_previews, stack):
    result = shipped_previews[stack]
    spec = manifest(result, "NetworkPolicy", "vault-server")["spec"]
    assert manifest(result, "NetworkPolicy", "vault-server")["metadata"]["namespace"] == "vault"
    assert spec["podSelector"]["matchLabels"] == SERVER_PODS and spec["policyTypes"] == ["Ingress"]
    clients, raft = spec["ingress"]
    assert ports(clients) == [8200] and ports(raft) == [8200, 8201]
    assert peers(raft) == [(None, SERVER_PODS)]  # the servers' own namespace, server pods only
    admitted = peers(clients)
    # Every pod that logs in to Vault is admitted, in its own namespace; nothing else of Rasa's is.
    for kind, name in [("Deployment", "rasa-pro")] + ([("Deployment", "rasa-action-server")] if stack == "aws-staging" else []):
        assert any(ns == "rasa" and matches(sel, pod_labels(result, kind, name)) for ns, sel in admitted), name
    (verify,) = [m for m in manifests_of_kind(result, "Job") if m["metadata"]["name"].startswith("rasa-verify-")]
    assert any(ns == "rasa" and matches(sel, verify["spec"]["template"]["metadata"]["labels"]) for ns, sel in admitted)
    (bootstrap,) = [m for m in manifests_of_kind(result, "Job") if m["metadata"]["name"].startswith("vault-bootstrap-")]
    assert any(ns is None and matches(sel, bootstrap["spec"]["template"]["metadata"]["labels"]) for ns, sel in admitted)
    assert (None, INJECTOR_PODS) in admitted
    if result.settings.analytics.enabled:  # Rasa Pro Services' Agent logs in under its own role
        services = pod_labels(result, "Deployment", "rasa-pro-services")
        assert any(ns == "rasa" and matches(sel, services) for ns, sel in admitted)
    assert all(sel for _, sel in admitted)  # no empty selector: never "every pod"


def test_the_chart_gives_its_server_pods_the_labels_the_policy_selects(shipped_previews):
    # The chart's own anti-affinity and spread name the same labels (values the chart renders as is).
    from tests.test_vault import release
    server = release(shipped_previews["aws-prod"])["values"]["server"]
    assert server["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"] == SERVER_PODS


@pytest.mark.parametrize("stack", ["aws-dev", "byo-dev"])
def test_the_injector_admits_its_webhook_port_only(shipped_previews, stack):
    spec = manifest(shipped_previews[stack], "NetworkPolicy", "vault-agent-injector")["spec"]
    assert spec["podSelector"]["matchLabels"] == INJECTOR_PODS and spec["policyTypes"] == ["Ingress"]
    (rule,) = spec["ingress"]
    assert ports(rule) == [8080] and "from" not in rule  # the API server: no selector can name it


def test_an_external_vault_has_no_server_policy_here(shipped_previews):
    names = {m["metadata"]["name"] for m in manifests_of_kind(shipped_previews["byo-dev"], "NetworkPolicy")}
    assert "vault-server" not in names and "vault-agent-injector" in names


def test_an_action_server_without_secret_env_is_not_a_client():
    result = preview("aws-dev", rasa={"actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.4.2"}})
    clients, _ = manifest(result, "NetworkPolicy", "vault-server")["spec"]["ingress"]
    action_server = pod_labels(result, "Deployment", "rasa-action-server")
    assert not any(matches(sel, action_server) for _, sel in peers(clients))


@pytest.mark.parametrize("stack", ["aws-prod", "azure-prod", "gcp-prod"])
def test_every_client_reaches_only_the_in_cluster_vault_servers(shipped_previews, stack):
    """Egress to an in-cluster Vault names its server pods, never the port anywhere (0.0.0.0/0)."""
    result = shipped_previews[stack]
    vault_pods = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "vault"}},
                   "podSelector": {"matchLabels": SERVER_PODS}}]
    for name in ("rasa-pro", "rasa-pro-services", "vault-bootstrap"):
        egress = manifest(result, "NetworkPolicy", name)["spec"]["egress"]
        to_vault = [rule for rule in egress if [p["port"] for p in rule["ports"]] == [8200]]
        assert [rule["to"] for rule in to_vault] == [vault_pods], name
    # An external Vault is reached by address: its CIDRs (byo-dev: anywhere on its port).
    byo = manifest(shipped_previews["byo-dev"], "NetworkPolicy", "rasa-pro")["spec"]["egress"]
    assert any("ipBlock" in peer for rule in byo for peer in rule["to"] if [p["port"] for p in rule["ports"]] == [8200])
