"""Cloud-neutral cross-field rules: what no single field's type can say. Every broken rule is
added to `problems`, so a stack hears about all of them at once."""

from __future__ import annotations

from components.analytics.rules import check_analytics
from components.cloud import CloudSpec
from components.registry import CLOUDS
from components.settings.errors import Problems
from components.settings.stack import StackSettings
from infra.settings import rasa_rules


def check(s: StackSettings, spec: CloudSpec, problems: Problems) -> None:
    _managed(s, spec, problems)
    _cluster(s, problems)
    _services(s, problems)
    _rasa(s, problems)
    rasa_rules.check(s, spec, problems)
    check_analytics(s, spec, problems)


def _managed(s: StackSettings, spec: CloudSpec, problems: Problems) -> None:
    managed = s.managed()
    unsupported = [name for name in managed if name not in spec.managed]
    if unsupported:
        first = unsupported[0]
        clouds = ", ".join(name for name, other in CLOUDS.items() if first in other.managed)
        others = "shared, existing" if first == "analytics.database" else "existing"
        problems.add(
            f"{first}.mode", "create" if first == "cluster" else "managed",
            f"managed on {clouds or 'no cloud'} so far; on {s.cloud} allowed: {others}",
        )
    if managed:
        problems.require(bool(s.region), "region", s.region, f"is required when a service is managed ({managed[0]})")
    provider = s.event_queue.provider
    if s.event_queue.mode == "managed" and provider is not None:
        allowed = ", ".join(spec.event_queue_providers) or "unset (the cloud's own Kafka)"
        problems.require(provider in spec.event_queue_providers, "eventQueue.provider", provider, f"on {s.cloud} allowed: {allowed}")
    section = s.cloud_section(spec.name)
    if s.vault.mode == "in-cluster" and not spec.seals_vault(section):
        hint = f"set {spec.vault_seal_setting}" if spec.vault_seal_setting else f"{spec.name} has no Vault seal yet"
        problems.add("vault.mode", "in-cluster",
                     f"the in-cluster Vault auto-unseals with the cloud's key management ({hint}), or use external")


def _cluster(s: StackSettings, problems: Problems) -> None:
    c = s.cluster
    if c.mode == "existing":
        problems.require(
            bool(c.context or c.kubeconfig), "cluster.context", None,
            "an existing cluster needs cluster.context or cluster.kubeconfig (never the ambient default)",
        )
    problems.require(c.node_count_min <= c.node_count_max, "cluster.nodeCountMin", c.node_count_min,
                     f"must not exceed cluster.nodeCountMax ({c.node_count_max})")


def _services(s: StackSettings, problems: Problems) -> None:
    ts, ls, eq, ms, v = s.tracker_store, s.lock_store, s.event_queue, s.model_storage, s.vault
    if ts.mode == "existing":
        problems.require(ts.host is not None, "trackerStore.host", None, "is required when trackerStore.mode is existing")
        problems.require(
            ts.max_connections is not None, "trackerStore.maxConnections", None,
            "is required when trackerStore.mode is existing (the server's max_connections, for Rasa's pool budget)",
        )
    problems.require(ts.storage_gb <= ts.max_storage_gb, "trackerStore.storageGb", ts.storage_gb,
                     f"must not exceed trackerStore.maxStorageGb ({ts.max_storage_gb})")
    if ls.mode == "existing":
        problems.require(ls.host is not None, "lockStore.host", None, "is required when lockStore.mode is existing")
    if eq.mode == "existing":
        problems.require(bool(eq.bootstrap_servers), "eventQueue.bootstrapServers", None,
                         "is required when eventQueue.mode is existing (list of host:port)")
        if eq.security_protocol == "SASL_SSL" and eq.sasl_mechanism != "OAUTHBEARER":
            problems.require(eq.username is not None, "eventQueue.username", None, "is required with SASL_SSL")
    if ms.mode == "existing":
        problems.require(ms.bucket is not None, "modelStorage.bucket", None,
                         "is required when modelStorage.mode is existing (the bucket or container name)")
    if v.mode == "external":
        problems.require(v.address is not None, "vault.address", None, "is required when vault.mode is external (https://host:8200)")
        problems.require(v.kubernetes_host is not None, "vault.kubernetesHost", None,
                         "is required when vault.mode is external (the cluster API address Vault reviews Rasa's tokens at)")
    else:
        problems.require(v.servers % 2 == 1, "vault.servers", v.servers, "must be odd (1, 3 or 5): raft needs a majority")


def _rasa(s: StackSettings, problems: Problems) -> None:
    r = s.rasa
    a = r.autoscaling
    problems.require(a.min_replicas <= a.max_replicas, "rasa.autoscaling.minReplicas", a.min_replicas,
                     f"must not exceed rasa.autoscaling.maxReplicas ({a.max_replicas})")
    if a.enabled:
        problems.require(a.min_replicas <= r.replicas <= a.max_replicas, "rasa.replicas", r.replicas,
                         f"must be between rasa.autoscaling.minReplicas ({a.min_replicas}) and maxReplicas ({a.max_replicas})")
    if r.action_server.enabled:
        problems.require(r.action_server.image is not None, "rasa.actionServer.image", None,
                         "is required when rasa.actionServer.enabled is true")
        problems.require(r.action_server.tag is not None, "rasa.actionServer.tag", None,
                         "is required when rasa.actionServer.enabled is true")
