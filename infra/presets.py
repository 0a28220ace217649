"""Environment presets: the defaults a stack starts from before its own config is applied.

Every value here can be overridden per stack (same key in `stacks/Pulumi.<stack>.yaml`). The
generic presets below set only cloud-neutral keys; each registered cloud adds its own section's
presets (`CloudSpec.presets`, e.g. components/aws/presets.py).
"""

from __future__ import annotations

from typing import Any

from components.registry import CLOUDS

ENVIRONMENT_PRESETS: dict[str, dict[str, Any]] = {
    "dev": {
        "protection": False,
        "network": {"zones": 2},
        "cluster": {"nodeCountMin": 2, "nodeCountMax": 3},
        "rasa": {
            "replicas": 1,
            "autoscaling": {"enabled": False, "minReplicas": 1, "maxReplicas": 1},
            "podDisruptionBudget": False,
            "resources": {"cpuRequest": "1", "memoryRequest": "2Gi", "cpuLimit": "2", "memoryLimit": "4Gi"},
        },
        "trackerStore": {"backupDays": 7, "highAvailability": False},
        "lockStore": {"highAvailability": False, "snapshotDays": 0},
        "eventQueue": {"replicationFactor": 2, "retentionHours": 72},
        "modelStorage": {"noncurrentVersionDays": 7},
        "vault": {"servers": 1},
        "analytics": {"enabled": False},
    },
    "staging": {
        "protection": True,
        "network": {"zones": 3},
        "cluster": {"nodeCountMin": 3, "nodeCountMax": 6},
        "rasa": {
            "replicas": 2,
            "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 3},
            "podDisruptionBudget": True,
            "resources": {"cpuRequest": "2", "memoryRequest": "4Gi", "cpuLimit": "4", "memoryLimit": "8Gi"},
            "actionServer": {"replicas": 2, "podDisruptionBudget": True},
        },
        "trackerStore": {"backupDays": 7, "highAvailability": False},
        "lockStore": {"highAvailability": True, "snapshotDays": 1},
        "eventQueue": {"replicationFactor": 3, "retentionHours": 168},
        "modelStorage": {"noncurrentVersionDays": 30},
        "vault": {"servers": 3},
        "analytics": {"enabled": True, "replicas": 2, "podDisruptionBudget": True},
    },
    "prod": {
        "protection": True,
        "network": {"zones": 3},
        "cluster": {"nodeCountMin": 3, "nodeCountMax": 9},
        "rasa": {
            "replicas": 2,
            "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 6},
            "podDisruptionBudget": True,
            # Rasa's hardware guidance for a CALM assistant: 8 vCPU / 16 GB per instance.
            "resources": {"cpuRequest": "4", "memoryRequest": "8Gi", "cpuLimit": "8", "memoryLimit": "16Gi"},
            # At least two action servers, kept through node drains (the prod policies ask for both).
            "actionServer": {"replicas": 2, "podDisruptionBudget": True},
        },
        "trackerStore": {"backupDays": 14, "highAvailability": True},
        "lockStore": {"highAvailability": True, "snapshotDays": 7},
        "eventQueue": {"replicationFactor": 3, "retentionHours": 168},
        "modelStorage": {"noncurrentVersionDays": 90},
        "vault": {"servers": 3},
        # Rasa Pro Services' minimum guidance: 2 vCPU / 4 GB, requested in prod.
        "analytics": {
            "enabled": True, "replicas": 2, "podDisruptionBudget": True,
            "resources": {"cpuRequest": "2", "memoryRequest": "4Gi", "cpuLimit": "2", "memoryLimit": "4Gi"},
        },
    },
}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return base updated by override, recursing into nested mappings (override wins)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def preset_for(environment: str, cloud: str) -> dict[str, Any]:
    """The generic preset of `environment` plus the cloud's own section preset."""
    preset = dict(ENVIRONMENT_PRESETS.get(environment, {}))
    spec = CLOUDS.get(cloud)
    own = spec.presets.get(environment) if spec else None
    if own:
        preset[cloud] = dict(own)
    return preset
