"""The stack's settings → Confluent Cloud's explicit inputs, and Confluent's own checks; shared by every
cloud whose `CloudSpec.event_queue_providers` lists `confluent` (each cloud's plan and provision call these)."""

from __future__ import annotations

from typing import Literal

from components.confluent.event_queue import ConfluentEventQueueArgs
from components.settings.errors import Problems
from components.settings.stack import StackSettings

CONFLUENT = "confluent"


def uses_confluent(settings: StackSettings) -> bool:
    eq = settings.event_queue
    return eq.mode == "managed" and eq.provider == CONFLUENT


def check_confluent(settings: StackSettings, problems: Problems) -> None:
    """What Confluent Cloud imposes on the event queue's settings (its basic, standard clusters)."""
    eq = settings.event_queue
    problems.require(eq.security_protocol == "SASL_SSL", "eventQueue.securityProtocol", eq.security_protocol,
                     "Confluent Cloud takes SASL over TLS; allowed: SASL_SSL")
    problems.require(eq.sasl_mechanism == "PLAIN", "eventQueue.saslMechanism", eq.sasl_mechanism,
                     "Confluent Cloud authenticates with an API key over SASL/PLAIN; allowed: PLAIN")
    c = eq.confluent
    problems.require(not (c.cluster_type == "basic" and c.availability == "MULTI_ZONE"),
                     "eventQueue.confluent.availability", c.availability,
                     "basic Confluent clusters are single-zone; allowed with basic: SINGLE_ZONE")


def confluent_args(
    settings: StackSettings, name: str, cloud: Literal["AWS", "AZURE", "GCP"], protect: bool,
) -> ConfluentEventQueueArgs:
    """The cluster in the stack's cloud and region (`eventQueue.confluent.region` overrides), with the
    analytics consumer's group and dead-letter topic when analytics is on."""
    eq, analytics = settings.event_queue, settings.analytics
    c = eq.confluent
    region = c.region or settings.region
    assert region  # the settings rules require a region whenever a service is managed
    return ConfluentEventQueueArgs(
        name=name, cloud=cloud, region=region, topic=eq.topic, partitions=eq.partitions,
        retention_hours=eq.retention_hours, cluster_type=c.cluster_type, availability=c.availability,
        environment_id=c.environment_id, protect=protect,
        analytics_consumer_group=analytics.consumer_group if analytics.enabled else None,
        analytics_dead_letter_topic=analytics.dead_letter_topic if analytics.enabled else None,
    )
