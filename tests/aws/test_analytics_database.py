"""analytics.database.mode managed on AWS: a second RDS instance of components/aws/tracker_store.py
for Rasa Pro Services, its admin login reaching the setup Job only as a secret (mock engine)."""

from __future__ import annotations

import pytest

from components.aws.rds_ca import root_ca_pem
from components.aws.tracker_store import CA_CERT_IDENTIFIER, MASTER_USERNAME
from tests.aws.harness import REGION, plan_for, provision
from tests.previewing import preview
from tests.support.analytics_database import (
    MANAGED, assert_policies_check_it, assert_reached_as_the_tracker_store, assert_bootstrap_sets_it_up, config_lines,
)


@pytest.fixture(scope="module")
def prod():
    return provision(plan_for("prod", analytics=MANAGED))


@pytest.fixture(scope="module")
def program():
    return preview("aws-prod", analytics=MANAGED)


def instance(run, name: str):
    return run.one("aws:rds/instance:Instance", f"{name}-postgres")


def test_a_second_instance_with_its_own_name_database_key_and_size(prod):
    tracker, analytics = instance(prod, "tracker-store"), instance(prod, "analytics-database")
    assert (tracker.inputs["identifier"], tracker.inputs["dbName"]) == ("rasa-aws-test-tracker", "rasa")  # unchanged
    assert (analytics.inputs["identifier"], analytics.inputs["dbName"]) == ("rasa-aws-test-analytics", "rasa_analytics")
    assert analytics.inputs["instanceClass"] == "db.m6g.large" and tracker.inputs["instanceClass"] == "db.r6g.large"
    assert analytics.inputs["storageEncrypted"] is True
    assert analytics.inputs["kmsKeyId"] == prod.key_arn("analytics-database") != prod.key_arn("tracker-store")
    assert analytics.inputs["performanceInsightsKmsKeyId"] == prod.key_arn("analytics-database")
    assert analytics.inputs["publiclyAccessible"] is False and analytics.inputs["caCertIdentifier"] == CA_CERT_IDENTIFIER


def test_tls_is_forced_and_its_own_connection_limit_is_fixed(prod):
    parameters = prod.one("aws:rds/parameterGroup:ParameterGroup", "analytics-database-parameters")
    values = {p["name"]: p["value"] for p in parameters.inputs["parameters"]}
    assert values["rds.force_ssl"] == "1" and values["password_encryption"] == "scram-sha-256"
    assert values["max_connections"] == "901" == str(prod.plan.cloud_plan.analytics_database_max_connections)  # 8 GiB
    assert parameters.urn in instance(prod, "analytics-database").dependencies


def test_only_the_cluster_reaches_its_port(prod):
    sg = prod.one("aws:ec2/securityGroup:SecurityGroup", "analytics-database-sg")
    (rule,) = sg.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5432, 5432)
    assert rule["securityGroups"] == [prod.cluster_security_group_id] and "cidrBlocks" not in rule
    assert sg.inputs["egress"] == [] and sg.urn in instance(prod, "analytics-database").dependencies


def test_prod_preset_gives_it_multi_az_two_weeks_of_backups_and_protection(prod):
    analytics = instance(prod, "analytics-database")
    assert analytics.inputs["multiAz"] is True and analytics.inputs["backupRetentionPeriod"] == 14
    assert analytics.inputs["deletionProtection"] is True and analytics.protect is True
    assert analytics.inputs["finalSnapshotIdentifier"] == "rasa-aws-test-analytics-final"


def test_dev_preset_gives_it_one_zone_a_week_of_backups_and_no_protection():
    dev = provision(plan_for("dev", analytics=MANAGED, cluster={"nodeCountMax": 5}))  # room for its pods
    analytics = instance(dev, "analytics-database")
    assert analytics.inputs["multiAz"] is False and analytics.inputs["backupRetentionPeriod"] == 7
    assert analytics.inputs["deletionProtection"] is False and analytics.protect is False
    assert analytics.inputs["instanceClass"] == "db.t4g.small"
    assert dev.plan.cloud_plan.analytics_database_max_connections == 225


def test_its_admin_login_is_handed_over_with_the_rds_ca_and_no_app_password_is_generated(prod):
    admin = prod.resolved["analytics_database_admin"]
    assert (admin.username, admin.database, admin.port, admin.ssl_mode) == (MASTER_USERNAME, "postgres", 5432, "verify-full")
    assert admin.host.startswith("rasa-aws-test-analytics.") and admin.password
    assert admin.password != prod.resolved["tracker_store_admin"].password
    assert admin.ca_cert_pem == root_ca_pem(CA_CERT_IDENTIFIER, REGION)
    assert admin.network == prod.resolved["tracker_store"].network  # the data subnets, as for the tracker store
    passwords = {r.name for r in prod.of_type("random:index/randomPassword:RandomPassword")}
    assert "analytics-database-master-password" in passwords and "analytics-database-app-password" not in passwords
    assert prod.secret_outputs["analyticsDatabaseAdminPassword"] is True


def test_the_bootstrap_sets_it_up_with_the_admin_login_from_its_own_secret_only(program):
    host = assert_bootstrap_sets_it_up(program, root_ca_pem(CA_CERT_IDENTIFIER, "eu-central-1"))
    assert host.startswith("rasa-aws-prod-analytics.")


def test_rasa_pro_services_may_reach_it_as_rasa_reaches_the_tracker_store(program):
    assert_reached_as_the_tracker_store(program)


def test_the_tracker_budget_reserves_nothing_for_analytics_on_its_own_server(prod):
    assert prod.plan.budget.reserved == 0
    assert plan_for("prod").budget.reserved > 0  # shared: reserved on the tracker store's server


def test_the_policy_pack_passes_and_checks_the_second_server(program):
    assert_policies_check_it(program, "analytics-database-postgres", {"publiclyAccessible": True, "multiAz": False},
                             {"database-not-public", "database-multi-az-in-prod"})


def errors(**sections) -> list[str]:
    return config_lines(plan_for, **sections)


def test_an_unknown_instance_class_is_one_config_line():
    (line,) = errors(analytics=MANAGED, aws={"analyticsDatabase": {"instanceClass": "db.x1.huge"}})
    assert line.startswith("config error: rasa-platform:aws.analyticsDatabase.instanceClass = db.x1.huge: "
                           "unknown RDS PostgreSQL instance class; allowed: ")


def test_rds_names_and_roles_are_checked_for_the_analytics_server():
    lines = errors(analytics={**MANAGED, "database": {"mode": "managed", "name": "_stats", "username": "rdsadmin", "port": 1000}})
    assert [line.split("rasa-platform:")[1].split(" =")[0] for line in lines] == [
        "analytics.database.name", "analytics.database.username", "analytics.database.port"]


def test_its_connections_must_fit_its_own_server_not_the_tracker_budget():
    # db.t4g.micro: 112 connections, 89 usable; (2 pods + 1 surge) × 2 consumers × 15 = 90.
    (line,) = errors(analytics={**MANAGED, "replicas": 2, "consumerCount": 2},
                     aws={"analyticsDatabase": {"instanceClass": "db.t4g.micro"}})
    assert line == (
        "config error: rasa-platform:aws.analyticsDatabase.instanceClass = db.t4g.micro: connection budget: Rasa Pro "
        "Services holds up to 90 connections ((2 pods + 1 surge) × 2 consumers × 15), but under 80 % of the analytics "
        "server's max_connections 112 only 89 are available; lower analytics.replicas or analytics.consumerCount, or "
        "choose a larger size")
    plan_for("prod", analytics={**MANAGED, "replicas": 2, "consumerCount": 1},
             aws={"analyticsDatabase": {"instanceClass": "db.t4g.micro"}})  # 45 fit


def test_its_storage_is_the_tracker_stores_unless_it_has_its_own(prod):
    tracker, analytics = instance(prod, "tracker-store"), instance(prod, "analytics-database")
    storage = lambda r: (r.inputs["allocatedStorage"], r.inputs["maxAllocatedStorage"])  # noqa: E731
    assert storage(analytics) == storage(tracker)
    own = provision(plan_for("prod", analytics={**MANAGED, "database": {"mode": "managed", "storageGb": 400,
                                                                        "maxStorageGb": 2000}}))
    assert storage(instance(own, "analytics-database")) == (400, 2000)
    assert storage(instance(own, "tracker-store")) == storage(tracker)  # Rasa's server keeps its own
    (line,) = errors(analytics={**MANAGED, "database": {"mode": "managed", "storageGb": 900}})
    assert line.startswith("config error: rasa-platform:analytics.database.storageGb = 900: must not exceed the "
                           "analytics server's storage ceiling")
