"""The pulumi-aws v7 type tokens the AWS checks decide."""

PROVIDER = "pulumi:providers:aws"
ANY = "aws:*"  # every AWS resource (governance rules)

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
ENCRYPTION_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"

DB_INSTANCE = "aws:rds/instance:Instance"
DB_CLUSTER = "aws:rds/cluster:Cluster"
DB_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"

MSK_CLUSTER = "aws:msk/cluster:Cluster"
MSK_SERVERLESS_CLUSTER = "aws:msk/serverlessCluster:ServerlessCluster"
MSK_CONFIGURATION = "aws:msk/configuration:Configuration"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_ADDON = "aws:eks/addon:Addon"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
KMS_KEY = "aws:kms/key:Key"
