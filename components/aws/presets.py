"""AWS sizes and protections per environment (merged under the generic presets in infra/presets.py).

Every value can be overridden in a stack file. Sizes follow Rasa's hardware guidance (a CALM
instance wants up to 8 vCPU / 16 GB): prod nodes fit two Rasa pods at their prod requests.
Keep this module free of Pulumi imports: infra/settings.py loads it while validating.
"""

from __future__ import annotations

from typing import Any

AWS_PRESETS: dict[str, dict[str, Any]] = {
    "dev": {
        "network": {"zones": 2},
        "cluster": {"nodeInstanceType": "m6i.large", "nodeCountMin": 2, "nodeCountMax": 3},
        "trackerStore": {"instanceClass": "db.t4g.medium"},
        "lockStore": {"nodeType": "cache.t4g.small"},
        "eventQueue": {"brokerInstanceType": "kafka.t3.small", "brokerStorageGb": 20},
        "aws": {"natGateways": "single", "flowLogs": False, "logRetentionDays": 30, "protect": False},
    },
    "staging": {
        "network": {"zones": 3},
        "cluster": {"nodeInstanceType": "m6i.xlarge", "nodeCountMin": 3, "nodeCountMax": 6},
        "trackerStore": {"instanceClass": "db.m6g.large"},
        "lockStore": {"nodeType": "cache.t4g.medium"},
        "eventQueue": {"brokerInstanceType": "kafka.m7g.large", "brokerStorageGb": 100},
        "aws": {"natGateways": "perZone", "flowLogs": True, "logRetentionDays": 90, "protect": True},
    },
    "prod": {
        "network": {"zones": 3},
        "cluster": {"nodeInstanceType": "m6i.2xlarge", "nodeCountMin": 3, "nodeCountMax": 9},
        "trackerStore": {"instanceClass": "db.r6g.large"},
        "lockStore": {"nodeType": "cache.r7g.large"},
        "eventQueue": {"brokerInstanceType": "kafka.m7g.large", "brokerStorageGb": 500},
        "aws": {"natGateways": "perZone", "flowLogs": True, "logRetentionDays": 365, "protect": True},
    },
}
