"""The analytics section: presets, the partition limit, its own names, its credentials, its share
of the tracker server's connections."""

from __future__ import annotations

import dataclasses

import pytest

from components.analytics.budget import CONNECTIONS_PER_CONSUMER, analytics_connections
from components.analytics.rules import COMMAND_HINT, PLACEHOLDER_COMMAND, check_analytics
from components.capacity import platform_demands
from components.registry import CLOUDS
from components.settings.errors import Problems
from components.rasa.budget import usable_connections
from infra.settings import ConfigError, load_stack
from tests.test_settings import BYO, SECRET_SECTIONS, error_of, errors_of, load


def test_on_in_staging_and_prod_off_in_dev():
    assert not load().analytics.enabled
    staging, prod = load({"environment": "staging"}).analytics, load({"environment": "prod"}).analytics
    assert staging.enabled and prod.enabled
    assert prod.replicas >= 2 and prod.pod_disruption_budget
    # Rasa's minimum guidance for Rasa Pro Services, requested in prod.
    assert (prod.resources.cpu_request, prod.resources.memory_request) == ("2", "4Gi")
    assert prod.database.mode == "shared" and prod.consumer_group == "rasa-analytics-group"


def test_turning_it_off_in_prod():
    assert not load({"environment": "prod", "analytics": {"enabled": False}}).analytics.enabled


MANAGED_EVENTS = {"eventQueue": {"mode": "managed", "partitions": 3}}


def test_more_consumers_than_partitions_is_one_line():
    managed = {"cloud": "aws", "environment": "dev", "region": "eu-central-1", "rasa": {"license": "lic"},
               "vault": {"mode": "external", "address": "https://vault.internal:8200", "kubernetesHost": "https://k8s.internal:6443",
                         "adminToken": "t"},
               "eventQueue": {"partitions": 3}, "aws": {"eventQueue": {"kafkaVersion": "3.8.0"}},
               "cluster": {"nodeCountMax": 10},  # room for the pods: only the partition rule is under test
               "analytics": {"enabled": True, "replicas": 4, "command": ["test-entrypoint"]}}
    with pytest.raises(ConfigError) as caught:
        load_stack(managed, {"rasa", "vault"}, "t")
    lines = [line for line in str(caught.value).splitlines() if line.startswith("config error: rasa-platform:analytics.")]
    assert lines == [
        "config error: rasa-platform:analytics.replicas = 4: 4 pods × 1 consumers = 4 exceed eventQueue.partitions (3): "
        "the extra consumers would sit idle; lower analytics.replicas or analytics.consumerCount, or raise "
        "eventQueue.partitions"
    ]
    managed["analytics"] = {"enabled": True, "replicas": 3, "command": ["test-entrypoint"]}
    assert load_stack(managed, {"rasa", "vault"}, "t").settings.analytics.replicas == 3


@pytest.mark.parametrize("analytics, expected", [
    # A server of its own is a data service in the cluster's network: an existing cluster needs its VPC named.
    ({"database": {"mode": "managed"}}, "network.mode = create: must be existing when cluster.mode is existing"),
    ({"database": {"mode": "existing"}}, "analytics.database.host = (not set): is required"),
    ({"database": {"name": "rasa"}}, "analytics.database.name = rasa: must differ from trackerStore.database (rasa)"),
    ({"database": {"username": "rasa"}}, "analytics.database.username = rasa: must differ from trackerStore.username"),
    ({"deadLetterTopic": "rasa-core-events"}, "analytics.deadLetterTopic = rasa-core-events: must differ from eventQueue.topic"),
    ({"tag": "3.8.0-latest"}, "analytics.tag = 3.8.0-latest: must be a pinned version or sha256:<digest>"),
    ({"consumerUsername": None}, "analytics.consumerUsername = (not set): is required with an existing SASL event queue"),
])
def test_cross_field_rules(analytics, expected):
    lines = errors_of({"trackerStore": {**BYO["trackerStore"], "username": "rasa"},
                       "analytics": {**BYO["analytics"], "enabled": True, **analytics}})
    assert [line for line in lines if expected in line], lines


def test_credentials_are_secrets_and_required():
    lines = errors_of({"analytics": {"enabled": True, "consumerUsername": "a", "consumerPassword": None}})
    assert any("analytics.consumerPassword = (not set): is required" in line for line in lines), lines
    plain = errors_of({"analytics": {**BYO["analytics"], "enabled": True}}, secret_keys=SECRET_SECTIONS - {"analytics"})
    assert any("analytics.consumerPassword = [plain text]: credentials must be Pulumi secrets" in line for line in plain)
    existing = errors_of({"analytics": {**BYO["analytics"], "enabled": True,
                                        "database": {"mode": "existing", "host": "bi.internal"}}})
    assert any("analytics.database.password = (not set): is required when analytics.database.mode is existing" in line
               for line in existing), existing


def test_a_shared_database_takes_its_connections_from_rasa_s_budget():
    alone = load({"trackerStore": {**BYO["trackerStore"], "maxConnections": 200}})
    shared_cfg = {"trackerStore": {**BYO["trackerStore"], "maxConnections": 200},
                  "analytics": {**BYO["analytics"], "enabled": True, "replicas": 2}}
    plan = load_stack({**BYO, **shared_cfg}, SECRET_SECTIONS, "t")
    reserved = analytics_connections(2, 1)
    assert reserved == 3 * CONNECTIONS_PER_CONSUMER  # 2 pods + the rollout's surge pod
    assert plan.budget.reserved == reserved
    assert plan.budget.total + reserved <= usable_connections(200)
    assert plan.budget.ceiling == usable_connections(200) - reserved
    assert alone.analytics.enabled is False
    # An existing database of its own takes nothing from the tracker server.
    own = load_stack({**BYO, "trackerStore": shared_cfg["trackerStore"], "analytics": {
        **BYO["analytics"], "enabled": True, "database": {"mode": "existing", "host": "bi.internal", "password": "pw"}}},
        SECRET_SECTIONS, "t")
    assert own.budget.reserved == 0


def test_a_budget_analytics_leaves_too_small_names_analytics():
    line = error_of({"trackerStore": {**BYO["trackerStore"], "maxConnections": 60},
                     "analytics": {**BYO["analytics"], "enabled": True, "replicas": 2}})
    assert line.startswith("config error: rasa-platform:trackerStore.maxConnections = 60: connection budget:")
    assert "after 45 for Rasa Pro Services" in line and "analytics.replicas" in line


def test_its_command_is_required_once_and_the_offline_preview_stands_in_for_it():
    """The image's entrypoint is not public: `pulumi up` refuses without it, naming how to read it;
    the offline preview runs with a stand-in and lists it as a value to set."""
    config = {"environment": "prod"}
    lines = errors_of(config, drop=("analytics.command",))
    assert [line for line in lines if "analytics.command" in line] == [
        "config error: rasa-platform:analytics.command = (not set): " + COMMAND_HINT]
    assert "crane config" in COMMAND_HINT
    previewed = load(config, drop=("analytics.command",), placeholder_for_missing_secrets=True)
    assert previewed.analytics.command == PLACEHOLDER_COMMAND and previewed.placeholder_values == ("analytics.command",)
    assert not load({**config, "analytics": {"enabled": False}}, drop=("analytics.command",)).analytics.enabled  # off: not needed
    assert load(config, placeholder_for_missing_secrets=True).placeholder_values == ()  # set: nothing stands in


def test_a_cloud_without_an_analytics_consumer_refuses_it_with_a_managed_queue():
    settings = load({"environment": "prod"})
    managed = settings.model_copy(update={"event_queue": settings.event_queue.model_copy(update={"mode": "managed"})})
    problems = Problems()
    check_analytics(managed, dataclasses.replace(CLOUDS["aws"], analytics_consumer=False), problems)
    assert [str(e) for e in problems.errors] == [
        "config error: rasa-platform:analytics.enabled = true: the managed event queue on AWS has no analytics consumer "
        "yet; set analytics.enabled: false or use an existing event queue"]
    problems = Problems()
    check_analytics(managed, CLOUDS["aws"], problems)  # AWS gives it an MSK SCRAM user of its own
    assert not problems


def test_an_existing_iam_queue_has_no_analytics_consumer_yet():
    lines = errors_of({"eventQueue": {**BYO["eventQueue"], "saslMechanism": "OAUTHBEARER"},
                       "analytics": {**BYO["analytics"], "enabled": True}})
    assert any("analytics.enabled = true: an OAUTHBEARER (cloud IAM) identity for the analytics consumer is not built yet"
               in line for line in lines), lines


def test_its_pods_are_counted_in_the_capacity_check():
    prod = load({"environment": "prod"})
    (pods,) = [d for d in platform_demands(prod) if d.what == "Rasa Pro Services pod"]
    assert (pods.count, pods.cpu_millicores, pods.memory_mib) == (prod.analytics.replicas + 1, 2000, 4096)
    assert "analytics.replicas" in pods.keys
    assert not [d for d in platform_demands(load()) if d.what == "Rasa Pro Services pod"]  # off in dev



def test_a_cloud_without_an_analytics_server_refuses_managed_naming_the_other_modes():
    from infra.settings import rules

    s = load()
    a = s.analytics
    s = s.model_copy(update={"analytics": a.model_copy(update={
        "enabled": True, "database": a.database.model_copy(update={"mode": "managed"})})})
    assert "analytics.database" in s.managed()
    spec = dataclasses.replace(CLOUDS["aws"], managed=CLOUDS["aws"].managed - {"analytics.database"})
    problems = Problems()
    rules._managed(s, spec, problems)
    (line,) = [str(e) for e in problems.errors if "analytics" in str(e)]
    assert line.startswith("config error: rasa-platform:analytics.database.mode = managed: managed on aws, azure, gcp so far")
    assert line.endswith("allowed: shared, existing")
