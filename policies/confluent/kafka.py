"""Confluent Cloud's Kafka cluster: in prod it spans zones."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import Findings, RuleContext, equals, get
from .types import KAFKA_CLUSTER

CHECKS = CheckSet(__name__)


def _multi_zone(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Confluent cluster"):
        return
    availability = get(props, "availability")
    f.check(equals(availability, "MULTI_ZONE", "HIGH"),
            f"prod: availability must be MULTI_ZONE, not {availability!r} (set rasa-platform:eventQueue.confluent.availability)")


CHECKS.resource("kafka-multi-az-in-prod", {KAFKA_CLUSTER: _multi_zone})
