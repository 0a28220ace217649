"""Event queue: the Kafka Rasa publishes conversation events to.

Resource rules are tables of resource type → check; Event Hubs, Managed Service for Apache Kafka
and Confluent rows belong here once their SDKs are in the project. The broker configuration is a
separate resource on AWS, so `kafka-no-auto-create-topics` joins cluster and configuration.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import Severity

from .common import (
    ADVISORY, UNKNOWN, Findings, RuleContext, RuleSet, StackIndex, any3, at_least, elements, equals, get,
    is_unknown, not_true, present, truth,
)

rules = RuleSet()

AWS_MSK_CLUSTER = "aws:msk/cluster:Cluster"
AWS_MSK_CONFIGURATION = "aws:msk/configuration:Configuration"


def _aws_tls(props: Any, ctx: RuleContext, f: Findings) -> None:
    transit = get(props, "encryptionInfo", "encryptionInTransit", default={})
    client_broker = get(transit, "clientBroker")
    # Unset means MSK's default, TLS only.
    f.check(equals(client_broker, None, "TLS"),
            f"encryptionInTransit.clientBroker must be TLS, not {client_broker!r}")
    f.check(not3_false(get(transit, "inCluster")), "encryptionInTransit.inCluster must not be false")


def not3_false(value: Any) -> Any:
    return UNKNOWN if is_unknown(value) else value is not False


rules.resource(
    "kafka-tls-in-transit",
    "The event queue encrypts client and broker-to-broker traffic (TLS only, no plain-text listener).",
    "Set encryption_info.encryption_in_transit={'client_broker': 'TLS', 'in_cluster': True}.",
    {AWS_MSK_CLUSTER: _aws_tls},
)


def _aws_at_rest(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(present(get(props, "encryptionInfo", "encryptionAtRestKmsKeyArn")),
            "encryptionInfo.encryptionAtRestKmsKeyArn must name a customer KMS key")


rules.resource(
    "kafka-encrypted-with-customer-key",
    "The event queue's broker storage is encrypted with a customer-managed key.",
    "Set encryption_info.encryption_at_rest_kms_key_arn=<customer key arn>.",
    {AWS_MSK_CLUSTER: _aws_at_rest},
)


def _aws_client_auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    auth = get(props, "clientAuthentication")
    if auth is None:
        f.violation("clientAuthentication is not set: MSK then accepts unauthenticated clients")
        return
    f.check(not_true(get(auth, "unauthenticated")), "clientAuthentication.unauthenticated must be false")
    f.check(any3(truth(get(auth, "sasl", "scram")), truth(get(auth, "sasl", "iam")),
                 present(get(auth, "tls", "certificateAuthorityArns"))),
            "clientAuthentication needs SASL/SCRAM, IAM or mutual TLS")


rules.resource(
    "kafka-client-authentication",
    "Clients of the event queue must authenticate (SASL/SCRAM, IAM or mTLS); no unauthenticated access.",
    "Set client_authentication={'sasl': {'scram': True}} (or iam) and leave unauthenticated False.",
    {AWS_MSK_CLUSTER: _aws_client_auth},
    severity=Severity.CRITICAL,
)


def _aws_public(props: Any, ctx: RuleContext, f: Findings) -> None:
    access = get(props, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type")
    f.check(equals(access, None, "DISABLED"), f"public access must be DISABLED, not {access!r}")


rules.resource(
    "kafka-no-public-access",
    "The event queue's brokers have no public endpoint.",
    "Leave broker_node_group_info.connectivity_info.public_access.type unset or 'DISABLED'.",
    {AWS_MSK_CLUSTER: _aws_public},
    severity=Severity.CRITICAL,
)


def _aws_multi_az(props: Any, ctx: RuleContext, f: Findings) -> None:
    prod = ctx.is_prod(props)
    if is_unknown(prod):
        f.cannot_decide("environment of the MSK cluster")
    if prod is not True:
        return
    subnets = get(props, "brokerNodeGroupInfo", "clientSubnets", default=[])
    f.check(UNKNOWN if is_unknown(subnets) else len(elements(subnets)) >= 2,
            "prod: brokers must be spread over at least 2 zones (clientSubnets)")
    f.check(at_least(get(props, "numberOfBrokerNodes"), 3),
            "prod: at least 3 brokers (replication factor 3 with min.insync.replicas 2)")


rules.resource(
    "kafka-multi-az-in-prod",
    "In prod the event queue survives the loss of a broker or a zone (>= 3 brokers over >= 2 zones).",
    "In prod set number_of_broker_nodes >= 3 (a multiple of the zones) and one client subnet per zone.",
    {AWS_MSK_CLUSTER: _aws_multi_az},
    config=("environment",),
)


def _aws_logs(props: Any, ctx: RuleContext, f: Findings) -> None:
    logs = get(props, "loggingInfo", "brokerLogs", default={})
    f.check(any3(*(truth(get(logs, sink, "enabled")) for sink in ("cloudwatchLogs", "firehose", "s3"))),
            "broker logs should be delivered (loggingInfo.brokerLogs.cloudwatchLogs.enabled)")


rules.resource(
    "kafka-broker-logs",
    "The event queue's broker logs are kept, so authentication failures and outages can be traced.",
    "Set logging_info.broker_logs.cloudwatch_logs={'enabled': True, 'log_group': <group>}.",
    {AWS_MSK_CLUSTER: _aws_logs},
    level=ADVISORY,
    severity=Severity.LOW,
)


# -- broker configuration (stack level: cluster → configuration) --------------------------------

_PROPERTY_LINE = re.compile(r"^\s*([^#!\s=:][^=:\s]*)\s*[=:]\s*(.*?)\s*$")


def server_properties(text: str) -> dict[str, str]:
    """Parse Kafka `server.properties` text (`key=value` / `key: value`, `#`/`!` comments)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = _PROPERTY_LINE.match(line)
        if match:
            out[match.group(1)] = match.group(2)
    return out


def _aws_auto_create(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    configurations = stack.of_type(AWS_MSK_CONFIGURATION)
    for cluster in stack.of_type(AWS_MSK_CLUSTER):
        info = get(cluster.props, "configurationInfo")
        if info is None:
            f.violation(f"MSK cluster '{cluster.name}' has no configurationInfo: attach a configuration with "
                        "auto.create.topics.enable=false", cluster.urn)
            continue
        linked = [c for c in configurations if stack.linked(cluster, "configurationInfo", c)]
        if not linked:
            f.cannot_decide(f"configuration of '{cluster.name}' is not a resource of this stack (cannot verify it)")
            continue
        for configuration in linked:
            text = get(configuration.props, "serverProperties")
            if is_unknown(text):
                f.cannot_decide(f"serverProperties of '{configuration.name}'")
                continue
            props = server_properties(str(text or ""))
            auto_create = props.get("auto.create.topics.enable")
            f.check(auto_create is not None and auto_create.lower() == "false",
                    f"configuration '{configuration.name}' must set auto.create.topics.enable=false "
                    f"(got {auto_create!r})", configuration.urn)
            allow_everyone = props.get("allow.everyone.if.no.acl.found", "")
            f.check(allow_everyone.lower() != "true",
                    f"configuration '{configuration.name}' must not set allow.everyone.if.no.acl.found=true",
                    configuration.urn)


rules.stack(
    "kafka-no-auto-create-topics",
    "Topics exist only as declared resources: the broker configuration disables auto-creation and never "
    "allows everyone when no ACL matches.",
    "Create aws.msk.Configuration with server_properties containing 'auto.create.topics.enable=false' "
    "(and never allow.everyone.if.no.acl.found=true); reference it in the cluster's configuration_info.",
    _aws_auto_create,
    resource_types=(AWS_MSK_CLUSTER, AWS_MSK_CONFIGURATION),
)

POLICIES = rules.policies
