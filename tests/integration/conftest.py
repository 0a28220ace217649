"""Fixtures for the integration tests: real TLS servers on loopback and Rasa Pro's own code.

Servers are session-scoped: started once, stopped at the end of the session even when tests
fail. A server or the Rasa virtualenv that cannot be had fails the tests that need it with the
reason (what to install), it never skips them.
"""

from __future__ import annotations

from typing import Callable, ContextManager, Iterator, TypeVar

import pytest

from tests.support import servers
from tests.support.rasa_env import RasaRunner, ensure_rasa_venv
from tests.support.servers import ServerError
from tests.support.tls import TestCA

T = TypeVar("T")

# The tracker database's connection limit: small, so that the budget test can reach it.
PG_MAX_CONNECTIONS = 40


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: runs real local servers (PostgreSQL, Redis, OpenBao, S3 emulator) and Rasa Pro's "
        "own code in its own virtualenv; slower, needs the Debian/PyPI packages CI installs",
    )


def _serve(factory: Callable[[], ContextManager[T]]) -> Iterator[T]:
    try:
        with factory() as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def test_ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="session")
def postgres(test_ca: TestCA) -> Iterator[servers.PostgresServer]:
    yield from _serve(lambda: servers.postgres_server(test_ca, max_connections=PG_MAX_CONNECTIONS))


@pytest.fixture(scope="session")
def redis_tls(test_ca: TestCA) -> Iterator[servers.RedisServer]:
    yield from _serve(lambda: servers.redis_server(test_ca))


@pytest.fixture(scope="session")
def vault(test_ca: TestCA) -> Iterator[servers.VaultServer]:
    yield from _serve(lambda: servers.openbao_server(test_ca))


@pytest.fixture(scope="session")
def s3(test_ca: TestCA) -> Iterator[servers.S3Server]:
    yield from _serve(lambda: servers.s3_server(test_ca))


@pytest.fixture(scope="session")
def rasa(tmp_path_factory: pytest.TempPathFactory) -> RasaRunner:
    """Runs scripts/rasa_check.py with Rasa Pro (creates the virtualenv on first use)."""
    try:
        python = ensure_rasa_venv()
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    return RasaRunner(python, tmp_path_factory.mktemp("rasa-runs"))


@pytest.fixture
def fresh_vault(test_ca: TestCA) -> Iterator[servers.FreshVaultServer]:
    """A new OpenBao server per test (server mode, file storage, Shamir seal): initialisation really happens."""
    try:
        with servers.openbao_fresh_server(test_ca) as server:
            yield server
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)
