"""MSK's Kafka administrator: the Vault bootstrap's IRSA role, least privilege, bound to its account."""

from __future__ import annotations

import json

import pytest

from components.aws.kafka_admin import ADMIN_ACTIONS
from components.contracts import KafkaAdminAccess
from tests.aws.harness import plan_for, provision
from tests.previewing import manifest, preview

ROLE = "event-queue-admin-role"


def trust_conditions(run) -> dict[str, str]:
    (statement,) = run.one("aws:iam/role:Role", ROLE).policy("assumeRolePolicy")["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"] == run.arn_of(run.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider"))
    return {k.rsplit(":", 1)[1]: v for k, v in statement["Condition"]["StringEquals"].items()}


def test_the_role_may_only_connect_describe_and_alter_this_cluster(prod_run):
    (statement,) = prod_run.one("aws:iam/rolePolicy:RolePolicy", f"{ROLE}-policy").policy()["Statement"]
    # CreateAcls is ALTER CLUSTER (kafka-cluster:AlterCluster), DescribeAcls DESCRIBE CLUSTER
    # (kafka-cluster:DescribeCluster), and every IAM client needs kafka-cluster:Connect.
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:AlterCluster"]
    assert statement["Resource"] == prod_run.arn_of(prod_run.one("aws:msk/cluster:Cluster"))
    assert ":cluster/" in statement["Resource"] and "*" not in statement["Resource"]
    assert set(statement) == {"Sid", "Effect", "Action", "Resource"}  # no condition widening or NotAction
    assert ADMIN_ACTIONS == statement["Action"]


def test_only_the_bootstrap_account_in_vaults_namespace_may_assume_it(prod_run):
    # The harness's stacks use an external Vault: its bootstrap runs in vault.kubernetesNamespace.
    assert trust_conditions(prod_run) == {"sub": "system:serviceaccount:vault:vault-bootstrap", "aud": "sts.amazonaws.com"}
    external = provision(plan_for("dev", vault={"kubernetesNamespace": "secrets"}))
    assert trust_conditions(external)["sub"] == "system:serviceaccount:secrets:vault-bootstrap"
    # In-cluster, Vault (and its bootstrap) run where the seal's identity is bound.
    in_cluster = provision(plan_for("dev", vault={"mode": "in-cluster"},
                                    aws={"vaultSeal": {"enabled": True, "namespace": "vault-ha"}}))
    assert trust_conditions(in_cluster)["sub"] == "system:serviceaccount:vault-ha:vault-bootstrap"


def test_the_hand_off_names_the_iam_listener_and_the_role(prod_run):
    admin = prod_run.services.kafka_admin
    assert isinstance(admin, KafkaAdminAccess)
    assert (admin.namespace, admin.service_account) == ("vault", "vault-bootstrap")
    assert (admin.security_protocol, admin.sasl_mechanism, admin.region) == ("SASL_SSL", "AWS_MSK_IAM", "eu-central-1")
    assert admin.network.ports == (9098,) and admin.ca_cert_pem is None
    assert [n.ports for n in admin.identity.network] == [(443,)]  # AWS STS, for the web identity exchange
    # The Job waits for the role's policy: IAM refuses the login until it is attached.
    assert [r for r in admin.ready] and prod_run.resolved["outputs"]["eventQueueAdminRoleArn"] == \
        prod_run.arn_of(prod_run.one("aws:iam/role:Role", ROLE))


def test_no_administrator_with_iam_auth(iam_run):
    # Rasa then logs in with IAM, which MSK authorises by policy: no ACL to grant.
    assert iam_run.services.kafka_admin is None
    assert not [r for r in iam_run.of_type("aws:iam/role:Role") if r.name == ROLE]
    assert "eventQueueAdminRoleArn" not in iam_run.resolved["outputs"]


def test_no_administrator_without_a_managed_event_queue():
    run = provision(plan_for("dev", eventQueue={"mode": "existing", "bootstrapServers": ["kafka.example.com:9093"],
                                                "username": "rasa"},
                             analytics={"enabled": False}))
    assert run.services.kafka_admin is None


@pytest.fixture(scope="module")
def aws_dev():
    return preview("aws-dev")


def test_the_bootstrap_service_account_carries_the_role_and_its_job_waits_for_the_policy(aws_dev):
    account = manifest(aws_dev, "ServiceAccount", "vault-bootstrap")
    (role,) = [r for r in aws_dev.resources if r.type == "aws:iam/role:Role" and r.name == ROLE]
    (policy,) = [r for r in aws_dev.resources if r.type == "aws:iam/rolePolicy:RolePolicy" and r.name == f"{ROLE}-policy"]
    from infra.mocks import PlatformMocks
    arn = PlatformMocks(aws_dev.settings.region).outputs_for(role.type, role.name, role.inputs)[1]["arn"]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": arn}
    (job,) = [r for r in aws_dev.resources if r.name == "vault-bootstrap-job"]
    assert policy.urn in job.dependencies
    env = {e["name"]: e["value"] for e in manifest(aws_dev, "Job", job.inputs["metadata"]["name"])["spec"]["template"]
           ["spec"]["containers"][0]["env"]}
    assert env["AWS_REGION"] == "eu-central-1" and env["AWS_STS_REGIONAL_ENDPOINTS"] == "regional"


def test_the_plan_of_aws_dev_grants_rasa_its_topic_through_the_iam_listener(aws_dev):
    plan = json.loads(manifest(aws_dev, "ConfigMap", "vault-bootstrap")["data"]["plan.json"])
    kafka = plan["kafka"]
    assert (kafka["security_protocol"], kafka["sasl_mechanism"], kafka["region"]) == ("SASL_SSL", "AWS_MSK_IAM", "eu-central-1")
    assert kafka["bootstrap_servers"] and all(s.endswith(":9098") for s in kafka["bootstrap_servers"])
    assert kafka["ca_file"] == "/etc/ssl/certs/ca-certificates.crt"  # Amazon's public roots
    assert kafka["acl_topics"] == ["rasa-core-events"] and kafka["topics"] == []  # MSK creates the topic
    assert kafka["acls"] == {"producer": "User:rasa", "consumers": []}  # aws-dev has no analytics
    assert kafka["username"] is kafka["password_key"] is None  # nothing secret: IRSA signs the login


def test_the_pack_finds_the_role_scoped_to_the_cluster(aws_dev):
    (rule,) = [r for r in aws_dev.policy["rules"] if r["rule"] == "kafka-admin-scoped-to-cluster"]
    assert rule["status"] == "pass", rule  # decided on this role's policy, not "not-applicable"
