"""The AWS cloud package: EKS, S3, ElastiCache, RDS PostgreSQL and MSK for Rasa Pro.

`AWS` is its one spec object (listed in components/registry.py): the `rasa-platform:aws` settings
section and presets, the plan step (components/aws/plan.py), the provision step
(components/aws/provision.py), the offline mock outputs, the tag scheme and the typical creation
times of its slow resource types (components/aws/creation_times.py).
"""

from __future__ import annotations

from components.aws.creation_times import AWS_CREATION_TIMES
from components.ingress import INSTALLED as TRAEFIK_WITH_CERT_MANAGER
from components.aws.mock_outputs import AWS_MOCKS
from components.aws.plan import plan
from components.aws.presets import AWS_PRESETS
from components.aws.provision import provision
from components.aws.regions import AWS_REGIONS
from components.aws.settings import AwsSettings
from components.aws.tags import AWS_TAGS
from components.cloud import CloudSpec

AWS = CloudSpec(
    name="aws",
    title="AWS",
    description="EKS, S3, ElastiCache (Redis OSS), RDS PostgreSQL, MSK, IRSA, a KMS key for Vault's seal",
    settings_model=AwsSettings,
    regions=AWS_REGIONS,
    sdk="pulumi_aws",
    tag_property="tags",
    remote_storage="aws",
    tags=AWS_TAGS,
    presets=AWS_PRESETS,
    managed=frozenset({"cluster", "modelStorage", "lockStore", "trackerStore", "eventQueue", "analytics.database"}),
    # Its own Kafka first; `confluent`: Confluent Cloud in this cloud's region (components/confluent).
    event_queue_providers=("msk", "confluent"),
    analytics_consumer=True,  # an MSK SCRAM user of its own (components/aws/event_queue.py)
    existing_iam_auth=lambda aws: aws.iam_auth,
    seals_vault=lambda aws: aws.vault_seal.enabled,
    vault_seal_setting="aws.vaultSeal.enabled: true",
    plan=plan,
    provision=provision,
    mocks=AWS_MOCKS,
    ingress_controller=TRAEFIK_WITH_CERT_MANAGER,
    uploads_models=True,
    creation_times=AWS_CREATION_TIMES,
)

__all__ = ["AWS"]
