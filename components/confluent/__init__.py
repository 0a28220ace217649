"""Confluent Cloud as the event queue (`eventQueue.provider: confluent`), on any cloud.

Cloud-neutral: a cloud package's provision step builds `ConfluentEventQueue` in its own cloud and
region (`confluent_args`), checks the settings with `check_confluent` in its plan, and merges
`CONFLUENT_MOCKS` into its mock table. See event_queue.py and settings.py.
"""

from components.confluent.event_queue import ConfluentEventQueue, ConfluentEventQueueArgs
from components.confluent.mock_outputs import CONFLUENT_MOCKS
from components.confluent.settings import CONFLUENT, check_confluent, confluent_args, uses_confluent

__all__ = ["CONFLUENT", "CONFLUENT_MOCKS", "ConfluentEventQueue", "ConfluentEventQueueArgs", "check_confluent",
           "confluent_args", "uses_confluent"]
