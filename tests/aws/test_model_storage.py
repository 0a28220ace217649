"""S3 model storage: private, owner-enforced, SSE-KMS with the customer key, versioned, TLS ≥ 1.2."""

from __future__ import annotations

from tests.aws.harness import plan_for, provision


def test_all_four_public_access_blocks_are_on(prod_run):
    block = prod_run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block.inputs[flag] is True, flag


def test_acls_are_disabled_by_bucket_owner_enforced(prod_run):
    ownership = prod_run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_default_encryption_is_sse_kms_with_the_models_key_and_a_bucket_key(prod_run):
    encryption = prod_run.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    (rule,) = encryption.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": prod_run.key_arn("models")}
    assert rule["bucketKeyEnabled"] is True
    assert rule["blockedEncryptionTypes"] == ["SSE-C"]
    assert prod_run.key("models").inputs["enableKeyRotation"] is True


def test_versioning_on_and_noncurrent_versions_expire_per_preset(prod_run, dev_run):
    versioning = prod_run.one("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled", "mfaDelete": "Disabled"}
    for run, days in ((prod_run, 90), (dev_run, 7)):
        (rule,) = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
        assert rule["status"] == "Enabled"
        assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": days}
        assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}


def test_bucket_policy_denies_plain_http_and_tls_below_1_2_on_bucket_and_objects(prod_run):
    policy = prod_run.one("aws:s3/bucketPolicy:BucketPolicy")
    bucket = prod_run.one("aws:s3/bucket:Bucket")
    bucket_arn = prod_run.arn_of(bucket)
    statements = {s["Sid"]: s for s in policy.policy()["Statement"]}
    insecure, old_tls = statements["DenyInsecureTransport"], statements["DenyTlsOlderThan12"]
    for statement in (insecure, old_tls):
        assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
        assert statement["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
    assert insecure["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert old_tls["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    # S3 rejects a policy while the public access block is being applied
    assert prod_run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").urn in policy.dependencies


def test_every_bucket_setting_targets_the_bucket(prod_run):
    name = prod_run.resolved["model_storage"].bucket
    for type_ in (
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketPolicy:BucketPolicy",
    ):
        assert prod_run.one(type_).inputs["bucket"] == name, type_


def test_bucket_is_protected_in_prod_and_never_force_destroyed(prod_run, dev_run):
    prod_bucket, dev_bucket = prod_run.one("aws:s3/bucket:Bucket"), dev_run.one("aws:s3/bucket:Bucket")
    assert prod_bucket.protect is True and dev_bucket.protect is False
    assert prod_bucket.inputs["forceDestroy"] is False and dev_bucket.inputs["forceDestroy"] is False
    assert prod_bucket.inputs["bucketPrefix"] == "rasa-aws-test-models-"


def test_connection_names_bucket_model_key_and_region(prod_run):
    connection = prod_run.resolved["model_storage"]
    assert connection.provider == "aws" and connection.origin == "managed"
    assert connection.bucket.startswith("rasa-aws-test-models-")
    assert connection.model_key == "models/rasa-model.tar.gz"
    assert connection.region == "eu-central-1" and connection.endpoint_url is None


def test_a_bucket_name_from_settings_is_used_as_is():
    run = provision(plan_for("dev", modelStorage={"bucket": "acme-rasa-models-dev"}))
    assert run.one("aws:s3/bucket:Bucket").inputs["bucket"] == "acme-rasa-models-dev"
    assert run.resolved["model_storage"].bucket == "acme-rasa-models-dev"
