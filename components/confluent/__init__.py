"""Confluent Cloud as the event queue (`eventQueue.provider: confluent`), on any cloud.

Cloud-neutral: a cloud package's provision step builds `ConfluentEventQueue` in its own cloud and
region and merges `CONFLUENT_MOCKS` into its mock table. See event_queue.py.
"""

from components.confluent.event_queue import ConfluentEventQueue, ConfluentEventQueueArgs
from components.confluent.mock_outputs import CONFLUENT_MOCKS

__all__ = ["CONFLUENT_MOCKS", "ConfluentEventQueue", "ConfluentEventQueueArgs"]
