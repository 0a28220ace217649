"""What Rasa's Ingress names, installed on a cluster this stack creates (any cloud): an ingress
controller (Traefik) and cert-manager with a Let's Encrypt ClusterIssuer. Cloud-neutral: a cloud
package passes only what its load balancer needs on Traefik's Service (annotations).

Why Traefik: Kubernetes retired the community ingress-nginx controller in March 2026 (no more
security fixes); the clouds' own controllers each bring their own certificate story (the AWS Load
Balancer Controller terminates TLS with ACM certificates and needs a broad IAM policy, AKS
application routing installs no issuer, GKE Ingress wants Google-managed certificates). Traefik is
maintained, serves the standard Ingress API behind one layer-4 load balancer on every cloud, and
works with cert-manager's HTTP-01 solver, so every cloud gets the same Ingress. Both charts are pinned;
Traefik's CRD and Gateway providers are off, so its RBAC stays at Ingress, Service and
EndpointSlice reads. Both namespaces enforce the restricted pod security profile, which both
charts' default security contexts meet.

`IngressController` (components/cloud.py) hands the class, namespace, issuer and the resources
to wait for to the cloud-neutral workload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.cloud import IngressController

TRAEFIK_CHART = ("traefik", "41.3.0", "https://traefik.github.io/charts")  # Traefik Proxy v3.7.11
CERT_MANAGER_CHART = ("cert-manager", "v1.21.2", "https://charts.jetstack.io")  # v1.19 left support in June 2026
LETSENCRYPT = "https://acme-v02.api.letsencrypt.org/directory"

# What this package installs: also what infra/settings checks a stack's ingress settings against.
INSTALLED = IngressController(
    class_name="traefik", controller_namespace="traefik", cluster_issuer="letsencrypt",
    # Traefik routes an Ingress on every entry point, plain HTTP included, unless told otherwise.
    annotations={"traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
                 "traefik.ingress.kubernetes.io/router.tls": "true"},
)
CERT_MANAGER_NAMESPACE = "cert-manager"


@dataclass(frozen=True)
class IngressPrerequisitesArgs:
    provider: k8s.Provider  # the created cluster's
    acme_email: str  # Let's Encrypt's contact for expiry and account notices
    # What the cloud's load balancer needs on Traefik's Service (AWS: a Network Load Balancer).
    service_annotations: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[pulumi.Resource, ...] = ()  # node groups and add-ons: somewhere to run


class IngressPrerequisites(pulumi.ComponentResource):
    controller: IngressController

    def __init__(self, name: str, args: IngressPrerequisitesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:ingress:IngressPrerequisites", name, None, opts)
        first = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on) or None)

        traefik_ns = _namespace(f"{name}-traefik-namespace", INSTALLED.controller_namespace, first)
        cert_ns = _namespace(f"{name}-cert-manager-namespace", CERT_MANAGER_NAMESPACE, first)
        self.traefik = _release(f"{name}-traefik", TRAEFIK_CHART, INSTALLED.controller_namespace, _traefik_values(args.service_annotations),
                                pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[traefik_ns]))
        self.cert_manager = _release(
            f"{name}-cert-manager", CERT_MANAGER_CHART, CERT_MANAGER_NAMESPACE,
            # CRDs with the chart, kept when the release is removed (certificates outlive it).
            {"crds": {"enabled": True, "keep": True}, "replicaCount": 1},
            pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[cert_ns]),
        )
        self.issuer = k8s.apiextensions.CustomResource(
            f"{name}-cluster-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=INSTALLED.cluster_issuer),
            spec={
                "acme": {
                    "server": LETSENCRYPT,
                    "email": args.acme_email,
                    "privateKeySecretRef": {"name": "letsencrypt-account-key"},
                    "solvers": [{"http01": {"ingress": {"ingressClassName": INSTALLED.class_name}}}],
                }
            },
            # The ClusterIssuer kind exists once cert-manager's CRDs do; issuing needs the controller.
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.cert_manager, self.traefik]),
        )
        self.controller = IngressController(
            class_name=INSTALLED.class_name,
            controller_namespace=INSTALLED.controller_namespace,
            cluster_issuer=INSTALLED.cluster_issuer,
            ready=(self.traefik, self.cert_manager, self.issuer),
            annotations=INSTALLED.annotations,
        )
        self.register_outputs({"ingressClass": INSTALLED.class_name, "clusterIssuer": INSTALLED.cluster_issuer})


def _namespace(name: str, namespace: str, opts: pulumi.ResourceOptions) -> k8s.core.v1.Namespace:
    return k8s.core.v1.Namespace(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace, labels={
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        }),
        opts=opts,
    )


def _release(name: str, chart: tuple[str, str, str], namespace: str, values: dict,
             opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    chart_name, version, repo = chart
    return k8s.helm.v3.Release(
        name,
        name=chart_name,
        chart=chart_name,
        version=version,  # pinned: an upgrade is a reviewed change
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repo),
        namespace=namespace,
        create_namespace=False,
        atomic=True,  # a failed install rolls back instead of leaving half a controller
        cleanup_on_fail=True,
        values=values,
        opts=opts,
    )


def _traefik_values(service_annotations: Mapping[str, str]) -> dict:
    return {
        "deployment": {"replicas": 2},
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        "ingressClass": {"enabled": True, "isDefaultClass": False, "name": INSTALLED.class_name},
        # Only the standard Ingress API: fewer permissions, nothing else to configure routes with.
        "providers": {"kubernetesIngress": {"enabled": True}, "kubernetesCRD": {"enabled": False},
                      "kubernetesGateway": {"enabled": False}},
        "gateway": {"enabled": False},
        "ingressRoute": {"dashboard": {"enabled": False}},
        # Port 80 stays open without a redirect: Let's Encrypt's HTTP-01 challenge is served there.
        # One layer-4 load balancer (the cloud's annotations), client IPs kept for Rasa's logs.
        "service": {
            "annotations": dict(service_annotations),
            "spec": {"externalTrafficPolicy": "Local"},
        },
    }
