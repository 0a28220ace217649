"""Workload identities: a user-assigned identity federated to exactly one Kubernetes service
account of the cluster's OIDC issuer, and Rasa's own.

Rasa's services on Azure all take secrets rather than Entra tokens (the Blob persistor an account
key, Redis an access key, PostgreSQL a password, Event Hubs a SAS connection string), so Rasa's
identity carries one role only: reading (or, with modelStorage.allowUploadFromCluster, writing) the
model container, for Azure SDK clients in the pod (DefaultAzureCredential picks it up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native.managedidentity as managedidentity

from components.azure.context import AzureContext, ClusterAccess, role_assignment
from components.cloud import RASA_SERVICE_ACCOUNT
from components.contracts import WorkloadIdentity

TOKEN_AUDIENCE = "api://AzureADTokenExchange"


def federated_identity(
    ctx: AzureContext, name: str, *, parent: pulumi.Resource, cluster: ClusterAccess, namespace: str,
    service_account: str, purpose: str,
) -> managedidentity.UserAssignedIdentity:
    identity = managedidentity.UserAssignedIdentity(
        f"{name}-identity", resource_name_=ctx.name(purpose, 128), resource_group_name=ctx.resource_group_name,
        location=ctx.location, tags=ctx.tags(), opts=pulumi.ResourceOptions(parent=parent),
    )
    managedidentity.FederatedIdentityCredential(
        f"{name}-federation",
        federated_identity_credential_resource_name=f"{namespace}-{service_account}",
        resource_name_=identity.name,
        resource_group_name=ctx.resource_group_name,
        issuer=cluster.oidc_issuer_url,
        # Only this service account of this cluster may exchange its token for the identity.
        subject=f"system:serviceaccount:{namespace}:{service_account}",
        audiences=[TOKEN_AUDIENCE],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return identity


def workload_identity(client_id: pulumi.Input[str], tenant_id: pulumi.Input[str], *, env: bool = False) -> WorkloadIdentity:
    """Azure workload identity's contract: the client-id annotation and the `use` pod label (its
    webhook then injects AZURE_CLIENT_ID, AZURE_TENANT_ID and the token file)."""
    return WorkloadIdentity(
        service_account_annotations=pulumi.Output.from_input(client_id).apply(lambda c: {"azure.workload.identity/client-id": c}),
        pod_labels={"azure.workload.identity/use": "true"},
        env=pulumi.Output.all(client_id, tenant_id).apply(lambda v: {"AZURE_CLIENT_ID": v[0], "AZURE_TENANT_ID": v[1]}) if env else {},
    )


@dataclass(frozen=True)
class RasaIdentityArgs:
    context: AzureContext
    cluster: ClusterAccess
    namespace: str
    model_container_id: Optional[pulumi.Input[str]] = None
    allow_model_upload: bool = False


class RasaIdentity(pulumi.ComponentResource):
    workload_identity: WorkloadIdentity
    client_id: pulumi.Output[str]

    def __init__(self, name: str, args: RasaIdentityArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:RasaIdentity", name, None, opts)
        ctx = args.context
        identity = federated_identity(
            ctx, name, parent=self, cluster=args.cluster, namespace=args.namespace,
            service_account=RASA_SERVICE_ACCOUNT, purpose="rasa",
        )
        if args.model_container_id is not None:
            role = "Storage Blob Data Contributor" if args.allow_model_upload else "Storage Blob Data Reader"
            role_assignment(ctx, f"{name}-models", parent=self, scope=args.model_container_id, role=role,
                            principal_id=identity.principal_id, description="Rasa: the model container only")
        self.client_id = identity.client_id
        self.workload_identity = workload_identity(identity.client_id, ctx.tenant_id)
        self.register_outputs({"clientId": identity.client_id})
