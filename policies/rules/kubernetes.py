"""Kubernetes workloads: how every Deployment and Job runs, and what may sit in a ConfigMap."""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import (
    ACTION_SERVER_REPLICAS, ACTION_SERVER_TAG, ANALYTICS_POD_DISRUPTION_BUDGET, ANALYTICS_REPLICAS, RASA_IMAGE,
    RASA_INGRESS_PATHS, RASA_MIN_REPLICAS,
    RASA_POD_DISRUPTION_BUDGET, RASA_REPLICAS, RASA_RESOURCES, RASA_TAG, always_set,
)
from .declare import ADVISORY, resource_rule, stack_rule

_WORKLOAD = "components/rasa/workload.py"
_HARDENING = "components/rasa/hardening.py"

RULES = (
    resource_rule(
        "k8s-resources-requests-limits",
        "Every container declares CPU and memory requests and limits, so it is scheduled on capacity it gets "
        "and cannot starve its neighbours.",
        always_set(f"Requests and limits on every container (their sizes: {RASA_RESOURCES}.*)", _WORKLOAD),
        level=ADVISORY,
        severity=Severity.MEDIUM,
    ),
    resource_rule(
        "k8s-run-as-non-root",
        "Containers never run as root.",
        always_set("Containers running as a non-root user", _HARDENING),
    ),
    resource_rule(
        "k8s-no-privilege-escalation",
        "No container can gain more privileges than it started with (no setuid escalation, not privileged).",
        always_set("No privilege escalation, no privileged container, all capabilities dropped", _HARDENING),
    ),
    resource_rule(
        "k8s-read-only-root-filesystem",
        "Containers cannot modify their image's filesystem; writable paths are explicit volumes.",
        always_set("A read-only root filesystem with explicit writable volumes", _HARDENING),
    ),
    resource_rule(
        "k8s-probes",
        "Every serving container has liveness and readiness probes, so Kubernetes restarts hung processes "
        "and routes traffic only to ready ones.",
        always_set("Liveness and readiness probes on every serving container", _WORKLOAD),
    ),
    resource_rule(
        "k8s-image-pinned",
        "Images are pinned to a version tag or a well-formed digest, never :latest or untagged, so a rollout is "
        "reproducible.",
        f"Set {RASA_TAG} (and {ACTION_SERVER_TAG}) to a version, never latest; to pin the exact image, add "
        f"@sha256:<64 hex digits> to {RASA_IMAGE}.",
    ),
    resource_rule(
        "k8s-rasa-api-not-public",
        "An Ingress publishes only the paths Rasa's channels need (/webhooks/, socket.io), not Rasa's whole HTTP "
        "API (models, conversations, trackers), which then rests on the API token alone.",
        f"Remove / from {RASA_INGRESS_PATHS}: the channels' paths are published without it.",
        level=ADVISORY,
        severity=Severity.MEDIUM,
    ),
    resource_rule(
        "k8s-no-literal-credentials-in-env",
        "No credential is written into a pod spec as a literal env value (anyone who can read the Deployment "
        "could read it).",
        always_set("Credentials reaching the pod from Vault or a Secret, never as a literal value", _WORKLOAD),
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "k8s-no-credentials-in-configmap",
        "No credential sits in a ConfigMap; endpoints.yml refers to secrets only as unquoted ${VAR} or Vault "
        "references.",
        always_set("Secrets referred to only as unquoted ${VAR} or Vault references", "components/rasa/endpoints.py"),
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "k8s-prod-zone-spread",
        "In prod a Deployment's pods are spread over availability zones, so one zone's loss leaves it serving.",
        always_set("In prod, pods spread over zones", _WORKLOAD),
        config=("environment",),
    ),
    stack_rule(
        "k8s-prod-replicas",
        "In prod every Deployment runs at least 2 replicas (HPA minReplicas >= 2 when autoscaled).",
        f"In prod set {RASA_REPLICAS} and {RASA_MIN_REPLICAS} to at least 2 ({ACTION_SERVER_REPLICAS} for the "
        f"action server, {ANALYTICS_REPLICAS} for Rasa Pro Services).",
        config=("environment",),
    ),
    stack_rule(
        "k8s-prod-disruption-budget",
        "In prod every Deployment has a PodDisruptionBudget, so node drains and upgrades keep it serving.",
        f"In prod set {RASA_POD_DISRUPTION_BUDGET} (and {ANALYTICS_POD_DISRUPTION_BUDGET} for Rasa Pro Services) "
        "to true (the prod preset does).",
        config=("environment",),
    ),
)
