"""The AWS cloud package: EKS, S3, ElastiCache, RDS PostgreSQL and MSK for Rasa Pro.

`AWS` (components/aws/services.py) satisfies `components.cloud.Cloud`. It is imported lazily:
infra/settings.py loads `components.aws.presets` while settings are validated, and that must not
pull in the Pulumi provider SDKs (or import infra.settings back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.aws.services import AWS as AWS

__all__ = ["AWS"]


def __getattr__(name: str) -> Any:
    if name == "AWS":
        from components.aws.services import AWS

        return AWS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
