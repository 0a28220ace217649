"""analytics.database.mode managed on Azure: a second Flexible Server of components/azure/tracker_store.py
in the same delegated subnet and private DNS zone, its administrator login reaching the setup Job
only as a secret (mock engine)."""

from __future__ import annotations

import pytest

from components.azure.tracker_store import ADMIN_USERNAME, AZURE_RESERVED_CONNECTIONS
from tests.azure.harness import plan_for, provision
from tests.previewing import preview
from tests.support.analytics_database import (
    MANAGED, assert_policies_check_it, assert_reached_as_the_tracker_store, assert_bootstrap_sets_it_up, config_lines,
)

SERVER = "azure-native:dbforpostgresql:Server"


@pytest.fixture(scope="module")
def prod():
    return provision(plan_for("prod", analytics=MANAGED))


@pytest.fixture(scope="module")
def program():
    return preview("azure-prod", analytics=MANAGED)


def test_a_second_server_with_its_own_name_sku_and_database(prod):
    tracker, analytics = prod.one(SERVER, "tracker-store-server"), prod.one(SERVER, "analytics-database-server")
    assert tracker.inputs["sku"] == {"name": "Standard_D4ds_v5", "tier": "GeneralPurpose"}  # unchanged
    assert analytics.inputs["sku"] == {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"}
    admin = prod.resolved["analytics_database_admin"]
    assert "-analytics-pg-" in admin.host and "-analytics-pg-" not in prod.resolved["tracker_store"].host
    (database,) = [d for d in prod.of_type("azure-native:dbforpostgresql:Database") if d.name == "analytics-database-database"]
    assert database.inputs["databaseName"] == "rasa_analytics" and database.protect is True
    # Encrypted at rest as the tracker store's server (Flexible Server always encrypts its storage).
    assert analytics.inputs.get("dataEncryption") == tracker.inputs.get("dataEncryption")


def test_it_is_private_in_the_tracker_store_s_delegated_subnet_and_dns_zone(prod):
    tracker, analytics = prod.one(SERVER, "tracker-store-server"), prod.one(SERVER, "analytics-database-server")
    assert analytics.inputs["network"] == tracker.inputs["network"]
    assert analytics.inputs["network"]["publicNetworkAccess"] == "Disabled"
    assert analytics.inputs["network"]["delegatedSubnetResourceId"].endswith("/subnets/postgres")
    assert prod.resolved["analytics_database_admin"].network == prod.resolved["tracker_store"].network


def test_tls_is_required_on_it(prod):
    analytics = [c for c in prod.of_type("azure-native:dbforpostgresql:Configuration") if c.name.startswith("analytics-database-")]
    assert {c.inputs["configurationName"]: c.inputs["value"] for c in analytics} == {
        "require_secure_transport": "on", "ssl_min_protocol_version": "TLSv1.2"}


def test_prod_preset_gives_it_zone_redundant_ha_two_weeks_of_geo_backups_and_protection(prod):
    analytics = prod.one(SERVER, "analytics-database-server")
    assert analytics.inputs["highAvailability"] == {"mode": "ZoneRedundant"}
    assert analytics.inputs["backup"] == {"backupRetentionDays": 14, "geoRedundantBackup": "Enabled"}
    assert analytics.protect is True


def test_dev_preset_gives_it_no_ha_a_week_of_backups_and_no_protection():
    dev = provision(plan_for("dev", analytics=MANAGED, cluster={"nodeCountMax": 5}))
    analytics = dev.one(SERVER, "analytics-database-server")
    assert analytics.inputs["highAvailability"] == {"mode": "Disabled"} and analytics.protect is False
    assert analytics.inputs["backup"] == {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"}
    assert analytics.inputs["sku"] == {"name": "Standard_B2s", "tier": "Burstable"}
    assert dev.plan.cloud_plan.analytics_database_max_connections == 429 - AZURE_RESERVED_CONNECTIONS


def test_its_administrator_login_is_handed_over_and_no_app_password_is_generated(prod):
    admin = prod.resolved["analytics_database_admin"]
    assert (admin.username, admin.database, admin.ssl_mode, admin.ca_cert_pem) == (ADMIN_USERNAME, "postgres", "verify-full", None)
    assert admin.password and admin.password != prod.resolved["tracker_store_admin"].password
    assert admin.max_connections == 859 - AZURE_RESERVED_CONNECTIONS
    passwords = {r.name for r in prod.of_type("random:index/randomPassword:RandomPassword")}
    assert "analytics-database-admin-password" in passwords and "analytics-database-app-password" not in passwords
    assert "administratorLoginPassword" in prod.one(SERVER, "analytics-database-server").secret_paths
    assert prod.secret_outputs["analyticsDatabaseAdminPassword"] is True


def test_the_bootstrap_sets_it_up_after_its_database_exists(program):
    host = assert_bootstrap_sets_it_up(program, None)  # public roots, as the tracker store's
    assert "-analytics-pg-" in host
    resources = {r.name: r for r in program.resources}
    assert resources["analytics-database-database"].urn in resources["vault-bootstrap-job"].dependencies


def test_rasa_pro_services_may_reach_it_as_rasa_reaches_the_tracker_store(program):
    assert_reached_as_the_tracker_store(program)


def test_the_tracker_budget_reserves_nothing_for_analytics_on_its_own_server(prod):
    assert prod.plan.budget.reserved == 0 < plan_for("prod").budget.reserved


def test_the_policy_pack_passes_and_checks_the_second_server(program):
    assert_policies_check_it(program, "analytics-database-server",
                             {"network": {"publicNetworkAccess": "Enabled"}, "highAvailability": {"mode": "Disabled"}},
                             {"database-not-public", "database-multi-az-in-prod"})


def test_an_unknown_sku_and_a_burstable_sku_with_ha_are_one_config_line_each():
    (line,) = config_lines(plan_for, analytics=MANAGED, azure={"analyticsDatabase": {"sku": "Standard_X1"}})
    assert line.startswith("config error: rasa-platform:azure.analyticsDatabase.sku = Standard_X1: a Flexible Server compute SKU; allowed: ")
    (line,) = config_lines(plan_for, analytics=MANAGED, azure={"analyticsDatabase": {"sku": "Standard_B2s"}})
    assert line == ("config error: rasa-platform:azure.analyticsDatabase.sku = Standard_B2s: zone-redundant HA "
                    "(trackerStore.highAvailability) needs a General Purpose or Memory Optimized SKU, not Burstable")


def test_flexible_server_names_roles_and_port_are_checked_for_the_analytics_server():
    lines = config_lines(plan_for, analytics={**MANAGED, "database": {
        "mode": "managed", "name": "_stats", "username": "azure_pg_admin", "port": 6432}})
    assert [line.split("rasa-platform:")[1].split(" =")[0] for line in lines] == [
        "analytics.database.username", "analytics.database.port", "analytics.database.name"]


def test_its_connections_must_fit_its_own_server():
    # Standard_B1ms: 50 - 15 = 35 connections, 27 usable; prod: (2 pods + 1 surge) × 1 consumer × 15 = 45.
    (line,) = config_lines(plan_for, analytics=MANAGED, trackerStore={"highAvailability": False},
                           azure={"analyticsDatabase": {"sku": "Standard_B1ms"}})
    assert line.startswith("config error: rasa-platform:azure.analyticsDatabase.sku = Standard_B1ms: connection budget: "
                           "Rasa Pro Services holds up to 45 connections ((2 pods + 1 surge) × 1 consumers × 15)")
    assert "max_connections 35 only 27 are available" in line


def test_its_storage_is_the_tracker_stores_unless_it_has_its_own_rounded_up_to_azures_sizes(prod):
    size = lambda run, name: run.one(SERVER, name).inputs["storage"]["storageSizeGB"]  # noqa: E731
    assert size(prod, "analytics-database-server") == size(prod, "tracker-store-server")
    own = provision(plan_for("prod", analytics={**MANAGED, "database": {"mode": "managed", "storageGb": 300, "maxStorageGb": 1000}}))
    assert size(own, "analytics-database-server") == 512  # the next size Flexible Server offers
    assert size(own, "tracker-store-server") == size(prod, "tracker-store-server")
