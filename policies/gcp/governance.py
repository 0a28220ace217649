"""Regions and labels of GCP resources, and the label that says a resource's environment."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import Findings, RuleContext, check_allowed_region, entries, get, is_unknown
from ..stack_keys import TAGS
from .types import ANY, GKE_CLUSTER, GKE_NODE_POOL, PROVIDER, SQL_INSTANCE

CHECKS = CheckSet(__name__)

ENVIRONMENT_LABEL = "rasa-platform-environment"
# Where a type carries its labels when not in `labels`.
LABEL_PATHS = {
    GKE_CLUSTER: ("resourceLabels",),
    GKE_NODE_POOL: ("nodeConfig", "resourceLabels"),
    SQL_INSTANCE: ("settings", "userLabels"),
}
# Types the program registers that take no labels in pulumi-gcp 10 (skipped by required-tags).
UNLABELLED = {
    "gcp:projects/service:Service", "gcp:projects/serviceIdentity:ServiceIdentity",
    "gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMCustomRole:IAMCustomRole",
    "gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork", "gcp:compute/router:Router",
    "gcp:compute/routerNat:RouterNat", "gcp:compute/firewall:Firewall",
    "gcp:servicenetworking/connection:Connection", "gcp:kms/keyRing:KeyRing",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gcp:serviceaccount/account:Account",
    "gcp:serviceaccount/iAMMember:IAMMember", "gcp:serviceaccount/key:Key",
    "gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/bucketObject:BucketObject",
    "gcp:sql/database:Database", "gcp:sql/user:User", "gcp:managedkafka/topic:Topic", "gcp:managedkafka/acl:Acl",
}


def labels_of(props: Any, resource_type: str = "") -> Any:
    return get(props, *LABEL_PATHS.get(resource_type, ("labels",)), default={})


def _environment_label(props: Any) -> Any:
    for path in (("labels",), *LABEL_PATHS.values()):
        value = get(props, *path, ENVIRONMENT_LABEL)
        if value is not None:
            return value
    return None


CHECKS.environment_from(_environment_label)


def _region(props: Any, ctx: RuleContext, f: Findings) -> None:
    allowed = ctx.config("allowedRegions")
    if not allowed:
        return
    region = get(props, "region")
    if region is None:
        region = get(props, "location")
    if region is None and ctx.args.provider is not None:
        region = get(ctx.args.provider.props, "region")
    if region is None:
        return  # global resources (VPC, IAM, firewall rules) live in no region
    if not is_unknown(region):
        region = str(region).lower()
        # A zonal location (europe-west3-a) belongs to its region.
        if region.count("-") == 2 and len(region.rsplit("-", 1)[1]) == 1:
            region = region.rsplit("-", 1)[0]
    check_allowed_region(f, "region", region, allowed)


CHECKS.resource("allowed-regions", {ANY: _region, PROVIDER: _region})


def _labels(props: Any, ctx: RuleContext, f: Findings) -> None:
    required = ctx.config("requiredTags")
    resource_type = ctx.args.resource_type
    if not required or resource_type in UNLABELLED:
        return
    labels = labels_of(props, resource_type)
    if is_unknown(labels):
        f.cannot_decide("labels")
        return
    keys = {k for k, _ in entries(labels)}
    missing = [t for t in required if t not in keys]
    f.check(not missing, f"missing required labels: {', '.join(missing)} (add them to {TAGS})")


CHECKS.resource("required-tags", {ANY: _labels})
