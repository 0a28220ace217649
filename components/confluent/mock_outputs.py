"""What Confluent Cloud would answer, for the offline mock engine (ids shaped like Confluent's)."""

from __future__ import annotations

import hashlib
from typing import Any

from components.cloud import CloudMocks

RESOURCE_TYPES = (
    "confluentcloud:index/environment:Environment",
    "confluentcloud:index/kafkaCluster:KafkaCluster",
    "confluentcloud:index/serviceAccount:ServiceAccount",
    "confluentcloud:index/roleBinding:RoleBinding",
    "confluentcloud:index/apiKey:ApiKey",
    "confluentcloud:index/kafkaTopic:KafkaTopic",
    "confluentcloud:index/kafkaAcl:KafkaAcl",
)
_PREFIXES = {"environment": "env-", "kafkaCluster": "lkc-", "serviceAccount": "sa-", "roleBinding": "rb-"}


def _hex(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def fake_outputs(resource_type: str, name: str, inputs: dict[str, Any], region: str) -> tuple[str, dict[str, Any]]:
    state = dict(inputs)
    kind = resource_type.split("/")[-1].split(":")[0]
    rid = f"{_PREFIXES.get(kind, '')}{_hex(name, 6)}"
    if kind == "kafkaCluster":
        cloud = str(inputs.get("cloud", "GCP")).lower()
        host = f"pkc-{_hex(name, 5)}.{inputs.get('region', region)}.{cloud}.confluent.cloud"
        state.update(
            bootstrapEndpoint=f"SASL_SSL://{host}:9092", restEndpoint=f"https://{host}:443",
            apiVersion="cmk/v2", kind="Cluster",
            rbacCrn=f"crn://confluent.cloud/organization=mock/environment={inputs.get('environment', {}).get('id')}/cloud-cluster={rid}",
        )
    elif kind == "serviceAccount":
        state.update(apiVersion="iam/v2", kind="ServiceAccount")
    elif kind == "apiKey":
        rid = _hex(name, 16).upper()
        state["secret"] = "mock" + _hex(name + "secret", 60)
    elif kind == "kafkaTopic":
        rid = f"{inputs.get('kafkaCluster', {}).get('id')}/{inputs.get('topicName')}"
    return rid, state


def _call(token: str, args: dict[str, Any], region: str) -> dict[str, Any]:
    raise AssertionError(f"Confluent data source {token} is not used")


CONFLUENT_MOCKS = CloudMocks(resource_types=frozenset(RESOURCE_TYPES), call_tokens=frozenset(), resource=fake_outputs, call=_call)
