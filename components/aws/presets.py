"""AWS sizes per environment: values of the `rasa-platform:aws` section only.

The generic presets (replicas, backups, high availability, protection) are infra/presets.py's;
these add what only AWS has: instance classes, node and broker types, NAT, flow logs, log
retention. Sizes follow Rasa's hardware guidance (a CALM instance wants up to 8 vCPU / 16 GB).
What a node holds is checked, not assumed (components/aws/node_types.py, README: AWS, Capacity):
an m6i.2xlarge offers 7910m CPU to pods after the kubelet reserve, 7755m after the system
daemons, so it runs one prod Rasa pod (4 CPU request) next to the small system pods, not two; at
rasa.autoscaling.maxReplicas 6 plus a rollout's surge pod that is 7 of the preset's 9 nodes
(cluster.nodeCountMax). Every value can be overridden in a stack file.
"""

from __future__ import annotations

from typing import Any

AWS_PRESETS: dict[str, dict[str, Any]] = {
    "dev": {
        "natGateways": "single", "flowLogs": False, "logRetentionDays": 30,
        "nodeGroup": {"instanceType": "m6i.large"},
        "trackerStore": {"instanceClass": "db.t4g.medium"},
        "lockStore": {"nodeType": "cache.t4g.small"},
        "eventQueue": {"brokerInstanceType": "kafka.t3.small", "brokerStorageGb": 20},
    },
    "staging": {
        "natGateways": "perZone", "flowLogs": True, "logRetentionDays": 90,
        "nodeGroup": {"instanceType": "m6i.xlarge"},
        "trackerStore": {"instanceClass": "db.m6g.large"},
        "lockStore": {"nodeType": "cache.t4g.medium"},
        "eventQueue": {"brokerInstanceType": "kafka.m7g.large", "brokerStorageGb": 100},
    },
    "prod": {
        "natGateways": "perZone", "flowLogs": True, "logRetentionDays": 365,
        "nodeGroup": {"instanceType": "m6i.2xlarge"},
        "trackerStore": {"instanceClass": "db.r6g.large"},
        "lockStore": {"nodeType": "cache.r7g.large"},
        "eventQueue": {"brokerInstanceType": "kafka.m7g.large", "brokerStorageGb": 500},
    },
}
