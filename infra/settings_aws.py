"""AWS-only settings (`rasa-platform:aws`)."""

from __future__ import annotations

from infra.config_types import Section


class AwsSettings(Section):
    # Reach RDS, ElastiCache and MSK with IAM (IRSA) instead of passwords (Rasa Pro 3.14+).
    iam_auth: bool = False
