"""The event queue on MSK. The broker configuration is a separate resource, so the auto-create
check joins cluster and configuration."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from ..checks import CheckSet
from ..common import (
    UNKNOWN, Findings, RuleContext, StackIndex, any3, as_number, at_least, elements, equals, get, is_unknown,
    not_false, not_true, present, truth,
)
from ..stack_keys import AWS_MSK_BROKERS_PER_ZONE, NETWORK_ZONES, from_setting
from .types import MSK_CLUSTER, MSK_CONFIGURATION, ROLE_POLICY

CHECKS = CheckSet(__name__)


def _tls(props: Any, ctx: RuleContext, f: Findings) -> None:
    transit = get(props, "encryptionInfo", "encryptionInTransit", default={})
    client_broker = get(transit, "clientBroker")
    # Unset means MSK's default, TLS only.
    f.check(equals(client_broker, None, "TLS"),
            f"encryptionInTransit.clientBroker must be TLS, not {client_broker!r}")
    f.check(not_false(get(transit, "inCluster")), "encryptionInTransit.inCluster must not be false")


CHECKS.resource("kafka-tls-in-transit", {MSK_CLUSTER: _tls})


def _at_rest(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(present(get(props, "encryptionInfo", "encryptionAtRestKmsKeyArn")),
            "encryptionInfo.encryptionAtRestKmsKeyArn must name a customer KMS key")


CHECKS.resource("kafka-encrypted-with-customer-key", {MSK_CLUSTER: _at_rest})


def _client_auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    auth = get(props, "clientAuthentication")
    if auth is None:
        f.violation("clientAuthentication is not set: MSK then accepts unauthenticated clients")
        return
    f.check(not_true(get(auth, "unauthenticated")), "clientAuthentication.unauthenticated must be false")
    f.check(any3(truth(get(auth, "sasl", "scram")), truth(get(auth, "sasl", "iam")),
                 present(get(auth, "tls", "certificateAuthorityArns"))),
            "clientAuthentication needs SASL/SCRAM, IAM or mutual TLS")


CHECKS.resource("kafka-client-authentication", {MSK_CLUSTER: _client_auth})


def _public(props: Any, ctx: RuleContext, f: Findings) -> None:
    access = get(props, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type")
    f.check(equals(access, None, "DISABLED"), f"public access must be DISABLED, not {access!r}")


CHECKS.resource("kafka-no-public-access", {MSK_CLUSTER: _public})


def _multi_az(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "MSK cluster"):
        return
    subnets = get(props, "brokerNodeGroupInfo", "clientSubnets", default=[])
    f.check(UNKNOWN if is_unknown(subnets) else len(elements(subnets)) >= 2,
            "prod: brokers must be spread over at least 2 zones (clientSubnets)")
    brokers = as_number(get(props, "numberOfBrokerNodes"))
    message = "prod: at least 3 brokers (replication factor 3 with min.insync.replicas 2)"
    # components/aws/event_queue.py writes network.zones × aws.eventQueue.brokersPerZone brokers.
    f.check(at_least(brokers, 3), message if brokers in (None, UNKNOWN) else
            from_setting(f"{NETWORK_ZONES} × {AWS_MSK_BROKERS_PER_ZONE}", brokers, message))


CHECKS.resource("kafka-multi-az-in-prod", {MSK_CLUSTER: _multi_az})


def _logs(props: Any, ctx: RuleContext, f: Findings) -> None:
    logs = get(props, "loggingInfo", "brokerLogs", default={})
    f.check(any3(*(truth(get(logs, sink, "enabled")) for sink in ("cloudwatchLogs", "firehose", "s3"))),
            "broker logs should be delivered (loggingInfo.brokerLogs.cloudwatchLogs.enabled)")


CHECKS.resource("kafka-broker-logs", {MSK_CLUSTER: _logs})


# -- broker configuration (cluster → configuration) -----------------------------------------------

_PROPERTY_LINE = re.compile(r"^\s*([^#!\s=:][^=:\s]*)\s*[=:]\s*(.*?)\s*$")


def server_properties(text: str) -> dict[str, str]:
    """Parse Kafka `server.properties` text (`key=value` / `key: value`, `#`/`!` comments)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = _PROPERTY_LINE.match(line)
        if match:
            out[match.group(1)] = match.group(2)
    return out


def _auto_create(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    configurations = stack.of_type(MSK_CONFIGURATION)
    for cluster in stack.of_type(MSK_CLUSTER):
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


CHECKS.stack("kafka-no-auto-create-topics", _auto_create, (MSK_CLUSTER, MSK_CONFIGURATION))


# -- who may administer the cluster (IAM role policies) --------------------------------------------

# MSK IAM actions that administer a cluster: ACLs (AlterCluster: CreateAcls, DeleteAcls) and its
# dynamic configuration. A wildcard action matching any of them counts too.
ADMIN_ACTIONS = ("kafka-cluster:altercluster", "kafka-cluster:alterclusterdynamicconfiguration")
# arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>, nothing wildcarded.
_CLUSTER_ARN = re.compile(r"arn:aws(-[a-z]+)*:kafka:[a-z0-9-]+:\d{12}:cluster/[A-Za-z0-9-]+/[A-Za-z0-9-]+")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _admin_scope(props: Any, ctx: RuleContext, f: Findings) -> None:
    text = get(props, "policy")
    if is_unknown(text):
        f.cannot_decide("policy")
        return
    try:
        document = json.loads(str(text))
    except ValueError:
        f.cannot_decide("policy (not JSON)")
        return
    for statement in _as_list(get(document, "Statement", default=[])):
        if get(statement, "Effect") != "Allow":
            continue
        not_action = get(statement, "NotAction") is not None
        # Allow + NotAction allows every action it does not list, administration included.
        actions = ["*"] if not_action else _as_list(get(statement, "Action", default=[]))
        administers = [a for a in actions if isinstance(a, str)
                       and any(fnmatch.fnmatchcase(admin, a.lower()) for admin in ADMIN_ACTIONS)]
        if not administers:
            continue
        where = get(statement, "Sid") or "a statement"
        if not_action:
            f.violation(f"{where} allows everything but its NotAction, Kafka administration included")
            continue
        if get(statement, "NotResource") is not None:
            f.violation(f"{where} grants {', '.join(administers)} with NotResource: name the cluster's ARN instead")
            continue
        for resource in _as_list(get(statement, "Resource")):
            if is_unknown(resource):
                f.cannot_decide(f"Resource of {where}")
            else:
                f.check(isinstance(resource, str) and _CLUSTER_ARN.fullmatch(resource) is not None,
                        f"{where} grants {', '.join(administers)} on {resource!r}: name one MSK cluster's ARN, "
                        "never a wildcard")


CHECKS.resource("kafka-admin-scoped-to-cluster", {ROLE_POLICY: _admin_scope})
