"""Model storage on Blob Storage. Versioning and soft delete live in the account's
BlobServiceProperties and public access in its containers too, so those checks join the
separate resources to their account (by `accountName`'s dependency, else the name)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, StackIndex, equals, get, is_unknown, truth
from .types import BLOB_CONTAINER, BLOB_SERVICE, STORAGE_ACCOUNT

CHECKS = CheckSet(__name__)


def _children(stack: StackIndex, account: PolicyResource, child_type: str) -> list[PolicyResource]:
    return stack.children_of(account, child_type, "accountName", [get(account.props, "accountName")])


def _public_access(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for account in stack.of_type(STORAGE_ACCOUNT):
        props, urn = account.props, account.urn
        # Written out: the API's default has changed over the years.
        f.check(equals(get(props, "allowBlobPublicAccess"), False),
                f"storage account '{account.name}' must set allowBlobPublicAccess: false", urn)
        f.check(equals(get(props, "publicNetworkAccess"), "Disabled"),
                f"storage account '{account.name}' must set publicNetworkAccess: Disabled (a private endpoint only)", urn)
        f.check(equals(get(props, "networkRuleSet", "defaultAction"), "Deny"),
                f"storage account '{account.name}' must set networkRuleSet.defaultAction: Deny", urn)
        for container in _children(stack, account, BLOB_CONTAINER):
            access = get(container.props, "publicAccess")
            f.check(UNKNOWN if is_unknown(access) else access in (None, "None"),
                    f"container '{container.name}' of '{account.name}' must not allow public access, not {access!r}", container.urn)


CHECKS.stack("storage-public-access-blocked", _public_access, (STORAGE_ACCOUNT, BLOB_CONTAINER))


def _versioning(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for account in stack.of_type(STORAGE_ACCOUNT):
        services = _children(stack, account, BLOB_SERVICE)
        if not services:
            f.violation(f"storage account '{account.name}' has no BlobServiceProperties: versioning is off", account.urn)
        for service in services:
            f.check(truth(get(service.props, "isVersioningEnabled")),
                    f"BlobServiceProperties '{service.name}' must set isVersioningEnabled: true", service.urn)
            f.check(truth(get(service.props, "deleteRetentionPolicy", "enabled")),
                    f"BlobServiceProperties '{service.name}' must enable deleteRetentionPolicy (blob soft delete)", service.urn)


CHECKS.stack("storage-versioning-enabled", _versioning, (STORAGE_ACCOUNT, BLOB_SERVICE))


def _tls(stack: StackIndex, ctx: RuleContext, f: Findings) -> None:
    for account in stack.of_type(STORAGE_ACCOUNT):
        props: Any = account.props
        f.check(truth(get(props, "enableHttpsTrafficOnly")),
                f"storage account '{account.name}' must set enableHttpsTrafficOnly: true", account.urn)
        tls = get(props, "minimumTlsVersion")
        f.check(equals(tls, "TLS1_2", "TLS1_3"),
                f"storage account '{account.name}' must set minimumTlsVersion TLS1_2 or newer, not {tls!r}", account.urn)


CHECKS.stack("storage-tls-only", _tls, (STORAGE_ACCOUNT,))
