"""ElastiCache lock store: TLS required, customer key at rest, AUTH or IAM, HA and snapshots by preset."""

from __future__ import annotations

from components.aws.lock_store import AUTH_TOKEN_SPECIALS


def redis(run):
    return run.one("aws:elasticache/replicationGroup:ReplicationGroup")


def test_transit_encryption_is_required_and_at_rest_uses_the_lock_store_key(prod_run):
    group = redis(prod_run)
    assert group.inputs["transitEncryptionEnabled"] is True
    assert group.inputs["transitEncryptionMode"] == "required"
    assert group.inputs["atRestEncryptionEnabled"] is True
    assert group.inputs["kmsKeyId"] == prod_run.key_arn("lock-store")


def test_password_mode_uses_a_generated_secret_auth_token_for_the_default_user(prod_run):
    group = redis(prod_run)
    assert "authToken" in group.secret_paths
    assert group.inputs["authTokenUpdateStrategy"] == "ROTATE"
    assert "userGroupIds" not in group.inputs
    token = prod_run.one("random:index/randomPassword:RandomPassword", "lock-store-auth-token")
    assert token.inputs["length"] >= 32
    assert set(token.inputs["overrideSpecial"]) <= set("!&#$^<>-") == set(AUTH_TOKEN_SPECIALS)
    connection = prod_run.resolved["lock_store"]
    assert connection.username == "default"
    assert connection.password == group.inputs["authToken"]
    assert connection.use_ssl is True and connection.iam_auth is False and connection.ca_cert_pem is None


def test_prod_is_multi_az_with_failover_two_nodes_and_a_week_of_snapshots(prod_run):
    group = redis(prod_run)
    assert group.inputs["numCacheClusters"] == 2
    assert group.inputs["automaticFailoverEnabled"] is True and group.inputs["multiAzEnabled"] is True
    assert group.inputs["snapshotRetentionLimit"] == 7
    assert group.inputs["finalSnapshotIdentifier"] == "rasa-aws-test-lock-final"
    assert group.protect is True


def test_dev_is_a_single_node_without_snapshots(dev_run):
    group = redis(dev_run)
    assert group.inputs["numCacheClusters"] == 1
    assert group.inputs["automaticFailoverEnabled"] is False and group.inputs["multiAzEnabled"] is False
    assert group.inputs["snapshotRetentionLimit"] == 0
    assert "finalSnapshotIdentifier" not in group.inputs and group.protect is False


def test_cluster_mode_disabled_and_locks_never_evicted(prod_run):
    group = redis(prod_run)
    assert group.inputs["clusterMode"] == "disabled"  # Rasa selects a database number
    assert group.inputs["engine"] == "redis" and group.inputs["engineVersion"] == "7.1"
    parameters = prod_run.one("aws:elasticache/parameterGroup:ParameterGroup")
    assert parameters.inputs["family"] == "redis7"
    assert parameters.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "noeviction"}]
    assert parameters.urn in group.dependencies


def test_reachable_only_from_the_cluster_on_its_port_from_the_data_subnets(prod_run):
    sg = prod_run.one("aws:ec2/securityGroup:SecurityGroup", "lock-store-sg")
    (rule,) = sg.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 6379, 6379)
    assert rule["securityGroups"] == [prod_run.cluster_security_group_id] and "cidrBlocks" not in rule
    assert sg.inputs["egress"] == []
    subnets = prod_run.one("aws:elasticache/subnetGroup:SubnetGroup")
    data = {r.urn for r in prod_run.of_type("aws:ec2/subnet:Subnet") if "-data-" in r.name}
    assert len(data) == 3 and data == {u for u in subnets.dependencies if "Subnet" in u}
    assert prod_run.resolved["lock_store"].network.ports == (6379,)


def test_slow_and_engine_logs_go_to_encrypted_log_groups(prod_run):
    deliveries = {d["logType"]: d for d in redis(prod_run).inputs["logDeliveryConfigurations"]}
    assert set(deliveries) == {"slow-log", "engine-log"}
    for kind, delivery in deliveries.items():
        group = prod_run.one("aws:cloudwatch/logGroup:LogGroup", f"lock-store-{kind}")
        assert delivery["destination"] == group.inputs["name"] and delivery["destinationType"] == "cloudwatch-logs"
        assert group.inputs["kmsKeyId"] == prod_run.key_arn("logs")


def test_iam_mode_has_no_token_an_iam_user_and_the_default_user_switched_off(iam_run):
    group = redis(iam_run)
    assert "authToken" not in group.inputs
    users = {u.inputs["userName"]: u for u in iam_run.of_type("aws:elasticache/user:User")}
    default, rasa_name = users.pop("default"), "rasa-aws-test-lock-rasa"
    assert default.inputs["accessString"] == "off -@all"
    assert default.inputs["authenticationMode"]["type"] == "password"
    rasa = users.pop(rasa_name)
    assert users == {}
    assert rasa.inputs["userId"] == rasa.inputs["userName"]  # required for IAM authentication
    assert rasa.inputs["authenticationMode"] == {"type": "iam"}
    assert rasa.inputs["accessString"].startswith("on ~* +@all -@dangerous") and "+keys" in rasa.inputs["accessString"]
    user_group = iam_run.one("aws:elasticache/userGroup:UserGroup")
    assert sorted(user_group.inputs["userIds"]) == sorted([default.inputs["userId"], rasa.inputs["userId"]])
    assert group.inputs["userGroupIds"] == [user_group.inputs["userGroupId"]]
    connection = iam_run.resolved["lock_store"]
    assert connection.iam_auth is True and connection.password is None
    assert connection.username == rasa_name
    assert connection.iam_cluster_name == group.inputs["replicationGroupId"] == "rasa-aws-test-lock"
