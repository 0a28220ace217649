"""The event queue on Managed Service for Apache Kafka (TLS and authentication are always on there:
the service offers no plain-text or unauthenticated listener, so only what can be set is checked)."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import Findings, RuleContext, get, present
from .types import KAFKA_CLUSTER

CHECKS = CheckSet(__name__)


def _cmek(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(present(get(props, "gcpConfig", "kmsKey")), "gcpConfig.kmsKey must name a Cloud KMS key")


def _private(props: Any, ctx: RuleContext, f: Findings) -> None:
    public = get(props, "gcpConfig", "accessConfig", "publicClusterConfig")
    f.check(not public, "gcpConfig.accessConfig.publicClusterConfig must be unset (no public listener)")
    f.check(present(get(props, "gcpConfig", "accessConfig", "networkConfigs")),
            "gcpConfig.accessConfig.networkConfigs must name the platform's subnet")


CHECKS.resource("kafka-encrypted-with-customer-key", {KAFKA_CLUSTER: _cmek})
CHECKS.resource("kafka-no-public-access", {KAFKA_CLUSTER: _private})
