"""Rasa's IRSA role: what the Rasa pod may do in AWS, and nothing more.

* model storage: find the bucket (HeadBucket needs s3:ListBucket) and read objects under the
  model key's prefix; write there only when modelStorage.allowUploadFromCluster is set;
* with aws.iamAuth: `rds-db:connect` as Rasa's database user on this instance only,
  `elasticache:Connect` to this replication group as this user only, and the Kafka actions a
  producer needs on this cluster and this topic only.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from components.aws.context import AwsContext, ClusterAccess, irsa_trust_policy, policy_document, role
from components.cloud import RASA_SERVICE_ACCOUNT
from components.contracts import WorkloadIdentity

ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


def model_object_patterns(model_key: str) -> list[str]:
    """Object keys Rasa may touch: everything under the model's folder, or the model itself
    (Rasa appends .tar.gz to a key without it)."""
    folder = posixpath.dirname(model_key)
    if folder:
        return [f"{folder}/*"]
    return sorted({model_key, model_key if model_key.endswith(".tar.gz") else f"{model_key}.tar.gz"})


def topic_arn(cluster_arn: str, topic: str) -> str:
    """arn:...:cluster/<name>/<uuid> → arn:...:topic/<name>/<uuid>/<topic>."""
    return f"{cluster_arn.replace(':cluster/', ':topic/', 1)}/{topic}"


@dataclass(frozen=True)
class RasaIdentityArgs:
    context: AwsContext
    cluster: ClusterAccess
    namespace: str  # Rasa's namespace: the role trusts `<namespace>/rasa-pro` only
    model_key: str  # the model object: reads are allowed under its folder only
    allow_model_upload: bool = False  # write there too (training in the cluster)
    database_username: str = "rasa"  # the RDS role Rasa connects as with IAM auth
    model_bucket_arn: Optional[pulumi.Input[str]] = None  # S3 bucket Rasa loads models from
    model_kms_key_arn: Optional[pulumi.Input[str]] = None  # its SSE-KMS key, when we manage it
    # IAM authentication targets (set only with aws.iamAuth and a managed service)
    rds_resource_id: Optional[pulumi.Input[str]] = None
    elasticache_arns: tuple[pulumi.Input[str], ...] = ()  # replication group and Rasa's user
    msk_cluster_arn: Optional[pulumi.Input[str]] = None
    msk_topic: Optional[pulumi.Input[str]] = None


def rasa_statements(args: RasaIdentityArgs) -> list[dict[str, Any]]:
    ctx = args.context
    statements: list[dict[str, Any]] = []
    if args.model_bucket_arn is not None:
        bucket_arn = pulumi.Output.from_input(args.model_bucket_arn)
        objects = [bucket_arn.apply(lambda arn, p=p: f"{arn}/{p}") for p in model_object_patterns(args.model_key)]
        upload = args.allow_model_upload
        statements.append({"Sid": "FindModelBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn})
        statements.append({"Sid": "ReadModels", "Effect": "Allow", "Action": "s3:GetObject", "Resource": objects})
        if upload:
            statements.append({
                "Sid": "UploadModels",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                "Resource": objects,
            })
        if args.model_kms_key_arn is not None:
            statements.append({
                "Sid": "ModelKeyThroughS3Only",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"] if upload else ["kms:Decrypt"],
                "Resource": args.model_kms_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{ctx.region}.{ctx.dns_suffix}"}},
            })
    if args.rds_resource_id is not None:
        username = args.database_username
        statements.append({
            "Sid": "TrackerStoreAsRasaUser",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": pulumi.Output.all(ctx.account_id, args.rds_resource_id).apply(
                lambda v: f"arn:{ctx.partition}:rds-db:{ctx.region}:{v[0]}:dbuser:{v[1]}/{username}"
            ),
        })
    if args.elasticache_arns:
        statements.append({
            "Sid": "LockStoreAsRasaUser",
            "Effect": "Allow",
            "Action": "elasticache:Connect",
            "Resource": list(args.elasticache_arns),
        })
    if args.msk_cluster_arn is not None and args.msk_topic is not None:
        cluster_arn = pulumi.Output.from_input(args.msk_cluster_arn)
        statements.append({
            "Sid": "EventQueueCluster",
            "Effect": "Allow",
            "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"],
            "Resource": cluster_arn,
        })
        statements.append({
            "Sid": "EventQueueTopicProduceOnly",
            "Effect": "Allow",
            "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
            "Resource": pulumi.Output.all(cluster_arn, args.msk_topic).apply(lambda v: topic_arn(v[0], v[1])),
        })
    return statements


class RasaIdentity(pulumi.ComponentResource):
    workload_identity: WorkloadIdentity
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: RasaIdentityArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:RasaIdentity", name, None, opts)
        ctx = args.context
        namespace = args.namespace
        statements = rasa_statements(args)
        rasa_role = role(
            ctx, f"{name}-role", parent=self,
            assume_role_policy=irsa_trust_policy(args.cluster, namespace, RASA_SERVICE_ACCOUNT),
            description=f"Rasa Pro ({namespace}/{RASA_SERVICE_ACCOUNT}): models and, with IAM auth, data services",
            purpose="rasa",
            inline_policy=policy_document(statements) if statements else None,
        )
        self.role_arn = rasa_role.arn
        self.workload_identity = WorkloadIdentity(
            service_account_annotations=rasa_role.arn.apply(lambda arn: {ROLE_ANNOTATION: arn}),
        )
        self.register_outputs({"roleArn": self.role_arn})
