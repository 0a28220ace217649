"""The event queue on Event Hubs (its Kafka endpoint): TLS, SAS authentication with least-privilege
rules, no public endpoint, zone redundancy."""

from __future__ import annotations

from typing import Any, Optional

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, elements, equals, get, is_unknown, truth
from .types import EVENTHUB_NAMESPACE, EVENTHUB_NAMESPACE_RULE, EVENTHUB_NETWORK_RULES, EVENTHUB_RULE

CHECKS = CheckSet(__name__)


def _tls(props: Any, ctx: RuleContext, f: Findings) -> None:
    version = get(props, "minimumTlsVersion")
    f.check(equals(version, "1.2", "1.3"), f"minimumTlsVersion must be 1.2 or newer, not {version!r}")
    f.check(truth(get(props, "kafkaEnabled")), "kafkaEnabled must be true (the Kafka endpoint on 9093 is TLS only)")


CHECKS.resource("kafka-tls-in-transit", {EVENTHUB_NAMESPACE: _tls})


def _local_auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    disabled = get(props, "disableLocalAuth")
    # Explicit: Azure's reference module turns SAS off, and Rasa can only authenticate with SAS.
    f.check(equals(disabled, False), f"disableLocalAuth must be false (Rasa authenticates with a SAS policy), not {disabled!r}")


def _rights(props: Any, f: Findings) -> Optional[list[Any]]:
    rights = [r for r in elements(get(props, "rights"))]
    if any(is_unknown(r) for r in rights) or is_unknown(get(props, "rights")):
        f.cannot_decide("rights")
        return None
    return rights


def _rule_rights(props: Any, ctx: RuleContext, f: Findings) -> None:
    rights = _rights(props, f)
    if rights is not None:
        f.check(len(rights) == 1 and rights[0] in ("Send", "Listen"),
                f"a SAS rule on an event hub grants exactly Send or Listen (one client, one direction), not {rights}")


def _namespace_rule_rights(props: Any, ctx: RuleContext, f: Findings) -> None:
    # A Kafka client has one connection string, and a hub rule's reaches one hub only: the analytics
    # consumer (Listen on the events hub, Send on its dead-letter hub) needs a namespace rule. Never Manage.
    rights = _rights(props, f)
    if rights is not None:
        f.check(bool(rights) and set(rights) <= {"Send", "Listen"} and len(set(rights)) == len(rights),
                f"a namespace SAS rule grants Send and/or Listen only, never Manage, not {rights}")


CHECKS.resource("kafka-client-authentication", {
    EVENTHUB_NAMESPACE: _local_auth, EVENTHUB_RULE: _rule_rights, EVENTHUB_NAMESPACE_RULE: _namespace_rule_rights,
})


def _private(props: Any, ctx: RuleContext, f: Findings) -> None:
    access = get(props, "publicNetworkAccess")
    f.check(equals(access, "Disabled"), f"publicNetworkAccess must be Disabled (a private endpoint only), not {access!r}")


def _network_rules(props: Any, ctx: RuleContext, f: Findings) -> None:
    _private(props, ctx, f)
    action = get(props, "defaultAction")
    f.check(equals(action, "Deny"), f"defaultAction must be Deny, not {action!r}")
    f.check(UNKNOWN if is_unknown(get(props, "trustedServiceAccessEnabled")) else get(props, "trustedServiceAccessEnabled") is not True,
            "trustedServiceAccessEnabled must be false")


CHECKS.resource("kafka-no-public-access", {EVENTHUB_NAMESPACE: _private, EVENTHUB_NETWORK_RULES: _network_rules})


def _zone_redundant(props: Any, ctx: RuleContext, f: Findings) -> None:
    if ctx.in_prod(props, f, "Event Hubs namespace"):
        f.check(truth(get(props, "zoneRedundant")), "prod: zoneRedundant must be true")


CHECKS.resource("kafka-multi-az-in-prod", {EVENTHUB_NAMESPACE: _zone_redundant})
