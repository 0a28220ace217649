"""The AWS resources that back a service the Rasa ConfigMap declares `managed` (rasa-service-origins)."""

from __future__ import annotations

from ..checks import CheckSet
from ..common import Provides
from .types import BUCKET, DB_CLUSTER, DB_INSTANCE, MSK_CLUSTER, MSK_SERVERLESS_CLUSTER, REPLICATION_GROUP

CHECKS = CheckSet(__name__)

CHECKS.managed("tracker_store", Provides(DB_INSTANCE), Provides(DB_CLUSTER))
CHECKS.managed("lock_store", Provides(REPLICATION_GROUP))
CHECKS.managed("event_queue", Provides(MSK_CLUSTER), Provides(MSK_SERVERLESS_CLUSTER))
CHECKS.managed("model_storage", Provides(BUCKET))
