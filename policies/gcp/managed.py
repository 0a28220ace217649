"""The GCP resources that back a service the Rasa ConfigMap declares `managed` (rasa-service-origins)."""

from __future__ import annotations

from ..checks import CheckSet
from ..common import Provides
from .types import BUCKET, KAFKA_CLUSTER, REDIS, SQL_INSTANCE

CHECKS = CheckSet(__name__)

CHECKS.managed("tracker_store", Provides(SQL_INSTANCE))
CHECKS.managed("lock_store", Provides(REDIS))
CHECKS.managed("event_queue", Provides(KAFKA_CLUSTER))
CHECKS.managed("model_storage", Provides(BUCKET))
