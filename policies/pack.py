"""The pack's contents: every rule, in a stable order, and their remediation lines."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from .rules import cache, cluster, database, governance, kafka, kubernetes, platform, storage
from .rules.common import REMEDIATION

PACK_NAME = "rasa-platform-policies"
# Every rule sets its own level; this only applies to a rule that forgets to.
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY

ALL_POLICIES = [
    *storage.POLICIES,
    *cache.POLICIES,
    *database.POLICIES,
    *kafka.POLICIES,
    *cluster.POLICIES,
    *kubernetes.POLICIES,
    *platform.POLICIES,
    *governance.POLICIES,
]

__all__ = ["ALL_POLICIES", "DEFAULT_ENFORCEMENT", "PACK_NAME", "REMEDIATION"]
