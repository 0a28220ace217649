"""The Confluent resource that backs a `managed` event queue (rasa-service-origins)."""

from __future__ import annotations

from ..checks import CheckSet
from ..common import Provides
from .types import KAFKA_CLUSTER

CHECKS = CheckSet(__name__)

CHECKS.managed("event_queue", Provides(KAFKA_CLUSTER))
