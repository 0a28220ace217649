"""What AWS would answer, for the Pulumi mock engine (tests and the offline preview).

The mock engine echoes a resource's inputs; values only AWS computes (ARNs, endpoints, broker
lists, the EKS OIDC issuer) would stay empty and leave the connections Rasa renders from
half-filled. `fake_outputs` and `fake_call` add realistic, deterministic values, in the wire
(camelCase) names the engine uses, for the stack's own region. Ids look like AWS's (vpc-..., sg-...,
key UUIDs). Nothing here is used by a real deployment: infra/mocks.py is the one engine that asks.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Optional

from components.aws.regions import short_code
from components.cloud import CloudMocks
from components.confluent import CONFLUENT_MOCKS

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "eu-central-1"
# The VPC an existing cluster or subnet reports (mode: existing).
EXISTING_VPC_ID = "vpc-" + hashlib.sha256(b"existing").hexdigest()[:17]
# Never a real key: the mock engine only needs something shaped like base64 PEM data.
FAKE_CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n").decode()


def _hex(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def fake_id(resource_type: str, name: str, inputs: dict[str, Any]) -> str:
    prefixes = {
        "aws:ec2/vpc:Vpc": "vpc-", "aws:ec2/subnet:Subnet": "subnet-", "aws:ec2/securityGroup:SecurityGroup": "sg-",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-", "aws:ec2/internetGateway:InternetGateway": "igw-",
        "aws:ec2/natGateway:NatGateway": "nat-", "aws:ec2/eip:Eip": "eipalloc-", "aws:ec2/routeTable:RouteTable": "rtb-",
        "aws:ec2/launchTemplate:LaunchTemplate": "lt-", "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
        "aws:ec2/flowLog:FlowLog": "fl-", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
        "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "tgw-attach-",
    }
    if resource_type == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
        return str(inputs["vpcPeeringConnectionId"])  # the accepter's id is the connection's
    if resource_type in prefixes:
        return prefixes[resource_type] + _hex(f"{resource_type}/{name}", 17)
    for key in ("name", "bucket", "identifier", "replicationGroupId", "clusterName", "userId", "userGroupId"):
        if isinstance(inputs.get(key), str):
            return inputs[key]
    return f"{name}-{_hex(name, 8)}"


def fake_outputs(resource_type: str, name: str, inputs: dict[str, Any], region: Optional[str] = None) -> tuple[str, dict[str, Any]]:
    """(id, state) for a mocked resource: its inputs plus what the cloud would compute."""
    region = region or DEFAULT_REGION
    state = dict(inputs)
    rid = fake_id(resource_type, name, inputs)
    acct = ACCOUNT_ID
    suffix = _hex(name, 8)

    def arn(service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{region if regional else ''}:{acct if account else ''}:{resource}"

    if resource_type == "aws:kms/key:Key":
        key_id = f"{_hex(name, 8)}-{_hex(name + '1', 4)}-{_hex(name + '2', 4)}-{_hex(name + '3', 4)}-{_hex(name + '4', 12)}"
        rid = key_id
        state.update(keyId=key_id, arn=arn("kms", f"key/{key_id}"))
    elif resource_type == "aws:iam/role:Role":
        role_name = inputs.get("name") or f"{inputs.get('namePrefix', name + '-')}{_hex(name, 12)}"
        state.update(name=role_name, arn=f"arn:aws:iam::{acct}:role/{role_name}", uniqueId=f"AROA{_hex(name, 16).upper()}")
        rid = role_name
    elif resource_type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        url = str(inputs.get("url", "")).removeprefix("https://")
        state["arn"] = f"arn:aws:iam::{acct}:oidc-provider/{url}"
        rid = state["arn"]
    elif resource_type == "aws:s3/bucket:Bucket":
        bucket = inputs.get("bucket") or f"{inputs.get('bucketPrefix', name + '-')}{_hex(name, 12)}"
        rid = bucket
        state.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}", bucketRegionalDomainName=f"{bucket}.s3.{region}.amazonaws.com")
    elif resource_type == "aws:ec2/vpc:Vpc":
        state.update(arn=arn("ec2", f"vpc/{rid}"), defaultSecurityGroupId=f"sg-{_hex(name + 'default', 17)}")
    elif resource_type == "aws:ec2/securityGroup:SecurityGroup":
        state.update(arn=arn("ec2", f"security-group/{rid}"))
    elif resource_type == "aws:ec2/launchTemplate:LaunchTemplate":
        state.update(latestVersion=1, defaultVersion=1, arn=arn("ec2", f"launch-template/{rid}"))
    elif resource_type == "aws:cloudwatch/logGroup:LogGroup":
        state["arn"] = arn("logs", f"log-group:{inputs.get('name', name)}")
    elif resource_type == "aws:eks/cluster:Cluster":
        oidc_id = _hex(name, 32).upper()
        vpc_config = dict(inputs.get("vpcConfig") or {})
        vpc_config.update(clusterSecurityGroupId=f"sg-{_hex(name + 'cluster', 17)}", vpcId=f"vpc-{_hex('vpc', 17)}")
        state.update(
            arn=arn("eks", f"cluster/{rid}"),
            endpoint=f"https://{oidc_id}.gr7.{region}.eks.amazonaws.com",
            certificateAuthority={"data": FAKE_CA_DATA},
            identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"}]}],
            vpcConfig=vpc_config,
            status="ACTIVE",
        )
    elif resource_type in ("aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon", "aws:eks/accessEntry:AccessEntry"):
        state["arn"] = arn("eks", f"{resource_type.split(':')[-1].lower()}/{rid}")
    elif resource_type == "aws:rds/instance:Instance":
        identifier = inputs.get("identifier", name)
        address = f"{identifier}.c{_hex(name, 10)}.{region}.rds.amazonaws.com"
        state.update(
            address=address, endpoint=f"{address}:{inputs.get('port', 5432)}", arn=arn("rds", f"db:{identifier}"),
            resourceId=f"db-{_hex(name, 26).upper()}", identifier=identifier,
        )
    elif resource_type in ("aws:rds/parameterGroup:ParameterGroup", "aws:rds/subnetGroup:SubnetGroup",
                           "aws:elasticache/parameterGroup:ParameterGroup", "aws:elasticache/subnetGroup:SubnetGroup"):
        group_name = inputs.get("name") or f"{name}-{suffix}"
        rid = group_name
        state.update(name=group_name, arn=arn(resource_type.split(":")[1].split("/")[0], f"group:{group_name}"))
    elif resource_type == "aws:elasticache/replicationGroup:ReplicationGroup":
        group_id = inputs.get("replicationGroupId", name)
        state.update(
            arn=arn("elasticache", f"replicationgroup:{group_id}"),
            primaryEndpointAddress=f"master.{group_id}.{_hex(name, 6)}.{short_code(region)}.cache.amazonaws.com",
            readerEndpointAddress=f"replica.{group_id}.{_hex(name, 6)}.{short_code(region)}.cache.amazonaws.com",
        )
    elif resource_type == "aws:elasticache/user:User":
        state["arn"] = arn("elasticache", f"user:{inputs.get('userId', name)}")
    elif resource_type == "aws:elasticache/userGroup:UserGroup":
        state["arn"] = arn("elasticache", f"usergroup:{inputs.get('userGroupId', name)}")
    elif resource_type == "aws:msk/cluster:Cluster":
        cluster = inputs.get("clusterName", name)
        uuid = f"{_hex(name, 8)}-{_hex(name, 4)}-{_hex(name, 4)}-{_hex(name, 4)}-{_hex(name, 12)}-3"
        count = int(inputs.get("numberOfBrokerNodes", 3))
        hosts = [f"b-{i}.{cluster}.{_hex(name, 6)}.c2.kafka.{region}.amazonaws.com" for i in range(1, count + 1)]
        state.update(
            arn=arn("kafka", f"cluster/{cluster}/{uuid}"),
            clusterUuid=uuid,
            currentVersion="K3AEGXETSR30VB",
            bootstrapBrokersSaslScram=",".join(f"{h}:9096" for h in hosts),
            bootstrapBrokersSaslIam=",".join(f"{h}:9098" for h in hosts),
            bootstrapBrokersTls=",".join(f"{h}:9094" for h in hosts),
        )
    elif resource_type == "aws:msk/configuration:Configuration":
        state.update(arn=arn("kafka", f"configuration/{name}/{_hex(name, 8)}"), latestRevision=1)
    elif resource_type == "aws:msk/topic:Topic":
        state["arn"] = f"{inputs.get('clusterArn', '')}/{inputs.get('name', name)}".replace(":cluster/", ":topic/")
    elif resource_type == "aws:secretsmanager/secret:Secret":
        secret_name = inputs.get("name") or f"{inputs.get('namePrefix', name)}{_hex(name, 6)}"
        state.update(name=secret_name, arn=arn("secretsmanager", f"secret:{secret_name}-{_hex(name, 6)}"))
        rid = state["arn"]
    elif resource_type.startswith("aws:"):
        state.setdefault("arn", arn(resource_type.split(":")[1].split("/")[0], f"{resource_type.split(':')[-1].lower()}/{rid}"))
    return rid, state


def fake_call(token: str, args: dict[str, Any], region: Optional[str] = None) -> Optional[dict[str, Any]]:
    """Results of the data sources the AWS package reads; None for a token it does not use."""
    region = region or DEFAULT_REGION
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/platform-deployer/session",
                "userId": "AROAEXAMPLE:session", "id": ACCOUNT_ID}
    if token == "aws:iam/getSessionContext:getSessionContext":
        return {"arn": args.get("arn"), "issuerArn": f"arn:aws:iam::{ACCOUNT_ID}:role/platform-deployer",
                "issuerId": "AROAEXAMPLE", "issuerName": "platform-deployer", "sessionName": "session", "id": args.get("arn")}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        names = [f"{region}{z}" for z in "abc"]
        return {"names": names, "zoneIds": [f"{short_code(region)}-az{i}" for i in (1, 2, 3)], "id": region, "groupNames": [region]}
    if token == "aws:ec2/getSubnet:getSubnet":
        subnet = str(args.get("id", "subnet-0"))
        third = int(_hex(subnet, 2), 16) % 200
        return {"id": subnet, "cidrBlock": f"10.99.{third}.0/24", "vpcId": EXISTING_VPC_ID,
                "availabilityZone": f"{region}a", "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:subnet/{subnet}"}
    if token == "aws:eks/getCluster:getCluster":
        cluster = str(args.get("name", "cluster"))
        oidc_id = _hex(cluster, 32).upper()
        return {
            "name": cluster, "id": cluster, "arn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:cluster/{cluster}",
            "endpoint": f"https://{oidc_id}.gr7.{region}.eks.amazonaws.com",
            "certificateAuthorities": [{"data": FAKE_CA_DATA}],
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"}]}],
            "vpcConfig": {"clusterSecurityGroupId": f"sg-{_hex(cluster, 17)}", "vpcId": EXISTING_VPC_ID,
                          "subnetIds": [], "securityGroupIds": [], "publicAccessCidrs": [],
                          "endpointPrivateAccess": True, "endpointPublicAccess": False, "controlPlaneEgressMode": ""},
            "version": "1.33", "status": "ACTIVE",
        }
    if token == "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
        url = str(args.get("url", "")).removeprefix("https://")
        return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{url}", "url": url,
                "clientIdLists": ["sts.amazonaws.com"], "thumbprintLists": [], "id": url}
    return None


# ---------------------------------------------------------------------------------------------
# What the offline engine (infra/mocks.py) routes here: every type and data source AWS provisioning uses.

AWS_RESOURCE_TYPES = (
    "aws:index/provider:Provider",
    "aws:kms/key:Key", "aws:kms/alias:Alias",
    "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:ec2/vpc:Vpc", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway",
    "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ec2/flowLog:FlowLog", "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/launchTemplate:LaunchTemplate", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon",
    "aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    "aws:s3/bucket:Bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy", "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:elasticache/subnetGroup:SubnetGroup", "aws:elasticache/user:User", "aws:elasticache/userGroup:UserGroup",
    "aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup", "aws:rds/subnetGroup:SubnetGroup",
    "aws:msk/cluster:Cluster", "aws:msk/configuration:Configuration", "aws:msk/topic:Topic",
    "aws:msk/scramSecretAssociation:ScramSecretAssociation",
    "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
)

AWS_CALL_TOKENS = (
    "aws:index/getCallerIdentity:getCallerIdentity",
    "aws:iam/getSessionContext:getSessionContext",
    "aws:index/getAvailabilityZones:getAvailabilityZones",
    "aws:ec2/getSubnet:getSubnet",
    "aws:eks/getCluster:getCluster",
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider",
)


def _resource(resource_type: str, name: str, inputs: dict[str, Any], region: str) -> tuple[str, dict[str, Any]]:
    if resource_type in CONFLUENT_MOCKS.resource_types:  # eventQueue.provider: confluent
        assert CONFLUENT_MOCKS.resource is not None
        return CONFLUENT_MOCKS.resource(resource_type, name, inputs, region)
    return fake_outputs(resource_type, name, inputs, region)


def _call(token: str, args: dict[str, Any], region: str) -> dict[str, Any]:
    result = fake_call(token, args, region)
    assert result is not None, token  # only tokens listed in AWS_CALL_TOKENS are routed here
    return result


AWS_MOCKS = CloudMocks(
    resource_types=frozenset(AWS_RESOURCE_TYPES) | CONFLUENT_MOCKS.resource_types,
    call_tokens=frozenset(AWS_CALL_TOKENS),
    resource=_resource,
    call=_call,
)
