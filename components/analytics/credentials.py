"""Rasa Pro Services' credentials, made before the Vault bootstrap writes them to its own secret.

Three keys of `<vault.secretsPath>-analytics`: the license, the consumer's SASL password (when it
has one) and RASA_ANALYTICS_DB_URL (the URL carries the role's password). The role's password and
the BI role's are generated here (shared, managed: the bootstrap creates both roles with them) or
are the operator's (existing). Nothing here reaches a Kubernetes object: the values go only to the
bootstrap's Secret in Vault's namespace, then to Vault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_random as random

from components.analytics.environment import (
    SECRET_DATABASE_URL, SECRET_KAFKA_PASSWORD, SECRET_LICENSE, AnalyticsDatabase, database_ca_path, database_url,
)
from components.contracts import KafkaConnection, NetworkAccess

# Where the passwords lived while the workload generated them: aliases keep them (no rotation).
WORKLOAD_TYPE = "rasa-platform:analytics:Workload"


@dataclass(frozen=True)
class DatabaseTarget:
    """The analytics database as deployed: where it is and how its role logs in."""

    host: pulumi.Input[str]
    port: int
    name: str
    username: str
    ssl_mode: str
    network: NetworkAccess  # where the pod may connect for it
    ca_cert_pem: Optional[pulumi.Input[str]] = None
    password: Optional[pulumi.Input[str]] = None  # existing: the role's; None: generated here


class AnalyticsCredentials(pulumi.ComponentResource):
    """`vault_values`: key of its Vault secret → value (Pulumi secrets); `password`: the analytics
    role's; `read_only_password`: the BI role's (None with an existing database)."""

    def __init__(self, name: str, database: DatabaseTarget, consumer: KafkaConnection, license: pulumi.Input[str],
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:analytics:Credentials", f"{name}-credentials", None, opts)
        self.password, self.read_only_password = self._passwords(name, database)
        url = pulumi.Output.all(database.host, self.password).apply(lambda parts: database_url(
            AnalyticsDatabase(host=parts[0], port=database.port, name=database.name, username=database.username,
                              ssl_mode=database.ssl_mode),
            parts[1], database_ca_path(database.ca_cert_pem is not None)))
        values: dict[str, pulumi.Input[str]] = {SECRET_LICENSE: license, SECRET_DATABASE_URL: url}
        if consumer.password is not None and not consumer.iam_auth:
            values[SECRET_KAFKA_PASSWORD] = consumer.password
        self.vault_values: dict[str, pulumi.Input[str]] = {k: pulumi.Output.secret(v) for k, v in values.items()}
        self.register_outputs({})

    def _passwords(self, name: str, db: DatabaseTarget) -> tuple[pulumi.Input[str], Optional[pulumi.Output[str]]]:
        if db.password is not None:
            return db.password, None  # an existing database: its role and password are the operator's
        workload = pulumi.resource.create_urn(name, WORKLOAD_TYPE)

        def generated(suffix: str) -> pulumi.Output[str]:
            # URL-safe: the password travels inside RASA_ANALYTICS_DB_URL (quoted anyway).
            result = random.RandomPassword(
                f"{name}-{suffix}", length=40, special=True, override_special="-_.~", min_lower=4, min_upper=4,
                min_numeric=4, opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=workload)]))
            return pulumi.Output.secret(result.result)

        return generated("database-password"), generated("read-only-password")
