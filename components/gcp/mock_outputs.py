"""What Google Cloud would answer, for the Pulumi mock engine (tests and the offline preview).

The engine echoes a resource's inputs; values only GCP computes (ids and self links, emails,
endpoints, the Redis AUTH string and server CA, Cloud SQL's private IP and CA, the Kafka bootstrap
address) are added here, deterministically and in the wire (camelCase) names, for the stack's own
region. Confluent Cloud's answers (components/confluent) are merged in, since this cloud can build
it. Nothing here is used by a real deployment.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Optional

from components.cloud import CloudMocks
from components.confluent import CONFLUENT_MOCKS

PROJECT_NUMBER = "123456789012"
DEFAULT_REGION = "europe-west3"
# Never a real certificate: the engine only needs something shaped like PEM.
FAKE_CA = "-----BEGIN CERTIFICATE-----\nMOCKGCPCA\n-----END CERTIFICATE-----\n"
_AGENTS = {
    "redis.googleapis.com": "cloud-redis",
    "sqladmin.googleapis.com": "gcp-sa-cloud-sql",
    "managedkafka.googleapis.com": "gcp-sa-managedkafka",
    "container.googleapis.com": "container-engine-robot",
}


def _hex(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def _ip(name: str, base: str) -> str:
    octets = base.split(".")
    return f"{octets[0]}.{octets[1]}.{int(_hex(name, 2), 16) % 16 + int(octets[2])}.{int(_hex(name + 'h', 2), 16) % 250 + 2}"


def fake_outputs(resource_type: str, name: str, inputs: dict[str, Any], region: Optional[str] = None) -> tuple[str, dict[str, Any]]:
    """(id, state) for a mocked resource: its inputs plus what GCP would compute."""
    region = region or DEFAULT_REGION
    state = dict(inputs)
    project = inputs.get("project", "mock-project")
    resource_name = inputs.get("name") or f"{name}-{_hex(name, 6)}"
    rid = resource_name

    if resource_type == "gcp:compute/network:Network":
        rid = f"projects/{project}/global/networks/{resource_name}"
        state.update(selfLink=f"https://www.googleapis.com/compute/v1/{rid}")
    elif resource_type == "gcp:compute/subnetwork:Subnetwork":
        rid = f"projects/{project}/regions/{inputs.get('region', region)}/subnetworks/{resource_name}"
        state.update(selfLink=f"https://www.googleapis.com/compute/v1/{rid}", gatewayAddress="10.40.144.1")
    elif resource_type == "gcp:kms/keyRing:KeyRing":
        rid = f"projects/{project}/locations/{inputs.get('location', region)}/keyRings/{resource_name}"
    elif resource_type == "gcp:kms/cryptoKey:CryptoKey":
        rid = f"{inputs.get('keyRing')}/cryptoKeys/{resource_name}"
    elif resource_type == "gcp:projects/serviceIdentity:ServiceIdentity":
        agent = _AGENTS.get(inputs.get("service", ""), "gcp-sa-" + str(inputs.get("service", "")).split(".")[0])
        email = f"service-{PROJECT_NUMBER}@{agent}.iam.gserviceaccount.com"
        state.update(email=email, member=f"serviceAccount:{email}")
        rid = f"projects/{project}/services/{inputs.get('service')}"
    elif resource_type == "gcp:serviceaccount/account:Account":
        email = f"{inputs.get('accountId')}@{project}.iam.gserviceaccount.com"
        rid = f"projects/{project}/serviceAccounts/{email}"
        state.update(email=email, name=rid, member=f"serviceAccount:{email}", uniqueId=str(int(_hex(name, 12), 16)))
    elif resource_type == "gcp:serviceaccount/key:Key":
        key_file = f'{{"type": "service_account", "project_id": "{project}", "private_key_id": "{_hex(name, 40)}"}}'
        state["privateKey"] = base64.b64encode(key_file.encode()).decode()
        rid = f"{inputs.get('serviceAccountId')}/keys/{_hex(name, 40)}"
    elif resource_type == "gcp:projects/iAMCustomRole:IAMCustomRole":
        rid = f"projects/{project}/roles/{inputs.get('roleId')}"
        state["name"] = rid
    elif resource_type == "gcp:storage/bucket:Bucket":
        state.update(url=f"gs://{resource_name}", selfLink=f"https://www.googleapis.com/storage/v1/b/{resource_name}")
    elif resource_type == "gcp:redis/instance:Instance":
        state.update(
            host=_ip(name, "10.40.160.0"), port=6378 if inputs.get("transitEncryptionMode") == "SERVER_AUTHENTICATION" else 6379,
            authString="mock-auth-" + _hex(name, 32),
            serverCaCerts=[{"cert": FAKE_CA, "serialNumber": "0", "sha1Fingerprint": _hex(name, 40)}],
            currentLocationId=f"{region}-a",
        )
        rid = f"projects/{project}/locations/{region}/instances/{resource_name}"
    elif resource_type == "gcp:sql/databaseInstance:DatabaseInstance":
        state.update(
            privateIpAddress=_ip(name, "10.40.161.0"), connectionName=f"{project}:{region}:{resource_name}",
            serverCaCerts=[{"cert": FAKE_CA, "commonName": f"C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA", "sha1Fingerprint": _hex(name, 40)}],
            selfLink=f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project}/instances/{resource_name}",
            dnsName=f"{_hex(name, 12)}.{region}.sql.goog.",
        )
    elif resource_type == "gcp:managedkafka/cluster:Cluster":
        cluster = inputs.get("clusterId", name)
        location = inputs.get("location", region)
        rid = f"projects/{project}/locations/{location}/clusters/{cluster}"
        state.update(name=rid, bootstrapAddress=f"bootstrap.{cluster}.{location}.managedkafka.{project}.cloud.goog:9092", state="ACTIVE")
    elif resource_type == "gcp:managedkafka/topic:Topic":
        rid = f"projects/{project}/locations/{inputs.get('location', region)}/clusters/{inputs.get('cluster')}/topics/{inputs.get('topicId')}"
        state["name"] = rid
    elif resource_type == "gcp:container/cluster:Cluster":
        location = inputs.get("location", region)
        rid = f"projects/{project}/locations/{location}/clusters/{resource_name}"
        endpoints = dict(inputs.get("controlPlaneEndpointsConfig") or {})
        dns = dict(endpoints.get("dnsEndpointConfig") or {})
        dns["endpoint"] = f"gke-{_hex(name, 32)}-{PROJECT_NUMBER}.{location}.gke.goog"
        endpoints["dnsEndpointConfig"] = dns
        state.update(
            endpoint=_ip(name, "10.40.148.0"),
            masterAuth={**dict(inputs.get("masterAuth") or {}), "clusterCaCertificate": base64.b64encode(FAKE_CA.encode()).decode()},
            controlPlaneEndpointsConfig=endpoints,
            selfLink=f"https://container.googleapis.com/v1/{rid}",
            selfLinkId=rid,
        )
    elif resource_type == "gcp:container/nodePool:NodePool":
        rid = f"{inputs.get('cluster')}/nodePools/{resource_name}"
    elif resource_type == "gcp:storage/bucketObject:BucketObject":
        state.update(md5hash=base64.b64encode(bytes.fromhex(_hex(name, 32))).decode(), mediaLink=f"https://storage.googleapis.com/{inputs.get('bucket')}/{inputs.get('name')}")
        rid = f"{inputs.get('bucket')}-{inputs.get('name')}"
    elif resource_type in ("gcp:projects/service:Service",):
        rid = f"{project}/{inputs.get('service')}"
    return rid, state


def fake_call(token: str, args: dict[str, Any], region: Optional[str] = None) -> Optional[dict[str, Any]]:
    """Results of the data sources the GCP package reads; None for a token it does not use."""
    if token == "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
        email = f"service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"
        return {"emailAddress": email, "member": f"serviceAccount:{email}", "project": args.get("project"), "id": email}
    return None


GCP_RESOURCE_TYPES = (
    "gcp:projects/service:Service", "gcp:projects/serviceIdentity:ServiceIdentity",
    "gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMCustomRole:IAMCustomRole",
    "gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork", "gcp:compute/router:Router",
    "gcp:compute/routerNat:RouterNat", "gcp:compute/firewall:Firewall", "gcp:compute/globalAddress:GlobalAddress",
    "gcp:servicenetworking/connection:Connection",
    "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:serviceaccount/account:Account", "gcp:serviceaccount/iAMMember:IAMMember", "gcp:serviceaccount/key:Key",
    "gcp:storage/bucket:Bucket", "gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/bucketObject:BucketObject",
    "gcp:redis/instance:Instance",
    "gcp:sql/databaseInstance:DatabaseInstance", "gcp:sql/database:Database", "gcp:sql/user:User",
    "gcp:managedkafka/cluster:Cluster", "gcp:managedkafka/topic:Topic", "gcp:managedkafka/acl:Acl",
    "gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool",
)
GCP_CALL_TOKENS = ("gcp:storage/getProjectServiceAccount:getProjectServiceAccount",)


def _resource(resource_type: str, name: str, inputs: dict[str, Any], region: str) -> tuple[str, dict[str, Any]]:
    if resource_type in CONFLUENT_MOCKS.resource_types:
        assert CONFLUENT_MOCKS.resource is not None
        return CONFLUENT_MOCKS.resource(resource_type, name, inputs, region)
    return fake_outputs(resource_type, name, inputs, region)


def _call(token: str, args: dict[str, Any], region: str) -> dict[str, Any]:
    result = fake_call(token, args, region)
    assert result is not None, token  # only tokens listed in GCP_CALL_TOKENS are routed here
    return result


GCP_MOCKS = CloudMocks(
    resource_types=frozenset(GCP_RESOURCE_TYPES) | CONFLUENT_MOCKS.resource_types,
    call_tokens=frozenset(GCP_CALL_TOKENS),
    resource=_resource,
    call=_call,
)
