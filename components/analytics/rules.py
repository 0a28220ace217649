"""The analytics section's cross-field rules and the credentials it needs; called by infra/settings."""

from __future__ import annotations

from typing import Optional

from pydantic import SecretStr

from components.cloud import CloudSpec
from components.settings.errors import Problems
from components.settings.stack import StackSettings


def check_analytics(s: StackSettings, spec: CloudSpec, problems: Problems) -> None:
    a, eq = s.analytics, s.event_queue
    if not a.enabled:
        return
    if eq.mode == "managed":
        problems.require(spec.analytics_consumer, "analytics.enabled", True,
                         f"the managed event queue on {spec.title} has no analytics consumer yet; "
                         "set analytics.enabled: false or use an existing event queue")
    elif eq.security_protocol == "SASL_SSL" and eq.sasl_mechanism == "OAUTHBEARER":
        problems.add("analytics.enabled", True, "an OAUTHBEARER (cloud IAM) identity for the analytics consumer is not "
                     "built yet; set analytics.enabled: false or use a SCRAM/PLAIN event queue user")
    db = a.database
    # managed: the cloud's spec must list `analytics.database` (infra/settings/rules.py refuses it otherwise).
    if db.mode == "existing":
        problems.require(db.host is not None, "analytics.database.host", None,
                         "is required when analytics.database.mode is existing")
    if db.mode == "shared":
        ts = s.tracker_store
        problems.require(db.name != ts.database, "analytics.database.name", db.name,
                         f"must differ from trackerStore.database ({ts.database}): analytics has a database of its own")
        problems.require(db.username != ts.username, "analytics.database.username", db.username,
                         f"must differ from trackerStore.username ({ts.username}): analytics has a role of its own")
    if db.mode == "managed":
        size, ceiling = db.storage(s.tracker_store.storage_gb, s.tracker_store.max_storage_gb)
        problems.require(size <= ceiling, "analytics.database.storageGb", size,
                         f"must not exceed the analytics server's storage ceiling ({ceiling}, analytics.database.maxStorageGb "
                         "or else trackerStore.maxStorageGb)")
    problems.require(db.read_only_username != db.username, "analytics.database.readOnlyUsername", db.read_only_username,
                     f"must differ from analytics.database.username ({db.username})")
    consumers = a.replicas * a.consumer_count
    # More consumers than partitions sit idle; only a managed topic's partition count is known here.
    if eq.mode == "managed":
        problems.require(consumers <= eq.partitions, "analytics.replicas", a.replicas,
                         f"{a.replicas} pods × {a.consumer_count} consumers = {consumers} exceed eventQueue.partitions "
                         f"({eq.partitions}): the extra consumers would sit idle; lower analytics.replicas or "
                         "analytics.consumerCount, or raise eventQueue.partitions")
    problems.require(a.dead_letter_topic != eq.topic, "analytics.deadLetterTopic", a.dead_letter_topic,
                     f"must differ from eventQueue.topic ({eq.topic})")
    if _existing_sasl_password(s):
        problems.require(a.consumer_username is not None, "analytics.consumerUsername", None,
                         "is required with an existing SASL event queue (the consumer's own user, never Rasa's producer)")


def analytics_secrets(s: StackSettings) -> list[tuple[tuple[str, ...], Optional[SecretStr], str]]:
    """(path, value, why) of every credential the analytics section needs."""
    a = s.analytics
    if not a.enabled:
        return []
    needed: list[tuple[tuple[str, ...], Optional[SecretStr], str]] = []
    if a.database.mode == "existing":
        needed.append((("analytics", "database", "password"), a.database.password,
                       "when analytics.database.mode is existing"))
    if _existing_sasl_password(s):
        needed.append((("analytics", "consumerPassword"), a.consumer_password,
                       "with an existing SASL event queue (the analytics consumer's password)"))
    return needed


# What the offline preview runs in place of an unset analytics.command (listed as a value to set).
PLACEHOLDER_COMMAND = ("offline-preview-placeholder: set analytics.command",)
COMMAND_HINT = ("is required with analytics.enabled: Rasa Pro Services' image ENTRYPOINT and CMD, which its container "
                "execs after sourcing the environment Vault's Agent rendered (the image is not public: read them with "
                "`crane config <analytics.image>:<analytics.tag> | jq -c '.config.Entrypoint + .config.Cmd'`), "
                "e.g. pulumi config set --path 'rasa-platform:analytics.command[0]' <first word>")


def analytics_unset_values(s: StackSettings) -> list[tuple[tuple[str, ...], str]]:
    """(path, why) of values only the operator can know that this stack still lacks."""
    if s.analytics.enabled and not s.analytics.command:
        return [(("analytics", "command"), COMMAND_HINT)]
    return []


def with_placeholder_values(s: StackSettings, unset: list[tuple[tuple[str, ...], str]]) -> StackSettings:
    """The offline preview's stand-ins for `unset` (analytics_unset_values: the stack file may not know them yet)."""
    analytics = s.analytics.model_copy(update={"command": PLACEHOLDER_COMMAND})
    return s.model_copy(update={"analytics": analytics, "placeholder_values": tuple(".".join(p) for p, _ in unset)})


def _existing_sasl_password(s: StackSettings) -> bool:
    eq = s.event_queue
    return eq.mode == "existing" and eq.security_protocol == "SASL_SSL" and eq.sasl_mechanism != "OAUTHBEARER"
