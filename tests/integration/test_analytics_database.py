"""The analytics database script against real PostgreSQL with TLS, run as the setup Job runs it:
Rasa Pro's own Python (the image's psycopg2), only the Job's environment, an admin that is not a
superuser (RDS' master user has CREATEDB and CREATEROLE only)."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import psycopg2
import pytest

from tests.support.rasa_env import base_env, ensure_rasa_venv
from tests.support.servers import PostgresServer, ServerError, random_password

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[2] / "components" / "analytics" / "jobs" / "analytics_database.py"
ADMIN = "rds_like_admin"


@pytest.fixture(scope="module")
def rds_admin(postgres: PostgresServer) -> str:
    return postgres.create_rds_like_admin(ADMIN)


@pytest.fixture(scope="module")
def rasa_python() -> Path:
    try:
        return ensure_rasa_venv()
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


def job_env(postgres: PostgresServer, admin_password: str, analytics: str, readonly: str) -> dict[str, str]:
    return {
        "ADMIN_HOST": "localhost", "ADMIN_PORT": str(postgres.port), "ADMIN_DB": "postgres",
        "ADMIN_USER": ADMIN, "ADMIN_PASSWORD": admin_password,
        "ANALYTICS_DB": "rasa_analytics", "ANALYTICS_USER": "rasa_analytics", "ANALYTICS_PASSWORD": analytics,
        "READONLY_USER": "rasa_analytics_readonly", "READONLY_PASSWORD": readonly,
        "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(postgres.ca_file),
    }


def run(python: Path, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), str(SCRIPT)], env={**base_env(tmp_path), **env}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def login(postgres: PostgresServer, user: str, password: str, database: str = "rasa_analytics"):
    return psycopg2.connect(host="localhost", port=postgres.port, dbname=database, user=user, password=password,
                            sslmode="verify-full", sslrootcert=str(postgres.ca_file), connect_timeout=5)


def test_database_roles_and_read_only_access(postgres: PostgresServer, rds_admin: str, rasa_python: Path,
                                             tmp_path: Path) -> None:
    analytics, readonly = random_password("analytics"), random_password("bi")
    first = run(rasa_python, job_env(postgres, rds_admin, analytics, readonly), tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "database rasa_analytics: created, owned by rasa_analytics" in first.stdout
    assert analytics not in first.stdout + first.stderr and readonly not in first.stdout + first.stderr

    # Rasa Pro Services' role owns the database and creates its tables (as its migrations do), over verified TLS.
    with contextlib.closing(login(postgres, "rasa_analytics", analytics)) as conn, conn.cursor() as cur:
        cur.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert cur.fetchone()[0] is True
        cur.execute("CREATE TABLE rasa_event (id serial PRIMARY KEY, sender_id text, event text)")
        cur.execute("INSERT INTO rasa_event (sender_id, event) VALUES ('s1', 'user')")
        conn.commit()

    # The BI role reads that later table (default privileges) and can neither write nor create.
    with contextlib.closing(login(postgres, "rasa_analytics_readonly", readonly)) as conn, conn.cursor() as cur:
        cur.execute("SELECT sender_id, event FROM rasa_event")
        assert cur.fetchall() == [("s1", "user")]
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            cur.execute("INSERT INTO rasa_event (sender_id, event) VALUES ('s2', 'bot')")
        conn.rollback()
        conn.autocommit = True
        cur.execute("SET default_transaction_read_only = off")  # even then: no INSERT, no CREATE granted
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("INSERT INTO rasa_event (sender_id, event) VALUES ('s2', 'bot')")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("CREATE TABLE sneaky (id int)")

    # Rasa's own tracker role may not even connect to the analytics database.
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        login(postgres, postgres.username, postgres.password)

    # A second run is a no-op except for the passwords: a rotated one takes effect, the data stays.
    rotated = random_password("analytics2")
    second = run(rasa_python, job_env(postgres, rds_admin, rotated, readonly), tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "database rasa_analytics: exists, owned by rasa_analytics" in second.stdout
    assert "role rasa_analytics: password set again" in second.stdout
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        login(postgres, "rasa_analytics", analytics)
    with contextlib.closing(login(postgres, "rasa_analytics", rotated)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM rasa_event")
        assert cur.fetchone()[0] == 1


def test_a_wrong_admin_password_fails_without_printing_it(postgres: PostgresServer, rds_admin: str,
                                                          rasa_python: Path, tmp_path: Path) -> None:
    env = job_env(postgres, "not-the-admin-password", "a-pw-1", "b-pw-1")
    done = run(rasa_python, env, tmp_path)
    assert done.returncode == 1
    assert f'password authentication failed for user "{ADMIN}"' in done.stderr
    assert "not-the-admin-password" not in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_a_missing_variable_is_named(rasa_python: Path, tmp_path: Path) -> None:
    done = run(rasa_python, {"ADMIN_HOST": "localhost"}, tmp_path)
    assert done.returncode != 0 and "missing environment variables ADMIN_USER" in done.stderr
