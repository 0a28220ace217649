"""The Azure resources that back a service the Rasa ConfigMap declares `managed` (rasa-service-origins)."""

from __future__ import annotations

from ..checks import CheckSet
from ..common import Provides
from .types import EVENTHUB_NAMESPACE, POSTGRES_SERVER, REDIS_CACHE, REDIS_ENTERPRISE, STORAGE_ACCOUNT

CHECKS = CheckSet(__name__)

CHECKS.managed("tracker_store", Provides(POSTGRES_SERVER))
CHECKS.managed("lock_store", Provides(REDIS_ENTERPRISE), Provides(REDIS_CACHE))
CHECKS.managed("event_queue", Provides(EVENTHUB_NAMESPACE))
CHECKS.managed("model_storage", Provides(STORAGE_ACCOUNT))
