"""The pulumi-gcp 10 type tokens the GCP checks decide."""

PROVIDER = "pulumi:providers:gcp"
ANY = "gcp:*"  # every GCP resource (governance rules)

BUCKET = "gcp:storage/bucket:Bucket"
REDIS = "gcp:redis/instance:Instance"
SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
KAFKA_CLUSTER = "gcp:managedkafka/cluster:Cluster"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
