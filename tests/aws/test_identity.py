"""Rasa's IRSA role (least privilege, scoped to this stack's resources) and the Vault seal role."""

from __future__ import annotations

import json

import pytest

from components.aws.identity import model_object_patterns, topic_arn
from tests.aws.harness import plan_for, provision


def rasa_policy(run) -> dict[str, dict]:
    return {s["Sid"]: s for s in run.one("aws:iam/rolePolicy:RolePolicy", "rasa-identity-role-policy").policy()["Statement"]}


def all_resources(statements) -> list[str]:
    found = []
    for statement in statements.values():
        resource = statement["Resource"]
        found += resource if isinstance(resource, list) else [resource]
    return found


def test_only_rasas_service_account_in_its_namespace_may_assume_the_role(prod_run):
    (statement,) = prod_run.one("aws:iam/role:Role", "rasa-identity-role").policy("assumeRolePolicy")["Statement"]
    conditions = {k.rsplit(":", 1)[1]: v for k, v in statement["Condition"]["StringEquals"].items()}
    assert conditions == {"sub": "system:serviceaccount:rasa:rasa-pro", "aud": "sts.amazonaws.com"}
    assert statement["Principal"]["Federated"] == prod_run.arn_of(prod_run.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider"))


def test_rasa_reads_only_the_model_prefix_and_decrypts_only_through_s3(prod_run):
    statements = rasa_policy(prod_run)
    bucket_arn = prod_run.arn_of(prod_run.one("aws:s3/bucket:Bucket"))
    assert set(statements) == {"FindModelBucket", "ReadModels", "ModelKeyThroughS3Only"}
    assert statements["FindModelBucket"]["Action"] == "s3:ListBucket"  # HeadBucket at start needs it
    assert statements["FindModelBucket"]["Resource"] == bucket_arn
    assert statements["ReadModels"]["Action"] == "s3:GetObject"
    assert statements["ReadModels"]["Resource"] == [f"{bucket_arn}/models/*"]
    key = statements["ModelKeyThroughS3Only"]
    assert key["Action"] == ["kms:Decrypt"] and key["Resource"] == prod_run.key_arn("models")
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}}
    assert "*" not in all_resources(statements)


def test_upload_from_the_cluster_adds_writes_on_the_same_prefix_only():
    run = provision(plan_for("dev", modelStorage={"allowUploadFromCluster": True}))
    statements = rasa_policy(run)
    bucket_arn = run.arn_of(run.one("aws:s3/bucket:Bucket"))
    assert statements["UploadModels"]["Resource"] == [f"{bucket_arn}/models/*"]
    assert "s3:PutObject" in statements["UploadModels"]["Action"]
    assert statements["ModelKeyThroughS3Only"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def test_the_service_account_annotation_names_the_role(prod_run):
    role_arn = prod_run.arn_of(prod_run.one("aws:iam/role:Role", "rasa-identity-role"))
    assert prod_run.resolved["identity"].service_account_annotations == {"eks.amazonaws.com/role-arn": role_arn}
    assert prod_run.resolved["outputs"]["rasaRoleArn"] == role_arn


def test_iam_mode_grants_connect_as_rasa_on_exactly_these_resources(iam_run):
    statements = rasa_policy(iam_run)
    instance = iam_run.one("aws:rds/instance:Instance")
    resource_id = iam_run.outputs_of(instance)["resourceId"]
    rds = statements["TrackerStoreAsRasaUser"]
    assert rds["Action"] == "rds-db:connect"
    assert rds["Resource"] == f"arn:aws:rds-db:eu-central-1:123456789012:dbuser:{resource_id}/rasa"
    cache = statements["LockStoreAsRasaUser"]
    group = iam_run.one("aws:elasticache/replicationGroup:ReplicationGroup")
    user = iam_run.one("aws:elasticache/user:User", "lock-store-rasa-user")
    assert cache["Action"] == "elasticache:Connect"
    assert sorted(cache["Resource"]) == sorted([iam_run.arn_of(group), iam_run.arn_of(user)])
    cluster_arn = iam_run.arn_of(iam_run.one("aws:msk/cluster:Cluster"))
    assert statements["EventQueueCluster"]["Resource"] == cluster_arn
    assert set(statements["EventQueueCluster"]["Action"]) == {
        "kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"}
    topic = statements["EventQueueTopicProduceOnly"]
    assert topic["Resource"] == cluster_arn.replace(":cluster/", ":topic/") + "/rasa-core-events"
    assert set(topic["Action"]) == {"kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"}
    every_action = [a for s in statements.values() for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    assert not any(a.endswith("*") for a in every_action) and "*" not in all_resources(statements)


def test_password_mode_grants_no_data_service_access(prod_run):
    assert not {"TrackerStoreAsRasaUser", "LockStoreAsRasaUser", "EventQueueCluster"} & set(rasa_policy(prod_run))


def test_an_existing_s3_bucket_is_readable_by_the_rasa_role():
    run = provision(plan_for("dev", modelStorage={"mode": "existing", "bucket": "acme-rasa-models"}))
    assert run.of_type("aws:s3/bucket:Bucket") == []
    statements = rasa_policy(run)
    assert statements["FindModelBucket"]["Resource"] == "arn:aws:s3:::acme-rasa-models"
    assert statements["ReadModels"]["Resource"] == ["arn:aws:s3:::acme-rasa-models/models/*"]
    assert "ModelKeyThroughS3Only" not in statements


@pytest.mark.parametrize("key, patterns", [
    ("models/rasa-model.tar.gz", ["models/*"]),
    ("a/b/model.tar.gz", ["a/b/*"]),
    ("model", ["model", "model.tar.gz"]),
    ("model.tar.gz", ["model.tar.gz"]),
])
def test_model_object_patterns(key, patterns):
    assert model_object_patterns(key) == patterns


def test_topic_arn_from_cluster_arn():
    assert topic_arn("arn:aws:kafka:eu-central-1:1:cluster/c/u-1", "t") == "arn:aws:kafka:eu-central-1:1:topic/c/u-1/t"


# -- Vault seal --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sealed():
    return provision(plan_for("dev", aws={"vaultSeal": {"enabled": True, "namespace": "vault", "serviceAccount": "vault"}}))


def test_vault_seal_role_may_only_encrypt_decrypt_and_describe_its_own_rotating_key(sealed):
    key = sealed.key("vault-seal")
    assert key.inputs["enableKeyRotation"] is True
    (statement,) = sealed.one("aws:iam/rolePolicy:RolePolicy", "vault-seal-role-policy").policy()["Statement"]
    assert statement["Action"] == ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
    assert statement["Resource"] == sealed.key_arn("vault-seal")
    (trust,) = sealed.one("aws:iam/role:Role", "vault-seal-role").policy("assumeRolePolicy")["Statement"]
    assert {k.rsplit(":", 1)[1]: v for k, v in trust["Condition"]["StringEquals"].items()}["sub"] == "system:serviceaccount:vault:vault"


def test_vault_seal_outputs_feed_the_awskms_stanza(sealed, dev_run):
    outputs = sealed.resolved["outputs"]
    assert outputs["vaultSealKmsKeyId"] == sealed.outputs_of(sealed.key("vault-seal"))["keyId"]
    assert outputs["vaultSealRoleArn"] == sealed.arn_of(sealed.one("aws:iam/role:Role", "vault-seal-role"))
    assert outputs["vaultSealRegion"] == "eu-central-1"
    assert "vaultSealKmsKeyId" not in dev_run.resolved["outputs"]  # off unless asked
    assert json.dumps(outputs)  # plain values
