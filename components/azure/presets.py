"""Azure sizes per environment: values of the `rasa-platform:azure` section only.

The generic presets (replicas, backups, high availability, protection) are infra/presets.py's;
these add what only Azure has: VM sizes, service SKUs, storage redundancy, Key Vault recovery.
Prod user nodes fit three Rasa pods at their prod requests (4 vCPU, 8 GiB); the plan step checks
that the pods fit (components/azure/vm_sizes.py). Every value can be overridden in a stack file.
"""

from __future__ import annotations

from typing import Any

AZURE_PRESETS: dict[str, dict[str, Any]] = {
    "dev": {
        "keyVaultSoftDeleteDays": 7, "logRetentionDays": 30,
        "cluster": {"systemVmSize": "Standard_D2ds_v5", "userVmSize": "Standard_D4ds_v5", "systemNodeCount": 1, "skuTier": "Free"},
        "modelStorage": {"replication": "Standard_ZRS", "softDeleteDays": 7},
        "lockStore": {"sku": "Balanced_B1"},
        "trackerStore": {"sku": "Standard_B2ms"},
        "eventQueue": {"sku": "Standard", "capacity": 1},
    },
    "staging": {
        "keyVaultSoftDeleteDays": 30, "logRetentionDays": 90,
        "cluster": {"systemVmSize": "Standard_D4ds_v5", "userVmSize": "Standard_D8ds_v5", "systemNodeCount": 2, "skuTier": "Standard"},
        "modelStorage": {"replication": "Standard_ZRS", "softDeleteDays": 14},
        "lockStore": {"sku": "Balanced_B3"},
        "trackerStore": {"sku": "Standard_D2ds_v5"},
        "eventQueue": {"sku": "Standard", "capacity": 2},
    },
    "prod": {
        "keyVaultSoftDeleteDays": 90, "logRetentionDays": 365,
        "cluster": {"systemVmSize": "Standard_D4ds_v5", "userVmSize": "Standard_D16ds_v5", "systemNodeCount": 3, "skuTier": "Standard"},
        "modelStorage": {"replication": "Standard_GZRS", "softDeleteDays": 30},
        "lockStore": {"sku": "Balanced_B5"},
        "trackerStore": {"sku": "Standard_D4ds_v5"},
        "eventQueue": {"sku": "Premium", "capacity": 1},
    },
}
