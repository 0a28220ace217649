"""S3 for trained models: private, owner-enforced, SSE-KMS with a customer key, versioned, TLS ≥ 1.2.

pulumi-aws v7 splits a bucket's settings into separate resources; each one below is the written-out
value, never the service default. Rasa reads `<modelKey>` (`rasa run --remote-storage aws`); who
may read or write it is decided by the Rasa IRSA role (components/aws/identity.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.aws.context import AwsContext, policy_document
from components.aws.kms import CustomerKey, CustomerKeyArgs
from components.contracts import ModelStorageConnection


@dataclass(frozen=True)
class ModelStorageArgs:
    context: AwsContext


class ModelStorage(pulumi.ComponentResource):
    connection: ModelStorageConnection
    bucket: aws.s3.Bucket
    key: CustomerKey

    def __init__(self, name: str, args: ModelStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:ModelStorage", name, None, opts)
        ctx = args.context
        settings = ctx.settings.model_storage
        child = pulumi.ResourceOptions(parent=self)

        self.key = CustomerKey(f"{name}-key", CustomerKeyArgs(ctx, "models", "S3 model storage (SSE-KMS)"), opts=child)
        naming = {"bucket": settings.bucket} if settings.bucket else {"bucket_prefix": f"{ctx.name('models', 36)}-"}
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            **naming,
            force_destroy=False,
            object_lock_enabled=False,
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        bucket_id = self.bucket.bucket  # the name: what S3 APIs and policies key on

        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"},  # ACLs off: the bucket policy decides
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[{
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": self.key.arn,
                },
                # One data key per bucket instead of per object: fewer KMS calls, same protection.
                "bucket_key_enabled": True,
                # Objects encrypted with a client-supplied key could not be read by Rasa.
                "blocked_encryption_types": ["SSE-C"],
            }],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled", "mfa_delete": "Disabled"},
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=[{
                "id": "expire-noncurrent-models",
                "status": "Enabled",
                "filter": {},  # every object
                "noncurrent_version_expiration": {"noncurrent_days": settings.noncurrent_version_days},
                "expiration": {"expired_object_delete_marker": True},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
            }],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        resources = [self.bucket.arn, self.bucket.arn.apply(lambda arn: f"{arn}/*")]
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=policy_document([
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": resources,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Sid": "DenyTlsOlderThan12",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": resources,
                    "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
                },
            ]),
            # S3 rejects a policy while the public access block is still being applied.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )

        self.connection = ModelStorageConnection(
            provider="aws",
            bucket=self.bucket.bucket,
            model_key=settings.model_key,
            origin="managed",
            region=ctx.region,
            resource_name=self.bucket.bucket,
        )
        self.register_outputs({"bucket": self.bucket.bucket, "kmsKeyArn": self.key.arn})
