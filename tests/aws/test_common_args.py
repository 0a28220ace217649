"""The shared CommonArgs reach every AWS component the same way: name, tags, protection and a
customer key given from outside instead of the component's own."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.context import AwsContext
from components.aws.model_storage import ModelStorage, ModelStorageArgs
from components.common import CommonArgs
from tests.support.engine import register

GIVEN_KEY = "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def model_storage_with(common: CommonArgs):
    def body():
        provider = aws.Provider("aws", region="eu-central-1")
        ctx = AwsContext(common=common, provider=provider, region="eu-central-1", partition="aws",
                         account_id=pulumi.Output.from_input("123456789012"), log_retention_days=30)
        ModelStorage("models", ModelStorageArgs(ctx, model_key="models/bot.tar.gz", noncurrent_version_days=7),
                     opts=ctx.options())
    return register(body)


def test_a_given_customer_key_replaces_the_components_own():
    registered = model_storage_with(CommonArgs(name="rasa-x", tags={"team": "bots"}, protect=True, encryption_key=GIVEN_KEY))
    assert [r for r in registered if r.type == "aws:kms/key:Key"] == []
    (encryption,) = [r for r in registered if r.type.endswith("BucketServerSideEncryptionConfiguration")]
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == GIVEN_KEY


def test_without_a_given_key_the_component_creates_its_own_and_common_args_shape_it():
    registered = model_storage_with(CommonArgs(name="rasa-x", tags={"team": "bots"}, protect=False))
    (key,) = [r for r in registered if r.type == "aws:kms/key:Key"]
    (bucket,) = [r for r in registered if r.type == "aws:s3/bucket:Bucket"]
    assert bucket.inputs["bucketPrefix"].startswith("rasa-x-models-")
    assert bucket.inputs["tags"]["team"] == "bots" and key.inputs["tags"]["team"] == "bots"
    assert not bucket.protect and not key.protect
    protected = model_storage_with(CommonArgs(name="rasa-x", protect=True))
    assert all(r.protect for r in protected if r.type in ("aws:s3/bucket:Bucket", "aws:kms/key:Key"))
