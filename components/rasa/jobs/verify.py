"""Check a Rasa Pro deployment's services exactly as Rasa Pro will reach them.

One self-contained file: it runs on the Rasa Pro image (mounted into the verify Job from a
ConfigMap) or on any Python with the client libraries Rasa itself uses (hvac, psycopg2, redis,
confluent-kafka, boto3, ruamel.yaml; azure-storage-blob / google-cloud-storage for those
clouds), and imports nothing from the rasa-platform repository. Rasa's own code is used where
it is installed: the `rasa` check asks it what it makes of the same file and environment and
fails if Rasa would connect anywhere else than the checks did.

    python verify.py --endpoints /app/config/endpoints.yml [--env-file FILE]
                     [--remote-storage aws --model models/bot] [--model-optional]
                     [--timeout 20] [--skip CHECK]... [--no-rasa]

What "as Rasa" means here (each rule from Rasa Pro 3.21's code):
* endpoints.yml is read as Rasa reads it: YAML 1.2, and only *unquoted* scalars containing
  `${VAR}` are interpolated from the environment (an unset variable is an error);
* the tracker store's credentials are resolved from Vault (KV v2 at <mount_point>/<secrets_path>,
  env VAULT_* winning field by field), and its TLS comes from SQL_TRACKER_STORE_SSL_MODE /
  SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE, applied only for `dialect: postgresql`;
* Vault's CA is what VAULT_CACERT (or VAULT_CAPATH) names, as hvac reads it;
* the lock store's host, db, TLS and CA come from the file as `redis` / `concurrent_redis` read
  them (`concurrent_redis` ignores `url`); keys are written under Rasa's own key prefix;
* the Kafka client gets the librdkafka configuration Rasa's KafkaEventBroker builds;
* model storage is found from `--remote-storage` / `--model` and BUCKET_NAME, AWS_ENDPOINT_URL,
  AZURE_* as Rasa's persistors read them.

Output: one line per check, `PASS|WARN|SKIP|FAIL <service>: <check>: <what was seen>`, and on
failure `(likely cause: ...)`. Secret values are never printed. Exit status: 0 when no check
failed, 1 when one did, 2 when the checks could not start (bad arguments, unreadable files).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import io
import json
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_TIMEOUT = 20.0
VERIFY_MARK = "rasa-platform-verify"
CHECK_NAMES = ("rasa", "vault", "tracker-store", "lock-store", "event-broker", "model-storage")

SECRET_KEYS = {"password", "sasl_password", "token", "sasl.password", "auth_token"}
SECRET_ENV_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|KEY|LICENSE|CREDENTIAL", re.IGNORECASE)
ENV_PATTERN = re.compile(r"^(.*)\$\{(.*)\}(.*)$")  # Rasa's own resolver pattern

# What Rasa's code uses when the file says nothing.
RASA_VAULT_MOUNT_POINT = "secret"
RASA_VAULT_SECRETS_PATH = "rasa-secrets"
RASA_REDIS_LOCK_PREFIX = "lock:"
RASA_CONCURRENT_LOCK_PREFIX = "concurrent_lock:"
RASA_KAFKA_TOPIC = "rasa_core_events"
RASA_BUCKET = "rasa-models"
RASA_MODEL = "models"
MODEL_EXTENSION = "tar.gz"


class UsageError(Exception):
    """The checks cannot start: bad arguments or an unreadable input file."""


class CheckFailed(Exception):
    """A check failed; `cause` says what most likely explains it."""

    def __init__(self, message: str, cause: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause


class Skipped(Exception):
    """A check that does not apply to this deployment."""


# -- secrets: never printed ---------------------------------------------------------------------

_SECRETS: set[str] = set()


def remember_secret(value: Any) -> None:
    if isinstance(value, str) and len(value) >= 4:
        _SECRETS.add(value)


def fingerprint(value: Any) -> Optional[str]:
    if value is None:
        return None
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:16]


def redact(value: Any, key: str = "") -> Any:
    """A JSON-able copy with secret-looking values replaced by fingerprints."""
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, key) for v in value]
    if key in SECRET_KEYS and isinstance(value, str):
        return fingerprint(value)
    if callable(value):
        return f"<callable {getattr(value, '__qualname__', type(value).__name__)}>"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def scrub(text: str) -> str:
    """Hide every secret-looking environment value and every secret this run has seen."""
    values = set(_SECRETS)
    values |= {v for k, v in os.environ.items() if SECRET_ENV_NAME.search(k) and len(v) >= 4}
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "<secret>")
    return text


# -- inputs: environment file and endpoints.yml as Rasa reads them --------------------------------


def load_env_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines (as `docker --env-file` or a dotenv file): `#` comments, optional
    `export `, optional matching quotes around the value."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read --env-file {path}: {exc.strerror}") from None
    env: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.strip()):
            raise UsageError(f"--env-file {path}:{number}: expected NAME=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[name.strip()] = value
    return env


def read_endpoints_file(path: str) -> dict[str, Any]:
    """The endpoints mapping as Rasa's loader returns it (`rasa/shared/utils/yaml.py`)."""
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as exc:
        raise UsageError(f"cannot read --endpoints {path}: {exc.strerror}") from None
    try:
        from ruamel import yaml
    except ImportError:
        raise UsageError("ruamel.yaml is not installed (Rasa reads endpoints.yml with it): pip install ruamel.yaml") from None

    if not getattr(yaml.Resolver, "_rasa_platform_env_var", False):
        # The same process-wide resolver Rasa registers: plain (unquoted) scalars only.
        yaml.Resolver.add_implicit_resolver("!env_var", ENV_PATTERN, None)
        yaml.Resolver._rasa_platform_env_var = True
    parser = yaml.YAML(typ="safe")
    parser.version = (1, 2)
    parser.Constructor = type("VerifyConstructor", (parser.Constructor,),
                              {"yaml_constructors": dict(parser.Constructor.yaml_constructors)})
    unset: list[str] = []

    def expand(loader: Any, node: Any) -> str:
        value = loader.construct_scalar(node)
        expanded = os.path.expandvars(value)
        missing = [w for w in expanded.split() if w.startswith("$") and w in value]
        if missing:
            unset.extend(re.findall(r"\$\{?([A-Za-z0-9_]+)", " ".join(missing)))
            return value
        return expanded

    parser.constructor.add_constructor("!env_var", expand)
    try:
        data = parser.load(text) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"--endpoints {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"--endpoints {path} is not a mapping")
    if unset:
        raise UsageError(f"--endpoints {path} uses unset environment variables: {', '.join(sorted(set(unset)))} "
                         "(Rasa refuses to start without them)")
    return data


def endpoint_section(endpoints: dict[str, Any], name: str) -> Optional[tuple[Optional[str], Any, dict[str, Any]]]:
    """(type, url, kwargs) the way Rasa's EndpointConfig.from_dict splits a section."""
    section = endpoints.get(name)
    if not isinstance(section, dict):
        return None
    kwargs = dict(section)
    kind = kwargs.pop("type", None)
    url = kwargs.pop("url", None)
    kwargs.pop("params", None)
    kwargs.pop("headers", None)
    return kind, url, kwargs


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() == "true"


def as_pydantic_bool(value: Any) -> bool:
    """How a pydantic `bool` field reads a value (Rasa's `redis` lock store config)."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "on", "t", "true", "y", "yes"}:
            return True
        if lowered in {"0", "off", "f", "false", "n", "no", ""}:
            return False
        raise CheckFailed(f"use_ssl: {value!r} is not a boolean", "write use_ssl: true (a YAML boolean)")
    return bool(value)


def rasa_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("rasa") is not None


def aws_iam_provider(service_type: str, **kwargs: Any) -> Any:
    """Rasa's own AWS IAM credentials provider (RDS, ElastiCache, MSK tokens)."""
    if not rasa_installed():
        raise CheckFailed("AWS IAM authentication is on, and signing its tokens needs Rasa's code",
                          "run the verify on the Rasa Pro image (or where rasa-pro is installed)")
    from rasa.core.iam_credentials_providers.credentials_provider_protocol import (
        IAMCredentialsProviderInput,
        SupportedServiceType,
        create_iam_credentials_provider,
    )

    return create_iam_credentials_provider(
        IAMCredentialsProviderInput(service_type=getattr(SupportedServiceType, service_type), **kwargs))


# -- failure explanations -------------------------------------------------------------------------


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def tls_reason(text: str) -> str:
    match = re.search(r"certificate verify failed:?\s*([^()\]'\"\n]*)", text, re.IGNORECASE)
    reason = match.group(1).strip(" :") if match else ""
    return f"certificate verify failed: {reason}" if reason else "certificate verify failed"


def network_cause(text: str, where: str) -> Optional[tuple[str, str]]:
    """A (message, cause) for the failures every client shares, from the error text."""
    lowered = text.lower()
    if "certificate verify failed" in lowered or "certificate_verify_failed" in lowered:
        return tls_reason(text), f"the certificate of {where} is not issued by the trusted CA (wrong or missing CA file)"
    if "hostname mismatch" in lowered or "doesn't match" in lowered or "does not match" in lowered:
        return "certificate does not match the host name", f"connect to {where} by a name its certificate lists"
    if "connection refused" in lowered:
        return f"connection refused by {where}", "nothing listens there: wrong host or port, or the service is down"
    if "timed out" in lowered or "timeout" in lowered:
        return f"no answer from {where}", "a firewall, security group or NetworkPolicy drops the traffic, or the host is wrong"
    if ("name or service not known" in lowered or "could not translate host name" in lowered
            or "nodename nor servname" in lowered or "temporary failure in name resolution" in lowered
            or "failed to resolve" in lowered):
        return f"cannot resolve {where}", "the host name does not exist in this cluster's DNS"
    if "wrong version number" in lowered or "unexpected eof" in lowered or "record layer failure" in lowered:
        return f"TLS handshake with {where} failed", "the port does not speak TLS (plaintext listener?)"
    return None


# -- results and running ----------------------------------------------------------------------------


@dataclass
class Result:
    service: str
    check: str
    status: str  # PASS | WARN | SKIP | FAIL
    detail: str
    cause: Optional[str] = None

    def line(self) -> str:
        text = f"{self.status} {self.service}: {self.check}: {self.detail}"
        if self.cause:
            text += f" (likely cause: {self.cause})"
        return scrub(text)


@dataclass
class Context:
    endpoints_file: str
    endpoints: dict[str, Any]
    timeout: float
    remote_storage: Optional[str]
    model: Optional[str]
    model_required: bool
    allow_plaintext: bool
    results: list[Result] = field(default_factory=list)

    def record(self, service: str, check: str, status: str, detail: str, cause: Optional[str] = None) -> None:
        self.results.append(Result(service, check, status, detail, cause))


Check = Callable[[Context], list[Result]]


def step(service: str, check: str, fn: Callable[[], tuple[str, str]], sink: list[Result]) -> bool:
    """Run one step, append its result; True if it passed (PASS or WARN)."""
    try:
        status, detail = fn()
        sink.append(Result(service, check, status, detail))
        return status in ("PASS", "WARN")
    except Skipped as exc:
        sink.append(Result(service, check, "SKIP", str(exc)))
        return True
    except CheckFailed as exc:
        sink.append(Result(service, check, "FAIL", exc.message, exc.cause))
    except Exception as exc:  # noqa: BLE001 - a failure to report, with its own words
        sink.append(Result(service, check, "FAIL", f"{type(exc).__name__}: {first_line(exc)}"))
    return False


def not_run(service: str, checks: list[str], why: str) -> list[Result]:
    return [Result(service, check, "SKIP", f"not run: {why}") for check in checks]


# -- Vault ----------------------------------------------------------------------------------------


@dataclass
class VaultSettings:
    url: Optional[str]
    token: Optional[str]
    namespace: Optional[str]
    mount_point: str
    secrets_path: str
    verify: Any  # hvac/requests `verify`: a CA file or directory, or True


def vault_settings(ctx: Context) -> Optional[VaultSettings]:
    """Rasa's merge (`rasa/core/secrets_manager/factory.py`): env VAULT_* wins field by field."""
    section = endpoint_section(ctx.endpoints, "secrets_manager")
    manager = os.environ.get("SECRET_MANAGER") or (section[0] if section else None)
    if manager is None:
        return None
    if manager != "vault":
        raise CheckFailed(f"secrets manager {manager!r} is not one Rasa supports", "Rasa supports only type: vault")
    _, file_url, kw = section or (None, None, {})
    env = os.environ.get
    settings = VaultSettings(
        url=env("VAULT_URL") or file_url,
        token=env("VAULT_TOKEN") or kw.get("token"),
        namespace=env("VAULT_NAMESPACE") or kw.get("namespace"),
        mount_point=env("VAULT_MOUNT_POINT") or kw.get("mount_point") or RASA_VAULT_MOUNT_POINT,
        secrets_path=env("VAULT_RASA_SECRETS_PATH") or kw.get("secrets_path") or RASA_VAULT_SECRETS_PATH,
        # hvac: VAULT_CACERT wins over VAULT_CAPATH, else the public CA bundle.
        verify=env("VAULT_CACERT") or env("VAULT_CAPATH") or True,
    )
    remember_secret(settings.token)
    missing = [n for n, v in (("VAULT_URL (or url)", settings.url), ("VAULT_TOKEN", settings.token)) if not v]
    if missing:
        raise CheckFailed(f"Vault settings incomplete: {', '.join(missing)} missing",
                          "Rasa refuses to start its Vault secrets manager without them")
    return settings


def vault_references(ctx: Context) -> dict[str, str]:
    """tracker_store property -> Vault key, for every `{source: secrets_manager.vault, ...}`."""
    section = endpoint_section(ctx.endpoints, "tracker_store")
    if section is None:
        return {}
    refs = {}
    for prop, value in section[2].items():
        if isinstance(value, dict) and str(value.get("source", "")).replace("secrets_manager.", "") == "vault":
            if value.get("transit_key"):
                raise CheckFailed(f"{prop}: transit-encrypted Vault references are not checked by verify",
                                  "store the value in KV v2 without transit encryption, or verify it by hand")
            refs[prop] = str(value.get("secret_key"))
    return refs


def vault_client(settings: VaultSettings, timeout: float) -> Any:
    import hvac

    return hvac.Client(url=settings.url, token=settings.token, namespace=settings.namespace,
                       verify=settings.verify, timeout=timeout)


def read_vault_secret(settings: VaultSettings, timeout: float, refs: dict[str, str]) -> dict[str, Any]:
    """The KV v2 secret Rasa reads; every value is treated as secret except the user name's
    (it names a failing login)."""
    import hvac.exceptions

    client = vault_client(settings, timeout)
    where = f"{settings.mount_point}/{settings.secrets_path}"
    try:
        response = client.secrets.kv.v2.read_secret_version(
            mount_point=settings.mount_point, path=settings.secrets_path, raise_on_deleted_version=True)
    except hvac.exceptions.InvalidPath:
        raise CheckFailed(f"secret {where} does not exist",
                          "the bootstrap job has not stored the credentials yet, or mount_point/secrets_path is wrong") from None
    except hvac.exceptions.Forbidden:
        raise CheckFailed(f"permission denied reading {where}",
                          f"the token's policy lacks read on {settings.mount_point}/data/{settings.secrets_path}, "
                          "or the token itself is refused (see vault: token)") from None
    data = response["data"]["data"] or {}
    public = {key for prop, key in refs.items() if prop == "username"}
    for key, value in data.items():
        if key not in public:
            remember_secret(value)
    return data


def check_vault(ctx: Context) -> list[Result]:
    out: list[Result] = []
    service = "vault"
    try:
        settings = vault_settings(ctx)
        refs = vault_references(ctx)
    except CheckFailed as exc:
        return [Result(service, "settings", "FAIL", exc.message, exc.cause)]
    if settings is None:
        if refs:
            return [Result(service, "settings", "FAIL", f"the tracker store takes {', '.join(sorted(refs))} from Vault, "
                           "but no secrets manager is configured", "add a secrets_manager block or SECRET_MANAGER=vault")]
        return [Result(service, "settings", "SKIP", "no secrets manager configured")]
    where = settings.url

    def reachable() -> tuple[str, str]:
        if not str(settings.url).startswith("https://") and not ctx.allow_plaintext:
            raise CheckFailed(f"{where} is not https", "Vault tokens and secrets would cross the network in clear")
        import requests

        try:
            response = requests.get(f"{str(settings.url).rstrip('/')}/v1/sys/health", verify=settings.verify,
                                    timeout=ctx.timeout, headers={"X-Vault-Namespace": settings.namespace} if settings.namespace else None)
        except requests.exceptions.RequestException as exc:
            known = network_cause(str(exc), where)
            if known:
                raise CheckFailed(*known) from None
            raise CheckFailed(f"cannot reach {where}: {first_line(exc)}") from None
        state = {200: "active", 429: "standby", 472: "DR secondary", 473: "performance standby",
                 501: "not initialized", 503: "sealed"}.get(response.status_code, f"HTTP {response.status_code}")
        if response.status_code in (501, 503):
            raise CheckFailed(f"{where} answers but is {state}",
                              "the bootstrap job has not initialised Vault" if response.status_code == 501
                              else "Vault is sealed: unseal it, or its auto-unseal key is unreachable")
        if response.status_code not in (200, 429, 472, 473):
            raise CheckFailed(f"{where}/v1/sys/health answered HTTP {response.status_code}", "the URL is not a Vault server")
        version = (response.json() or {}).get("version", "?")
        return "PASS", f"{where} answers over verified TLS ({state}, version {version})"

    def token() -> tuple[str, str]:
        import hvac.exceptions

        try:
            data = vault_client(settings, ctx.timeout).auth.token.lookup_self()["data"]
        except hvac.exceptions.Forbidden:
            raise CheckFailed("the token is refused (permission denied on lookup-self)",
                              "VAULT_TOKEN is wrong, expired or revoked") from None
        ttl = data.get("ttl") or 0
        kind = "renewable" if data.get("renewable") else "not renewable"
        life = "no expiry" if not ttl else f"{int(ttl)} s left, {kind}"
        status = "WARN" if ttl and ttl < 3600 and not data.get("renewable") else "PASS"
        return status, f"token valid ({life}; policies {', '.join(data.get('policies') or []) or 'none'})"

    def keys() -> tuple[str, str]:
        if not refs:
            raise Skipped("the file references no Vault key")
        data = read_vault_secret(settings, ctx.timeout, refs)
        location = f"{settings.mount_point}/{settings.secrets_path}"
        missing = sorted({key for key in refs.values() if data.get(key) in (None, "")})
        if missing:
            raise CheckFailed(f"{location} lacks {', '.join(missing)}",
                              "the bootstrap job stored other keys, or secret_key in endpoints.yml is misspelt")
        return "PASS", f"{location} holds {', '.join(sorted(set(refs.values())))}"

    if not step(service, "reachable", reachable, out):
        return out + not_run(service, ["token", "secret keys"], "Vault unreachable")
    if not step(service, "token", token, out):
        return out + not_run(service, ["secret keys"], "token refused")
    step(service, "secret keys", keys, out)
    return out


# -- tracker store: PostgreSQL ----------------------------------------------------------------------


def tracker_connect_args(ctx: Context, credentials: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """psycopg2.connect kwargs exactly as SQLTrackerStore builds its engine, and facts about them."""
    kind, url, kw = endpoint_section(ctx.endpoints, "tracker_store")  # type: ignore[misc]
    dialect = str(kw.get("dialect", "sqlite"))
    if not dialect.startswith("postgresql"):
        raise Skipped(f"dialect {dialect} is not checked (only PostgreSQL is)")
    host, port = url, kw.get("port")
    if host and "://" in str(host):
        raise CheckFailed("url holds a full connection URL", "give url: <host> and port/db/username/password separately")
    if host:
        parsed = urlsplit(f"scheme://{host}")
        port = parsed.port or port
        host = parsed.hostname or host
    login_db = kw.get("login_db")
    args: dict[str, Any] = {
        "host": host, "port": port, "dbname": login_db or kw.get("db", "rasa.db"),
        "user": credentials.get("username"), "password": credentials.get("password"),
        **(kw.get("query") or {}),
    }
    facts = {"dialect": dialect, "login_db": login_db, "db": kw.get("db", "rasa.db")}
    # Rasa applies the SSL variables (and the schema) only when the driver name is exactly
    # "postgresql": `postgresql+psycopg2` silently connects without them.
    if dialect == "postgresql":
        if os.environ.get("POSTGRESQL_SCHEMA"):
            args["options"] = f"-csearch_path={os.environ['POSTGRESQL_SCHEMA']}"
        if os.environ.get("SQL_TRACKER_STORE_SSL_MODE"):
            args["sslmode"] = os.environ["SQL_TRACKER_STORE_SSL_MODE"]
        if os.environ.get("SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE"):
            args["sslrootcert"] = os.environ["SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE"]
    elif os.environ.get("SQL_TRACKER_STORE_SSL_MODE"):
        raise CheckFailed(f"dialect {dialect} makes Rasa ignore SQL_TRACKER_STORE_SSL_MODE",
                          "write dialect: postgresql (exactly)")
    return {k: v for k, v in args.items() if v is not None}, facts


def tracker_credentials(ctx: Context) -> dict[str, Any]:
    _, _, kw = endpoint_section(ctx.endpoints, "tracker_store")  # type: ignore[misc]
    creds = {"username": kw.get("username"), "password": kw.get("password")}
    refs = vault_references(ctx)
    if refs:
        settings = vault_settings(ctx)
        if settings is None:
            raise CheckFailed("credentials reference Vault, but no secrets manager is configured")
        try:
            data = read_vault_secret(settings, ctx.timeout, refs)
        except CheckFailed as exc:
            raise CheckFailed(f"credentials from Vault: {exc.message}", exc.cause) from None
        except Exception as exc:  # noqa: BLE001
            known = network_cause(str(exc), settings.url or "Vault")
            raise CheckFailed(f"credentials from Vault: {known[0] if known else first_line(exc)}",
                              known[1] if known else None) from None
        for prop, key in refs.items():
            if data.get(key) in (None, ""):
                raise CheckFailed(f"Vault key {key} (for {prop}) is missing", "see the vault: secret keys line")
            creds[prop] = data[key]
    if env_flag("RDS_SQL_DB_AWS_IAM_ENABLED") and os.environ.get("IAM_CLOUD_PROVIDER") == "aws":
        args, _ = tracker_connect_args(ctx, creds)
        provider = aws_iam_provider("TRACKER_STORE", service_name="rds", username=creds.get("username"),
                                    host=args.get("host"), port=int(args.get("port") or 5432))
        creds["password"] = provider.get_temporary_credentials().auth_token
    remember_secret(creds.get("password"))
    return creds


def postgres_failure(exc: Exception, args: dict[str, Any], facts: dict[str, Any], where: str) -> CheckFailed:
    text = str(exc)
    lowered = text.lower()
    user, dbname = args.get("user"), args.get("dbname")
    if "password authentication failed" in lowered:
        return CheckFailed(f'password authentication failed for user "{user}"',
                           "the password Rasa gets (from Vault) is not the database user's password")
    if "does not exist" in lowered and "database" in lowered:
        cause = ("create it, or set login_db so that Rasa creates it" if not facts["login_db"]
                 else f"login_db {facts['login_db']} must exist: Rasa connects there first")
        return CheckFailed(f'database "{dbname}" does not exist', cause)
    if "no pg_hba.conf entry" in lowered:
        plain = "no encryption" in lowered
        return CheckFailed(f"the server refuses this connection ({'without TLS' if plain else 'pg_hba.conf'})",
                           "set SQL_TRACKER_STORE_SSL_MODE=verify-full" if plain else "the server does not allow this user, database or address")
    if "root certificate file" in lowered:
        return CheckFailed(first_line(exc), "SQL_TRACKER_STORE_SSL_ROOT_CERTIFICATE names a file the pod does not have")
    if "too many" in lowered and "clients" in lowered or "remaining connection slots" in lowered:
        return CheckFailed("the server has no connection slots left", "other clients hold max_connections (the pool budget?)")
    known = network_cause(text, where)
    if known:
        return CheckFailed(*known)
    return CheckFailed(first_line(exc))


def check_tracker_store(ctx: Context) -> list[Result]:
    service, out = "tracker store", []
    section = endpoint_section(ctx.endpoints, "tracker_store")
    if section is None:
        return [Result(service, "login", "SKIP", "no tracker_store configured (Rasa keeps conversations in memory)")]
    if section[0] != "sql":
        return [Result(service, "login", "SKIP", f"type {section[0]} is not checked (only sql is)")]
    state: dict[str, Any] = {}

    def login() -> tuple[str, str]:
        import psycopg2

        creds = tracker_credentials(ctx)
        args, facts = tracker_connect_args(ctx, creds)
        state["facts"] = facts
        where = f"{args.get('host')}:{args.get('port', 5432)}"
        try:
            conn = psycopg2.connect(connect_timeout=max(2, int(ctx.timeout)), **args)
        except psycopg2.Error as exc:
            raise postgres_failure(exc, args, facts, where) from None
        state["conn"] = conn
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT current_user, current_database(), "
                        "(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), "
                        "(SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid())")
            user, database, ssl, tls_version = cur.fetchone()
        sslmode = conn.get_dsn_parameters().get("sslmode")
        seen = f'logged in as "{user}" to "{database}" at {where}'
        if not ssl:
            if ctx.allow_plaintext:
                return "WARN", seen + " without TLS (allowed by --allow-plaintext)"
            raise CheckFailed(seen + " without TLS", "set SQL_TRACKER_STORE_SSL_MODE=verify-full and the CA file")
        if sslmode not in ("verify-full", "verify-ca") and not ctx.allow_plaintext:
            raise CheckFailed(seen + f" over {tls_version}, but sslmode {sslmode} does not verify the server",
                              "set SQL_TRACKER_STORE_SSL_MODE=verify-full")
        return "PASS", seen + f" over {tls_version} (sslmode {sslmode})"

    def database() -> tuple[str, str]:
        conn, facts = state["conn"], state["facts"]
        with conn.cursor() as cur:
            if facts["login_db"]:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (facts["db"],))
                if cur.fetchone() is None:
                    cur.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
                    row = cur.fetchone()
                    if row and row[0]:
                        return "PASS", f'database "{facts["db"]}" does not exist yet; Rasa will create it (the user has CREATEDB)'
                    raise CheckFailed(f'database "{facts["db"]}" does not exist and the user cannot create it',
                                      "grant CREATEDB to the user, or create the database")
                return "PASS", f'database "{facts["db"]}" exists (Rasa connects through login_db "{facts["login_db"]}")'
            cur.execute("SELECT to_regclass('events') IS NOT NULL, "
                        "has_schema_privilege(current_user, current_schema(), 'CREATE'), current_schema()")
            tables, can_create, schema = cur.fetchone()
        if tables:
            return "PASS", f'database "{facts["db"]}" exists and holds Rasa\'s events table'
        if can_create:
            return "PASS", f'database "{facts["db"]}" exists; Rasa can create its tables in schema {schema}'
        raise CheckFailed(f'database "{facts["db"]}" exists, but the user cannot create tables in schema {schema}',
                          "grant CREATE on the schema (PostgreSQL 15 no longer grants it on public)")

    try:
        if step(service, "login", login, out):
            step(service, "database", database, out)
        else:
            out += not_run(service, ["database"], "no login")
    finally:
        if "conn" in state:
            state["conn"].close()
    return out


# -- lock store: Redis ------------------------------------------------------------------------------


def lock_store_settings(ctx: Context) -> dict[str, Any]:
    """The redis-py connection Rasa's `redis` / `concurrent_redis` lock store opens, and its prefix."""
    kind, url, kw = endpoint_section(ctx.endpoints, "lock_store")  # type: ignore[misc]
    if kind == "redis":
        if url and kw.get("host"):
            raise CheckFailed("both url and host are set", "Rasa refuses both: keep host")
        host = kw.get("host") or url or "localhost"
        use_ssl = as_pydantic_bool(kw.get("use_ssl", False))
        db = kw.get("db", 0)
        prefix = RASA_REDIS_LOCK_PREFIX
    else:  # concurrent_redis reads `host` only
        if url and not kw.get("host"):
            raise CheckFailed("concurrent_redis ignores url and would connect to localhost", "write host: instead of url:")
        host = kw.get("host", "localhost")
        use_ssl = bool(kw.get("use_ssl", False))
        db = kw.get("db", 1)
        prefix = RASA_CONCURRENT_LOCK_PREFIX
    key_prefix = kw.get("key_prefix")
    if key_prefix:
        if isinstance(key_prefix, str) and key_prefix.isalnum():
            prefix = f"{key_prefix}:{prefix}"
        else:
            raise CheckFailed(f"key_prefix {key_prefix!r} is not alphanumeric",
                              "Rasa silently drops it and uses its default prefix: use letters and digits only")
    iam = env_flag("ELASTICACHE_REDIS_AWS_IAM_ENABLED") and os.environ.get("IAM_CLOUD_PROVIDER") == "aws"
    username, password = kw.get("username"), kw.get("password")
    if kind == "redis" and not os.environ.get("IAM_CLOUD_PROVIDER") and bool(username) != bool(password):
        raise CheckFailed("a password without a username (or the reverse)",
                          "Rasa's redis lock store refuses it: password-only Redis needs username: default")
    mode = kw.get("deployment_mode", "standard")
    if mode != "standard":
        raise Skipped(f"deployment_mode {mode} is not checked (only standard is)")
    remember_secret(password)
    return {
        "kind": kind, "host": str(host), "port": int(kw.get("port", 6379)), "db": int(db),
        "username": username, "password": password, "ssl": use_ssl,
        "ssl_ca_certs": kw.get("ssl_ca_certs"), "ssl_certfile": kw.get("ssl_certfile"),
        "ssl_keyfile": kw.get("ssl_keyfile"), "socket_timeout": float(kw.get("socket_timeout", 10)),
        "key_prefix": prefix, "iam": iam,
    }


def check_lock_store(ctx: Context) -> list[Result]:
    service, out = "lock store", []
    section = endpoint_section(ctx.endpoints, "lock_store")
    if section is None or section[0] in (None, "in_memory"):
        return [Result(service, "set and delete", "SKIP", "in-memory lock store (nothing to reach; one process only)")]
    if section[0] not in ("redis", "concurrent_redis"):
        return [Result(service, "set and delete", "SKIP", f"type {section[0]} is not checked")]

    def set_and_delete() -> tuple[str, str]:
        import redis

        s = lock_store_settings(ctx)
        where = f"{s['host']}:{s['port']}"
        if not s["ssl"] and not ctx.allow_plaintext:
            raise CheckFailed(f"{where} without TLS (use_ssl is false)", "set use_ssl: true and ssl_ca_certs")
        auth: dict[str, Any] = {"username": s["username"], "password": s["password"]}
        if s["iam"]:
            auth = {"credential_provider": aws_iam_provider(
                "LOCK_STORE", service_name="elasticache", username=s["username"],
                cluster_name=os.environ.get("AWS_ELASTICACHE_CLUSTER_NAME"))}
        client = redis.Redis(
            host=s["host"], port=s["port"], db=s["db"], ssl=s["ssl"], ssl_ca_certs=s["ssl_ca_certs"],
            ssl_certfile=s["ssl_certfile"], ssl_keyfile=s["ssl_keyfile"],
            socket_timeout=min(ctx.timeout, s["socket_timeout"]), socket_connect_timeout=ctx.timeout, **auth)
        key = f"{s['key_prefix']}{VERIFY_MARK}-{uuid.uuid4().hex[:12]}"
        try:
            client.set(key, "1", px=60_000)
            if client.get(key) != b"1":
                raise CheckFailed(f"{key} read back differently", "another client changed it, or the db is shared oddly")
            deleted = client.delete(key)
        except redis.exceptions.AuthenticationError as exc:
            text = str(exc).lower()
            if "without any password" in text or "no password is set" in text:
                raise CheckFailed("AUTH refused: the server has no password", "remove password/username from the lock store") from None
            raise CheckFailed(f"AUTH refused for user {s['username'] or 'default'}: {first_line(exc)}",
                              "the lock store password (LOCK_STORE_PASSWORD) is not the server's") from None
        except redis.exceptions.ResponseError as exc:
            if "NOAUTH" in str(exc):
                raise CheckFailed("the server requires AUTH", "set username: default and password: ${LOCK_STORE_PASSWORD}") from None
            if "NOPERM" in str(exc):
                raise CheckFailed(f"user {s['username']} may not write {key}", "the ACL must allow the key prefix") from None
            raise
        except redis.exceptions.ConnectionError as exc:
            known = network_cause(str(exc), where)
            if known:
                raise CheckFailed(*known) from None
            raise CheckFailed(f"cannot connect to {where}: {first_line(exc)}") from None
        finally:
            client.close()
        if deleted != 1:
            raise CheckFailed(f"{key} was not deleted")
        tls = "verified TLS" if s["ssl"] else "no TLS"
        return "PASS", f"set and deleted {s['key_prefix']}{VERIFY_MARK}-* in db {s['db']} at {where} over {tls}"

    step(service, "set and delete", set_and_delete, out)
    return out


# -- event broker: Kafka ----------------------------------------------------------------------------


def kafka_config(ctx: Context) -> tuple[dict[str, Any], str]:
    """librdkafka settings as KafkaEventBroker._get_kafka_config() builds them, and the topic."""
    _, url, kw = endpoint_section(ctx.endpoints, "event_broker")  # type: ignore[misc]
    protocol = str(kw.get("security_protocol", "SASL_PLAINTEXT")).upper()
    mechanism = str(kw.get("sasl_mechanism") or "PLAIN").upper()
    check_hostname = "https" if kw.get("ssl_check_hostname", False) else None
    config: dict[str, Any] = {"client.id": kw.get("client_id"),
                              "bootstrap.servers": ",".join(url) if isinstance(url, list) else url}
    if kw.get("queue_size"):
        config["queue.buffering.max.messages"] = kw["queue_size"]
    if protocol == "PLAINTEXT":
        config["security.protocol"] = protocol
    elif protocol == "SASL_PLAINTEXT":
        config.update({"sasl.username": kw.get("sasl_username"), "sasl.password": kw.get("sasl_password"),
                       "sasl.mechanism": mechanism, "security.protocol": protocol})
    elif protocol == "SSL":
        config.update({"ssl.ca.location": kw.get("ssl_cafile"), "ssl.certificate.location": kw.get("ssl_certfile"),
                       "ssl.key.location": kw.get("ssl_keyfile"), "security.protocol": protocol})
    elif protocol == "SASL_SSL":
        config.update({"ssl.ca.location": kw.get("ssl_cafile"), "ssl.endpoint.identification.algorithm": check_hostname,
                       "security.protocol": protocol, "sasl.mechanism": mechanism})
        if env_flag("KAFKA_MSK_AWS_IAM_ENABLED") and os.environ.get("IAM_CLOUD_PROVIDER") == "aws":
            provider = aws_iam_provider("EVENT_BROKER", service_name="kafka")

            def oauth(_config: Any) -> tuple[Optional[str], Optional[float]]:
                credentials = provider.get_temporary_credentials()
                return credentials.auth_token, credentials.expiration

            config["oauth_cb"] = oauth
        else:
            config.update({"sasl.username": kw.get("sasl_username"), "sasl.password": kw.get("sasl_password"),
                           "ssl.certificate.location": kw.get("ssl_certfile"), "ssl.key.location": kw.get("ssl_keyfile")})
    else:
        raise CheckFailed(f"security_protocol {protocol!r} is not one Rasa accepts",
                          "use PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL")
    remember_secret(kw.get("sasl_password"))
    return config, str(kw.get("topic", RASA_KAFKA_TOPIC))


TERMINAL_KAFKA_ERROR = re.compile(r"authentication|certificate|handshake|connection refused|resolve", re.IGNORECASE)


def kafka_failure(errors: list[str], where: str) -> CheckFailed:
    """The most telling librdkafka error seen, with its likely cause."""
    texts = [re.sub(r'^KafkaError\{.*?str="|"\}$', "", e) for e in errors]
    for text in texts:  # the specific errors first, the generic "transport failure" last
        sasl = re.search(r"(SASL[^:]*(?:authentication|handshake)[^(]*)", text, re.IGNORECASE)
        if sasl or "authentication" in text.lower():
            detail = (sasl.group(1) if sasl else text).strip()
            return CheckFailed(detail, "the broker refuses sasl_username / KAFKA_SASL_PASSWORD, or the mechanism")
        known = network_cause(text, where)
        if known:
            return CheckFailed(*known)
    return CheckFailed(texts[-1] if texts else "no answer")


def check_event_broker(ctx: Context) -> list[Result]:
    service, out = "event broker", []
    section = endpoint_section(ctx.endpoints, "event_broker")
    if section is None:
        return [Result(service, "config", "SKIP", "no event_broker configured")]
    if section[0] != "kafka":
        return [Result(service, "config", "SKIP", f"type {section[0]} is not checked (only kafka is)")]
    state: dict[str, Any] = {"errors": []}

    def config() -> tuple[str, str]:
        try:
            import confluent_kafka
        except ImportError:
            raise CheckFailed("confluent-kafka is not installed", "pip install confluent-kafka (Rasa Pro ships it)") from None
        settings, topic = kafka_config(ctx)
        protocol = settings["security.protocol"]
        if protocol in ("PLAINTEXT", "SASL_PLAINTEXT") and not ctx.allow_plaintext:
            raise CheckFailed(f"security_protocol {protocol} sends events without TLS", "use SASL_SSL (or SSL)")
        errors: list[str] = state["errors"]
        settings = {k: v for k, v in settings.items()}
        settings["error_cb"] = lambda err: errors.append(str(err))
        settings["logger"] = _QuietKafkaLog(errors)
        try:
            # librdkafka validates the whole configuration here, before any network call.
            state["producer"] = confluent_kafka.Producer(settings)
        except confluent_kafka.KafkaException as exc:
            err = exc.args[0]
            message = err.str() if hasattr(err, "str") else str(exc)
            cause = "librdkafka rejects Rasa's producer settings"
            if "ssl.endpoint.identification.algorithm" in message:
                cause = "with SASL_SSL, set ssl_check_hostname: true (Rasa's default false is refused)"
            elif "ssl.ca.location" in message:
                cause = "ssl_cafile names a file that is missing or not PEM"
            elif "sasl.username" in message:
                cause = "set sasl_username and sasl_password"
            raise CheckFailed(f"librdkafka refused the configuration: {message}", cause) from None
        state["topic"], state["where"] = topic, settings["bootstrap.servers"]
        state["tls"] = protocol in ("SSL", "SASL_SSL")
        return "PASS", f"librdkafka accepts Rasa's producer settings ({protocol}" + (
            f", {settings['sasl.mechanism']})" if "sasl.mechanism" in settings else ")")

    def metadata() -> tuple[str, str]:
        import confluent_kafka

        producer, topic, where = state["producer"], state["topic"], state["where"]
        producer.poll(0)  # lets an OAUTHBEARER callback run, as Rasa does
        deadline, md = time.monotonic() + ctx.timeout, None
        while md is None:
            try:
                # all topics: asking for one by name could make the broker auto-create it
                md = producer.list_topics(timeout=max(0.2, min(1.0, deadline - time.monotonic())))
            except confluent_kafka.KafkaException as exc:
                producer.poll(0.2)  # serves error_cb and the log queue: the specific errors
                # librdkafka retries for ever; a refusal, a TLS or an authentication error is the answer
                if time.monotonic() >= deadline or any(TERMINAL_KAFKA_ERROR.search(e) for e in state["errors"]):
                    raise kafka_failure(state["errors"] + [str(exc)], where) from None
        found = md.topics.get(topic)
        if found is None:
            raise CheckFailed(f"topic {topic} does not exist ({len(md.brokers)} broker(s) answered)",
                              "create it up front (MSK and Event Hubs do not auto-create); its consumers must read this topic")
        if found.error is not None:
            raise CheckFailed(f"topic {topic}: {found.error.str()}", "the user may not describe the topic (ACLs)")
        return "PASS", f"{len(md.brokers)} broker(s) at {where} answered over {'verified TLS' if state['tls'] else 'no TLS'}; " \
                       f"topic {topic} has {len(found.partitions)} partition(s)"

    def produce() -> tuple[str, str]:
        producer, topic = state["producer"], state["topic"]
        delivered: list[Any] = []
        payload = json.dumps({"event": VERIFY_MARK, "sender_id": VERIFY_MARK, "timestamp": time.time(),
                              "text": "connectivity check by the rasa-platform verify job; not a conversation"})
        producer.produce(topic, payload.encode(), key=VERIFY_MARK.encode(), headers=[(VERIFY_MARK, b"1")],
                         on_delivery=lambda err, msg: delivered.append((err, msg)))
        producer.flush(ctx.timeout)
        if not delivered:
            raise kafka_failure(state["errors"] + ["message not acknowledged in time"], state["where"])
        err, msg = delivered[0]
        if err is not None:
            cause = "the user may not write the topic (ACLs)" if "authoriz" in err.str().lower() else None
            raise CheckFailed(f"produce to {topic} failed: {err.str()}", cause)
        return "PASS", f"a test message was acknowledged (partition {msg.partition()}, offset {msg.offset()})"

    if not step(service, "config", config, out):
        return out + not_run(service, ["metadata", "produce"], "configuration refused")
    if step(service, "metadata", metadata, out):
        step(service, "produce", produce, out)
    else:
        out += not_run(service, ["produce"], "no metadata")
    return out


class _QuietKafkaLog:
    """librdkafka's log lines go here instead of stderr; errors among them are kept."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors

    def log(self, level: int, fmt: str, *args: Any) -> None:
        if level >= 40:  # logging.ERROR
            self.errors.append(fmt % args if args else fmt)

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - the logging.Logger protocol
        return level >= 40

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


# -- model storage ----------------------------------------------------------------------------------


def model_object_key(model: Optional[str]) -> str:
    """The key Rasa's persistor asks for: `.tar.gz` appended, REMOTE_STORAGE_PATH honoured."""
    name = model or RASA_MODEL
    if not name.endswith(MODEL_EXTENSION):
        name = f"{name}.{MODEL_EXTENSION}"
    prefix = os.environ.get("REMOTE_STORAGE_PATH")
    return os.path.join(prefix, os.path.basename(name)) if prefix is not None else name


def check_model_storage(ctx: Context) -> list[Result]:
    service, out = "model storage", []
    if not ctx.remote_storage:
        models = endpoint_section(ctx.endpoints, "models")
        why = "the model comes from the model server in models:" if models else "no --remote-storage given"
        return [Result(service, "bucket", "SKIP", why)]
    provider = ctx.remote_storage
    key = model_object_key(ctx.model)
    state: dict[str, Any] = {}

    def missing_model(where: str) -> tuple[str, str]:
        if ctx.model_required:
            raise CheckFailed(f"{where} does not exist", "no model uploaded yet, or --model names another key")
        return "WARN", f"{where} does not exist yet (allowed: the stack expects no model yet)"

    def aws_bucket() -> tuple[str, str]:
        import boto3
        import botocore.config
        import botocore.exceptions

        bucket = os.environ.get("BUCKET_NAME", RASA_BUCKET)
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if endpoint and not endpoint.startswith("https://") and not ctx.allow_plaintext:
            raise CheckFailed(f"AWS_ENDPOINT_URL {endpoint} is not https")
        config = botocore.config.Config(connect_timeout=ctx.timeout, read_timeout=ctx.timeout,
                                        retries={"max_attempts": 2, "mode": "standard"})
        client = boto3.client("s3", endpoint_url=endpoint, config=config)
        state.update(client=client, bucket=bucket)
        where = endpoint or "S3"
        try:
            client.head_bucket(Bucket=bucket)
        except botocore.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code"))
            if code in ("404", "NoSuchBucket"):
                raise CheckFailed(f"bucket {bucket} does not exist", "BUCKET_NAME names another bucket, or it was never created") from None
            if code in ("403", "AccessDenied"):
                raise CheckFailed(f"access to bucket {bucket} is denied",
                                  "the pod's identity (IRSA role) lacks s3:ListBucket, or the bucket is another account's") from None
            raise CheckFailed(f"bucket {bucket}: {first_line(exc)}") from None
        except botocore.exceptions.NoCredentialsError:
            raise CheckFailed("no AWS credentials", "the service account's IRSA role is not attached") from None
        except (botocore.exceptions.BotoCoreError, OSError) as exc:
            known = network_cause(str(exc), where)
            raise CheckFailed(*(known or (f"cannot reach {where}: {first_line(exc)}",))) from None
        return "PASS", f"bucket {bucket} reachable at {where}"

    def aws_model() -> tuple[str, str]:
        import botocore.exceptions

        client, bucket = state["client"], state["bucket"]
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except botocore.exceptions.ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound"):
                return missing_model(f"model s3://{bucket}/{key}")
            raise CheckFailed(f"model s3://{bucket}/{key}: {first_line(exc)}", "the role lacks s3:GetObject") from None
        return "PASS", f"model s3://{bucket}/{key} present ({head['ContentLength']} bytes)"

    def gcs_bucket() -> tuple[str, str]:
        try:
            from google.cloud import storage
        except ImportError:
            raise CheckFailed("google-cloud-storage is not installed", "pip install google-cloud-storage (Rasa Pro ships it)") from None
        from google.api_core import exceptions

        bucket = os.environ.get("BUCKET_NAME", RASA_BUCKET)
        try:
            state["bucket"] = storage.Client().get_bucket(bucket, timeout=ctx.timeout)
        except exceptions.NotFound:
            raise CheckFailed(f"bucket {bucket} does not exist") from None
        except exceptions.Forbidden:
            raise CheckFailed(f"access to bucket {bucket} is denied", "the Workload Identity service account lacks storage.buckets.get") from None
        return "PASS", f"bucket gs://{bucket} reachable"

    def gcs_model() -> tuple[str, str]:
        blob = state["bucket"].get_blob(key, timeout=ctx.timeout)
        where = f"model gs://{state['bucket'].name}/{key}"
        return missing_model(where) if blob is None else ("PASS", f"{where} present ({blob.size} bytes)")

    def azure_bucket() -> tuple[str, str]:
        try:
            from azure.core import exceptions
            from azure.storage.blob import BlobServiceClient
        except ImportError:
            raise CheckFailed("azure-storage-blob is not installed", "pip install azure-storage-blob (Rasa Pro ships it)") from None
        container, account = os.environ.get("AZURE_CONTAINER", RASA_BUCKET), os.environ.get("AZURE_ACCOUNT_NAME")
        if not account or not os.environ.get("AZURE_ACCOUNT_KEY"):
            raise CheckFailed("AZURE_ACCOUNT_NAME or AZURE_ACCOUNT_KEY is unset", "Rasa's Azure persistor needs both (account-key auth only)")
        service = BlobServiceClient(account_url=f"https://{account}.blob.core.windows.net/",
                                    credential=os.environ["AZURE_ACCOUNT_KEY"], connection_timeout=ctx.timeout,
                                    read_timeout=ctx.timeout)
        client = service.get_container_client(container)
        try:
            exists = client.exists()
        except exceptions.ClientAuthenticationError:
            raise CheckFailed("the account key is refused", "AZURE_ACCOUNT_KEY is wrong, or shared-key access is disabled") from None
        if not exists:
            raise CheckFailed(f"container {container} does not exist in {account}")
        state["container"] = client
        return "PASS", f"container {container} in {account} reachable"

    def azure_model() -> tuple[str, str]:
        from azure.core import exceptions

        client = state["container"]
        try:
            size = client.get_blob_client(key).get_blob_properties().size
        except exceptions.ResourceNotFoundError:
            return missing_model(f"model {client.container_name}/{key}")
        return "PASS", f"model {client.container_name}/{key} present ({size} bytes)"

    steps = {"aws": (aws_bucket, aws_model), "gcs": (gcs_bucket, gcs_model), "azure": (azure_bucket, azure_model)}
    if provider not in steps:
        return [Result(service, "bucket", "SKIP", f"--remote-storage {provider} is not checked")]
    bucket_step, model_step = steps[provider]
    if step(service, "bucket", bucket_step, out):
        step(service, "model", model_step, out)
    else:
        out += not_run(service, ["model"], "bucket unreachable")
    return out


# -- Rasa's own reading of the same file ------------------------------------------------------------
# These functions are shared with scripts/rasa_check.py (the integration tests' report tool), so
# "what Rasa makes of endpoints.yml" is computed by one piece of code.


def read_endpoints(path: str) -> Any:
    from rasa.core.config.available_endpoints import AvailableEndpoints

    return AvailableEndpoints.read_endpoints(path)


def redis_connection(client: Any) -> dict:
    pool = client.connection_pool
    kwargs = dict(pool.connection_kwargs)
    provider = kwargs.get("credential_provider")
    return {
        "connection_class": pool.connection_class.__name__,
        "host": kwargs.get("host"),
        "port": kwargs.get("port"),
        "db": kwargs.get("db"),
        "username": kwargs.get("username"),
        "password": fingerprint(kwargs.get("password")),
        "ssl_ca_certs": kwargs.get("ssl_ca_certs"),
        "ssl_cert_reqs": str(kwargs.get("ssl_cert_reqs")) if "ssl_cert_reqs" in kwargs else None,
        "ssl_check_hostname": kwargs.get("ssl_check_hostname"),
        "credential_provider": type(provider).__name__ if provider is not None else None,
    }


def rasa_lock_store(endpoints: Any) -> dict:
    from rasa.core.lock_store import LockStore

    store = LockStore.create(endpoints.lock_store)
    result = {"class": type(store).__name__, "key_prefix": getattr(store, "key_prefix", None)}
    if hasattr(store, "red"):
        result["connection"] = redis_connection(store.red)
    return result


def rasa_event_broker(endpoints: Any, create_producer: bool) -> dict:
    import asyncio

    from rasa.core.brokers.broker import EventBroker

    broker = asyncio.run(EventBroker.create(endpoints.event_broker))
    if broker is None:
        return {"class": None}
    result: dict[str, Any] = {
        "class": type(broker).__name__,
        "partition_by_sender": getattr(broker, "partition_by_sender", None),
        "topic": getattr(broker, "topic", None),
        "iam_credentials_provider": type(broker.iam_credentials_provider).__name__
        if getattr(broker, "iam_credentials_provider", None) else None,
    }
    if hasattr(broker, "_get_kafka_config"):
        result["kafka_config"] = redact(broker._get_kafka_config())
    if create_producer:
        try:
            result["producer"] = {"class": type(broker._create_producer()).__name__}
        except Exception as exc:  # noqa: BLE001 - reported as data
            result["producer"] = {"error": scrub(f"{type(exc).__name__}: {exc}")}
    return result


def rasa_secrets_manager_config(path: str) -> Optional[dict]:
    from rasa.core.secrets_manager.factory import read_secret_manager_config

    config = read_secret_manager_config(endpoints_file=path)
    if config is None:
        return None
    return {
        "type": config.secret_manager_type,
        "url": config.url,
        "token": fingerprint(config.token),
        "secrets_path": config.secrets_path,
        "mount_point": config.mount_point,
        "namespace": config.namespace,
        "transit_mount_point": config.transit_mount_point,
    }


def rasa_tracker_engine(endpoints: Any) -> Optional[dict]:
    """What SQLTrackerStore would pass to SQLAlchemy (URL and engine kwargs), without connecting.

    Credentials are placeholders here: Vault references are resolved only at connect time.
    """
    from rasa.core.tracker_stores.sql_tracker_store import SQLTrackerStore, create_engine_kwargs

    store = endpoints.tracker_store
    if store is None or store.type != "sql":
        return None
    kw = store.kwargs
    url = SQLTrackerStore.get_db_url(
        kw.get("dialect", "sqlite"), store.url, kw.get("port"), kw.get("db", "rasa.db"),
        "placeholder-user", "placeholder-password", kw.get("login_db"), kw.get("query"),
    )
    return {
        "drivername": url.drivername, "host": url.host, "port": url.port, "database": url.database,
        "engine_kwargs": redact(create_engine_kwargs(url)),
    }


def rasa_disagreements(ctx: Context) -> list[str]:
    """Where Rasa, reading the same file and environment, would connect differently.

    Rasa's side is computed first: an exception there means Rasa refuses the configuration. A
    section verify itself cannot read is left out here: its own check reports why.
    """
    found: list[str] = []

    def compare(what: str, ours: Any, theirs: Any) -> None:
        if ours != theirs:
            found.append(f"{what} (verify {ours!r}, Rasa {theirs!r})")

    def ours(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (CheckFailed, Skipped):
            return None

    endpoints = read_endpoints(ctx.endpoints_file)
    if endpoint_section(ctx.endpoints, "tracker_store") and endpoints.tracker_store.type == "sql":
        engine = rasa_tracker_engine(endpoints) or {}
        mine = ours(lambda: tracker_connect_args(ctx, {})[0])
        if mine is not None:
            connect = dict((engine.get("engine_kwargs") or {}).get("connect_args") or {})
            compare("tracker store host", mine.get("host"), engine.get("host"))
            compare("tracker store port", int(mine["port"]) if mine.get("port") else None, engine.get("port"))
            compare("tracker store database", mine.get("dbname"), engine.get("database"))
            for name in ("sslmode", "sslrootcert", "options"):
                compare(f"tracker store {name}", mine.get(name), connect.get(name))
    section = endpoint_section(ctx.endpoints, "lock_store")
    if section and section[0] in ("redis", "concurrent_redis"):
        theirs = rasa_lock_store(endpoints)
        mine = ours(lambda: lock_store_settings(ctx))
        if mine is not None:
            conn = theirs.get("connection") or {}
            compare("lock store key prefix", mine["key_prefix"], theirs.get("key_prefix"))
            compare("lock store host", mine["host"], conn.get("host"))
            compare("lock store port", mine["port"], conn.get("port"))
            compare("lock store db", mine["db"], conn.get("db"))
            compare("lock store username", mine["username"], conn.get("username"))
            compare("lock store TLS", "SSLConnection" if mine["ssl"] else "Connection", conn.get("connection_class"))
            compare("lock store CA file", mine["ssl_ca_certs"] if mine["ssl"] else None, conn.get("ssl_ca_certs"))
    section = endpoint_section(ctx.endpoints, "event_broker")
    if section and section[0] == "kafka":
        theirs = rasa_event_broker(endpoints, create_producer=False).get("kafka_config") or {}
        mine = ours(lambda: redact(kafka_config(ctx)[0]))
        if mine is not None:
            for name in sorted(set(mine) | set(theirs)):
                if name not in ("error_cb", "oauth_cb"):
                    compare(f"event broker {name}", mine.get(name), theirs.get(name))
    manager = rasa_secrets_manager_config(ctx.endpoints_file)
    settings = ours(lambda: vault_settings(ctx))
    if manager is not None and settings is not None:
        compare("vault url", settings.url, manager.get("url"))
        compare("vault mount_point", settings.mount_point, manager.get("mount_point") or RASA_VAULT_MOUNT_POINT)
        compare("vault secrets_path", settings.secrets_path, manager.get("secrets_path"))
        compare("vault namespace", settings.namespace, manager.get("namespace"))
    configured = ours(lambda: vault_settings(ctx) is not None)  # None: verify cannot tell
    if configured is not None:
        compare("vault secrets manager configured", configured, manager is not None)
    return found


def check_rasa(ctx: Context) -> list[Result]:
    def agree() -> tuple[str, str]:
        if not rasa_installed():
            raise Skipped("Rasa Pro is not installed here; on the Rasa Pro image this check compares with Rasa's own reading")
        import importlib.metadata

        version = importlib.metadata.version("rasa-pro")
        try:
            found = rasa_disagreements(ctx)
        except Exception as exc:  # noqa: BLE001 - Rasa refusing the file is the finding
            raise CheckFailed(f"Rasa {version} refuses the configuration: {type(exc).__name__}: {first_line(exc)}",
                              "Rasa would not start with this endpoints.yml and environment") from None
        if found:
            raise CheckFailed("Rasa would connect differently: " + "; ".join(found),
                              "verify's reading of endpoints.yml differs from Rasa's: trust Rasa, and report the difference")
        return "PASS", f"Rasa {version} reads the same hosts, ports, TLS settings and CA files"

    out: list[Result] = []
    step("rasa", "same reading", agree, out)
    return out


# -- main -------------------------------------------------------------------------------------------

CHECKS: dict[str, Check] = {
    "rasa": check_rasa,
    "vault": check_vault,
    "tracker-store": check_tracker_store,
    "lock-store": check_lock_store,
    "event-broker": check_event_broker,
    "model-storage": check_model_storage,
}


def run_checks(ctx: Context, names: list[str]) -> list[Result]:
    """Every check at once, each bounded: one that does not finish in time is reported as such."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="verify")
    futures = {name: pool.submit(CHECKS[name], ctx) for name in names}
    # The rasa check imports Rasa (seconds); the others bound their own network calls.
    deadline = time.monotonic() + ctx.timeout * 3 + 30
    results: list[Result] = []
    for name in names:
        try:
            results += futures[name].result(timeout=max(0.1, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            results.append(Result(name.replace("-", " "), "run", "FAIL", f"no result within {ctx.timeout * 3 + 30:.0f} s",
                                  "a call hung past its own timeout"))
        except Exception as exc:  # noqa: BLE001
            results.append(Result(name.replace("-", " "), "run", "FAIL", f"{type(exc).__name__}: {first_line(exc)}"))
    pool.shutdown(wait=False, cancel_futures=True)
    return results


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parser(prog: str = "verify") -> argparse.ArgumentParser:
    p = _Parser(
        prog=prog,
        description="Check every service an endpoints.yml names, exactly as Rasa Pro will reach it.",
        epilog="Exit status: 0 no check failed (WARN and SKIP lines included), 1 a check failed, "
               "2 the checks could not start (bad arguments, unreadable or invalid files, unset variables).")
    p.add_argument("--endpoints", required=True, help="endpoints.yml as the Rasa pod sees it")
    p.add_argument("--env-file", action="append", default=[], metavar="FILE",
                   help="NAME=VALUE lines set on top of this process's environment (the pod's env); repeatable")
    p.add_argument("--remote-storage", choices=["aws", "gcs", "azure"], help="Rasa's --remote-storage value")
    p.add_argument("--model", help="Rasa's --model value (object key; .tar.gz is appended when missing)")
    p.add_argument("--model-optional", action="store_true",
                   help="a missing model object is a WARN, not a failure (first deploy before any model)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per network call (default 20)")
    p.add_argument("--skip", action="append", default=[], choices=CHECK_NAMES, help="leave a check out; repeatable")
    p.add_argument("--no-rasa", action="store_true", help="do not compare with Rasa's own reading (same as --skip rasa)")
    p.add_argument("--allow-plaintext", action="store_true",
                   help="report a service reached without (verified) TLS as WARN instead of FAIL")
    return p


def main(argv: Optional[list[str]] = None, out: Any = None, prog: str = "verify") -> int:
    out = out or sys.stdout
    try:
        opts = parser(prog).parse_args(argv)
    except SystemExit as exc:  # argparse printed usage or --help
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        for path in opts.env_file:
            os.environ.update(load_env_file(path))
        if opts.timeout <= 0:
            raise UsageError("--timeout must be positive")
        endpoints = read_endpoints_file(opts.endpoints)
    except UsageError as exc:
        print(f"{prog}: error: {scrub(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    ctx = Context(endpoints_file=opts.endpoints, endpoints=endpoints, timeout=opts.timeout,
                  remote_storage=opts.remote_storage, model=opts.model, model_required=not opts.model_optional,
                  allow_plaintext=opts.allow_plaintext)
    skip = set(opts.skip) | ({"rasa"} if opts.no_rasa else set())
    # Rasa's libraries log to stdout (structlog's default): keep the job's output to our lines.
    with contextlib.redirect_stdout(io.StringIO()):
        results = run_checks(ctx, [name for name in CHECK_NAMES if name not in skip])
    for result in results:
        print(result.line(), file=out)
    failed = [r for r in results if r.status == "FAIL"]
    print(scrub(f"verify: {len(results) - len(failed)} of {len(results)} checks passed"
                + (f", {len(failed)} failed" if failed else "")), file=out)
    out.flush()
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # Rasa's Vault token renewal and Kafka poll threads may linger: the result is printed, leave.
    os._exit(code)
