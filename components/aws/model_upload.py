"""The trained model a stack names in `modelStorage.uploadFrom`, uploaded to the managed bucket.

One S3 object at the key Rasa fetches, SSE-KMS with the bucket's customer key and bucket key (the
bucket refuses anything else), its content from the local file and `source_hash` set to the file's
SHA-256, so a changed file updates the object (versioning keeps the previous one). The archive was
read and checked against the image's Rasa version before anything existed
(components/model_archive.py). Azure (a blob) and GCP (a GCS object) do the same and hand the
resource back as `CloudServices.model_object`; the Rasa Deployment waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.aws.context import AwsContext
from components.aws.tags import AWS_TAGS
from components.model_archive import ModelArchive, object_key

S3_OBJECT_TAG_LIMIT = 10


@dataclass(frozen=True)
class ModelUploadArgs:
    context: AwsContext
    bucket: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    model_key: str  # `modelStorage.modelKey`; Rasa appends .tar.gz when it is missing
    archive: ModelArchive
    depends_on: Sequence[pulumi.Resource] = ()  # the bucket's encryption and policy


class ModelUpload(pulumi.ComponentResource):
    def __init__(self, name: str, args: ModelUploadArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:ModelUpload", name, None, opts)
        ctx = args.context
        # S3 takes at most 10 tags on an object: the platform's own first, then the stack's while they fit.
        own = (AWS_TAGS.stack_key, AWS_TAGS.environment_key)
        tags = dict(sorted(ctx.tags().items(), key=lambda kv: kv[0] not in own))
        self.object = aws.s3.BucketObjectv2(
            f"{name}-object",
            bucket=args.bucket,
            key=object_key(args.model_key),
            source=pulumi.FileAsset(str(args.archive.path)),
            source_hash=args.archive.sha256,
            content_type="application/gzip",
            server_side_encryption="aws:kms",
            kms_key_id=args.kms_key_arn,
            bucket_key_enabled=True,
            metadata={"rasa-version": args.archive.rasa_version},
            tags=dict(list(tags.items())[:S3_OBJECT_TAG_LIMIT]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on) or None),
        )
        self.register_outputs({"key": self.object.key, "versionId": self.object.version_id})
