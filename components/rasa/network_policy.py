"""The rules of Rasa's NetworkPolicy: who may call Rasa, and where Rasa may connect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional
from urllib.parse import urlparse

import pulumi
import pulumi_kubernetes as k8s

from components.contracts import NetworkAccess
from components.rasa.endpoints import RASA_PORT

meta = k8s.meta.v1
networking = k8s.networking.v1


@dataclass(frozen=True)
class EgressTarget:
    """A destination a stack lists (`rasa.egress`, `rasa.actionServer.egress`): exactly this, no more."""

    cidr: str
    port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class PodEndpoint:
    """Pods in Rasa's namespace that Rasa calls (the action server)."""

    selector: dict[str, str]
    port: int


def ingress_rule(namespaces: Iterable[str]) -> networking.NetworkPolicyIngressRuleArgs:
    """Pods of these namespaces may call Rasa's HTTP port; nobody else."""
    return networking.NetworkPolicyIngressRuleArgs(
        ports=[networking.NetworkPolicyPortArgs(port=RASA_PORT, protocol="TCP")],
        from_=[_namespace_peer(n) for n in sorted(set(namespaces))],
    )


def egress_rules(
    backing_services: Iterable[NetworkAccess],
    action_server: Optional[PodEndpoint],
    nlg_url: Optional[str],
    listed: Iterable[EgressTarget] = (),
) -> list[networking.NetworkPolicyEgressRuleArgs]:
    rules = [_dns()]
    rules += [_egress(access) for access in backing_services]
    if action_server is not None:
        rules.append(
            networking.NetworkPolicyEgressRuleArgs(
                to=[networking.NetworkPolicyPeerArgs(pod_selector=meta.LabelSelectorArgs(match_labels=action_server.selector))],
                ports=[networking.NetworkPolicyPortArgs(port=action_server.port, protocol="TCP")],
            )
        )
    if nlg_url:
        rules.append(_egress(NetworkAccess(ports=(_url_port(nlg_url),))))
    return rules + listed_rules(listed)


def listed_rules(listed: Iterable[EgressTarget]) -> list[networking.NetworkPolicyEgressRuleArgs]:
    return [
        networking.NetworkPolicyEgressRuleArgs(
            to=[networking.NetworkPolicyPeerArgs(ip_block=networking.IPBlockArgs(cidr=t.cidr))],
            ports=[networking.NetworkPolicyPortArgs(port=t.port, protocol=t.protocol)],
        )
        for t in listed
    ]


def _dns() -> networking.NetworkPolicyEgressRuleArgs:
    # Served by kube-system.
    return networking.NetworkPolicyEgressRuleArgs(
        to=[_namespace_peer("kube-system")],
        ports=[
            networking.NetworkPolicyPortArgs(port=53, protocol="UDP"),
            networking.NetworkPolicyPortArgs(port=53, protocol="TCP"),
        ],
    )


def _namespace_peer(namespace: str) -> networking.NetworkPolicyPeerArgs:
    return networking.NetworkPolicyPeerArgs(
        namespace_selector=meta.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace})
    )


def _egress(access: NetworkAccess) -> networking.NetworkPolicyEgressRuleArgs:
    if access.in_cluster is not None:
        namespace, labels = access.in_cluster
        return networking.NetworkPolicyEgressRuleArgs(
            to=[networking.NetworkPolicyPeerArgs(
                namespace_selector=meta.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace}),
                pod_selector=meta.LabelSelectorArgs(match_labels=dict(labels)))],
            ports=[networking.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in access.ports],
        )
    return networking.NetworkPolicyEgressRuleArgs(
        to=pulumi.Output.from_input(access.cidrs).apply(
            lambda cidrs: [networking.NetworkPolicyPeerArgs(ip_block=networking.IPBlockArgs(cidr=c)) for c in cidrs]
        ),
        ports=[networking.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in access.ports],
    )


def _url_port(url: str) -> int:
    parsed = urlparse(url)
    return parsed.port or (443 if parsed.scheme == "https" else 80)
