"""The lock store on Azure Managed Redis (a redisenterprise cluster and its database) or Azure
Cache for Redis Premium."""

from __future__ import annotations

from typing import Any

from ..checks import CheckSet
from ..common import UNKNOWN, Findings, RuleContext, as_number, at_least, elements, equals, get, is_unknown, not_true
from ..stack_keys import LOCK_STORE_HIGH_AVAILABILITY, from_setting
from .types import REDIS_CACHE, REDIS_ENTERPRISE, REDIS_ENTERPRISE_DATABASE

CHECKS = CheckSet(__name__)


def _tls_version(props: Any, ctx: RuleContext, f: Findings) -> None:
    version = get(props, "minimumTlsVersion")
    f.check(equals(version, "1.2", "1.3"), f"minimumTlsVersion must be 1.2 or newer, not {version!r}")


def _database_tls(props: Any, ctx: RuleContext, f: Findings) -> None:
    protocol = get(props, "clientProtocol")
    f.check(equals(protocol, "Encrypted"), f"clientProtocol must be Encrypted (TLS), not {protocol!r}")


def _cache_tls(props: Any, ctx: RuleContext, f: Findings) -> None:
    f.check(not_true(get(props, "enableNonSslPort")), "enableNonSslPort must be false")
    _tls_version(props, ctx, f)


CHECKS.resource("cache-transit-encryption", {
    REDIS_ENTERPRISE: _tls_version, REDIS_ENTERPRISE_DATABASE: _database_tls, REDIS_CACHE: _cache_tls,
})


def _database_auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    # Access keys are the only authentication Rasa can use: off (and no Entra access policy) would
    # leave Rasa unable to connect, so the program turns them on explicitly.
    mode = get(props, "accessKeysAuthentication")
    f.check(equals(mode, "Enabled"), f"accessKeysAuthentication must be Enabled (Rasa authenticates with the key), not {mode!r}")


def _cache_auth(props: Any, ctx: RuleContext, f: Findings) -> None:
    unauthenticated = get(props, "redisConfiguration", "authnotrequired")
    f.check(UNKNOWN if is_unknown(unauthenticated) else unauthenticated not in ("true", True),
            "redisConfiguration.authnotrequired must not be true")
    f.check(not_true(get(props, "disableAccessKeyAuthentication")),
            "disableAccessKeyAuthentication must be false (Rasa authenticates with the access key)")


CHECKS.resource("cache-auth-required", {REDIS_ENTERPRISE_DATABASE: _database_auth, REDIS_CACHE: _cache_auth})


def _private(props: Any, ctx: RuleContext, f: Findings) -> None:
    access = get(props, "publicNetworkAccess")
    f.check(equals(access, "Disabled"), f"publicNetworkAccess must be Disabled (a private endpoint only), not {access!r}")


CHECKS.resource("cache-no-public-network-access", {REDIS_ENTERPRISE: _private, REDIS_CACHE: _private})


def _enterprise_ha(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Redis cluster"):
        return
    ha = get(props, "highAvailability")
    message = "prod: highAvailability must be Enabled (a replica in another zone)"
    f.check(equals(ha, "Enabled"), from_setting(LOCK_STORE_HIGH_AVAILABILITY, False, message) if ha == "Disabled" else message)


def _cache_zones(props: Any, ctx: RuleContext, f: Findings) -> None:
    if not ctx.in_prod(props, f, "Redis cache"):
        return
    zones = elements(get(props, "zones", default=[]))
    message = "prod: the cache must span at least 2 zones with a replica (zones, replicasPerPrimary >= 1)"
    f.check(len(zones) >= 2, from_setting(LOCK_STORE_HIGH_AVAILABILITY, False, message) if not zones else message)
    f.check(at_least(as_number(get(props, "replicasPerPrimary", default=1)), 1), message)


CHECKS.resource("cache-multi-az-in-prod", {REDIS_ENTERPRISE: _enterprise_ha, REDIS_CACHE: _cache_zones})
