"""Create Rasa Pro Services' database and roles on a PostgreSQL server. Idempotent.

One self-contained file (psycopg2 only, which the Rasa Pro image ships): the analytics setup Job
runs it, the Vault bootstrap job can run it, and an operator can run it by hand. Every run leaves:

* role ANALYTICS_USER (LOGIN, password ANALYTICS_PASSWORD) owning database ANALYTICS_DB: Rasa Pro
  Services creates and migrates its tables there;
* role READONLY_USER (LOGIN, password READONLY_PASSWORD, read-only transactions) with CONNECT,
  USAGE on schema public, SELECT on every table there now and, through default privileges, on
  every table ANALYTICS_USER creates later: what BI tools connect as;
* nobody else may connect to ANALYTICS_DB (CONNECT revoked from PUBLIC).

A second run changes nothing but the two passwords (set again: a rotated secret takes effect).
It connects as ADMIN_USER with TLS verified (PGSSLMODE / PGSSLROOTCERT) and works without
superuser rights (RDS' master user: CREATEDB and CREATEROLE). Passwords never reach the output.

Environment: ADMIN_HOST, ADMIN_PORT, ADMIN_DB, ADMIN_USER, ADMIN_PASSWORD, ANALYTICS_DB,
ANALYTICS_USER, ANALYTICS_PASSWORD, READONLY_USER, READONLY_PASSWORD, PGSSLMODE (verify-full),
PGSSLROOTCERT.
"""

from __future__ import annotations

import contextlib
import os
import sys

import psycopg2
from psycopg2 import sql

REQUIRED = ("ADMIN_HOST", "ADMIN_USER", "ADMIN_PASSWORD", "ANALYTICS_DB", "ANALYTICS_USER", "ANALYTICS_PASSWORD",
            "READONLY_USER", "READONLY_PASSWORD")


def connect(env: dict[str, str], database: str):
    connection = psycopg2.connect(
        host=env["ADMIN_HOST"], port=int(env.get("ADMIN_PORT", "5432")), dbname=database,
        user=env["ADMIN_USER"], password=env["ADMIN_PASSWORD"],
        sslmode=env.get("PGSSLMODE", "verify-full"), sslrootcert=env.get("PGSSLROOTCERT"), connect_timeout=10,
        application_name="rasa-platform-analytics-setup",
    )
    connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    return connection


def ensure_role(cur, role: str, password: str) -> str:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
    exists = cur.fetchone() is not None
    verb = "ALTER ROLE {} WITH LOGIN PASSWORD %s" if exists else "CREATE ROLE {} WITH LOGIN PASSWORD %s"
    cur.execute(sql.SQL(verb).format(sql.Identifier(role)), (password,))
    return "password set again" if exists else "created"


def ensure_member(cur, role: str) -> None:
    """Without superuser rights, owning objects for `role` (and setting its default privileges)
    needs membership in it: grant it to the admin once."""
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cur.fetchone()[0]:
        return
    cur.execute("SELECT pg_has_role(current_user, %s, 'USAGE')", (role,))
    if not cur.fetchone()[0]:
        cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role)))


def setup(env: dict[str, str], log=print) -> None:
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        raise SystemExit(f"analytics database setup: missing environment variables {', '.join(missing)}")
    db, owner, reader = env["ANALYTICS_DB"], env["ANALYTICS_USER"], env["READONLY_USER"]
    ident = sql.Identifier
    # closing(), not `with connection`: psycopg2 opens a transaction there even in autocommit mode.
    with contextlib.closing(connect(env, env.get("ADMIN_DB", "postgres"))) as admin, admin.cursor() as cur:
        log(f"role {owner}: {ensure_role(cur, owner, env['ANALYTICS_PASSWORD'])}")
        log(f"role {reader}: {ensure_role(cur, reader, env['READONLY_PASSWORD'])}")
        # BI sessions cannot write, whatever they are granted later.
        cur.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident(reader)))
        ensure_member(cur, owner)
        cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (db,))
        row = cur.fetchone()
        if row is None:
            cur.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(ident(db), ident(owner)))
            log(f"database {db}: created, owned by {owner}")
        elif row[0] != owner:
            cur.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(ident(db), ident(owner)))
            log(f"database {db}: owner changed from {row[0]} to {owner}")
        else:
            log(f"database {db}: exists, owned by {owner}")
        cur.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident(db)))
        cur.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(ident(db), ident(owner)))
        cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(ident(db), ident(reader)))
    with contextlib.closing(connect(env, db)) as inside, inside.cursor() as cur:
        cur.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        cur.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(ident(owner)))
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident(reader)))
        cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(ident(reader)))
        cur.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT ON TABLES TO {}")
                    .format(ident(owner), ident(reader)))
        log(f"role {reader}: SELECT on the tables of {db} (now and future ones of {owner})")


def main() -> int:
    try:
        setup(dict(os.environ))
    except psycopg2.Error as exc:
        # psycopg2's messages name the server and the role, never the password.
        print(f"analytics database setup failed: {str(exc).strip()}", file=sys.stderr)
        return 1
    print("analytics database setup: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
