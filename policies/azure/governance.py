"""Locations and tags of Azure resources, and the tag that says a resource's environment."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import Findings, RuleContext, check_allowed_region, entries, get, is_unknown
from ..stack_keys import TAGS
from .types import ANY, PROVIDER

CHECKS = CheckSet(__name__)

# The tag components/azure/tags.py puts on every resource to say its environment.
ENVIRONMENT_TAG = "rasa-platform:environment"

# Resource types without a `tags` input in pulumi-azure-native 3.29 (skipped by required-tags);
# tests/azure/test_policies.py checks the list against the SDK for every type the program registers.
UNTAGGABLE = {
    "azure-native:authorization:RoleAssignment",
    "azure-native:containerservice:MaintenanceConfiguration",
    "azure-native:dbforpostgresql:Configuration",
    "azure-native:dbforpostgresql:Database",
    "azure-native:eventhub:ConsumerGroup",
    "azure-native:eventhub:EventHub",
    "azure-native:eventhub:EventHubAuthorizationRule",
    "azure-native:eventhub:NamespaceAuthorizationRule",
    "azure-native:eventhub:NamespaceNetworkRuleSet",
    "azure-native:managedidentity:FederatedIdentityCredential",
    "azure-native:monitor:DiagnosticSetting",
    "azure-native:network:PrivateDnsZoneGroup",
    "azure-native:network:Subnet",
    "azure-native:redisenterprise:Database",
    "azure-native:storage:Blob",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:storage:ManagementPolicy",
}
# Private DNS zones and their links are global resources by definition.
GLOBAL = "global"


def _environment_tag(props: Any) -> Any:
    return get(props, "tags", ENVIRONMENT_TAG)


CHECKS.environment_from(_environment_tag)


def _location(props: Any, ctx: RuleContext, f: Findings) -> None:
    allowed = ctx.config("allowedRegions")
    if not allowed:
        return
    location = get(props, "location")
    if location is None and ctx.args.provider is not None:
        location = get(ctx.args.provider.props, "location")
    if location is None:
        # A child resource (subnet, container, ...): it lives where its parent does.
        return
    if location == GLOBAL:
        return
    check_allowed_region(f, "location", location, allowed)


CHECKS.resource("allowed-regions", {ANY: _location, PROVIDER: _location})


def _tags(props: Any, ctx: RuleContext, f: Findings) -> None:
    required = ctx.config("requiredTags")
    if not required or ctx.args.resource_type in UNTAGGABLE:
        return
    tags = get(props, "tags", default={})
    if is_unknown(tags):
        f.cannot_decide("tags")
        return
    keys = {k for k, _ in entries(tags)}
    missing = [t for t in required if t not in keys]
    f.check(not missing, f"missing required tags: {', '.join(missing)} (add them to {TAGS})")


CHECKS.resource("required-tags", {ANY: _tags})
