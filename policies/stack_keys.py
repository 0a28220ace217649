"""The stack keys (`rasa-platform:<path>` in stacks/Pulumi.<stack>.yaml) the pack tells users to change.

Remediations name the key to change, never a resource property: the program derives every
property from these keys (components/settings/sections.py, each cloud's settings section such as
components/aws/settings.py, and the presets). Where the program
writes a protection unconditionally there is no key, and the remediation says so (`always_set`).
Failure messages about a value that comes straight from a key start with `<key> is <value>: `
(`from_setting`), so the reader knows which line of the stack file to change.
"""

from __future__ import annotations

import json
from typing import Any

PROJECT = "rasa-platform"  # infra.settings.PROJECT: the pack runs without the program's code


def stack_key(path: str) -> str:
    return f"{PROJECT}:{path}"


# The cloud-neutral protection switch (deletion protection, final snapshots, Pulumi `protect`).
PROTECTION = stack_key("protection")
REGION = stack_key("region")
TAGS = stack_key("tags")
NETWORK_ZONES = stack_key("network.zones")
CLUSTER_PUBLIC_ACCESS_CIDRS = stack_key("cluster.publicAccessCidrs")
LOCK_STORE = stack_key("lockStore")
LOCK_STORE_TLS = stack_key("lockStore.tls")
LOCK_STORE_HIGH_AVAILABILITY = stack_key("lockStore.highAvailability")
LOCK_STORE_SNAPSHOT_DAYS = stack_key("lockStore.snapshotDays")
TRACKER_STORE_BACKUP_DAYS = stack_key("trackerStore.backupDays")
TRACKER_STORE_HIGH_AVAILABILITY = stack_key("trackerStore.highAvailability")
TRACKER_STORE_SSL_MODE = stack_key("trackerStore.sslMode")
TRACKER_STORE_MAX_CONNECTIONS = stack_key("trackerStore.maxConnections")
EVENT_QUEUE_SECURITY_PROTOCOL = stack_key("eventQueue.securityProtocol")
VAULT_ADDRESS = stack_key("vault.address")
RASA_TAG = stack_key("rasa.tag")
RASA_REPLICAS = stack_key("rasa.replicas")
RASA_MIN_REPLICAS = stack_key("rasa.autoscaling.minReplicas")
RASA_MAX_REPLICAS = stack_key("rasa.autoscaling.maxReplicas")
RASA_SANIC_WORKERS = stack_key("rasa.sanicWorkers")
RASA_POD_DISRUPTION_BUDGET = stack_key("rasa.podDisruptionBudget")
RASA_RESOURCES = stack_key("rasa.resources")
ACTION_SERVER_REPLICAS = stack_key("rasa.actionServer.replicas")
ACTION_SERVER_TAG = stack_key("rasa.actionServer.tag")
ANALYTICS_REPLICAS = stack_key("analytics.replicas")
ANALYTICS_POD_DISRUPTION_BUDGET = stack_key("analytics.podDisruptionBudget")
RASA_IMAGE = stack_key("rasa.image")
RASA_INGRESS_PATHS = stack_key("rasa.ingress.paths")
AWS_MSK_BROKERS_PER_ZONE = stack_key("aws.eventQueue.brokersPerZone")

# The wording of a remediation for a protection no key turns off (tests look for it).
ALWAYS_SET = "the program always sets this"


def always_set(what: str, component: str) -> str:
    """Remediation of a protection the program writes unconditionally in `component`."""
    return f"{what}: {ALWAYS_SET}; a failure means the resource was changed outside {component}: restore it."


def shown(value: Any) -> str:
    """A value as it reads in a stack file: false, 7, us-east-1, ["0.0.0.0/0"]."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # the engine hands every number over as a float
    return value if isinstance(value, str) else json.dumps(value)


def from_setting(key: str, value: Any, message: str) -> str:
    """A failure message about a value the user set: `rasa-platform:lockStore.tls is false: ...`."""
    return f"{key} is {shown(value)}: {message}"
