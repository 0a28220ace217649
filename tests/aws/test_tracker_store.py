"""RDS tracker store: customer key, TLS forced, private, Multi-AZ/protection/backups by preset, logs."""

from __future__ import annotations

import pytest
from cryptography import x509

from components.aws.rds_ca import root_ca_pem
from components.aws.tracker_store import MASTER_USERNAME, PASSWORD_SPECIALS
from tests.aws.harness import plan_for, provision
from tests.previewing import preview

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def db(run):
    return run.one("aws:rds/instance:Instance")


def test_storage_and_performance_insights_use_the_tracker_store_key(prod_run):
    instance = db(prod_run)
    assert instance.inputs["storageEncrypted"] is True
    assert instance.inputs["kmsKeyId"] == prod_run.key_arn("tracker-store")
    assert instance.inputs["performanceInsightsEnabled"] is True
    assert instance.inputs["performanceInsightsKmsKeyId"] == prod_run.key_arn("tracker-store")


def test_tls_is_forced_and_the_connection_limit_is_fixed_in_the_parameter_group(prod_run):
    parameters = prod_run.one("aws:rds/parameterGroup:ParameterGroup")
    values = {p["name"]: p for p in parameters.inputs["parameters"]}
    assert values["rds.force_ssl"]["value"] == "1"
    assert values["password_encryption"]["value"] == "scram-sha-256"
    assert values["max_connections"] == {"name": "max_connections", "value": "1802", "applyMethod": "pending-reboot"}
    assert parameters.inputs["family"] == "postgres16"
    assert db(prod_run).inputs["parameterGroupName"] and parameters.urn in db(prod_run).dependencies
    assert db(prod_run).inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1"


def test_never_publicly_accessible_and_only_the_cluster_reaches_5432(prod_run):
    instance = db(prod_run)
    assert instance.inputs["publiclyAccessible"] is False
    sg = prod_run.one("aws:ec2/securityGroup:SecurityGroup", "tracker-store-sg")
    (rule,) = sg.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5432, 5432)
    assert rule["securityGroups"] == [prod_run.cluster_security_group_id]
    assert "cidrBlocks" not in rule and sg.inputs["egress"] == []
    assert instance.inputs["vpcSecurityGroupIds"] and sg.urn in instance.dependencies


def test_prod_is_multi_az_protected_with_a_final_snapshot_and_two_weeks_of_backups(prod_run):
    instance = db(prod_run)
    assert instance.inputs["multiAz"] is True
    assert instance.inputs["deletionProtection"] is True
    assert instance.inputs["skipFinalSnapshot"] is False
    assert instance.inputs["finalSnapshotIdentifier"] == "rasa-aws-test-tracker-final"
    assert instance.inputs["backupRetentionPeriod"] == 14
    assert instance.inputs["deleteAutomatedBackups"] is False
    assert instance.protect is True


def test_dev_is_single_az_unprotected_with_a_week_of_backups(dev_run):
    instance = db(dev_run)
    assert instance.inputs["multiAz"] is False and instance.inputs["deletionProtection"] is False
    assert instance.inputs["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in instance.inputs
    assert instance.inputs["backupRetentionPeriod"] == 7 and instance.protect is False
    assert dev_run.resolved["tracker_store"].max_connections == 450  # db.t4g.medium


def test_logs_are_exported_to_pre_created_encrypted_log_groups(prod_run):
    instance = db(prod_run)
    assert instance.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    for kind in ("postgresql", "upgrade"):
        group = prod_run.one("aws:cloudwatch/logGroup:LogGroup", f"tracker-store-log-{kind}")
        assert group.inputs["name"] == f"/aws/rds/instance/rasa-aws-test-tracker/{kind}"
        assert group.inputs["kmsKeyId"] == prod_run.key_arn("logs")
        assert group.urn in instance.dependencies


def test_master_password_is_generated_secret_and_rasa_gets_its_own_user(prod_run):
    instance = db(prod_run)
    assert instance.inputs["username"] == MASTER_USERNAME
    assert "password" in instance.secret_paths
    assert instance.inputs["iamDatabaseAuthenticationEnabled"] is False
    for name in ("tracker-store-master-password", "tracker-store-app-password"):
        generated = prod_run.one("random:index/randomPassword:RandomPassword", name)
        assert not set(generated.inputs["overrideSpecial"]) & set('/"@ ')  # RDS rejects these
        assert generated.inputs["overrideSpecial"] == PASSWORD_SPECIALS
    connection = prod_run.resolved["tracker_store"]
    assert connection.username == "rasa" != MASTER_USERNAME
    assert connection.password and connection.password != instance.inputs["password"]
    assert prod_run.secret_outputs["trackerStoreAdminPassword"] is True


def test_connection_is_verify_full_with_the_instance_limit_and_data_subnet_egress(prod_run):
    connection = prod_run.resolved["tracker_store"]
    instance = db(prod_run)
    assert connection.host.startswith("rasa-aws-test-tracker.") and connection.port == 5432
    assert connection.database == "rasa" == instance.inputs["dbName"]
    assert connection.ssl_mode == "verify-full" and connection.max_connections == 1802
    # the vendored root of the instance's CA in this region (components/aws/rds_ca)
    assert connection.ca_cert_pem == root_ca_pem("rds-ca-rsa2048-g1", "eu-central-1")
    assert "Amazon RDS eu-central-1 Root CA RSA2048 G1" in x509.load_pem_x509_certificate(connection.ca_cert_pem.encode()).subject.rfc4514_string()
    assert connection.network.cidrs == ["10.40.192.0/22", "10.40.196.0/22", "10.40.200.0/22"]
    assert connection.resource_name == "rasa-aws-test-tracker"


def test_a_ca_bundle_from_settings_reaches_the_connection_instead_of_the_vendored_root():
    run = provision(plan_for("dev", trackerStore={"caCert": PEM}))
    assert run.resolved["tracker_store"].ca_cert_pem == PEM


def test_a_region_without_a_vendored_root_warns_and_trusts_nothing_extra():
    run = provision(plan_for("dev", region="mx-central-1"))
    assert run.resolved["tracker_store"].ca_cert_pem is None
    result = preview("aws-dev", region="mx-central-1")
    (warning,) = [w for w in result.warnings if "RDS CA" in w]
    assert warning.startswith("no vendored RDS CA for mx-central-1 and trackerStore.caCert is not set")


def test_explicit_max_connections_is_what_the_server_gets():
    run = provision(plan_for("dev", trackerStore={"maxConnections": 200}))
    values = {p["name"]: p["value"] for p in run.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert values["max_connections"] == "200" and run.resolved["tracker_store"].max_connections == 200


def test_iam_mode_enables_iam_database_auth_and_drops_the_app_password(iam_run):
    assert db(iam_run).inputs["iamDatabaseAuthenticationEnabled"] is True
    connection = iam_run.resolved["tracker_store"]
    assert connection.iam_auth is True and connection.password is None and connection.username == "rasa"
    assert "trackerStoreAppPassword" not in iam_run.resolved["outputs"]
    with pytest.raises(AssertionError):
        iam_run.one("random:index/randomPassword:RandomPassword", "tracker-store-app-password")
