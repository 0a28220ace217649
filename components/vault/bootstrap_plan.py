"""The bootstrap Job's plan: what components/vault/jobs/bootstrap.py is asked to do (pure, no Pulumi).

The plan holds no secret: every credential is named by a key of the bootstrap's own Secret,
mounted at CREDENTIALS_DIR, and the script reads the value from that file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

BOOTSTRAP_SCRIPT = Path(__file__).resolve().parent / "jobs" / "bootstrap.py"
# Rasa Pro Services' database script: the analytics-database step runs it (one implementation,
# also run by hand against a server the program has no admin login for).
ANALYTICS_DATABASE_SCRIPT = Path(__file__).resolve().parents[1] / "analytics" / "jobs" / "analytics_database.py"
SCRIPT_DIR = "/opt/rasa-platform/bootstrap"
CREDENTIALS_DIR = "/var/run/rasa-platform/credentials"
CA_DIR = "/etc/rasa-platform/vault-ca"
INIT_SECRET = "vault-init"  # recovery keys and root token: only the bootstrap's account may read it
ADMIN_TOKEN_KEY = "vault-admin-token"  # external: the administrative token, in the bootstrap's Secret
RASA_POLICY = "rasa"
RASA_ROLE = "rasa"
KUBERNETES_AUTH_PATH = "kubernetes"
# The database administrator's login, in the bootstrap's Secret only (never written to Vault).
DATABASE_ADMIN_USERNAME_KEY = "database-admin-username"
DATABASE_ADMIN_PASSWORD_KEY = "database-admin-password"
TRACKER_CA_FILE = "tracker-store-ca.pem"  # in the bootstrap ConfigMap, beside Vault's CA
# The analytics server's admin login and the two analytics roles' passwords (bootstrap Secret only).
ANALYTICS_ADMIN_USERNAME_KEY = "analytics-admin-username"
ANALYTICS_ADMIN_PASSWORD_KEY = "analytics-admin-password"
ANALYTICS_PASSWORD_KEY = "analytics-database-password"
ANALYTICS_READ_ONLY_PASSWORD_KEY = "analytics-read-only-password"
ANALYTICS_CA_FILE = "analytics-database-ca.pem"
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# auto-unseal: recovery keys (needed for generate-root, never to unseal); 5 shares, any 3
RECOVERY_SHARES, RECOVERY_THRESHOLD = 5, 3
KAFKA_CA_FILE = "event-queue-ca.pem"  # a private Kafka CA, in the bootstrap ConfigMap beside Vault's
# The bootstrap's own SASL mechanism for MSK's IAM listener: OAUTHBEARER with a token the pod's AWS
# identity signs for the cluster's region (aws-msk-iam-sasl-signer, shipped by the Rasa Pro image).
KAFKA_MSK_IAM = "AWS_MSK_IAM"
KAFKA_SASL_MECHANISMS = (KAFKA_MSK_IAM, "SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


@dataclass(frozen=True)
class DatabaseUser:
    """Create Rasa's PostgreSQL role (its name and password are the KV keys named here)."""

    host: str
    port: int
    database: str
    admin_database: str
    ssl_mode: str
    has_ca: bool  # the server's CA is TRACKER_CA_FILE; else the image's bundle
    username_key: str
    password_key: str


@dataclass(frozen=True)
class AnalyticsDatabaseSetup:
    """Create Rasa Pro Services' database, its role and the BI role (analytics_database.py), logged
    in as the server's administrator; the passwords are the bootstrap Secret's keys above."""

    host: str
    port: int
    admin_database: str
    ssl_mode: str
    has_ca: bool  # the server's CA is ANALYTICS_CA_FILE; else the image's bundle
    database: str
    username: str
    read_only_username: str


@dataclass(frozen=True)
class WorkloadGrant:
    """Another workload with secrets of its own (the action server): a policy reading only its
    secret, a Kubernetes auth role bound to its service account alone, and that secret."""

    name: str  # its policy's and role's name
    namespace: str
    service_account: str
    secrets_path: str  # beside Rasa's, under the same KV v2 mount
    credential_keys: Sequence[str]  # keys of its secret, in the bootstrap's Secret under the same name


@dataclass(frozen=True)
class KafkaTopic:
    """A topic the kafka-topics step creates (where the cloud API cannot)."""

    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KafkaConsumer:
    """A consumer of the events topic: READ and DESCRIBE on it, READ on its group, and WRITE and
    DESCRIBE on its dead-letter topic when it has one."""

    principal: str  # `User:<SCRAM user>`
    group: str
    dead_letter_topic: Optional[str] = None


@dataclass(frozen=True)
class KafkaAdministration:
    """The kafka-topics and kafka-acls steps: how the bootstrap logs in to the brokers as their
    administrator, and what it grants. The producer (Rasa) gets WRITE and DESCRIBE on the topic."""

    bootstrap_servers: Sequence[str]
    security_protocol: str  # SASL_SSL | SSL
    sasl_mechanism: Optional[str]  # one of KAFKA_SASL_MECHANISMS; None with SSL
    topic: str  # the events topic the ACLs name
    producer: Optional[str]  # `User:<SCRAM user>`
    consumers: Sequence[KafkaConsumer] = ()
    region: Optional[str] = None  # KAFKA_MSK_IAM: the cluster's region, which the token is signed for
    username: Optional[str] = None  # SCRAM / PLAIN administrator; its password is a key of the bootstrap's Secret
    password_key: Optional[str] = None
    has_ca: bool = False  # the brokers' CA is KAFKA_CA_FILE; else the image's system bundle
    topics: Sequence[KafkaTopic] = ()  # to create; empty: the cloud creates them as resources

    def __post_init__(self) -> None:
        # Built by the program, never typed by a user: a wrong one is a defect, said plainly.
        if self.security_protocol not in ("SASL_SSL", "SSL"):
            raise ValueError(f"the bootstrap administers Kafka over TLS only, not {self.security_protocol}")
        if (self.security_protocol == "SSL") != (self.sasl_mechanism is None):
            raise ValueError(f"{self.security_protocol} with SASL mechanism {self.sasl_mechanism}")
        if self.sasl_mechanism is not None and self.sasl_mechanism not in KAFKA_SASL_MECHANISMS:
            raise ValueError(f"unknown SASL mechanism {self.sasl_mechanism} (one of {', '.join(KAFKA_SASL_MECHANISMS)})")
        if self.sasl_mechanism == KAFKA_MSK_IAM and not self.region:
            raise ValueError(f"{KAFKA_MSK_IAM} signs its token for a region: none given")
        if self.sasl_mechanism not in (None, KAFKA_MSK_IAM) and not (self.username and self.password_key):
            raise ValueError(f"{self.sasl_mechanism} needs the administrator's username and password key")
        principals = [self.producer] if self.producer else []
        principals += [c.principal for c in self.consumers]
        for principal in principals:
            if not principal.startswith("User:") or principal == "User:":
                raise ValueError(f"Kafka principal {principal!r} is not User:<name>")
        if not self.bootstrap_servers:
            raise ValueError("no bootstrap servers to administer")


@dataclass(frozen=True)
class BootstrapInputs:
    address: str  # where the Job reaches Vault
    has_ca: bool  # Vault's certificate is from a private CA (mounted at CA_DIR/ca.crt)
    vault_namespace: Optional[str]  # Vault Enterprise / HCP namespace
    in_cluster: bool  # initialise and enable the audit device (an external Vault is its operator's)
    namespace: str  # the Job's own namespace (its init Secret lives there)
    mount_point: str
    secrets_path: str
    credential_keys: Sequence[str]  # keys of the one KV v2 secret, in the bootstrap's Secret under the same name
    clients: Sequence[tuple[str, str]]  # (namespace, service account) allowed Rasa's role
    token_period_hours: int
    kubernetes_host: str  # as Vault reaches the cluster API
    kubernetes_ca_cert: Optional[str] = None
    audit_file: Optional[str] = None
    database_user: Optional[DatabaseUser] = None
    workloads: Sequence[WorkloadGrant] = ()
    analytics_database: Optional[AnalyticsDatabaseSetup] = None
    kafka: Optional[KafkaAdministration] = None


def bootstrap_plan(i: BootstrapInputs) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "address": i.address,
        "ca_file": f"{CA_DIR}/ca.crt" if i.has_ca else None,
        "namespace": i.vault_namespace,
        "initialise": i.in_cluster,
        "init": {"seal": "auto", "shares": RECOVERY_SHARES, "threshold": RECOVERY_THRESHOLD} if i.in_cluster else None,
        "key_store": {"type": "kubernetes", "namespace": i.namespace, "secret": INIT_SECRET} if i.in_cluster else None,
        "admin_token_key": None if i.in_cluster else ADMIN_TOKEN_KEY,
        "audit": {"path": "file", "file_path": i.audit_file} if i.in_cluster and i.audit_file else None,
        "kv_mount": i.mount_point,
        "secrets_path": i.secrets_path,
        "kubernetes_auth": {
            "path": KUBERNETES_AUTH_PATH,
            "kubernetes_host": i.kubernetes_host,
            "kubernetes_ca_cert": i.kubernetes_ca_cert,
            # An external Vault has no account in this cluster to review tokens with.
            "use_client_token_for_review": not i.in_cluster,
        },
        "policy": {"name": RASA_POLICY},
        "role": {
            "name": RASA_ROLE,
            "service_accounts": sorted({account for _, account in i.clients}),
            "namespaces": sorted({ns for ns, _ in i.clients}),
            "token_period": f"{i.token_period_hours}h",
        },
        "credentials_dir": CREDENTIALS_DIR,
        "credentials": sorted(i.credential_keys),
        "workloads": [_workload(w, i.token_period_hours) for w in i.workloads],
        "database_user": _database_user(i.database_user) if i.database_user else None,
        "analytics_database": _analytics_database(i.analytics_database) if i.analytics_database else None,
        "kafka": _kafka(i.kafka) if i.kafka else None,
        "wait_seconds": 600,
        "timeout_seconds": 20,
    }
    return plan


def _workload(w: WorkloadGrant, token_period_hours: int) -> dict[str, Any]:
    return {
        "policy": w.name,
        "role": {"name": w.name, "service_accounts": [w.service_account], "namespaces": [w.namespace],
                 "token_period": f"{token_period_hours}h"},
        "secrets_path": w.secrets_path,
        "credentials": sorted(w.credential_keys),
    }


def _database_user(d: DatabaseUser) -> dict[str, Any]:
    return {
        "host": d.host, "port": d.port, "database": d.database, "admin_database": d.admin_database,
        "sslmode": d.ssl_mode, "sslrootcert": f"{CA_DIR}/{TRACKER_CA_FILE}" if d.has_ca else SYSTEM_CA_BUNDLE,
        "admin_username_key": DATABASE_ADMIN_USERNAME_KEY, "admin_password_key": DATABASE_ADMIN_PASSWORD_KEY,
        "username_key": d.username_key, "password_key": d.password_key,
    }


def _analytics_database(d: AnalyticsDatabaseSetup) -> dict[str, Any]:
    return {
        "script": f"{SCRIPT_DIR}/{ANALYTICS_DATABASE_SCRIPT.name}",
        "host": d.host, "port": d.port, "admin_database": d.admin_database, "sslmode": d.ssl_mode,
        "sslrootcert": f"{CA_DIR}/{ANALYTICS_CA_FILE}" if d.has_ca else SYSTEM_CA_BUNDLE,
        "admin_username_key": ANALYTICS_ADMIN_USERNAME_KEY, "admin_password_key": ANALYTICS_ADMIN_PASSWORD_KEY,
        "database": d.database, "username": d.username, "password_key": ANALYTICS_PASSWORD_KEY,
        "read_only_username": d.read_only_username, "read_only_password_key": ANALYTICS_READ_ONLY_PASSWORD_KEY,
    }


def _kafka(k: KafkaAdministration) -> dict[str, Any]:
    return {
        "bootstrap_servers": sorted(k.bootstrap_servers),
        "security_protocol": k.security_protocol,
        "sasl_mechanism": k.sasl_mechanism,
        "region": k.region,
        "username": k.username,
        "password_key": k.password_key,
        "ca_file": f"{CA_DIR}/{KAFKA_CA_FILE}" if k.has_ca else SYSTEM_CA_BUNDLE,
        "topics": [{"name": t.name, "partitions": t.partitions, "replication_factor": t.replication_factor,
                    "config": dict(t.config)} for t in k.topics],
        "acl_topics": [k.topic],
        "acls": {
            "producer": k.producer,
            "consumers": [{"principal": c.principal, "group": c.group, "dead_letter_topic": c.dead_letter_topic}
                          for c in k.consumers],
        } if k.producer or k.consumers else None,
    }
