"""What a correct, secure program registers (props as the engine sends them: camelCase inputs)."""

from __future__ import annotations

import json

import yaml

from policies.aws import types as aws
from policies.azure import types as azure
from policies.kubernetes import types as k8s
from policies.kubernetes.rasa import BUDGET_ANNOTATION, ORIGINS_ANNOTATION

from .helpers import R

KEY = "arn:aws:kms:eu-central-1:111122223333:key/0f0e0d0c"
PROD = {"rasa-platform:environment": "prod", "rasa-platform:stack": "aws-prod"}
DEV = {"rasa-platform:environment": "dev", "rasa-platform:stack": "aws-dev"}

# Type tokens come from the check packages, the one place each cloud's tokens are written.
T_BUCKET = aws.BUCKET
T_PAB = aws.PUBLIC_ACCESS_BLOCK
T_SSE = aws.ENCRYPTION
T_VERSIONING = aws.VERSIONING
T_OWNERSHIP = aws.OWNERSHIP
T_BUCKET_POLICY = aws.BUCKET_POLICY
T_REDIS = aws.REPLICATION_GROUP
T_RDS = aws.DB_INSTANCE
T_PG = aws.DB_PARAMETER_GROUP
T_MSK = aws.MSK_CLUSTER
T_MSK_CONFIG = aws.MSK_CONFIGURATION
T_ROLE_POLICY = aws.ROLE_POLICY
T_EKS = aws.EKS_CLUSTER
T_NODE_GROUP = aws.EKS_NODE_GROUP
T_LT = aws.LAUNCH_TEMPLATE
T_OIDC = aws.OIDC_PROVIDER
T_ADDON = aws.EKS_ADDON
T_KMS = aws.KMS_KEY
T_AWS_PROVIDER = aws.PROVIDER
T_DEPLOYMENT = k8s.DEPLOYMENT
T_CONFIGMAP = k8s.CONFIG_MAP
T_HPA = k8s.HPA
T_PDB = k8s.PDB
T_RELEASE = k8s.HELM_RELEASE
T_STATEFUL_SET = k8s.STATEFUL_SET
T_INGRESS = k8s.INGRESS


def tls_policy(bucket_arn: str = "arn:aws:s3:::models") -> str:
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": resources, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "DenyOldTls", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
             "Resource": resources, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
        ],
    })


BUCKET = {"bucket": "models", "forceDestroy": False, "tags": PROD}
PAB = {"bucket": "models", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
       "restrictPublicBuckets": True}
SSE = {"bucket": "models", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                              "kmsMasterKeyId": KEY},
                                      "bucketKeyEnabled": True}]}
VERSIONING = {"bucket": "models", "versioningConfiguration": {"status": "Enabled"}}
OWNERSHIP = {"bucket": "models", "rule": {"objectOwnership": "BucketOwnerEnforced"}}
BUCKET_POLICY = {"bucket": "models", "policy": tls_policy()}

MSK_CLUSTER_ARN = "arn:aws:kafka:eu-central-1:111122223333:cluster/rasa-prod-events/0b1c2d3e-4f56-7890-abcd-ef0123456789-3"


def kafka_admin_policy(resource: object = MSK_CLUSTER_ARN, **statement: object) -> dict:
    """The Vault bootstrap's Kafka administrator (components/aws/kafka_admin.py)."""
    return {"role": "kafka-admin", "policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "GrantAclsOnThisClusterOnly", "Effect": "Allow",
        "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:AlterCluster"],
        "Resource": resource, **statement}]})}

REDIS = {
    "description": "Rasa lock store", "engine": "redis", "nodeType": "cache.t4g.medium",
    "transitEncryptionEnabled": True, "transitEncryptionMode": "required",
    "atRestEncryptionEnabled": True, "kmsKeyId": KEY, "authToken": "[secret]",
    "automaticFailoverEnabled": True, "multiAzEnabled": True, "numCacheClusters": 2,
    "snapshotRetentionLimit": 7, "subnetGroupName": "private", "tags": PROD,
}
RDS = {
    "engine": "postgres", "engineVersion": "16.4", "instanceClass": "db.m6g.large",
    "storageEncrypted": True, "kmsKeyId": KEY, "publiclyAccessible": False,
    "backupRetentionPeriod": 14, "multiAz": True, "deletionProtection": True,
    "skipFinalSnapshot": False, "finalSnapshotIdentifier": "tracker-final",
    "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": KEY,
    "enabledCloudwatchLogsExports": ["postgresql", "upgrade"], "parameterGroupName": "tracker-pg16",
    "password": "[secret]", "username": "rasa_admin", "tags": PROD,
}
PARAMETER_GROUP = {"name": "tracker-pg16", "family": "postgres16",
                   "parameters": [{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"}]}
MSK = {
    "kafkaVersion": "3.7.x", "numberOfBrokerNodes": 3,
    "brokerNodeGroupInfo": {"instanceType": "kafka.m7g.large", "clientSubnets": ["subnet-a", "subnet-b", "subnet-c"],
                            "securityGroups": ["sg-kafka"],
                            "connectivityInfo": {"publicAccess": {"type": "DISABLED"}}},
    "encryptionInfo": {"encryptionAtRestKmsKeyArn": KEY,
                       "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True}},
    "clientAuthentication": {"sasl": {"scram": True, "iam": False}, "unauthenticated": False},
    "configurationInfo": {"arn": "arn:aws:kafka:eu-central-1:111122223333:configuration/rasa/1", "revision": 1},
    "loggingInfo": {"brokerLogs": {"cloudwatchLogs": {"enabled": True, "logGroup": "/msk/rasa"}}},
    "tags": PROD,
}
MSK_CONFIG = {"kafkaVersions": ["3.7.x"],
              "serverProperties": "auto.create.topics.enable=false\ndefault.replication.factor=3\nmin.insync.replicas=2\n"}
EKS = {
    "roleArn": "arn:aws:iam::111122223333:role/eks", "version": "1.31", "name": "rasa",
    "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b", "subnet-c"], "endpointPrivateAccess": True,
                  "endpointPublicAccess": False},
    "encryptionConfig": {"provider": {"keyArn": KEY}, "resources": ["secrets"]},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
    "tags": PROD,
}
OIDC = {"url": "https://oidc.eks.eu-central-1.amazonaws.com/id/ABC", "clientIdLists": ["sts.amazonaws.com"]}
LAUNCH_TEMPLATE = {"name": "rasa-nodes", "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required",
                                                             "httpPutResponseHopLimit": 1}}
NODE_GROUP = {"clusterName": "rasa", "nodeRoleArn": "arn:aws:iam::111122223333:role/nodes",
              "subnetIds": ["subnet-a"], "scalingConfig": {"desiredSize": 3, "minSize": 3, "maxSize": 6},
              "launchTemplate": {"id": "lt-0123", "version": "1"}}
KMS_KEY = {"description": "rasa platform", "enableKeyRotation": True, "deletionWindowInDays": 30}

# Two Azure resources for the rules only Azure types are checked by (policies/azure).
T_AZURE_REDIS = azure.REDIS_ENTERPRISE
T_AZURE_KEY_VAULT = azure.KEY_VAULT
AZURE_TAGS = {**PROD, "owner": "platform-team"}
AZURE_REDIS = {"minimumTlsVersion": "1.2", "publicNetworkAccess": "Disabled", "highAvailability": "Enabled", "tags": AZURE_TAGS}
AZURE_KEY_VAULT = {"properties": {"enablePurgeProtection": True, "enableSoftDelete": True, "enableRbacAuthorization": True},
                   "tags": AZURE_TAGS}

# -- Rasa ------------------------------------------------------------------------------------------

RASA_LABELS = {"app.kubernetes.io/name": "rasa-pro", "app.kubernetes.io/component": "server"}
# HPA max 6 + surge 1, 1 Sanic worker → 7 processes; 7 × (15 + 30) = 315 < 0.8 × 400.
BUDGET = {"maxConnections": 400, "maxProcesses": 7, "poolSize": 15, "maxOverflow": 30}
ORIGINS = {"tracker_store": "managed", "lock_store": "managed", "event_queue": "managed",
           "model_storage": "managed", "vault": "managed"}

ENDPOINTS = {
    "tracker_store": {"type": "sql", "dialect": "postgresql", "url": "tracker.abc.eu-central-1.rds.amazonaws.com",
                      "port": 5432, "db": "rasa",
                      "username": {"source": "secrets_manager.vault", "secret_key": "sql_store_username"},
                      "password": {"source": "secrets_manager.vault", "secret_key": "sql_store_password"}},
    "lock_store": {"type": "concurrent_redis", "host": "master.lock.abc.euc1.cache.amazonaws.com", "port": 6379,
                   "db": 1, "key_prefix": "rasa", "use_ssl": True, "username": "default",
                   "password": "${LOCK_STORE_PASSWORD}"},
    "event_broker": {"type": "kafka", "url": "b-1.msk:9096,b-2.msk:9096", "topic": "rasa-core-events",
                     "client_id": "rasa", "partition_by_sender": True, "security_protocol": "SASL_SSL",
                     "ssl_check_hostname": True, "sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "rasa",
                     "sasl_password": "${KAFKA_SASL_PASSWORD}"},
    "secrets_manager": {"type": "vault", "url": "https://vault.vault.svc:8200", "mount_point": "secret",
                        "secrets_path": "rasa-secrets"},
}


def endpoints_yml(data: dict | None = None) -> str:
    return yaml.safe_dump(data if data is not None else ENDPOINTS, sort_keys=False)


def env(name: str, value: str) -> dict:
    return {"name": name, "value": value}


def secret_env(name: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": "rasa-secrets", "key": key}}}


SECURITY_CONTEXT = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                    "privileged": False, "capabilities": {"drop": ["ALL"]}}


def rasa_deployment(environment: str = "prod", replicas: int = 2) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "rasa", "namespace": "rasa",
                     "labels": {**RASA_LABELS, "rasa-platform.io/environment": environment},
                     "annotations": {BUDGET_ANNOTATION: json.dumps(BUDGET)}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(RASA_LABELS)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {**RASA_LABELS, "rasa-platform.io/environment": environment}},
                "spec": {
                    "serviceAccountName": "rasa",
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 1001, "fsGroup": 1001},
                    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                                   "whenUnsatisfiable": "ScheduleAnyway",
                                                   "labelSelector": {"matchLabels": dict(RASA_LABELS)}}],
                    "volumes": [{"name": "endpoints", "configMap": {"name": "rasa-endpoints"}},
                                {"name": "tmp", "emptyDir": {}}],
                    "containers": [{
                        "name": "rasa", "image": "rasa/rasa-pro:3.21.0",
                        "args": ["run", "--enable-api", "--port", "5005", "--endpoints", "/app/config/endpoints.yml"],
                        "env": [
                            env("SANIC_WORKERS", "1"), env("SQL_POOL_SIZE", "15"), env("SQL_MAX_OVERFLOW", "30"),
                            env("SQL_TRACKER_STORE_SSL_MODE", "verify-full"), env("SECRET_MANAGER", "vault"),
                            env("VAULT_RASA_SECRETS_PATH", "rasa-secrets"), env("BUCKET_NAME", "models"),
                            env("KEY_PREFIX", "rasa"), env("AWS_ACCESS_KEY_ID", ""),
                            secret_env("RASA_LICENSE", "rasa-license"), secret_env("AUTH_TOKEN", "rasa-auth-token"),
                            secret_env("VAULT_TOKEN", "vault-token"),
                            secret_env("LOCK_STORE_PASSWORD", "lock-store-password"),
                            secret_env("KAFKA_SASL_PASSWORD", "event-queue-password"),
                        ],
                        "resources": {"requests": {"cpu": "4", "memory": "8Gi"},
                                      "limits": {"cpu": "8", "memory": "16Gi"}},
                        "securityContext": dict(SECURITY_CONTEXT),
                        "livenessProbe": {"httpGet": {"path": "/", "port": 5005}},
                        "readinessProbe": {"httpGet": {"path": "/status", "port": 5005}},
                        "volumeMounts": [{"name": "endpoints", "mountPath": "/app/config"},
                                         {"name": "tmp", "mountPath": "/tmp"}],
                    }],
                },
            },
        },
    }


def rasa_configmap(text: str | None = None, origins: dict | None = None) -> dict:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "rasa-endpoints", "namespace": "rasa", "labels": {"app.kubernetes.io/name": "rasa-pro"},
                     "annotations": {ORIGINS_ANNOTATION: json.dumps(origins if origins is not None else ORIGINS)}},
        "data": {"endpoints.yml": text if text is not None else endpoints_yml()},
    }


HPA = {"metadata": {"name": "rasa", "namespace": "rasa"},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "rasa"},
                "minReplicas": 2, "maxReplicas": 6}}
PDB = {"metadata": {"name": "rasa", "namespace": "rasa"},
       "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(RASA_LABELS)}}}
VAULT_RELEASE = {"chart": "vault", "name": "vault", "namespace": "vault",
                 "repositoryOpts": {"repo": "https://helm.releases.hashicorp.com"}, "version": "0.29.1"}


# Rasa's Ingress as the program renders it: the channels' paths only.
INGRESS = {
    "metadata": {"name": "rasa-pro", "namespace": "rasa", "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}},
    "spec": {
        "ingressClassName": "traefik",
        "tls": [{"hosts": ["bot.acme.com"], "secretName": "rasa-pro-tls"}],
        "rules": [{"host": "bot.acme.com", "http": {"paths": [
            {"path": "/webhooks/", "pathType": "Prefix", "backend": {"service": {"name": "rasa-pro", "port": {"number": 5005}}}},
        ]}}],
    },
}


def secure_stack() -> list[R]:
    """A complete prod stack as the program should register it."""
    bucket_deps = {"bucket": ["models"]}
    return [
        R(T_KMS, "platform-key", KMS_KEY),
        R(T_BUCKET, "models", BUCKET),
        R(T_PAB, "models-pab", PAB, ("models",), bucket_deps),
        R(T_SSE, "models-sse", SSE, ("models", "platform-key"), bucket_deps),
        R(T_VERSIONING, "models-versioning", VERSIONING, ("models",), bucket_deps),
        R(T_OWNERSHIP, "models-ownership", OWNERSHIP, ("models",), bucket_deps),
        R(T_BUCKET_POLICY, "models-policy", BUCKET_POLICY, ("models",), bucket_deps),
        R(T_REDIS, "lock-store", REDIS, ("platform-key",)),
        R(T_PG, "tracker-pg16", PARAMETER_GROUP),
        R(T_RDS, "tracker-store", RDS, ("platform-key", "tracker-pg16"), {"parameterGroupName": ["tracker-pg16"]}),
        R(T_MSK_CONFIG, "kafka-config", MSK_CONFIG),
        R(T_MSK, "event-queue", MSK, ("platform-key", "kafka-config"), {"configurationInfo": ["kafka-config"]}),
        R(T_ROLE_POLICY, "kafka-admin-policy", kafka_admin_policy()),
        R(T_EKS, "cluster", EKS, ("platform-key",)),
        R(T_OIDC, "cluster-oidc", OIDC, ("cluster",), {"url": ["cluster"]}),
        R(T_LT, "nodes-lt", LAUNCH_TEMPLATE),
        R(T_NODE_GROUP, "nodes", NODE_GROUP, ("cluster", "nodes-lt"), {"launchTemplate": ["nodes-lt"]}),
        R(T_RELEASE, "vault", VAULT_RELEASE, ("cluster",)),
        R(T_CONFIGMAP, "rasa-endpoints", rasa_configmap()),
        R(T_DEPLOYMENT, "rasa", rasa_deployment(), ("rasa-endpoints",)),
        R(T_HPA, "rasa-hpa", HPA, ("rasa",), {"spec": ["rasa"]}),
        R(T_PDB, "rasa-pdb", PDB),
        R(T_INGRESS, "rasa-ingress", INGRESS),
        R(T_AZURE_REDIS, "azure-lock-store", AZURE_REDIS),
        R(T_AZURE_KEY_VAULT, "azure-seal-vault", AZURE_KEY_VAULT),
    ]
