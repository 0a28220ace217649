"""The event queue: an Event Hubs namespace (Standard in dev, Premium in prod) used through its
Kafka endpoint, TLS 1.2 at least, SAS (local) authentication explicitly enabled, one event hub
per topic, a send-only SAS rule for Rasa and a listen-only rule for consumers, and a private
endpoint with public network access disabled (in every environment: Standard supports private
endpoints too, and a public namespace would be reachable with a leaked SAS key from anywhere).

Rasa connects as Rasa Pro's code says for Event Hubs: SASL_SSL, mechanism PLAIN, user name the
literal `$ConnectionString`, password the send rule's connection string, port 9093. Event Hubs
has no replication factor to set: its storage is replicated by the service.

Rasa Pro Services (analytics) gets credentials of its own, when analytics is on: a dead-letter
event hub (`analytics.deadLetterTopic`), an Event Hubs consumer group `analytics.consumerGroup` on
the events hub, and one namespace-level SAS rule `analytics-listen-send` with Listen and Send.
Why the namespace: a Kafka client has one SASL password (one connection string), and a hub-level
rule's connection string carries `EntityPath` and reaches that one hub only (Microsoft: "Get an
Event Hubs connection string", https://learn.microsoft.com/azure/event-hubs/event-hubs-get-connection-string),
while the consumer must read the events hub and write the dead-letter hub. The price: that rule
may also send to the events hub and listen on the dead-letter hub, i.e. on every hub of this
namespace, which holds only those two (the namespace is the stack's own; nothing else is created
in it). Never Manage. Rasa's send rule and the consumers' listen rule stay hub-level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native.eventhub as eventhub

from components.azure.context import AzureContext, NetworkInfo, private_endpoint
from components.contracts import KafkaConnection, NetworkAccess

KAFKA_PORT = 9093
SASL_USERNAME = "$ConnectionString"
MAX_PARTITIONS = {"Standard": 32, "Premium": 100}
MAX_RETENTION_HOURS = {"Standard": 168, "Premium": 2160}


@dataclass(frozen=True)
class EventQueueArgs:
    context: AzureContext
    network: NetworkInfo
    sku: str  # Standard | Premium
    capacity: int  # throughput units (Standard) or processing units (Premium)
    topic: str
    partitions: int
    retention_hours: int
    # Set when analytics is on: its consumer group on the events hub and its dead-letter event hub.
    analytics_consumer_group: Optional[str] = None
    analytics_dead_letter_topic: Optional[str] = None

# The analytics consumer's namespace-level rule (see the module docstring for why namespace-level).
ANALYTICS_RULE = "analytics-listen-send"
ANALYTICS_RIGHTS = (eventhub.AccessRights.LISTEN, eventhub.AccessRights.SEND)


class EventQueue(pulumi.ComponentResource):
    connection: KafkaConnection
    namespace: eventhub.Namespace
    event_hub: eventhub.EventHub
    consumer_connection_string: pulumi.Output[str]
    ready: list[pulumi.Resource]
    # Rasa Pro Services' own credentials (None without analytics) and what it waits for.
    analytics_connection: Optional[KafkaConnection]
    analytics_ready: list[pulumi.Resource]

    def __init__(self, name: str, args: EventQueueArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:azure:EventQueue", name, None, opts)
        ctx = args.context
        rg = ctx.resource_group_name
        child = pulumi.ResourceOptions(parent=self)
        self.namespace = eventhub.Namespace(
            f"{name}-namespace",
            namespace_name=ctx.unique_name("events", 50),
            resource_group_name=rg,
            location=ctx.location,
            sku={"name": args.sku, "tier": args.sku, "capacity": args.capacity},
            kafka_enabled=True,
            minimum_tls_version=eventhub.TlsVersion.TLS_VERSION_1_2,
            # SAS on: Rasa's Kafka producer authenticates with a SAS connection string (Entra
            # OAUTHBEARER is not something Rasa's broker config can do on Azure).
            disable_local_auth=False,
            public_network_access=eventhub.PublicNetworkAccess.DISABLED,
            zone_redundant=True,
            is_auto_inflate_enabled=False,
            tags=ctx.tags(),
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
        eventhub.NamespaceNetworkRuleSet(
            f"{name}-network",
            namespace_name=self.namespace.name,
            resource_group_name=rg,
            public_network_access=eventhub.PublicNetworkAccess.DISABLED,
            default_action=eventhub.DefaultAction.DENY,  # nothing but the private endpoint
            trusted_service_access_enabled=False,
            ip_rules=[],
            virtual_network_rules=[],
            opts=child,
        )
        self.event_hub = self._hub(ctx, f"{name}-topic", args.topic, args)
        send = eventhub.EventHubAuthorizationRule(
            f"{name}-rasa-send",
            authorization_rule_name="rasa-send",
            event_hub_name=self.event_hub.name,
            namespace_name=self.namespace.name,
            resource_group_name=rg,
            rights=[eventhub.AccessRights.SEND],
            opts=child,
        )
        listen = eventhub.EventHubAuthorizationRule(
            f"{name}-consumers-listen",
            authorization_rule_name="consumers-listen",
            event_hub_name=self.event_hub.name,
            namespace_name=self.namespace.name,
            resource_group_name=rg,
            rights=[eventhub.AccessRights.LISTEN],
            opts=child,
        )
        private_endpoint(
            ctx, f"{name}-namespace", parent=self, target_id=self.namespace.id, group_id="namespace",
            subnet_id=args.network.endpoint_subnet_id, dns_zone_id=args.network.dns_zone_ids["servicebus"],
        )

        def keys(rule: eventhub.EventHubAuthorizationRule) -> pulumi.Output[str]:
            listed = eventhub.list_event_hub_keys_output(
                authorization_rule_name=rule.name, event_hub_name=self.event_hub.name,
                namespace_name=self.namespace.name, resource_group_name=rg, opts=pulumi.InvokeOptions(parent=self),
            )
            return pulumi.Output.secret(listed.primary_connection_string)

        self.consumer_connection_string = keys(listen)
        self.ready = [send, self.event_hub]

        def connection(password: pulumi.Output[str], client_id: str) -> KafkaConnection:
            return KafkaConnection(
                bootstrap_servers=self.namespace.name.apply(lambda ns: [f"{ns}.servicebus.windows.net:{KAFKA_PORT}"]),
                topic=self.event_hub.name,
                origin="managed",
                network=NetworkAccess(ports=(KAFKA_PORT,), cidrs=args.network.data_cidrs),
                security_protocol="SASL_SSL",
                sasl_mechanism="PLAIN",
                username=SASL_USERNAME,
                password=password,
                resource_name=self.namespace.name,
                client_id=client_id,
            )

        self.connection = connection(keys(send), "rasa")
        self.analytics_connection = None
        self.analytics_ready = []
        if args.analytics_dead_letter_topic and args.analytics_consumer_group:
            self.dead_letter_hub = self._hub(ctx, f"{name}-analytics-dlq", args.analytics_dead_letter_topic, args)
            self.consumer_group = eventhub.ConsumerGroup(
                f"{name}-analytics-group",
                consumer_group_name=args.analytics_consumer_group,
                event_hub_name=self.event_hub.name,
                namespace_name=self.namespace.name,
                resource_group_name=rg,
                user_metadata="Rasa Pro Services (analytics)",
                opts=child,
            )
            self.analytics_rule = eventhub.NamespaceAuthorizationRule(
                f"{name}-analytics-listen-send",
                authorization_rule_name=ANALYTICS_RULE,
                namespace_name=self.namespace.name,
                resource_group_name=rg,
                rights=list(ANALYTICS_RIGHTS),
                opts=child,
            )
            listed = eventhub.list_namespace_keys_output(
                authorization_rule_name=self.analytics_rule.name, namespace_name=self.namespace.name,
                resource_group_name=rg, opts=pulumi.InvokeOptions(parent=self),
            )
            self.analytics_connection = connection(pulumi.Output.secret(listed.primary_connection_string), "rasa-analytics")
            self.analytics_ready = [self.dead_letter_hub, self.consumer_group, self.analytics_rule]
        self.register_outputs({"namespace": self.namespace.name, "topic": self.event_hub.name})

    def _hub(self, ctx: AzureContext, resource: str, hub: str, args: EventQueueArgs) -> eventhub.EventHub:
        return eventhub.EventHub(
            resource,
            event_hub_name=hub,
            namespace_name=self.namespace.name,
            resource_group_name=ctx.resource_group_name,
            partition_count=args.partitions,
            retention_description={
                "cleanup_policy": eventhub.CleanupPolicyRetentionDescription.DELETE,
                "retention_time_in_hours": args.retention_hours,
            },
            status=eventhub.EntityStatus.ACTIVE,
            opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect),
        )
