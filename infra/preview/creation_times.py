"""Creation times that belong to no cloud: Kubernetes objects, local providers, and the default.

Each cloud's own slow types are in its package (`CloudSpec.creation_times`, e.g.
components/aws/creation_times.py); `creation_times()` merges them, reached through the registry.
"""

from __future__ import annotations

from typing import Mapping

from components.cloud import CreationTime
from components.registry import CLOUDS

# Every type not in a table: one API call and a short wait, as most resources are (subnets 5-8 s,
# subnet groups 2-8 s in these apply logs).
DEFAULT = CreationTime(
    0.1,
    "https://github.com/turbot/steampipe-plugin-aws/pull/184",
    "apply logs: 'aws_subnet ... Creation complete after 5s', subnet groups after 2-8 s",
)

NEUTRAL_CREATION_TIMES: dict[str, CreationTime] = {
    # Pulumi waits until the Deployment is Available (10 min timeout): pulling the Rasa Pro image,
    # Rasa starting and loading its model. The workload's startup probe allows 10 min for it.
    "kubernetes:apps/v1:Deployment": CreationTime(
        3,
        "https://www.pulumi.com/registry/packages/kubernetes/api-docs/apps/v1/deployment/",
        "Pulumi waits for the Deployment to be Available: image pull, Rasa's start (importing Rasa Pro 3.21's "
        "server alone took 13 s on the benchmark machine) and its model; an estimate",
    ),
    # Pulumi waits until a Job completes (the in-cluster bootstrap and verify jobs on the Rasa image).
    "kubernetes:batch/v1:Job": CreationTime(
        2,
        "https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/",
        "Pulumi waits for the Job's Complete condition; image pull and the checks, an estimate",
    ),
    # Helm releases: the Ingress controller, cert-manager and the cluster autoscaler are `atomic`, so
    # Pulumi waits until every object of the chart is ready (image pulls, webhooks, a load balancer);
    # the Vault chart is `skipAwait` (the bootstrap Job waits for its servers) and takes less. One
    # estimate per type: the longer one.
    "kubernetes:helm.sh/v3:Release": CreationTime(
        2,
        "https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release/",
        "Pulumi waits for the release's resources to be ready (atomic: Helm's --wait; the Vault chart skips it); an estimate",
    ),
    # Computed by the provider process itself: no API call.
    **{f"tls:index/{t}": CreationTime(0, "https://www.pulumi.com/registry/packages/tls/", "computed locally")
       for t in ("privateKey:PrivateKey", "selfSignedCert:SelfSignedCert", "certRequest:CertRequest",
                 "locallySignedCert:LocallySignedCert")},
    "random:index/randomPassword:RandomPassword": CreationTime(0, "https://www.pulumi.com/registry/packages/random/", "computed locally"),
    "random:index/randomId:RandomId": CreationTime(0, "https://www.pulumi.com/registry/packages/random/", "computed locally"),
}

# Provider resources (`pulumi:providers:<name>`) only configure a plugin: no time.
PROVIDER_PREFIX = "pulumi:providers:"


def creation_times() -> dict[str, CreationTime]:
    """Every table: the cloud-neutral rows, then each registered cloud's own."""
    table = dict(NEUTRAL_CREATION_TIMES)
    for spec in CLOUDS.values():
        table.update(spec.creation_times)
    return table


def creation_time(resource_type: str, table: Mapping[str, CreationTime]) -> CreationTime:
    if resource_type.startswith(PROVIDER_PREFIX):
        return CreationTime(0, "", "a provider resource only configures its plugin")
    return table.get(resource_type, DEFAULT)
