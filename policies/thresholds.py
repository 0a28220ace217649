"""The pack's config keys: thresholds every rule may read, their defaults and their JSON schema.

A rule declares which of these it reads (`config=` in policies/rules); the schema is published
with the rule, `policies.config` validates config files against it, and checks read values with
`RuleContext.config`.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyConfigSchema

ENVIRONMENTS = ("dev", "staging", "prod")

DEFAULTS: dict[str, Any] = {
    "environment": None,  # fallback when a resource carries no environment label/tag
    "minBackupDays": 7,
    "minBackupDaysProd": 14,
    "allowedRegions": [],  # empty: any region
    "requiredTags": [],  # empty: no tag required
}

CONFIG_PROPERTIES: dict[str, dict[str, Any]] = {
    "environment": {
        "type": "string",
        "enum": list(ENVIRONMENTS),
        "description": "Environment of the stack when a resource carries no 'rasa-platform.io/environment' "
        "label (Kubernetes) or 'rasa-platform:environment' tag (cloud resources).",
    },
    "minBackupDays": {"type": "integer", "minimum": 1, "default": 7,
                      "description": "Minimum backup retention in days (dev, staging)."},
    "minBackupDaysProd": {"type": "integer", "minimum": 1, "default": 14,
                          "description": "Minimum backup retention in days in prod."},
    "allowedRegions": {"type": "array", "items": {"type": "string"}, "default": [],
                       "description": "Regions resources may be created in; empty allows any."},
    "requiredTags": {"type": "array", "items": {"type": "string"}, "default": [],
                     "description": "Tag keys every taggable cloud resource must carry."},
}


def config_schema(*keys: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties={k: dict(CONFIG_PROPERTIES[k]) for k in keys})
