"""The bootstrap Job's plan: what components/vault/jobs/bootstrap.py is asked to do (pure, no Pulumi).

The plan holds no secret: every credential is named by a key of the bootstrap's own Secret,
mounted at CREDENTIALS_DIR, and the script reads the value from that file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

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
        "kafka": None,
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
