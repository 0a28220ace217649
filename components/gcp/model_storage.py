"""GCS for trained models: uniform bucket-level access, public access prevention enforced,
versioning with a noncurrent-version lifecycle, CMEK, soft delete.

Rasa reads `<modelKey>` (`rasa run --remote-storage gcs`) with its Workload Identity; who may read or
write is decided by components/gcp/identity.py. With `modelStorage.uploadFrom` the local model is
uploaded as an object of this stack (`model_object`), so Rasa starts with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from components.contracts import ModelStorageConnection
from components.model_archive import ModelArchive, object_key
from components.gcp.context import GcpContext
from components.gcp.kms import KeyRing


@dataclass(frozen=True)
class ModelStorageArgs:
    context: GcpContext
    keys: KeyRing
    model_key: str  # the object Rasa loads (`rasa run --model`)
    noncurrent_version_days: int  # how long replaced model versions are kept
    soft_delete_days: int  # how long deleted objects stay restorable
    bucket: Optional[str] = None  # a fixed bucket name; default `<base>-models-<random>`
    upload_from: Optional[ModelArchive] = None  # modelStorage.uploadFrom, read and checked by the plan


class ModelStorage(pulumi.ComponentResource):
    connection: ModelStorageConnection
    bucket: gcp.storage.Bucket
    key_id: pulumi.Output[str]
    model_object: Optional[gcp.storage.BucketObject] = None

    def __init__(self, name: str, args: ModelStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:ModelStorage", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)

        # GCS encrypts with the key as the project's storage service agent.
        agent = gcp.storage.get_project_service_account_output(project=ctx.project, opts=pulumi.InvokeOptions(parent=self))
        key = args.keys.key(f"{name}-key", "models", self, users=[agent.email_address.apply(lambda e: f"serviceAccount:{e}")])
        self.key_id = key.id

        if args.bucket:
            bucket_name: pulumi.Input[str] = args.bucket
        else:
            bucket_name = ctx.unique_name(f"{name}-suffix", "models", self)  # bucket names are global
        self.bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=bucket_name,
            project=ctx.project,
            location=ctx.region.upper(),
            storage_class="STANDARD",
            uniform_bucket_level_access=True,  # IAM only, no object ACLs
            public_access_prevention="enforced",  # never public, whatever IAM says
            versioning={"enabled": True},
            soft_delete_policy={"retention_duration_seconds": args.soft_delete_days * 86400},
            encryption={"default_kms_key_name": key.id},
            lifecycle_rules=[
                {
                    "action": {"type": "Delete"},
                    "condition": {"days_since_noncurrent_time": args.noncurrent_version_days, "with_state": "ARCHIVED"},
                },
                {
                    "action": {"type": "AbortIncompleteMultipartUpload"},
                    "condition": {"age": 7},
                },
            ],
            force_destroy=False,
            default_event_based_hold=False,
            requester_pays=False,
            labels=ctx.labels,
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, depends_on=key.ready),
        )

        if args.upload_from:
            # Replaced when the file's content changes; encrypted with the bucket's default key.
            self.model_object = gcp.storage.BucketObject(
                f"{name}-model",
                bucket=self.bucket.name,
                name=object_key(args.model_key),
                source=pulumi.FileAsset(str(args.upload_from.path)),
                metadata={"rasa-version": args.upload_from.rasa_version, "sha256": args.upload_from.sha256},
                content_type="application/gzip",
                opts=child,
            )

        self.connection = ModelStorageConnection(
            provider="gcs",
            bucket=self.bucket.name,
            model_key=args.model_key,
            origin="managed",
            region=ctx.region,
            resource_name=self.bucket.name,
        )
        self.register_outputs({"bucket": self.bucket.name, "kmsKeyId": self.key_id})
