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
from components.aws.kms import service_key_arn
from components.contracts import ModelStorageConnection


@dataclass(frozen=True)
class ModelStorageArgs:
    context: AwsContext
    model_key: str  # the object Rasa loads (`rasa run --model`)
    noncurrent_version_days: int  # how long replaced model versions are kept
    bucket: Optional[str] = None  # a fixed bucket name; default: `<base>-models-<random>`


class ModelStorage(pulumi.ComponentResource):
    connection: ModelStorageConnection
    bucket: aws.s3.Bucket
    key_arn: pulumi.Input[str]

    def __init__(self, name: str, args: ModelStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:ModelStorage", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)

        self.key_arn = service_key_arn(ctx, name, "models", "S3 model storage (SSE-KMS)", self)
        naming = {"bucket": args.bucket} if args.bucket else {"bucket_prefix": f"{ctx.name('models', 36)}-"}
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
                    "kms_master_key_id": self.key_arn,
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
                "noncurrent_version_expiration": {"noncurrent_days": args.noncurrent_version_days},
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
            model_key=args.model_key,
            origin="managed",
            region=ctx.region,
            resource_name=self.bucket.bucket,
        )
        self.register_outputs({"bucket": self.bucket.bucket, "kmsKeyArn": self.key_arn})
