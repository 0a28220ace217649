"""The bootstrap Job's plan: what components/vault/jobs/bootstrap.py is asked to do (pure, no Pulumi).

The plan holds no secret: every credential is named by a key of the bootstrap's own Secret,
mounted at CREDENTIALS_DIR, and the script reads the value from that file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

BOOTSTRAP_SCRIPT = Path(__file__).resolve().parent / "jobs" / "bootstrap.py"
SCRIPT_DIR = "/opt/rasa-platform/bootstrap"
CREDENTIALS_DIR = "/var/run/rasa-platform/credentials"
CA_DIR = "/etc/rasa-platform/vault-ca"
INIT_SECRET = "vault-init"  # recovery keys and root token: only the bootstrap's account may read it
ADMIN_TOKEN_KEY = "vault-admin-token"  # external: the administrative token, in the bootstrap's Secret
RASA_POLICY = "rasa"
RASA_ROLE = "rasa"
KUBERNETES_AUTH_PATH = "kubernetes"
# auto-unseal: recovery keys (needed for generate-root, never to unseal); 5 shares, any 3
RECOVERY_SHARES, RECOVERY_THRESHOLD = 5, 3


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
        "database_user": None,
        "kafka": None,
        "wait_seconds": 600,
        "timeout_seconds": 20,
    }
    return plan
