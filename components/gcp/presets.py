"""GCP sizes per environment: values of the `rasa-platform:gcp` section only.

The generic presets (replicas, backups, high availability, protection) are infra/presets.py's;
these add what only GCP has. Prod nodes (e2-standard-16 / n2-standard-16: 16 vCPU, 64 GiB) fit
two Rasa pods at their prod requests (4 vCPU, 8 GiB) plus a rollout's surge; the capacity check
(components/gcp/machine_types.py) proves it before anything is created.
"""

from __future__ import annotations

from typing import Any

GCP_PRESETS: dict[str, dict[str, Any]] = {
    "dev": {
        "cluster": {"releaseChannel": "REGULAR"},
        "nodePool": {"machineType": "e2-standard-4"},
        "trackerStore": {"tier": "db-custom-2-7680"},
        "lockStore": {"memorySizeGb": 1},
        "eventQueue": {"vcpuCount": 3, "memoryGb": 3},
        "modelStorage": {"softDeleteDays": 7},
    },
    "staging": {
        "cluster": {"releaseChannel": "REGULAR"},
        "nodePool": {"machineType": "n2-standard-8"},
        "trackerStore": {"tier": "db-custom-2-7680"},
        "lockStore": {"memorySizeGb": 2},
        "eventQueue": {"vcpuCount": 3, "memoryGb": 6},
        "modelStorage": {"softDeleteDays": 14},
    },
    "prod": {
        "cluster": {"releaseChannel": "STABLE"},
        "nodePool": {"machineType": "n2-standard-16"},
        "trackerStore": {"tier": "db-custom-4-16384"},
        "lockStore": {"memorySizeGb": 5},
        "eventQueue": {"vcpuCount": 6, "memoryGb": 24},
        "modelStorage": {"softDeleteDays": 30},
    },
}
