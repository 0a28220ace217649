"""Credentials from Vault into a Rasa container, through the Vault Agent injector.

The Rasa namespace holds no credential: no Kubernetes Secret, no literal env value. Instead the
pod carries the injector's annotations, and before the container starts the Agent (an init
container added by the injector's webhook) logs in with the pod's service account (Kubernetes
auth, Rasa's role) and writes two files to the in-memory `/vault/secrets` volume, owned by the
Rasa user and readable by it only:

* `rasa-env`: `export VAR='value'` for every variable of the rendered `secret_env` whose value is
  a key of the one KV v2 secret (license, API token, Redis, Kafka, storage key, and any other
  entry the platform writes there);
* `token`: the Agent's periodic Vault token, which becomes VAULT_TOKEN: Rasa's own Vault secrets
  manager reads the tracker store's credentials with it and renews it before each period ends.

The container's entrypoint sources `rasa-env`, exports VAULT_TOKEN and `exec`s the original
command, so Rasa is PID 1 with exactly the environment a Kubernetes Secret would have given it.
A credential changed by `pulumi up` gives a new bootstrap Job, whose name the pods carry as an
annotation: the Deployment rolls once the Job has written the new values, and each new pod starts
with them. The tracker store's password is also re-read from Vault by Rasa itself on an
authentication failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

core = k8s.core.v1

SECRETS_DIR = "/vault/secrets"
ENV_FILE = "rasa-env"
TOKEN_VOLUME = "vault-service-account-token"
VAULT_TOKEN_ENV = "VAULT_TOKEN"
PREFIX = "vault.hashicorp.com/"
REVISION_ANNOTATION = "rasa-platform.io/vault-credentials"


@dataclass(frozen=True)
class VaultDelivery:
    """What a pod needs to know to get its credentials from Vault (every value named)."""

    role: str  # Kubernetes auth role bound to the pod's service account
    auth_path: str  # e.g. auth/kubernetes
    mount_point: str  # KV v2 mount
    secrets_path: str  # the one secret
    user_id: int  # the container's uid: the rendered files belong to it
    ca_file: Optional[str] = None  # Vault's CA inside the pod (a mounted ConfigMap), None: public CA
    vault_namespace: Optional[str] = None  # Vault Enterprise / HCP namespace
    # Changes whenever the credentials in Vault change (the bootstrap Job's name): as a pod
    # annotation it rolls the pods, which then start with the new values.
    revision: pulumi.Input[str] = ""

    @property
    def secret(self) -> str:
        return f"{self.mount_point}/data/{self.secrets_path}"


def env_template(delivery: VaultDelivery, secret_env: Mapping[str, str], token_env: str = VAULT_TOKEN_ENV) -> str:
    """The Agent template of `rasa-env`: one single-quoted `export` per variable (quotes inside
    values escaped for the shell). `token_env` is the Agent's token, not a KV key: left out."""
    lines = [f'{{{{- with secret "{delivery.secret}" }}}}']
    for var, key in sorted(secret_env.items()):
        if var == token_env:
            continue
        lines.append(f"export {var}='{{{{ index .Data.data \"{key}\" | replaceAll \"'\" \"'\\\\''\" }}}}'")
    lines.append("{{- end }}")
    return "\n".join(lines) + "\n"


def pod_annotations(delivery: VaultDelivery, secret_env: Mapping[str, str], container: str,
                    token: bool = True) -> dict[str, str]:
    """`token`: also render the Agent's Vault token (Rasa's secrets manager needs it; a pod that
    only reads its environment, such as the action server, does not get one)."""
    annotations = {
        "agent-inject": "true",
        # Init container only: files are written once before the container starts; Rasa renews
        # its own token, so no sidecar runs beside it.
        "agent-pre-populate-only": "true",
        "role": delivery.role,
        "auth-path": delivery.auth_path,
        f"agent-inject-secret-{ENV_FILE}": delivery.secret,
        f"agent-inject-template-{ENV_FILE}": env_template(delivery, secret_env),
        f"agent-inject-perms-{ENV_FILE}": "0400",
        "agent-run-as-user": str(delivery.user_id),
        "agent-run-as-group": str(delivery.user_id),
        "agent-service-account-token-volume-name": TOKEN_VOLUME,
        # The Agent sees the container's mounts, so it finds Vault's CA where Rasa does.
        "agent-copy-volume-mounts": container,
    }
    if token:
        annotations["agent-inject-token"] = "true"
    if delivery.ca_file:
        annotations["ca-cert"] = delivery.ca_file
    if delivery.vault_namespace:
        annotations["namespace"] = delivery.vault_namespace
    return {PREFIX + k: v for k, v in annotations.items()}


def wrap_command(command: Sequence[str], secrets_dir: str = SECRETS_DIR, token: bool = True) -> list[str]:
    """`command` run after the rendered environment is sourced (exec: it stays PID 1); `token`:
    with the Agent's token as VAULT_TOKEN."""
    export_token = f'{VAULT_TOKEN_ENV}="$(cat {secrets_dir}/token)" && export {VAULT_TOKEN_ENV} && ' if token else ""
    script = f". {secrets_dir}/{ENV_FILE} && {export_token}exec \"$@\""
    return ["/bin/sh", "-c", script, command[0], *command]


def token_volume() -> core.VolumeArgs:
    """The service-account token the Agent logs in with; the Rasa container does not mount it
    (its pod keeps `automountServiceAccountToken: false`)."""
    return core.VolumeArgs(name=TOKEN_VOLUME, projected=core.ProjectedVolumeSourceArgs(sources=[
        core.VolumeProjectionArgs(service_account_token=core.ServiceAccountTokenProjectionArgs(
            path="token", expiration_seconds=600)),
    ]))
