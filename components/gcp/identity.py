"""Rasa's Google service account: what the Rasa pod may do in Google Cloud, and nothing more.

Rasa's Kubernetes service account `<namespace>/rasa-pro` may act as it (roles/iam.workloadIdentityUser
for that one member, GKE Workload Identity). On the model bucket it may read: Rasa's GCS persistor
calls `get_bucket` at start (storage.buckets.get, in roles/storage.legacyBucketReader with
objects.list) and downloads the model (roles/storage.legacyObjectReader: objects.get). With
modelStorage.allowUploadFromCluster it gets roles/storage.objectUser instead of the object reader
(create and overwrite). The bucket's key is used by the storage service agent, never by Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp

from components.cloud import RASA_SERVICE_ACCOUNT
from components.contracts import NetworkAccess, WorkloadIdentity
from components.gcp.context import GcpContext

SERVICE_ACCOUNT_ANNOTATION = "iam.gke.io/gcp-service-account"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
READ_ROLES = ("roles/storage.legacyBucketReader", "roles/storage.legacyObjectReader")
UPLOAD_ROLES = ("roles/storage.legacyBucketReader", "roles/storage.objectUser")


# Pods get Workload Identity tokens from the GKE metadata server; with Dataplane V2 enforcing an egress
# NetworkPolicy it must be allowed explicitly (GKE: Workload Identity Federation, restrictions,
# https://cloud.google.com/kubernetes-engine/docs/concepts/workload-identity).
METADATA_SERVER = (
    NetworkAccess(ports=(80,), cidrs=("169.254.169.254/32",)),
    NetworkAccess(ports=(988,), cidrs=("169.254.169.252/32",)),
)


def bucket_roles(allow_upload: bool) -> tuple[str, ...]:
    return UPLOAD_ROLES if allow_upload else READ_ROLES


@dataclass(frozen=True)
class RasaIdentityArgs:
    context: GcpContext
    namespace: str  # Rasa's namespace: only `<namespace>/rasa-pro` may act as the account
    model_bucket: Optional[pulumi.Input[str]] = None  # the GCS bucket Rasa loads models from
    allow_model_upload: bool = False


def workload_identity_binding(
    ctx: GcpContext, name: str, account: gcp.serviceaccount.Account, namespace: str, service_account: str,
    parent: pulumi.Resource,
) -> gcp.serviceaccount.IAMMember:
    """Only this Kubernetes service account may act as `account`."""
    return gcp.serviceaccount.IAMMember(
        name,
        service_account_id=account.name,
        role=WORKLOAD_IDENTITY_USER,
        member=ctx.workload_identity_member(namespace, service_account),
        opts=pulumi.ResourceOptions(parent=parent),
    )


class RasaIdentity(pulumi.ComponentResource):
    workload_identity: WorkloadIdentity
    email: pulumi.Output[str]

    def __init__(self, name: str, args: RasaIdentityArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:gcp:RasaIdentity", name, None, opts)
        ctx = args.context
        account = gcp.serviceaccount.Account(
            f"{name}-account",
            account_id=ctx.account_id("rasa"),
            project=ctx.project,
            display_name="Rasa Pro",
            description=f"Rasa Pro ({args.namespace}/{RASA_SERVICE_ACCOUNT}) through GKE Workload Identity",
            opts=pulumi.ResourceOptions(parent=self),
        )
        binding = workload_identity_binding(ctx, f"{name}-workload-identity", account, args.namespace, RASA_SERVICE_ACCOUNT, self)
        self.ready: list[pulumi.Resource] = [binding]
        if args.model_bucket is not None:
            member = ctx.service_account_member(account.email)
            for role in bucket_roles(args.allow_model_upload):
                self.ready.append(gcp.storage.BucketIAMMember(
                    f"{name}-{role.rsplit('.', 1)[-1]}",
                    bucket=args.model_bucket,
                    role=role,
                    member=member,
                    opts=pulumi.ResourceOptions(parent=self),
                ))
        self.email = account.email
        self.workload_identity = WorkloadIdentity(
            service_account_annotations=account.email.apply(lambda email: {SERVICE_ACCOUNT_ANNOTATION: email}),
            network=METADATA_SERVER,
        )
        self.register_outputs({"email": self.email})
