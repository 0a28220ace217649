"""The pulumi-confluentcloud type tokens the Confluent checks decide."""

KAFKA_CLUSTER = "confluentcloud:index/kafkaCluster:KafkaCluster"
