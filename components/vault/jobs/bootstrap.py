"""Bootstrap Vault for Rasa Pro: idempotent, step by step, from one JSON plan.

One self-contained file: it runs on the Rasa Pro image (mounted into the bootstrap Job from a
ConfigMap; the image ships hvac, psycopg2, confluent-kafka and aws-msk-iam-sasl-signer-python) or
on any Python with those libraries, and imports nothing from the rasa-platform repository.

    python bootstrap.py --plan /opt/rasa-platform/bootstrap/plan.json [--report FILE]

The plan (no secret in it) names Vault, what to configure and where each credential's value is
read from: a file of the bootstrap's own Secret volume (`credentials_dir/<key>`), never argv or
env. Steps, in order, each skipped when the plan does not ask for it:

  key-store         the place for the recovery keys and root token is reachable and writable
  initialise        `sys/init` when Vault is not initialised (recovery keys under auto-unseal,
                    unseal keys under Shamir), stored at once in the key store
  unseal            Shamir seal only: unseal with the stored keys (auto-unseal needs nothing)
  authenticate      the administrative token: the plan's token file (external Vault) or the
                    stored root token
  audit             a file audit device on the audit volume
  kv                KV v2 at the mount Rasa reads (a KV v1 mount there is an error)
  kubernetes-auth   the Kubernetes auth method and its config
  policy            Rasa's least-privilege policy: read its one secret (and transit decrypt)
  role              Rasa's role: its service account and namespace, periodic tokens
  credentials       every credential as a key of the one KV v2 secret Rasa reads
  database-user     Rasa's PostgreSQL role and its password, where the cloud API cannot
  analytics-database  Rasa Pro Services' database, its role and the BI role (the plan names the
                    analytics_database.py script mounted beside this one)
  kafka-topics      Rasa's topic with partitions and replication, where the cloud API cannot
  kafka-acls        the ACLs Rasa and its consumers need when the brokers deny by default,
                    granted as the brokers' administrator (MSK: an IAM role, OAUTHBEARER)

Each step prints `bootstrap: <step>: changed|unchanged|skipped: <what>`; a failure prints
`bootstrap: FAILED at step <step>: <why>` and exits 1. A step only writes what a re-run can write
again, so re-running after a failure completes; for the same reason an error from Vault or a
client library (a leader election, a failover) gets the step run again, twice at most. Secret
values are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STEPS = (
    "key-store", "initialise", "unseal", "authenticate", "audit", "kv", "kubernetes-auth", "policy", "role",
    "credentials", "database-user", "analytics-database", "kafka-topics", "kafka-acls",
)
ATTEMPTS, RETRY_SECONDS = 3, 3
ROOT_TOKEN_KEY = "root-token"
KEYS_KEY = "keys"  # recovery keys (auto-unseal) or unseal keys (Shamir), base64, JSON list
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class StepFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    status: str  # changed | unchanged | skipped
    detail: str


def changed(detail: str) -> Outcome:
    return Outcome("changed", detail)


def unchanged(detail: str) -> Outcome:
    return Outcome("unchanged", detail)


def skipped(detail: str) -> Outcome:
    return Outcome("skipped", detail)


# -- where the init result lives -------------------------------------------------------------


class FileKeyStore:
    """A private directory (tests, or an operator's run outside Kubernetes)."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def where(self) -> str:
        return f"directory {self.directory}"

    def check_writable(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = self.directory / ".writable"
        probe.write_text("")
        probe.unlink()

    def read(self) -> dict[str, str]:
        if not self.directory.is_dir():
            return {}
        return {p.name: p.read_text() for p in self.directory.iterdir() if p.is_file() and not p.name.startswith(".")}

    def write(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            path = self.directory / key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(value)


class KubernetesSecretStore:
    """One Secret of the bootstrap's own namespace, through the API with the Job's service account
    (its Role may get and patch that one Secret, nothing else; the program creates it empty)."""

    def __init__(self, namespace: str, name: str, api: str = "https://kubernetes.default.svc",
                 account_dir: str = SERVICE_ACCOUNT_DIR) -> None:
        self.namespace, self.name, self.api, self.account_dir = namespace, name, api.rstrip("/"), account_dir

    def where(self) -> str:
        return f"Secret {self.namespace}/{self.name}"

    def _request(self, method: str, body: Optional[dict] = None) -> dict:
        import requests

        token = Path(self.account_dir, "token").read_text().strip()
        url = f"{self.api}/api/v1/namespaces/{self.namespace}/secrets/{self.name}"
        headers = {"Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = "application/merge-patch+json"
        response = requests.request(method, url, headers=headers, json=body, timeout=20,
                                    verify=str(Path(self.account_dir, "ca.crt")))
        if response.status_code >= 300:
            raise StepFailed(f"{method} {self.where()}: HTTP {response.status_code} {response.reason}")
        return response.json()

    def check_writable(self) -> None:
        self._request("PATCH", {"metadata": {"annotations": {"rasa-platform.io/bootstrap-checked": "true"}}})

    def read(self) -> dict[str, str]:
        import base64

        data = self._request("GET").get("data") or {}
        return {k: base64.b64decode(v).decode() for k, v in data.items()}

    def write(self, values: dict[str, str]) -> None:
        self._request("PATCH", {"stringData": values})


def key_store(spec: Optional[dict]) -> Optional[Any]:
    if not spec:
        return None
    if spec["type"] == "file":
        return FileKeyStore(spec["directory"])
    if spec["type"] == "kubernetes":
        return KubernetesSecretStore(spec["namespace"], spec["secret"], spec.get("api", "https://kubernetes.default.svc"),
                                     spec.get("account_dir", SERVICE_ACCOUNT_DIR))
    raise StepFailed(f"unknown key store type {spec['type']!r}")


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Run:
    plan: dict
    client: Any = None
    store: Any = None
    stored: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)

    def credential(self, key: str) -> str:
        if key not in self.credentials:
            path = Path(self.plan["credentials_dir"], key)
            try:
                self.credentials[key] = path.read_text().strip("\n")
            except OSError:
                raise StepFailed(f"credential {key!r} is not in the bootstrap's Secret ({path} unreadable)") from None
        return self.credentials[key]


# sys/init generates and encrypts the keys (and, under auto-unseal, calls the cloud's KMS): minutes
# under load are possible, and its answer cannot be asked for twice.
INIT_TIMEOUT_SECONDS = 300


def vault_client(plan: dict, token: Optional[str] = None) -> Any:
    import hvac

    verify: Any = plan.get("ca_file") or True
    return hvac.Client(url=plan["address"], token=token, namespace=plan.get("namespace"), verify=verify,
                       timeout=plan.get("timeout_seconds", 20))


def step_key_store(run: Run) -> Outcome:
    if not run.plan.get("initialise"):
        return skipped("external Vault: initialised by its operator")
    run.store = key_store(run.plan.get("key_store"))
    if run.store is None:
        raise StepFailed("the plan asks to initialise Vault but names no key store")
    run.store.check_writable()
    run.stored = run.store.read()
    return unchanged(f"{run.store.where()} is writable")


def _wait_for_vault(client: Any, seconds: float) -> dict:
    deadline, last = time.monotonic() + seconds, None
    while True:
        try:
            health = client.sys.read_health_status(method="GET", standby_ok=True, sealed_code=200, uninit_code=200)
            return health if isinstance(health, dict) else health.json()
        except Exception as exc:  # not reachable yet: a new StatefulSet's pods are still starting
            last = exc
        if time.monotonic() >= deadline:
            raise StepFailed(f"Vault at {client.url} unreachable: {str(last).splitlines()[0] if last else 'no answer'}")
        time.sleep(2)


def step_initialise(run: Run) -> Outcome:
    client = vault_client(run.plan)
    run.client = client
    health = _wait_for_vault(client, run.plan.get("wait_seconds", 300))
    if not run.plan.get("initialise"):
        if not health.get("initialized"):
            raise StepFailed("the external Vault is not initialised: its operator initialises it")
        return skipped("external Vault")
    if health.get("initialized"):
        if not run.stored.get(ROOT_TOKEN_KEY):
            # Initialised, but its one answer never reached the key store (an earlier run lost it).
            raise StepFailed(f"Vault is initialised but {run.store.where()} holds no keys or root token: they were "
                             "never stored; restore them into it, or wipe Vault's storage (a fresh install) and re-run")
        return unchanged("already initialised")
    init = run.plan["init"]
    # Vault answers sys/init once, with the only copy of the keys: a slow answer must not be given
    # up on (a retry would find Vault initialised and the keys gone), so this call waits longer and
    # is never retried: any failure here stops the run with the step named.
    patient = vault_client({**run.plan, "timeout_seconds": INIT_TIMEOUT_SECONDS})
    try:
        if init["seal"] == "shamir":
            result = patient.sys.initialize(secret_shares=init["shares"], secret_threshold=init["threshold"])
            keys = result["keys_base64"]
        else:
            result = patient.sys.initialize(recovery_shares=init["shares"], recovery_threshold=init["threshold"])
            keys = result["recovery_keys_b64"]
    except Exception as exc:
        raise StepFailed(f"sys/init did not answer ({type(exc).__name__}: {first_line(exc)}); if Vault now reports "
                         "itself initialised its keys were not received: wipe Vault's storage and re-run") from None
    values = {ROOT_TOKEN_KEY: result["root_token"], KEYS_KEY: json.dumps(keys)}
    # Vault hands these out once: store them before anything else can fail, and retry a little.
    for attempt in range(5):
        try:
            run.store.write(values)
            break
        except Exception:
            if attempt == 4:
                raise StepFailed(f"initialised, but storing the keys in {run.store.where()} failed: "
                                 "they are lost; wipe Vault's storage and re-run") from None
            time.sleep(2)
    run.stored.update(values)
    return changed(f"initialised ({init['shares']} {'unseal' if init['seal'] == 'shamir' else 'recovery'} keys, "
                   f"threshold {init['threshold']}); keys and root token in {run.store.where()}")


def step_unseal(run: Run) -> Outcome:
    if not run.plan.get("initialise") or run.plan["init"]["seal"] != "shamir":
        return skipped("auto-unseal" if run.plan.get("initialise") else "external Vault")
    if not run.client.sys.is_sealed():
        return unchanged("unsealed")
    keys = json.loads(run.stored.get(KEYS_KEY) or "[]")
    if not keys:
        raise StepFailed(f"Vault is sealed and {run.store.where()} holds no unseal keys")
    run.client.sys.submit_unseal_keys(keys[: run.plan["init"]["threshold"]])
    if run.client.sys.is_sealed():
        raise StepFailed("Vault is still sealed after submitting the stored keys")
    return changed("unsealed with the stored keys")


def step_authenticate(run: Run) -> Outcome:
    token_key = run.plan.get("admin_token_key")
    if token_key:
        token, source = run.credential(token_key), f"the administrative token ({token_key})"
    else:
        token, source = run.stored.get(ROOT_TOKEN_KEY), f"the root token in {run.store.where() if run.store else '?'}"
    if not token:
        raise StepFailed(f"no administrative token: {source} is missing (revoked root tokens are replaced with "
                         "`vault operator generate-root` and the recovery keys, then stored there again)")
    run.client = vault_client(run.plan, token)
    deadline = time.monotonic() + run.plan.get("wait_seconds", 300)
    while True:
        try:
            run.client.auth.token.lookup_self()
            break
        except Exception as exc:
            if "permission denied" in str(exc).lower() or time.monotonic() >= deadline:
                raise StepFailed(f"{source} is refused: {str(exc).splitlines()[0]}") from None
            time.sleep(2)
    # A freshly unsealed raft cluster answers reads before it has an active node to write to.
    while True:
        leader = run.client.sys.read_leader_status()
        leader = leader.get("data", leader) if isinstance(leader, dict) else {}
        if not leader.get("ha_enabled") or leader.get("leader_address"):
            break
        if time.monotonic() >= deadline:
            raise StepFailed("Vault has no active node (no raft leader elected)")
        time.sleep(1)
    return unchanged(f"as {source}")


def step_audit(run: Run) -> Outcome:
    audit = run.plan.get("audit")
    if not audit:
        return skipped("no audit device asked for")
    path = audit.get("path", "file")
    devices = run.client.sys.list_enabled_audit_devices()
    devices = devices.get("data", devices)
    existing = devices.get(f"{path}/")
    if existing:
        if existing.get("options", {}).get("file_path") != audit["file_path"]:
            raise StepFailed(f"audit device {path}/ writes to {existing.get('options', {}).get('file_path')}, "
                             f"not {audit['file_path']}: disable it first")
        return unchanged(f"audit device {path}/ → {audit['file_path']}")
    run.client.sys.enable_audit_device(device_type="file", path=path, options={"file_path": audit["file_path"]})
    return changed(f"enabled audit device {path}/ → {audit['file_path']}")


def step_kv(run: Run) -> Outcome:
    mount = run.plan["kv_mount"]
    mounts = run.client.sys.list_mounted_secrets_engines()
    mounts = mounts.get("data", mounts)
    current = mounts.get(f"{mount}/")
    if current:
        version = (current.get("options") or {}).get("version")
        if current.get("type") != "kv" or str(version) != "2":
            raise StepFailed(f"{mount}/ is mounted as {current.get('type')} version {version}: Rasa reads KV v2 only")
        return unchanged(f"KV v2 at {mount}/")
    run.client.sys.enable_secrets_engine(backend_type="kv", path=mount, options={"version": "2"})
    return changed(f"enabled KV v2 at {mount}/")


def step_kubernetes_auth(run: Run) -> Outcome:
    auth = run.plan.get("kubernetes_auth")
    if not auth:
        return skipped("no Kubernetes auth asked for")
    path = auth.get("path", "kubernetes")
    methods = run.client.sys.list_auth_methods()
    methods = methods.get("data", methods)
    did = []
    if f"{path}/" not in methods:
        run.client.sys.enable_auth_method(method_type="kubernetes", path=path)
        did.append(f"enabled auth/{path}")
    wanted = {"kubernetes_host": auth["kubernetes_host"]}
    if auth.get("kubernetes_ca_cert"):
        wanted["kubernetes_ca_cert"] = auth["kubernetes_ca_cert"]
    # In the cluster, Vault reviews tokens with its own service account (the chart's authDelegator);
    # an external Vault reviews each client's token with that token itself.
    wanted["disable_local_ca_jwt"] = bool(auth.get("use_client_token_for_review"))
    current = run.client.read(f"auth/{path}/config") if not did else None
    current = (current or {}).get("data") or {}
    if any(current.get(k) != v for k, v in wanted.items()):
        run.client.write_data(f"auth/{path}/config", data=wanted)
        did.append(f"config kubernetes_host={auth['kubernetes_host']}")
    return changed(", ".join(did)) if did else unchanged(f"auth/{path} configured")


def rasa_policy(plan: dict) -> str:
    mount, path = plan["kv_mount"], plan["secrets_path"]
    lines = [
        f'# Rasa Pro reads its one secret, nothing else.\npath "{mount}/data/{path}" {{\n  capabilities = ["read"]\n}}\n',
        # Instead of the default policy (cubbyhole, sys/capabilities-self, ...): only what keeping
        # its own periodic token alive needs.
        'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n',
        'path "auth/token/renew-self" {\n  capabilities = ["update"]\n}\n',
    ]
    transit = plan["policy"].get("transit_mount")
    if transit:
        lines.append(f'path "{transit}/decrypt/*" {{\n  capabilities = ["update"]\n}}\n')
    return "".join(lines)


def workload_policy(plan: dict, workload: dict) -> str:
    """Another workload (the action server): its own secret, read once by its Agent; no token
    renewal, nothing else."""
    return (f'# {workload["role"]["name"]} reads its own secret, nothing else.\n'
            f'path "{plan["kv_mount"]}/data/{workload["secrets_path"]}" {{\n  capabilities = ["read"]\n}}\n')


def grants(plan: dict) -> list[dict]:
    """Rasa's grant (policy, role, secret) first, then each other workload's, in plan order."""
    rasa = {"policy": plan["policy"]["name"], "policy_text": rasa_policy(plan), "role": plan["role"],
            "secrets_path": plan["secrets_path"], "credentials": plan.get("credentials") or []}
    others = [{"policy": w["policy"], "policy_text": workload_policy(plan, w), "role": w["role"],
               "secrets_path": w["secrets_path"], "credentials": w.get("credentials") or []}
              for w in plan.get("workloads") or []]
    return [rasa, *others]


def _combined(outcomes: list[Outcome]) -> Outcome:
    details = "; ".join(o.detail for o in outcomes)
    if any(o.status == "changed" for o in outcomes):
        return changed(details)
    return unchanged(details) if any(o.status == "unchanged" for o in outcomes) else skipped(details)


def step_policy(run: Run) -> Outcome:
    return _combined([_write_policy(run, g["policy"], g["policy_text"]) for g in grants(run.plan)])


def _write_policy(run: Run, name: str, text: str) -> Outcome:
    current = run.client.sys.read_policy(name=name) if name in _policy_names(run.client) else None
    current_text = ((current or {}).get("data") or current or {}).get("rules") if current else None
    if current_text == text:
        return unchanged(f"policy {name}")
    run.client.sys.create_or_update_policy(name=name, policy=text)
    return changed(f"{'wrote' if current_text is None else 'updated'} policy {name}")


def _policy_names(client: Any) -> list[str]:
    listed = client.sys.list_policies()
    return (listed.get("data") or listed).get("policies", [])


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return int(duration[:-1]) * units[duration[-1]] if duration[-1] in units else int(duration)


def step_role(run: Run) -> Outcome:
    return _combined([_write_role(run, g["role"], g["policy"]) for g in grants(run.plan)])


def _write_role(run: Run, role: dict, policy: str) -> Outcome:
    path = run.plan["kubernetes_auth"].get("path", "kubernetes")
    wanted = {
        "bound_service_account_names": sorted(role["service_accounts"]),
        "bound_service_account_namespaces": sorted(role["namespaces"]),
        "token_policies": [policy],
        "token_no_default_policy": True,
        # Periodic: Rasa renews its token before each period ends and never hits a max TTL.
        "token_period": _seconds(role["token_period"]),
        "token_ttl": 0,
        "token_max_ttl": 0,
    }
    if role.get("audience"):
        wanted["audience"] = role["audience"]
    try:
        current = (run.client.read(f"auth/{path}/role/{role['name']}") or {}).get("data") or {}
    except Exception:
        current = {}
    def same(key: str, value: Any) -> bool:
        have = current.get(key)
        return sorted(have) == value if isinstance(value, list) and isinstance(have, list) else have == value
    if current and all(same(k, v) for k, v in wanted.items()):
        return unchanged(f"role {role['name']}")
    run.client.write_data(f"auth/{path}/role/{role['name']}", data=wanted)
    return changed(f"{'updated' if current else 'wrote'} role {role['name']} "
                   f"({', '.join(role['namespaces'])}/{', '.join(role['service_accounts'])}, period {role['token_period']})")


def step_credentials(run: Run) -> Outcome:
    return _combined([_write_secret(run, g["secrets_path"], g["credentials"]) for g in grants(run.plan)])


def _write_secret(run: Run, path: str, keys: list[str]) -> Outcome:
    mount = run.plan["kv_mount"]
    if not keys:
        return skipped(f"{mount}/{path}: no credentials to store")
    wanted = {key: run.credential(key) for key in keys}
    try:
        current = run.client.secrets.kv.v2.read_secret_version(
            mount_point=mount, path=path, raise_on_deleted_version=True)["data"]["data"]
    except Exception as exc:
        if "404" not in str(exc) and "not found" not in str(exc).lower() and type(exc).__name__ != "InvalidPath":
            raise
        current = None
    if current == wanted:
        return unchanged(f"{mount}/{path}: {len(wanted)} keys")
    # One write of the whole secret: a workload never sees a mix of old and new keys.
    run.client.secrets.kv.v2.create_or_update_secret(mount_point=mount, path=path, secret=wanted)
    differing = sorted(k for k in wanted if (current or {}).get(k) != wanted[k])
    removed = sorted(set(current or {}) - set(wanted))
    detail = f"{mount}/{path}: wrote {', '.join(differing) or 'no key'}"
    return changed(detail + (f"; removed {', '.join(removed)}" if removed else ""))


def step_database_user(run: Run) -> Outcome:
    db = run.plan.get("database_user")
    if not db:
        return skipped("the cloud creates Rasa's database role")
    import psycopg2
    from psycopg2 import sql

    username, password = run.credential(db["username_key"]), run.credential(db["password_key"])
    tls = {"sslmode": db.get("sslmode", "verify-full"), "sslrootcert": db.get("sslrootcert")}
    tls = {k: v for k, v in tls.items() if v}

    def connect(user: str, secret: str, database: str) -> Any:
        return psycopg2.connect(host=db["host"], port=db["port"], dbname=database, user=user, password=secret,
                                connect_timeout=run.plan.get("timeout_seconds", 20), **tls)

    try:
        admin = connect(run.credential(db["admin_username_key"]), run.credential(db["admin_password_key"]),
                        db.get("admin_database", "postgres"))
    except psycopg2.OperationalError as exc:
        raise StepFailed(f"cannot log in as the database administrator: {str(exc).strip().splitlines()[0]}") from None
    admin.autocommit = True
    did = []
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (username,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(username)), (password,))
                did.append(f"created role {username}")
            elif not _can_log_in(connect, username, password, db["database"]):
                # A rotated password: the role takes the one now in Vault.
                cur.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD %s").format(sql.Identifier(username)), (password,))
                did.append(f"set the password of {username}")
            cur.execute("SELECT has_database_privilege(%s, %s, 'CONNECT'), has_database_privilege(%s, %s, 'CREATE')",
                        (username, db["database"], username, db["database"]))
            if not all(cur.fetchone()):
                cur.execute(sql.SQL("GRANT CONNECT, CREATE, TEMPORARY ON DATABASE {} TO {}").format(
                    sql.Identifier(db["database"]), sql.Identifier(username)))
                did.append(f"granted {username} its database {db['database']}")
    finally:
        admin.close()
    # Rasa creates its tables in `public`, where PostgreSQL 15+ lets only the owner create.
    target = connect(run.credential(db["admin_username_key"]), run.credential(db["admin_password_key"]), db["database"])
    target.autocommit = True
    try:
        with target.cursor() as cur:
            cur.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", (username,))
            if not cur.fetchone()[0]:
                cur.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(username)))
                did.append(f"granted {username} schema public")
    finally:
        target.close()
    return changed(", ".join(did)) if did else unchanged(f"role {username} logs in to {db['database']}")


def _can_log_in(connect: Callable[..., Any], user: str, password: str, database: str) -> bool:
    import psycopg2

    try:
        connect(user, password, database).close()
        return True
    except psycopg2.OperationalError:
        return False


def step_analytics_database(run: Run) -> Outcome:
    db = run.plan.get("analytics_database")
    if not db:
        return skipped("no analytics database to set up here (analytics off, or a database its operator runs)")
    import importlib.util

    import psycopg2

    spec = importlib.util.spec_from_file_location("analytics_database", db["script"])
    if spec is None or spec.loader is None or not Path(db["script"]).is_file():
        raise StepFailed(f"the analytics database script {db['script']} is not mounted")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    env = {
        "ADMIN_HOST": db["host"], "ADMIN_PORT": str(db["port"]), "ADMIN_DB": db["admin_database"],
        "ADMIN_USER": run.credential(db["admin_username_key"]), "ADMIN_PASSWORD": run.credential(db["admin_password_key"]),
        "ANALYTICS_DB": db["database"], "ANALYTICS_USER": db["username"],
        "ANALYTICS_PASSWORD": run.credential(db["password_key"]),
        "READONLY_USER": db["read_only_username"], "READONLY_PASSWORD": run.credential(db["read_only_password_key"]),
        "PGSSLMODE": db["sslmode"], "PGSSLROOTCERT": db["sslrootcert"],
    }
    lines: list[str] = []
    try:
        script.setup(env, log=lines.append)
    except psycopg2.Error as exc:
        # psycopg2's messages name the server and the role, never the password.
        raise StepFailed(f"on {db['host']}:{db['port']}: {first_line(exc)}") from None
    did = [line for line in lines if "created" in line or "changed" in line]
    if did:
        return changed("; ".join(did))
    return unchanged(f"database {db['database']} and roles {db['username']}, {db['read_only_username']} exist "
                     "(passwords set again)")


MSK_IAM = "AWS_MSK_IAM"  # the plan's name for OAUTHBEARER with an MSK IAM token


def _kafka_config(run: Run, kafka: dict) -> dict:
    config = {"bootstrap.servers": ",".join(kafka["bootstrap_servers"]), "security.protocol": kafka["security_protocol"],
              "socket.timeout.ms": run.plan.get("timeout_seconds", 20) * 1000}
    if kafka.get("ca_file"):
        config["ssl.ca.location"] = kafka["ca_file"]
    if not kafka["security_protocol"].startswith("SASL"):
        return config
    if kafka["sasl_mechanism"] == MSK_IAM:
        config.update({"sasl.mechanism": "OAUTHBEARER", "oauth_cb": msk_iam_token_callback(kafka["region"])})
    else:
        config.update({"sasl.mechanism": kafka["sasl_mechanism"], "sasl.username": kafka["username"],
                       "sasl.password": run.credential(kafka["password_key"])})
    return config


def msk_iam_token_callback(region: str, signer: Any = None) -> Callable[[Any], tuple[str, float]]:
    """librdkafka's `oauth_cb` for MSK's IAM listener: a token signed for `region` with the pod's AWS
    credentials (IRSA: the web identity EKS injects for the annotated service account).

    The first token is signed here, so missing or refused credentials fail the step with their
    cause (librdkafka would only say no token was set). MSK tokens expire in 15 minutes; the
    signer gives the expiry in milliseconds, librdkafka wants seconds since the epoch."""
    if signer is None:
        try:
            from aws_msk_iam_sasl_signer import MSKAuthTokenProvider as signer
        except ImportError:
            raise StepFailed("the image has no aws-msk-iam-sasl-signer-python (Rasa Pro ships it): "
                             "cannot log in to MSK with IAM") from None

    def sign() -> tuple[str, float]:
        token, expiry_ms = signer.generate_auth_token(region)
        return token, expiry_ms / 1000

    try:
        signed: Optional[tuple[str, float]] = sign()
    except Exception as exc:
        raise StepFailed(f"cannot sign an MSK IAM token for {region} with the pod's AWS credentials "
                         f"(IRSA: its service account's eks.amazonaws.com/role-arn): {type(exc).__name__}: "
                         f"{first_line(exc)}") from None

    def callback(_config: Any) -> tuple[str, float]:
        nonlocal signed
        if signed is not None:  # librdkafka asks once at start: the token just checked
            token, signed = signed, None
            return token
        return sign()

    return callback


def _admin(run: Run, kafka: dict) -> Any:
    from confluent_kafka.admin import AdminClient

    return AdminClient(_kafka_config(run, kafka))


def step_kafka_topics(run: Run) -> Outcome:
    kafka = run.plan.get("kafka")
    if not kafka or not kafka.get("topics"):
        return skipped("the cloud creates the topics")
    from confluent_kafka.admin import NewTopic

    admin = _admin(run, kafka)
    timeout = run.plan.get("timeout_seconds", 20)
    try:
        existing = admin.list_topics(timeout=timeout).topics
    except Exception as exc:
        raise StepFailed(f"cannot list topics on {', '.join(kafka['bootstrap_servers'])}: {exc}") from None
    missing = [t for t in kafka["topics"] if t["name"] not in existing]
    for topic in kafka["topics"]:
        if topic["name"] in existing and len(existing[topic["name"]].partitions) < topic["partitions"]:
            print(f"bootstrap: kafka-topics: note: {topic['name']} has {len(existing[topic['name']].partitions)} "
                  f"partitions, the plan asks {topic['partitions']} (partitions are never removed; not changed)")
    if not missing:
        return unchanged(f"topics {', '.join(t['name'] for t in kafka['topics'])} exist")
    futures = admin.create_topics([NewTopic(t["name"], num_partitions=t["partitions"],
                                            replication_factor=t["replication_factor"], config=t.get("config") or {})
                                   for t in missing], request_timeout=timeout)
    for name, future in futures.items():
        try:
            future.result(timeout)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise StepFailed(f"creating topic {name}: {exc}") from None
    return changed("created " + ", ".join(f"{t['name']} ({t['partitions']} partitions × {t['replication_factor']})"
                                          for t in missing))


def wanted_acls(kafka: dict) -> list[tuple[str, str, str, str]]:
    """(resource type, resource name, principal, operation), each a literal ALLOW from any host:
    Rasa writes and describes its topic; each consumer reads and describes it, reads with its
    group, and writes and describes its dead-letter topic."""
    acls = kafka.get("acls") or {}
    out = []
    for topic in kafka.get("acl_topics") or [t["name"] for t in kafka.get("topics") or []]:
        if acls.get("producer"):
            out += [("TOPIC", topic, acls["producer"], op) for op in ("WRITE", "DESCRIBE")]
        for consumer in acls.get("consumers") or []:
            out += [("TOPIC", topic, consumer["principal"], op) for op in ("READ", "DESCRIBE")]
            out.append(("GROUP", consumer["group"], consumer["principal"], "READ"))
            if consumer.get("dead_letter_topic"):
                out += [("TOPIC", consumer["dead_letter_topic"], consumer["principal"], op) for op in ("WRITE", "DESCRIBE")]
    return list(dict.fromkeys(out))


def step_kafka_acls(run: Run) -> Outcome:
    kafka = run.plan.get("kafka")
    if not kafka or not kafka.get("acls"):
        return skipped("the brokers allow Rasa's topic without ACLs (or the cloud grants them)")
    from confluent_kafka.admin import (
        AclBinding, AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType, ResourceType,
    )

    wanted = wanted_acls(kafka)
    if not wanted:
        raise StepFailed("the plan asks for ACLs but names no topic to grant them on")
    admin, timeout = _admin(run, kafka), run.plan.get("timeout_seconds", 20)
    where = ", ".join(kafka["bootstrap_servers"])
    # Only literal ALLOW bindings from any host count: a DENY, a prefixed pattern or a single host
    # is not the grant the plan asks for.
    try:
        bindings = admin.describe_acls(AclBindingFilter(
            ResourceType.ANY, None, ResourcePatternType.LITERAL, None, None, AclOperation.ANY, AclPermissionType.ALLOW,
        ), request_timeout=timeout).result(timeout)
    except Exception as exc:
        raise StepFailed(f"cannot describe the ACLs on {where} as the administrator ({_admin_hint(kafka)}): "
                         f"{first_line(exc)}") from None
    present = {(b.restype.name, b.name, b.principal, b.operation.name) for b in bindings if b.host == "*"}
    missing = [acl for acl in wanted if acl not in present]
    if not missing:
        return unchanged(f"{len(wanted)} ACLs present")
    new = [AclBinding(getattr(ResourceType, r), name, ResourcePatternType.LITERAL, principal, "*",
                      getattr(AclOperation, op), AclPermissionType.ALLOW) for r, name, principal, op in missing]
    failed = []
    for binding, future in admin.create_acls(new, request_timeout=timeout).items():
        try:
            future.result(timeout)
        except Exception as exc:
            failed.append(f"{binding.principal} {binding.operation.name} {binding.restype.name.lower()} "
                          f"{binding.name}: {first_line(exc)}")
    if failed:
        raise StepFailed(f"creating ACLs on {where} as the administrator ({_admin_hint(kafka)}): {'; '.join(failed)}")
    return changed("granted " + ", ".join(f"{p} {op} {r.lower()} {n}" for r, n, p, op in missing))


def _admin_hint(kafka: dict) -> str:
    if kafka.get("sasl_mechanism") == MSK_IAM:
        return "MSK IAM: its role needs kafka-cluster:Connect, DescribeCluster and AlterCluster on the cluster"
    return f"user {kafka.get('username')}" if kafka.get("username") else "TLS client"


STEP_FUNCTIONS: dict[str, Callable[[Run], Outcome]] = {
    "key-store": step_key_store,
    "initialise": step_initialise,
    "unseal": step_unseal,
    "authenticate": step_authenticate,
    "audit": step_audit,
    "kv": step_kv,
    "kubernetes-auth": step_kubernetes_auth,
    "policy": step_policy,
    "role": step_role,
    "credentials": step_credentials,
    "database-user": step_database_user,
    "analytics-database": step_analytics_database,
    "kafka-topics": step_kafka_topics,
    "kafka-acls": step_kafka_acls,
}
assert tuple(STEP_FUNCTIONS) == STEPS


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def run_steps(plan: dict, report: Optional[dict] = None) -> int:
    run, report = Run(plan), report if report is not None else {}
    for name in STEPS:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                outcome = STEP_FUNCTIONS[name](run)
                break
            except StepFailed as exc:
                return _failed(name, exc.message, report)
            except Exception as exc:  # any library error: named by its step, without a traceback
                message = f"{type(exc).__name__}: {first_line(exc)}"
                if attempt == ATTEMPTS:
                    return _failed(name, message, report)
                # Steps are idempotent: a server that is electing a leader or failing over gets
                # the same step again.
                print(f"bootstrap: {name}: retrying ({attempt}/{ATTEMPTS - 1}) after {message}", flush=True)
                time.sleep(RETRY_SECONDS)
        report[name] = outcome.status
        print(f"bootstrap: {name}: {outcome.status}: {outcome.detail}", flush=True)
    print(f"bootstrap: done ({sum(v == 'changed' for v in report.values())} steps changed something)", flush=True)
    return EXIT_OK


def _failed(step: str, message: str, report: dict) -> int:
    report[step] = "failed"
    print(f"bootstrap: FAILED at step {step}: {message}", flush=True)
    return EXIT_FAILED


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True, help="the JSON plan (from the bootstrap ConfigMap)")
    parser.add_argument("--report", help="write {step: status} as JSON here")
    opts = parser.parse_args(argv)
    try:
        plan = json.loads(Path(opts.plan).read_text())
    except (OSError, ValueError) as exc:
        print(f"bootstrap: cannot read the plan {opts.plan}: {first_line(exc)}", flush=True)
        return EXIT_USAGE
    report: dict = {}
    code = run_steps(plan, report)
    if opts.report:
        Path(opts.report).write_text(json.dumps(report, indent=2))
    return code


if __name__ == "__main__":
    sys.exit(main())
