"""Ask Rasa Pro's own code what it makes of an endpoints.yml and the pod's environment: the
integration tests' report tool.

The deployment check is components/rasa/jobs/verify.py (the verify command and Job): it judges,
one line per service. This script reports, for tests to assert on, and is built on the same
code: what Rasa makes of the file (loader, lock store, Kafka broker, Vault settings, SQL engine
settings, secret redaction) comes from verify.py, loaded by path, so the two cannot drift.

Runs in a Python environment with `rasa-pro` installed (the Rasa Pro image, or the integration
tests' virtualenv) and imports nothing else from this repository. Every check calls the same Rasa
functions `rasa run` calls, and writes what Rasa built (types, hosts, TLS settings, pool sizes,
events read back, ...) to a JSON report. It judges nothing: callers assert on the report.

Secrets never appear in the report: a secret-looking value is replaced by a short SHA-256
fingerprint (`fingerprint()`), which a caller that knows the value can compare.

    python scripts/rasa_check.py --endpoints endpoints.yml --output report.json CHECK...

Checks (connection-free ones first):
  load            endpoints as Rasa reads them (${VAR} interpolated), the secrets manager config,
                  and the lock store and Kafka broker objects Rasa builds (no connection made)
  kafka-producer  also create Rasa's confluent-kafka producer: librdkafka validates the config
                  (and calls the OAUTHBEARER callback) without reaching a broker
  iam             the temporary credentials Rasa's AWS IAM providers sign (locally, no AWS call)
  args            parse `rasa` argument lists (--args, JSON list of lists) with Rasa's CLI parser
  channels        load a credentials.yml (--credentials) as `rasa run --credentials` does
                  (${VAR} interpolated) and build every input channel it names (no connection made)
  tracker-store   load the secrets manager as `rasa run` does, create the tracker store, save a
                  tracker and read it back, report the TLS session and the connection pool
  pool            open every connection the pool allows in --processes stores at once
  lock-store      two lock stores (two pods): take a lock, show the second one waits, release
  persistor       fetch the model named by --model through `--remote-storage` (--storage)
  kafka-roundtrip publish one event through Rasa's Kafka event broker (--sender) and read it back
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import faulthandler
import hashlib
import json
import os
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlsplit

WATCHDOG_SECONDS = 150  # Rasa's SQL store retries a failed login forever; never hang a caller
VERIFY_PATH = Path(__file__).resolve().parents[1] / "components" / "rasa" / "jobs" / "verify.py"


def _load_verify() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("rasa_platform_verify", VERIFY_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


verify = _load_verify()
fingerprint, redact, scrub = verify.fingerprint, verify.redact, verify.scrub
read_endpoints, redis_connection = verify.read_endpoints, verify.redis_connection


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Report an exception as data: a caller may expect Rasa to reject a configuration."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported, not swallowed
            return {"error": scrub(f"{type(exc).__name__}: {exc}"), "traceback": scrub(traceback.format_exc(limit=8))}

    return run


def describe_endpoint(config: Any) -> Optional[dict]:
    if config is None:
        return None
    return {
        "type": config.type,
        "url": config.url,
        "token": fingerprint(config.token),
        "cafile": config.cafile,
        "kwargs": redact(config.kwargs),
    }


# -- connection-free checks -------------------------------------------------------------------


build_lock_store = guarded(verify.rasa_lock_store)
build_event_broker = guarded(verify.rasa_event_broker)
secrets_manager_config = guarded(verify.rasa_secrets_manager_config)
tracker_engine_settings = guarded(verify.rasa_tracker_engine)


@guarded
def remote_storage_env() -> dict:
    """The variables Rasa's persistors read, by Rasa's own constant names."""
    import rasa.core.persistor as persistor

    names = ["BUCKET_NAME_ENV", "AWS_ENDPOINT_URL_ENV", "AZURE_CONTAINER_ENV", "AZURE_ACCOUNT_NAME_ENV",
             "AZURE_ACCOUNT_KEY_ENV", "REMOTE_STORAGE_PATH_ENV"]
    report = {}
    for constant in names:
        env_name = getattr(persistor, constant)
        value = os.environ.get(env_name)
        report[constant] = {"variable": env_name, "value": fingerprint(value) if "KEY" in constant else value}
    return report


@guarded
def vault_managed_properties(endpoints: Any) -> Optional[dict]:
    from rasa.core.secrets_manager.endpoints import EndpointReader

    if endpoints.tracker_store is None:
        return None
    managed = EndpointReader(endpoint_config=endpoints.tracker_store).get_endpoint_properties_managed_by_secret_manager()
    return {source: sorted(keys) for source, keys in (managed or {}).items()}


def check_load(opts: argparse.Namespace) -> dict:
    endpoints = guarded(read_endpoints)(opts.endpoints)
    if isinstance(endpoints, dict):  # the loader itself refused the file
        return {"loaded": False, **endpoints}
    import rasa.core.lock_store as lock_store_module

    return {
        "loaded": True,
        "endpoints": {
            "tracker_store": describe_endpoint(endpoints.tracker_store),
            "lock_store": describe_endpoint(endpoints.lock_store),
            "event_broker": describe_endpoint(endpoints.event_broker),
            "action_endpoint": describe_endpoint(endpoints.action),
            "nlg": describe_endpoint(endpoints.nlg),
            "models": describe_endpoint(endpoints.model),
        },
        "secrets_manager": secrets_manager_config(opts.endpoints),
        "vault_managed_properties": vault_managed_properties(endpoints),
        "tracker_engine": tracker_engine_settings(endpoints),
        "remote_storage_env": remote_storage_env(),
        "lock_store": build_lock_store(endpoints),
        "lock_lifetime": lock_store_module.LOCK_LIFETIME,
        "event_broker": build_event_broker(endpoints, create_producer=opts.kafka_producer),
    }


def presigned_url(token: str) -> str:
    """RDS and ElastiCache tokens are presigned URLs; MSK's is one in unpadded base64url."""
    if "X-Amz-" in token:
        return token
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return token


@guarded
def check_iam(opts: argparse.Namespace) -> dict:
    """Sign what each AWS IAM provider signs, with the inputs Rasa itself passes."""
    from rasa.core.constants import (
        AWS_ELASTICACHE_CLUSTER_NAME_ENV_VAR_NAME,
        KAFKA_SERVICE_NAME,
        REDIS_SERVICE_NAME,
        SQL_SERVICE_NAME,
    )
    from rasa.core.iam_credentials_providers.credentials_provider_protocol import (
        IAMCredentialsProviderInput,
        SupportedServiceType,
        create_iam_credentials_provider,
    )

    endpoints = read_endpoints(opts.endpoints)
    ts, ls = endpoints.tracker_store, endpoints.lock_store
    text_or_none = lambda v: v if isinstance(v, str) else None  # a Vault reference is no user name
    inputs = {
        # as SQLTrackerStore.__init__ builds it
        "tracker_store": IAMCredentialsProviderInput(
            service_type=SupportedServiceType.TRACKER_STORE, service_name=SQL_SERVICE_NAME,
            username=text_or_none(ts.kwargs.get("username")), host=ts.url, port=int(ts.kwargs.get("port")),
        ),
        # as RedisConnectionFactory.create_connection builds it
        "lock_store": IAMCredentialsProviderInput(
            service_type=SupportedServiceType.LOCK_STORE, service_name=REDIS_SERVICE_NAME,
            username=text_or_none(ls.kwargs.get("username")),
            cluster_name=os.getenv(AWS_ELASTICACHE_CLUSTER_NAME_ENV_VAR_NAME),
        ),
        # as KafkaEventBroker.__init__ builds it
        "event_broker": IAMCredentialsProviderInput(
            service_type=SupportedServiceType.EVENT_BROKER, service_name=KAFKA_SERVICE_NAME,
        ),
    }
    report = {}
    for name, provider_input in inputs.items():
        provider = create_iam_credentials_provider(provider_input)
        if provider is None:
            report[name] = None
            continue
        creds = provider.get_temporary_credentials()
        signed = presigned_url(creds.auth_token or creds.presigned_url or "")
        location = signed.split("://")[-1]
        query = {k: v[0] for k, v in parse_qs(urlsplit("https://" + location).query).items()}
        scope = query.get("X-Amz-Credential", "").split("/")  # key id / date / region / service / ...
        report[name] = {
            "provider": type(provider).__name__,
            "username": creds.username,
            "signed": "X-Amz-Signature" in query,
            "action": query.get("Action"),
            "user": query.get("DBUser") or query.get("User"),
            "region": scope[2] if len(scope) > 3 else None,
            "service": scope[3] if len(scope) > 3 else None,
            "target": location.split("?")[0],
        }
    return report


@guarded
def check_args(opts: argparse.Namespace) -> list:
    """--args holds a JSON list of argument lists; all are parsed in this one process because
    building Rasa's CLI parser imports most of Rasa (over ten seconds)."""
    from rasa.__main__ import create_argument_parser

    parser = create_argument_parser()
    results = []
    for argv in json.loads(opts.args):
        parsed = parser.parse_args(argv)
        storage = getattr(parsed, "remote_storage", None)
        results.append({
            "command": f"{parsed.func.__module__}.{parsed.func.__qualname__}" if hasattr(parsed, "func") else None,
            "enable_api": parsed.enable_api,
            "port": parsed.port,
            "endpoints": parsed.endpoints,
            "remote_storage": getattr(storage, "value", storage),
            "model": parsed.model,
            "credentials": parsed.credentials,
            "auth_token": fingerprint(parsed.auth_token),
        })
    return results


def check_channels(opts: argparse.Namespace) -> dict:
    """The channels Rasa builds from the file: name, class, the route its webhooks hang under, and
    every string setting it kept (fingerprinted: callers compare with the values they set)."""
    from rasa.core.config.credentials import CredentialsConfig
    from rasa.core.run import create_input_channels

    config = guarded(CredentialsConfig.load_from_file)(Path(opts.credentials))
    if isinstance(config, dict):  # the loader itself refused the file
        return {"loaded": False, **config}
    channels = guarded(create_input_channels)(None, config)
    if isinstance(channels, dict):
        return {"loaded": True, "built": False, **channels}
    return {
        "loaded": True,
        "built": True,
        "channels": [
            {
                "name": channel.name(),
                "class": type(channel).__name__,
                "url_prefix": channel.url_prefix(),
                "socketio_path": getattr(channel, "socketio_path", None),
                "settings": {k: fingerprint(v) for k, v in sorted(vars(channel).items()) if isinstance(v, str)},
            }
            for channel in channels
        ],
    }


# -- live checks ------------------------------------------------------------------------------


def load_secrets_manager_as_rasa_run(endpoints_file: str) -> Optional[str]:
    """`rasa run` calls the init_managers hook before anything reads a secret."""
    from rasa.core.secrets_manager.secret_manager import SecretsManagerProvider
    from rasa.plugin import plugin_manager

    plugin_manager().hook.init_managers(endpoints_file=endpoints_file, model_path=None)
    managers = SecretsManagerProvider().secret_managers
    return ",".join(sorted(managers)) or None


def unwrap(store: Any) -> list[Any]:
    chain = [store]
    while hasattr(chain[-1], "_tracker_store"):
        chain.append(chain[-1]._tracker_store)
    return chain


def sample_events() -> list:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    return [
        ActionExecuted("action_listen"),
        UserUttered("hello from the integration test", intent={"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        BotUttered("hi there"),
        ActionExecuted("action_listen"),
    ]


def session_info(engine: Any) -> dict:
    import sqlalchemy as sa

    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT s.ssl, s.version, current_user, current_database() "
            "FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()"
        )).one()
        dsn = conn.connection.dbapi_connection.get_dsn_parameters()
    return {
        "ssl": row[0], "tls_version": row[1], "user": row[2], "database": row[3],
        "libpq": {k: dsn.get(k) for k in ("host", "port", "dbname", "user", "sslmode", "sslrootcert")},
    }


def create_tracker_store(endpoints_file: str) -> Any:
    from rasa.core.tracker_stores.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain

    endpoints = read_endpoints(endpoints_file)
    return TrackerStore.create(endpoints.tracker_store, domain=Domain.empty())


@guarded
def check_tracker_store(opts: argparse.Namespace) -> dict:
    from rasa.shared.core.trackers import DialogueStateTracker

    managers = load_secrets_manager_as_rasa_run(opts.endpoints)
    store = create_tracker_store(opts.endpoints)
    chain = unwrap(store)
    sql = chain[-1]
    sender = f"it-{uuid.uuid4().hex[:12]}"
    events = sample_events()

    async def roundtrip() -> Any:
        await store.save(DialogueStateTracker.from_events(sender, events))
        return await store.retrieve(sender)

    restored = asyncio.run(roundtrip())
    restored_events = list(restored.events) if restored is not None else []
    return {
        "secrets_managers": managers,
        "classes": [type(s).__name__ for s in chain],
        "sender_id": sender,
        "events_saved": [e.as_dict()["event"] for e in events],
        "events_restored": [e.as_dict()["event"] for e in restored_events],
        "events_equal": restored_events == events,
        "session": session_info(sql.engine),
        "engine_url": sql.engine.url.render_as_string(hide_password=True),
        "pool": {"class": type(sql.engine.pool).__name__, "size": sql.engine.pool.size(),
                 "max_overflow": sql.engine.pool._max_overflow},
    }


@guarded
def check_pool(opts: argparse.Namespace) -> dict:
    """Each store is one Rasa process; hold every connection its pool allows, all at once."""
    import sqlalchemy as sa

    load_secrets_manager_as_rasa_run(opts.endpoints)
    engines = [unwrap(create_tracker_store(opts.endpoints))[-1].engine for _ in range(opts.processes)]
    held: list = []
    refused: list[Optional[str]] = []
    try:
        for engine in engines:
            # A short wait instead of QueuePool's 30 s: we only need to see the cap, not wait it out.
            engine.pool._timeout = 0.5
            limit = engine.pool.size() + engine.pool._max_overflow
            refused.append(None)
            for _ in range(limit + (1 if opts.overcommit_probe else 0)):
                try:
                    held.append(engine.connect())
                except Exception as exc:  # the pool's own cap, or the server's connection limit
                    refused[-1] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                    break
        total = held[0].execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user")).scalar() if held else 0
    finally:
        for conn in held:
            conn.close()
        for engine in engines:
            engine.dispose()
    return {
        "processes": len(engines),
        "per_process_limit": [e.pool.size() + e.pool._max_overflow for e in engines],
        "held": len(held),
        "server_sessions_of_user": total,
        "refused": refused,
    }


@guarded
def check_lock_store(opts: argparse.Namespace) -> dict:
    import rasa.core.lock_store as lock_store_module
    from rasa.core.lock_store import LockStore

    endpoints = read_endpoints(opts.endpoints)
    pod_a, pod_b = LockStore.create(endpoints.lock_store), LockStore.create(endpoints.lock_store)
    conversation = f"it-{uuid.uuid4().hex[:12]}"
    observed: dict[str, Any] = {
        "class": type(pod_a).__name__, "key_prefix": pod_a.key_prefix,
        "connection": redis_connection(pod_a.red), "lock_lifetime": lock_store_module.LOCK_LIFETIME,
    }

    async def contend() -> None:
        b_holds = asyncio.Event()

        async def pod_b_turn() -> None:
            async with pod_b.lock(conversation, wait_time_in_seconds=0.1):
                b_holds.set()

        async with pod_a.lock(conversation, wait_time_in_seconds=0.1):
            observed["keys_while_held"] = sorted(
                k.decode() if isinstance(k, bytes) else k for k in pod_a.red.keys(pod_a.key_prefix + conversation + "*"))
            task = asyncio.create_task(pod_b_turn())
            await asyncio.sleep(0.8)
            observed["second_pod_waited"] = not b_holds.is_set()
            observed["second_pod_queued"] = pod_a.is_someone_waiting(conversation)
        started = time.monotonic()
        await asyncio.wait_for(task, timeout=10)
        observed["second_pod_acquired_after_release"] = b_holds.is_set()
        observed["second_pod_wait_after_release_s"] = round(time.monotonic() - started, 3)

    asyncio.run(contend())
    observed["locks_left"] = pod_a.get_lock(conversation) is not None
    observed["conversation_id"] = conversation
    return observed


@guarded
def check_persistor(opts: argparse.Namespace) -> dict:
    from rasa.core.persistor import get_persistor

    persistor = get_persistor(opts.storage)
    target = tempfile.mkdtemp(prefix="rasa-check-model-")
    size = persistor.size_of_persisted_model(opts.model)
    returned = persistor.retrieve(opts.model, target)
    files = {
        name: {"bytes": (Path(target) / name).stat().st_size,
               "sha256": hashlib.sha256((Path(target) / name).read_bytes()).hexdigest()}
        for name in sorted(os.listdir(target))
    }
    return {"class": type(persistor).__name__, "reported_size": size, "returned_path": returned, "files": files}


@guarded
def check_kafka_roundtrip(opts: argparse.Namespace) -> dict:
    """Rasa's KafkaEventBroker publishes one event; a consumer with the broker's own connection
    settings reads the topic from the start until it finds it."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
    from rasa.core.brokers.broker import EventBroker

    endpoints = read_endpoints(opts.endpoints)
    broker = asyncio.run(EventBroker.create(endpoints.event_broker))
    event = {"sender_id": opts.sender, "event": "user", "text": "hello from the integration test",
             "timestamp": time.time()}
    broker.publish(event, retries=2, retry_delay_in_seconds=1)
    asyncio.run(broker.close())  # flushes: the delivery is acknowledged or times out
    settings = {k: v for k, v in broker._get_kafka_config().items() if k not in ("error_cb", "client.id")}
    settings.update({"group.id": f"rasa-check-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False})
    consumer = Consumer(settings)
    received: dict[str, Any] = {}
    try:
        partitions = consumer.list_topics(broker.topic, timeout=10).topics[broker.topic].partitions
        consumer.assign([TopicPartition(broker.topic, p, OFFSET_BEGINNING) for p in partitions])
        deadline = time.monotonic() + 30
        while not received and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            body = json.loads(message.value())
            if body.get("sender_id") == opts.sender:
                received = {"body": body, "key": message.key().decode() if message.key() else None,
                            "partition": message.partition(), "headers": dict(message.headers() or [])}
    finally:
        consumer.close()
    return {
        "class": type(broker).__name__, "topic": broker.topic,
        "received": received.get("body"), "key": received.get("key"), "partition": received.get("partition"),
        "headers": {k: v.decode() for k, v in (received.get("headers") or {}).items()},
    }


CHECKS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "load": check_load,
    "iam": check_iam,
    "args": check_args,
    "channels": check_channels,
    "tracker-store": check_tracker_store,
    "pool": check_pool,
    "lock-store": check_lock_store,
    "persistor": check_persistor,
    "kafka-roundtrip": check_kafka_roundtrip,
}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checks", nargs="+", choices=[*CHECKS, "kafka-producer"])
    parser.add_argument("--endpoints", help="endpoints.yml as the pod sees it")
    parser.add_argument("--output", required=True, help="where to write the JSON report")
    parser.add_argument("--args", help="JSON list of lists: `rasa` arguments after the entrypoint (check: args)")
    parser.add_argument("--credentials", help="credentials.yml as the pod sees it (check: channels)")
    parser.add_argument("--processes", type=int, default=1, help="Rasa processes to simulate (check: pool)")
    parser.add_argument("--overcommit-probe", action="store_true",
                        help="pool: ask each pool for one connection more than it allows")
    parser.add_argument("--storage", default="aws", help="--remote-storage value (check: persistor)")
    parser.add_argument("--model", help="--model value (check: persistor)")
    parser.add_argument("--sender", default="rasa-check", help="conversation id of the event (check: kafka-roundtrip)")
    opts = parser.parse_args(argv)
    opts.kafka_producer = "kafka-producer" in opts.checks

    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    report = {name: CHECKS[name](opts) for name in opts.checks if name in CHECKS}
    Path(opts.output).write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Rasa leaves non-daemon threads behind (Kafka poll loop, Vault token renewal scheduler):
    # the report is written, so leave without waiting for them.
    os._exit(code)
