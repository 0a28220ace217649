"""Rasa platform rules: the stack as Rasa Pro will see it (`../shared/reference/rasa-pro.md`)."""

from __future__ import annotations

from pulumi_policy import Severity

from ..stack_keys import (
    ALWAYS_SET, EVENT_QUEUE_SECURITY_PROTOCOL, LOCK_STORE, LOCK_STORE_TLS, PROJECT, RASA_MAX_REPLICAS,
    RASA_SANIC_WORKERS, TRACKER_STORE_MAX_CONNECTIONS, TRACKER_STORE_SSL_MODE, VAULT_ADDRESS, always_set,
)
from .declare import stack_rule

_ENDPOINTS = "components/rasa/endpoints.py"

RULES = (
    stack_rule(
        "rasa-lock-store-shared",
        "When more than one Rasa process can run, conversations are locked in a shared store (lock store "
        "type concurrent_redis with host), so two processes never handle one conversation at once.",
        always_set(f"A shared lock store (concurrent_redis with the host of {LOCK_STORE})", _ENDPOINTS),
    ),
    stack_rule(
        "rasa-connection-budget",
        "Rasa's connection pools fit the tracker store: max processes × (SQL_POOL_SIZE + SQL_MAX_OVERFLOW) "
        "stays under 80 % of the database's max_connections, for every process the HPA, surge and Sanic "
        "workers allow.",
        f"Lower {RASA_MAX_REPLICAS} or {RASA_SANIC_WORKERS}, or raise {TRACKER_STORE_MAX_CONNECTIONS} (or the "
        "database's size); the budget annotation and SQL_POOL_SIZE / SQL_MAX_OVERFLOW come from "
        "components/rasa/budget.py.",
    ),
    stack_rule(
        "rasa-event-broker-tls",
        "Rasa publishes events to Kafka over TLS (SASL_SSL or SSL) with certificate hostname checking.",
        f"Set {EVENT_QUEUE_SECURITY_PROTOCOL} to SASL_SSL (or SSL). Hostname checking: {ALWAYS_SET}; a failure "
        f"means endpoints.yml was changed outside {_ENDPOINTS}: restore it.",
    ),
    stack_rule(
        "rasa-services-tls",
        "Rasa reaches the lock store, the tracker store and Vault over TLS with the server verified: "
        "lock_store.use_ssl true, SQL_TRACKER_STORE_SSL_MODE verify-full (or verify-ca), an https Vault URL.",
        f"Set {LOCK_STORE_TLS} to true, {TRACKER_STORE_SSL_MODE} to verify-full (or verify-ca) and "
        f"{VAULT_ADDRESS} to an https:// URL; for a private CA also give that service's caCert.",
    ),
    stack_rule(
        "rasa-tracker-store-vault",
        "The tracker store is PostgreSQL (dialect postgresql) and Rasa reads its credentials from Vault, never "
        "from the file (or uses IAM authentication without a password).",
        always_set("A PostgreSQL tracker store whose credentials Rasa reads from Vault", _ENDPOINTS),
        severity=Severity.CRITICAL,
    ),
    stack_rule(
        "rasa-service-origins",
        "Every service Rasa is pointed at is either a resource of this stack (managed) or an explicitly "
        "declared existing endpoint.",
        f"Set {PROJECT}:<service>.mode (trackerStore, lockStore, eventQueue, modelStorage, vault) to existing for "
        f"a service this stack does not create. The origins annotation: {ALWAYS_SET}; a missing or malformed "
        "one means the ConfigMap was changed outside components/rasa/workload.py: restore it.",
    ),
)
