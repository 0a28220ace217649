"""How many connections Rasa Pro Services can hold on its database server.

Rasa Pro Services exposes no pool settings, so each consumer is counted at SQLAlchemy's QueuePool
defaults (pool_size 5 + max_overflow 10): an assumption only the real image can confirm. With the
database on the tracker store's server (`shared`), these connections are reserved before Rasa's
own pool is sized (components/rasa/budget.py).
"""

from __future__ import annotations

from components.rasa.pod import ROLLING_SURGE
from components.settings.stack import StackSettings

CONNECTIONS_PER_CONSUMER = 5 + 10


def analytics_connections(replicas: int, consumer_count: int, surge: int = ROLLING_SURGE) -> int:
    """Every pod that can run at once (a rollout's surge included) × its consumers × their pool."""
    return (replicas + surge) * consumer_count * CONNECTIONS_PER_CONSUMER


def reserved_on_tracker_server(s: StackSettings) -> int:
    """Connections analytics takes from the tracker store's server: none unless it shares it."""
    a = s.analytics
    if not a.enabled or a.database.mode != "shared":
        return 0
    return analytics_connections(a.replicas, a.consumer_count)
