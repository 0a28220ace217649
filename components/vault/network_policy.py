"""NetworkPolicies of Vault's namespace: who may reach the Vault servers, and the Agent injector.

* The servers (in-cluster only) admit, on the API port, exactly their clients' pods (Rasa, its
  verify Job and the action server, whose Agent init containers log in from those pods), the
  bootstrap Job and the injector; and, on the API and cluster ports, each other (raft joins on the
  API port, replication and request forwarding on the cluster port). Their egress stays open: the
  cloud's KMS (seal), the Kubernetes API (service registration, token reviews) and DNS differ per
  cloud and are no pod to select.
* The injector admits its webhook port only. The caller is the API server, which no pod or
  namespace selector names (a managed control plane sits outside the cluster's pod network), so
  the rule names the port and not the source.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.vault import chart
from components.vault.bootstrap_job import POD_SELECTOR as BOOTSTRAP_PODS

meta = k8s.meta.v1
networking = k8s.networking.v1

SERVER_POLICY = "vault-server"
INJECTOR_POLICY = "vault-agent-injector"
INJECTOR_WEBHOOK_PORT = 8080  # the chart's AGENT_INJECT_LISTEN
SERVER_PODS = chart.pod_selector("server")
INJECTOR_PODS = {"app.kubernetes.io/name": f"{chart.CHART}-agent-injector", "app.kubernetes.io/instance": chart.RELEASE,
                 "component": "webhook"}


def _pods(labels: Mapping[str, str], namespace: Optional[str] = None) -> networking.NetworkPolicyPeerArgs:
    return networking.NetworkPolicyPeerArgs(
        pod_selector=meta.LabelSelectorArgs(match_labels=dict(labels)),
        namespace_selector=meta.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace})
        if namespace else None,
    )


def _tcp(*ports: int) -> list[networking.NetworkPolicyPortArgs]:
    return [networking.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in ports]


def _ingress_only(name: str, policy: str, namespace: str, pods: Mapping[str, str], labels: Mapping[str, str],
                  ingress: list[networking.NetworkPolicyIngressRuleArgs],
                  opts: pulumi.ResourceOptions) -> networking.NetworkPolicy:
    return networking.NetworkPolicy(
        name,
        metadata=meta.ObjectMetaArgs(name=policy, namespace=namespace, labels=dict(labels)),
        spec=networking.NetworkPolicySpecArgs(
            pod_selector=meta.LabelSelectorArgs(match_labels=dict(pods)), policy_types=["Ingress"], ingress=ingress),
        opts=opts,
    )


def server_policy(name: str, namespace: str, clients: Sequence[tuple[str, Mapping[str, str]]],
                  labels: Mapping[str, str], opts: pulumi.ResourceOptions) -> networking.NetworkPolicy:
    """`clients`: (namespace, pod labels) of every pod that logs in to Vault."""
    return _ingress_only(name, SERVER_POLICY, namespace, SERVER_PODS, labels, [
        networking.NetworkPolicyIngressRuleArgs(
            from_=[*(_pods(pods, ns) for ns, pods in clients), _pods(BOOTSTRAP_PODS), _pods(INJECTOR_PODS)],
            ports=_tcp(chart.API_PORT),
        ),
        networking.NetworkPolicyIngressRuleArgs(from_=[_pods(SERVER_PODS)], ports=_tcp(chart.API_PORT, chart.CLUSTER_PORT)),
    ], opts)


def injector_policy(name: str, namespace: str, labels: Mapping[str, str],
                    opts: pulumi.ResourceOptions) -> networking.NetworkPolicy:
    return _ingress_only(name, INJECTOR_POLICY, namespace, INJECTOR_PODS, labels,
                         [networking.NetworkPolicyIngressRuleArgs(ports=_tcp(INJECTOR_WEBHOOK_PORT))], opts)
