"""analytics.database.mode managed on GCP: a second Cloud SQL instance of components/gcp/tracker_store.py
on the same private services access range, its admin login reaching the setup Job only as a
secret (mock engine)."""

from __future__ import annotations

import pytest

from components.gcp.tracker_store import ADMIN_USERNAME
from tests.gcp.harness import plan_for, provision
from tests.previewing import preview
from tests.support.analytics_database import (
    MANAGED, assert_policies_check_it, assert_reached_as_the_tracker_store, assert_bootstrap_sets_it_up, config_lines,
)

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"


@pytest.fixture(scope="module")
def prod():
    return provision(plan_for("prod", analytics=MANAGED))


@pytest.fixture(scope="module")
def program():
    return preview("gcp-prod", analytics=MANAGED)


def settings_of(run, name: str) -> dict:
    return run.one(INSTANCE, f"{name}-postgres").inputs["settings"]


def test_a_second_instance_with_its_own_name_key_tier_and_database(prod):
    tracker, analytics = prod.one(INSTANCE, "tracker-store-postgres"), prod.one(INSTANCE, "analytics-database-postgres")
    assert tracker.inputs["settings"]["tier"] == "db-custom-4-16384" and tracker.inputs["encryptionKeyName"] == prod.key_id("tracker-store")
    assert analytics.inputs["settings"]["tier"] == "db-custom-2-7680" and analytics.inputs["databaseVersion"] == "POSTGRES_16"
    assert analytics.inputs["encryptionKeyName"] == prod.key_id("analytics-database")  # CMEK of its own
    names = {r.name: r.inputs for r in prod.of_type("random:index/randomId:RandomId")}
    assert {"tracker-store-suffix", "analytics-database-suffix"} <= set(names)
    (database,) = [d for d in prod.of_type("gcp:sql/database:Database") if d.name == "analytics-database-database"]
    assert database.inputs["name"] == "rasa_analytics" and database.protect is True
    assert {"name": "max_connections", "value": "400"} in analytics.inputs["settings"]["databaseFlags"]  # 7.5 GiB


def test_it_is_private_tls_only_on_the_tracker_store_s_private_services_range(prod):
    tracker, analytics = settings_of(prod, "tracker-store")["ipConfiguration"], settings_of(prod, "analytics-database")["ipConfiguration"]
    assert analytics == tracker
    assert analytics["ipv4Enabled"] is False and analytics["sslMode"] == "ENCRYPTED_ONLY"
    assert analytics["allocatedIpRange"] == "rasa-gcp-test-private-services"
    assert prod.resolved["analytics_database_admin"].network == prod.resolved["tracker_store"].network


def test_prod_preset_gives_it_a_regional_instance_two_weeks_of_backups_and_protection(prod):
    s = settings_of(prod, "analytics-database")
    assert s["availabilityType"] == "REGIONAL" and s["deletionProtectionEnabled"] is True
    assert s["backupConfiguration"]["backupRetentionSettings"] == {"retainedBackups": 14, "retentionUnit": "COUNT"}
    assert s["backupConfiguration"]["pointInTimeRecoveryEnabled"] is True and s["finalBackupConfig"]["enabled"] is True
    analytics = prod.one(INSTANCE, "analytics-database-postgres")
    assert analytics.inputs["deletionProtection"] is True and analytics.protect is True


def test_dev_preset_gives_it_a_zonal_deletable_instance_with_a_week_of_backups():
    dev = provision(plan_for("dev", analytics=MANAGED, gcp={"cluster": {"zone": "europe-west3-a"}}, cluster={"nodeCountMax": 5}))
    s = settings_of(dev, "analytics-database")
    assert s["availabilityType"] == "ZONAL" and s["deletionProtectionEnabled"] is False and s["tier"] == "db-custom-1-3840"
    assert s["backupConfiguration"]["backupRetentionSettings"]["retainedBackups"] == 7
    assert dev.one(INSTANCE, "analytics-database-postgres").protect is False
    assert dev.plan.cloud_plan.analytics_database_max_connections == 100  # 3.75 GiB


def test_its_admin_login_is_handed_over_with_its_own_ca_and_no_app_user_is_created(prod):
    admin = prod.resolved["analytics_database_admin"]
    assert (admin.username, admin.database, admin.ssl_mode) == (ADMIN_USERNAME, "postgres", "verify-ca")
    assert admin.password and admin.password != prod.resolved["tracker_store_admin"].password
    assert "-----BEGIN CERTIFICATE-----" in admin.ca_cert_pem
    users = {u.name: u for u in prod.of_type("gcp:sql/user:User")}
    assert "analytics-database-admin" in users and "analytics-database-user" not in users
    assert "password" in users["analytics-database-admin"].secret_paths
    assert prod.secret_outputs["analyticsDatabaseAdminPassword"] is True


def test_the_bootstrap_sets_it_up_after_its_admin_user_exists(program, prod):
    # verify-ca against the instance's own CA, as the tracker store (its certificate names the instance, not the IP)
    host = assert_bootstrap_sets_it_up(program, prod.resolved["analytics_database_admin"].ca_cert_pem, "verify-ca")
    assert host != program.outputs["trackerStorePrivateIp"]
    resources = {r.name: r for r in program.resources}
    waits = set(resources["vault-bootstrap-job"].dependencies)
    assert {resources["analytics-database-admin"].urn, resources["analytics-database-database"].urn} <= waits


def test_rasa_pro_services_may_reach_it_as_rasa_reaches_the_tracker_store(program):
    assert_reached_as_the_tracker_store(program)


def test_the_tracker_budget_reserves_nothing_for_analytics_on_its_own_server(prod):
    assert prod.plan.budget.reserved == 0 < plan_for("prod").budget.reserved


def test_the_policy_pack_passes_and_checks_the_second_server(program):
    analytics = next(r for r in program.resources if r.name == "analytics-database-postgres")
    s = analytics.inputs["settings"]
    weakened = {**s, "availabilityType": "ZONAL", "ipConfiguration": {**s["ipConfiguration"], "ipv4Enabled": True}}
    assert_policies_check_it(program, "analytics-database-postgres", {"settings": weakened},
                             {"database-not-public", "database-multi-az-in-prod"})


def test_an_unknown_tier_is_one_config_line():
    (line,) = config_lines(plan_for, analytics=MANAGED, gcp={"analyticsDatabase": {"tier": "db-f1-micro"}})
    assert line.startswith("config error: rasa-platform:gcp.analyticsDatabase.tier = db-f1-micro: a Cloud SQL tier db-custom-")


def test_cloud_sql_names_roles_and_port_are_checked_for_the_analytics_server():
    lines = config_lines(plan_for, analytics={**MANAGED, "database": {
        "mode": "managed", "name": "_stats", "readOnlyUsername": "cloudsqladmin", "port": 6432}})
    assert [line.split("rasa-platform:")[1].split(" =")[0] for line in lines] == [
        "analytics.database.port", "analytics.database.name", "analytics.database.readOnlyUsername"]


def test_its_connections_must_fit_its_own_server():
    # db-custom-1-3840: 100 connections, 79 usable; prod: (2 pods + 1 surge) × 2 consumers × 15 = 90.
    (line,) = config_lines(plan_for, analytics={**MANAGED, "consumerCount": 2}, gcp={"analyticsDatabase": {"tier": "db-custom-1-3840"}})
    assert line.startswith("config error: rasa-platform:gcp.analyticsDatabase.tier = db-custom-1-3840: connection budget: "
                           "Rasa Pro Services holds up to 90 connections ((2 pods + 1 surge) × 2 consumers × 15)")
    assert "max_connections 100 only 79 are available" in line


def test_its_disk_is_the_tracker_stores_unless_it_has_its_own(prod):
    disk = lambda s: (s["diskSize"], s["diskAutoresizeLimit"])  # noqa: E731
    assert disk(settings_of(prod, "analytics-database")) == disk(settings_of(prod, "tracker-store"))
    own = provision(plan_for("prod", analytics={**MANAGED, "database": {"mode": "managed", "storageGb": 300,
                                                                        "maxStorageGb": 1000}}))
    assert disk(settings_of(own, "analytics-database")) == (300, 1000)
    assert disk(settings_of(own, "tracker-store")) == disk(settings_of(prod, "tracker-store"))
