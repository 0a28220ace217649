"""Azure's plan step: every Azure rule refuses a bad stack with one line naming key, value and what
is allowed, before anything is registered; the numbers it derives."""

from __future__ import annotations

import pytest

from components.azure.vm_sizes import node_shape
from infra.preview import run_stack
from infra.settings import ConfigError
from tests.azure.harness import plan_for


def errors(**sections) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        plan_for("prod", **sections)
    return caught.value.lines


@pytest.mark.parametrize("sections, expected", [
    ({"azure": {"trackerStore": {"sku": "Standard_B2ms"}}},
     "rasa-platform:azure.trackerStore.sku = Standard_B2ms: zone-redundant HA (trackerStore.highAvailability) needs"),
    ({"azure": {"trackerStore": {"sku": "db.r6g.large"}}}, "rasa-platform:azure.trackerStore.sku = db.r6g.large: a Flexible Server compute SKU"),
    ({"trackerStore": {"engineVersion": "12"}}, "rasa-platform:trackerStore.engineVersion = 12: Flexible Server takes a major"),
    ({"trackerStore": {"port": 6432}}, "rasa-platform:trackerStore.port = 6432: Flexible Server listens on 5432 only"),
    ({"trackerStore": {"username": "azure_superuser"}}, "rasa-platform:trackerStore.username = azure_superuser: reserved"),
    ({"eventQueue": {"saslMechanism": "SCRAM-SHA-512"}}, "rasa-platform:eventQueue.saslMechanism = SCRAM-SHA-512: Event Hubs takes SASL PLAIN"),
    ({"eventQueue": {"partitions": 200}}, "rasa-platform:eventQueue.partitions = 200: Event Hubs Premium allows at most 100"),
    ({"azure": {"eventQueue": {"sku": "Standard"}}, "eventQueue": {"retentionHours": 720}},
     "rasa-platform:eventQueue.retentionHours = 720: Event Hubs Standard keeps events at most 168 hours"),
    ({"azure": {"eventQueue": {"capacity": 3}}}, "rasa-platform:azure.eventQueue.capacity = 3: Premium processing units"),
    ({"azure": {"lockStore": {"sku": "cache.r7g.large"}}}, "rasa-platform:azure.lockStore.sku = cache.r7g.large: an Azure Managed Redis SKU"),
    ({"lockStore": {"tls": False}}, "rasa-platform:lockStore.tls = false: Azure Redis here always requires TLS"),
    ({"network": {"cidr": "192.168.0.0/16"}}, "rasa-platform:network.cidr = 192.168.0.0/16: overlaps AKS's overlay range for pods"),
    ({"network": {"cidr": "10.0.0.0/24"}}, "rasa-platform:network.cidr = 10.0.0.0/24: must be a /16 to /22 on Azure"),
    ({"network": {"mode": "existing"}}, "rasa-platform:azure.network.nodeSubnetId = (not set): is required when network.mode is existing"),
    ({"azure": {"resourceGroup": {"mode": "existing"}}}, "rasa-platform:azure.resourceGroup.name = (not set): is required"),
    ({"cluster": {"kubernetesVersion": "1.33.2"}}, "rasa-platform:cluster.kubernetesVersion = 1.33.2: must be an AKS minor version"),
    ({"azure": {"cluster": {"userVmSize": "Standard_Q9"}}}, "rasa-platform:azure.cluster.userVmSize = Standard_Q9: a VM size the capacity check knows"),
    ({"modelStorage": {"bucket": "Models_Bad"}}, "rasa-platform:modelStorage.bucket = Models_Bad: a Blob container name"),
    ({"rasa": {"ingress": {"enabled": True, "host": "bot.example.com", "acmeEmail": "ops@acme.com", "className": "nginx"}}},
     "rasa-platform:rasa.ingress.className = nginx: a created cluster gets traefik from the Azure package"),
])
def test_each_azure_rule_is_one_clear_line(sections, expected):
    lines = errors(**sections)
    assert any(line.startswith(f"config error: {expected}") for line in lines), lines


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_every_preset_plans_without_a_problem(environment):
    plan = plan_for(environment)
    assert plan.cloud_plan.tracker_store_max_connections and plan.cloud_plan.needs.network


def test_an_ingress_on_the_created_cluster_names_what_the_platform_installs():
    ingress = {"enabled": True, "host": "bot.example.com", "acmeEmail": "ops@acme.com"}
    assert plan_for("prod", rasa={"ingress": ingress}).settings.rasa.ingress.enabled


def test_all_problems_are_reported_together():
    lines = errors(trackerStore={"port": 6432}, eventQueue={"saslMechanism": "SCRAM-SHA-512"}, lockStore={"tls": False})
    assert len(lines) == 3


def test_pods_that_do_not_fit_the_vm_size_are_refused_naming_the_keys():
    lines = errors(azure={"cluster": {"userVmSize": "Standard_D4ds_v5"}})
    (line,) = [l for l in lines if "azure.cluster.userVmSize" in l]
    assert "too small for the platform's pods: a single pod does not fit" in line and "rasa.resources.cpuRequest" in line
    lines = errors(azure={"cluster": {"userVmSize": "Standard_D8ds_v5"}}, cluster={"nodeCountMax": 3})
    assert any("need" in l and "the node group stops at 3" in l for l in lines), lines


def test_allocatable_follows_aks_reservations():
    d16 = node_shape("Standard_D16ds_v5")
    assert d16.cpu_millicores == 16000 - 260
    # min(20 MB x 110 pods + 50 MB, 25 % of 64 GiB) = 2250 MB = 2146 MiB, + 100 Mi eviction
    assert d16.memory_mib == 65536 - 2146 - 100
    small = node_shape("Standard_D2ds_v5")
    # on 8 GiB the 25 % cap (2048 MiB) is the smaller reserve
    assert small.memory_mib == 8192 - 2048 - 100 and small.cpu_millicores == 1900


def test_the_sku_sets_the_connection_limit_less_azures_reserve():
    assert plan_for("prod").cloud_plan.tracker_store_max_connections == 1718 - 15
    assert plan_for("dev").cloud_plan.tracker_store_max_connections == 859 - 15
    assert plan_for("prod", trackerStore={"maxConnections": 500}).cloud_plan.tracker_store_max_connections == 500


def test_a_rejected_plan_registers_nothing():
    result = run_stack("azure-prod", overrides={"trackerStore": {"port": 6432}})
    assert result.config_error and "trackerStore.port = 6432" in result.config_error and result.resources == []


def test_bring_your_own_azure_still_needs_the_account_name():
    with pytest.raises(ConfigError) as caught:
        plan_for("dev", cluster={"mode": "existing", "context": "aks"},
                 modelStorage={"mode": "existing", "bucket": "models"},
                 trackerStore={"mode": "existing", "host": "db.internal", "maxConnections": 100},
                 lockStore={"mode": "existing", "host": "redis.internal"},
                 eventQueue={"mode": "existing", "bootstrapServers": ["ns.servicebus.windows.net:9093"]},
                 azure={"vaultSeal": {"enabled": False}})
    assert any("azure.modelStorage.accountName = (not set): is required" in l for l in caught.value.lines)
