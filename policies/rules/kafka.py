"""Event queue: the Kafka Rasa publishes conversation events to."""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import AWS_MSK_BROKERS_PER_ZONE, NETWORK_ZONES, always_set
from .declare import ADVISORY, resource_rule, stack_rule

_COMPONENT = "components/<cloud>/event_queue.py"

RULES = (
    resource_rule(
        "kafka-tls-in-transit",
        "The event queue encrypts client and broker-to-broker traffic (TLS only, no plain-text listener).",
        always_set("TLS between clients and brokers and between brokers", _COMPONENT),
    ),
    resource_rule(
        "kafka-encrypted-with-customer-key",
        "The event queue's broker storage is encrypted with a customer-managed key.",
        always_set("Broker storage encrypted with the platform's customer-managed key", _COMPONENT),
    ),
    resource_rule(
        "kafka-client-authentication",
        "Clients of the event queue must authenticate (SASL/SCRAM, IAM or mTLS); no unauthenticated access.",
        always_set("Client authentication (SASL/SCRAM, or IAM with rasa-platform:aws.iamAuth)", _COMPONENT),
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "kafka-no-public-access",
        "The event queue's brokers have no public endpoint.",
        always_set("No public broker endpoint", _COMPONENT),
        severity=Severity.CRITICAL,
    ),
    resource_rule(
        "kafka-multi-az-in-prod",
        "In prod the event queue survives the loss of a broker or a zone (>= 3 brokers over >= 2 zones).",
        f"In prod set {NETWORK_ZONES} to 3 (the prod preset does), with at least 3 brokers in all "
        f"(on AWS zones × {AWS_MSK_BROKERS_PER_ZONE}).",
        config=("environment",),
    ),
    resource_rule(
        "kafka-broker-logs",
        "The event queue's broker logs are kept, so authentication failures and outages can be traced.",
        always_set("Broker logs delivered to the platform's log group", _COMPONENT),
        level=ADVISORY,
        severity=Severity.LOW,
    ),
    resource_rule(
        "kafka-admin-scoped-to-cluster",
        "Administering the event queue (creating ACLs, altering the cluster) is granted on this stack's cluster "
        "only, never on every cluster.",
        always_set("The Kafka administrator's IAM role names the cluster's ARN", "components/aws/kafka_admin.py"),
        severity=Severity.CRITICAL,
    ),
    # A stack rule: on AWS the broker configuration is a separate resource.
    stack_rule(
        "kafka-no-auto-create-topics",
        "Topics exist only as declared resources: the broker configuration disables auto-creation and never "
        "allows everyone when no ACL matches.",
        always_set("A broker configuration of this stack without topic auto-creation or allow-everyone", _COMPONENT),
    ),
)
