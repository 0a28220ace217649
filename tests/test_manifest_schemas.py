"""Every Kubernetes object the program renders, checked against Kubernetes' own OpenAPI schema in
strict mode (unknown fields are errors): a misspelt field the API server would drop or refuse is
caught here, offline. The schemas ship inside the pinned `kubernetes-validate` wheel: nothing is
downloaded when the tests run."""

from __future__ import annotations

import kubernetes_validate
import pytest

from infra.preview import kubernetes_manifests
from tests.previewing import preview

# Objects that are not built-in kinds have no schema in Kubernetes' OpenAPI: the Helm release is a
# Pulumi resource, not an object; CRD-defined kinds are checked by their operator's webhook.
NOT_BUILT_IN = {"Release", "ClusterIssuer"}
KUBERNETES = "1.33.0"  # cluster.kubernetesVersion of the shipped stacks

EVERYTHING = {
    "credentials": {"rest": None, "socketio": None, "slack": {"slack_token": "${SLACK_BOT_TOKEN}",
                                                              "slack_signing_secret": "${SLACK_SIGNING_SECRET}"}},
    "nodeSelector": {"workload": "rasa"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "rasa", "effect": "NoSchedule"},
                    {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "podAffinityTerm": {
        "topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "rasa-pro"}}}}]}},
    "imagePullSecrets": ["acme-registry"],
    "egress": [{"cidr": "0.0.0.0/0", "port": 443}, {"cidr": "10.0.0.0/8", "port": 53, "protocol": "UDP"}],
    "image": "rasa/rasa-pro@sha256:" + "ab" * 32,
    "ingress": {"enabled": True, "host": "bot.acme.com", "acmeEmail": "ops@acme.com", "paths": ["/model/"]},
    "actionServer": {"enabled": True, "image": "acme/actions", "tag": "1.4.2", "env": {"CRM_URL": "https://crm"},
                     "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 4}, "podDisruptionBudget": True,
                     "egress": [{"cidr": "10.70.0.0/16", "port": 443}], "tolerations": [{"key": "actions", "operator": "Exists"}],
                     "serviceAccountAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/a"}},
}


def rendered_objects(shipped_previews):
    objects = []
    for name, result in sorted(shipped_previews.items()):
        assert result.config_error is None, result.config_error
        objects += [(name, m) for m in kubernetes_manifests(result.resources)]
    # The staging stack holds its Slack tokens as secrets; every other setting added on top.
    everything = preview("aws-staging", rasa=EVERYTHING)
    objects += [("aws-staging+everything", m) for m in kubernetes_manifests(everything.resources)]
    return objects


def test_every_rendered_manifest_passes_the_strict_kubernetes_schema(shipped_previews):
    objects = rendered_objects(shipped_previews)
    kinds = {m["kind"] for _, m in objects}
    # The whole inventory is checked, the feature variant included.
    assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Job",
            "ConfigMap", "Secret", "ServiceAccount", "Namespace"} <= kinds
    problems = []
    checked = 0
    for stack, m in objects:
        if m["kind"] in NOT_BUILT_IN:
            continue
        try:
            kubernetes_validate.validate(m, KUBERNETES, strict=True)
            checked += 1
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{stack}: {m['kind']} {m['metadata'].get('name')}: {exc.message} at {list(exc.path)}")
    assert problems == []
    assert checked >= 40


def test_the_strict_check_catches_a_misspelt_field():
    deployment = next(m for m in kubernetes_manifests(preview("byo-dev").resources) if m["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["nodeSelectr"] = {"a": "b"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)
