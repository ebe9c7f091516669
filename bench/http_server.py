"""Run Sourcetrace the production way on a free loopback port, and measure its memory.

gunicorn (sync workers) serves the pages and `manage.py db_worker` runs the large imports,
with DEBUG off, a generated SECRET_KEY and static files collected for whitenoise: what
docker-compose.yml runs, without TLS in front (SECURE_SSL_REDIRECT=0 on loopback). The
database is the embedded PostgreSQL (a database of its own, EMBEDDED_DB_NAME) or the server
named by DATABASE_URL.
"""

import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import requests
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
EMBEDDED_DB_NAME = "sourcetrace_bench_http"
# Databases whose name starts so belong to the benchmark: each run empties them first.
BENCH_DB_PREFIX = "sourcetrace_bench"
SUPERUSER = "bench"
STOP_TIMEOUT = 40  # gunicorn gives its workers 30 s to finish their requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str | None) -> dict[str, str]:
    """The environment of a deployment; without a database URL, the embedded server."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["EMBEDDED_DB_NAME"] = EMBEDDED_DB_NAME
    return env


def database_conninfo(database_url: str | None) -> dict:
    """Connection arguments for the benchmark's database: the URL's, else the embedded server's."""
    if database_url:
        return conninfo_to_dict(database_url)
    from config.embedded_db import SUPERUSER as DB_SUPERUSER
    from config.embedded_db import start_embedded_postgres

    server = start_embedded_postgres()
    # Others' tests share this server: when this run's processes are the last to leave,
    # the wheel would stop it; this handle, held until exit, leaves it running instead.
    server.cleanup_mode = None
    info = server.get_postmaster_info()
    return {"host": str(info.socket_dir), "port": info.port, "user": DB_SUPERUSER, "dbname": EMBEDDED_DB_NAME}


def prepare_database(database_url: str | None) -> str:
    """Empty the benchmark's database (only one named sourcetrace_bench*); return its name."""
    target = database_conninfo(database_url)
    maintenance = {**target, "dbname": "postgres"}
    name = target["dbname"]
    if name.startswith(BENCH_DB_PREFIX):
        with psycopg.connect(**maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    return name


def wait_for_background_jobs(database_url: str | None, timeout: float = 600) -> float:
    """Wait until the background worker has no job left (story matching after an import, say);
    return how long that took, so that no later figure is measured beside it."""
    started = time.perf_counter()
    with psycopg.connect(**database_conninfo(database_url), autocommit=True) as conn:
        while time.perf_counter() - started < timeout:
            [(pending,)] = conn.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
            ).fetchall()
            if not pending:
                return time.perf_counter() - started
            time.sleep(0.1)
    raise RuntimeError(f"the background worker still had {pending} job(s) after {timeout:.0f} s")


def manage(env: dict, *args: str, log: Path) -> None:
    with log.open("ab") as out:
        result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=out)
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed; see {log}:\n{tail(log)}")


def prepare_app(env: dict, password: str, log: Path) -> None:
    """Migrate, collect the static files and give the superuser `bench` this password."""
    manage(env, "migrate", "--no-input", log=log)
    manage(env, "collectstatic", "--no-input", log=log)
    # Not createsuperuser: on a database kept from an earlier run the user exists already.
    script = (
        "import os; from django.contrib.auth import get_user_model\n"
        f"user, _ = get_user_model().objects.get_or_create(username={SUPERUSER!r})\n"
        "user.is_staff = user.is_superuser = True\n"
        "user.set_password(os.environ['BENCH_PASSWORD'])\n"
        "user.save()\n"
    )
    manage({**env, "BENCH_PASSWORD": password}, "shell", "--no-imports", "-c", script, log=log)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class AppServer:
    """gunicorn and the background worker, started together and always stopped together."""

    def __init__(self, env: dict, *, workers: int, log_dir: Path):
        self.env = env
        self.workers = workers
        self.log_dir = log_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def start(self) -> None:
        bind = f"127.0.0.1:{self.port}"
        web = [GUNICORN, "config.wsgi:application", "--bind", bind, "--workers", str(self.workers)]
        self.processes.append(self._spawn("gunicorn", [*web, "--worker-class", "sync", "--no-control-socket"]))
        # As docker-compose.yml runs it: woken when a task is queued.
        worker = [PYTHON, "manage.py", "db_worker", "--interval", "5"]
        self.processes.append(self._spawn("db_worker", worker))
        self._wait_until_serving()

    def _spawn(self, name: str, argv: list) -> subprocess.Popen:
        with (self.log_dir / f"{name}-{self.workers}w.log").open("ab") as log:
            # A session of its own: Ctrl-C reaches this script alone, which then stops the server
            # in order, and a server that will not stop goes with all its children by group id.
            return subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)

    def _wait_until_serving(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process, name in zip(self.processes, ("gunicorn", "db_worker"), strict=True):
                if process.poll() is not None:
                    log = self.log_dir / f"{name}-{self.workers}w.log"
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {log}:\n{tail(log)}")
            try:
                if requests.get(f"{self.url}/login/", timeout=5).status_code == 200:
                    return
            # A loaded machine may take longer than one attempt to boot the workers.
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes = []


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])  # the name in brackets may hold spaces
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(children.get(tree[-1], []))
    return tree


def memory_kib(pid: int, field: str, file: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Sum the resident memory of process trees every 0.1 s, keeping the peak of each phase.

    RSS counts the pages forked workers share once per worker, as `ps` and most dashboards do;
    PSS (sampled less often, it costs more to read) splits them fairly.
    """

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.phase = "startup"
        self.rss_peaks: dict[str, int] = {}
        self.pss_peaks: dict[str, int] = {}
        self.high_water_mib: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        # Which process grew: each one's own high-water mark, read while they still run.
        self.high_water_mib = {}
        for pid in self.tree():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            self.high_water_mib[f"{pid} {command[:60].strip()}"] = round(memory_kib(pid, "VmHWM") / 1024, 1)

    def tree(self) -> list[int]:
        return [pid for root in self.pids for pid in process_tree(root)]

    def snapshot_mib(self) -> float:
        return round(sum(memory_kib(pid, "VmRSS") for pid in self.tree()) / 1024, 1)

    def _run(self) -> None:
        samples, tree = 0, []
        while not self._stop.is_set():
            if samples % 20 == 0:  # gunicorn replaces workers that die
                tree = self.tree()
            rss = sum(memory_kib(pid, "VmRSS") for pid in tree)
            self.rss_peaks[self.phase] = max(rss, self.rss_peaks.get(self.phase, 0))
            if samples % 5 == 0:
                pss = sum(memory_kib(pid, "Pss", "smaps_rollup") for pid in tree)
                self.pss_peaks[self.phase] = max(pss, self.pss_peaks.get(self.phase, 0))
            samples += 1
            self._stop.wait(0.1)

    def report(self) -> dict:
        def mib(peaks):
            return {phase: round(kib / 1024, 1) for phase, kib in peaks.items()}

        return {
            "rss_peak_mib": round(max(self.rss_peaks.values(), default=0) / 1024, 1),
            "pss_peak_mib": round(max(self.pss_peaks.values(), default=0) / 1024, 1),
            "rss_peak_mib_by_phase": mib(self.rss_peaks),
            "pss_peak_mib_by_phase": mib(self.pss_peaks),
            "high_water_mib_by_process": self.high_water_mib,
        }
