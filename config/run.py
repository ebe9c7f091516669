"""Run the app locally: migrate, load the demo, then the task worker beside the web server.

`make run` calls this. However the run is stopped, it stops what it started, then the
embedded PostgreSQL:

- Ctrl-C, SIGTERM or SIGHUP: this process stops its children, waits for them and exits.
- SIGKILL of make, which cannot be caught: the kernel sends this process SIGTERM instead
  (PR_SET_PDEATHSIG), and the same stop runs.
- SIGKILL of this process: the kernel sends each child SIGTERM the same way; they exit and
  the last client of the embedded server to exit stops it.
- a child that ends (runserver killed, its port taken) ends the run.

This process is a client of the embedded server itself, so the server lives across the steps
and stops when this process exits after all its children: the server's client list drops the
ones that were killed (config/embedded_db.py). runserver's autoreloader child is orphaned when
its parent is killed; as a child subreaper this process adopts it, so can still stop it.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.embedded_db import start_embedded_postgres  # noqa: E402

LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# db_worker finishes the task at hand on SIGTERM; an import that takes longer is cut short.
GRACE_SECONDS = 5


class Stop(Exception):
    def __init__(self, signum: int):
        self.signum = signum


def raise_stop(signum, frame):
    raise Stop(signum)


def prctl(option: int, value: int) -> None:
    if LIBC is not None:  # elsewhere a run killed outright is cleaned up by the next start
        LIBC.prctl(option, value)


def stop_when_parent_exits(parent: int) -> None:
    """Have the kernel send SIGTERM when `parent` exits, even when it is killed outright."""
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it exited before the request took effect
        os._exit(1)


def start(*args: str) -> subprocess.Popen:
    supervisor = os.getpid()
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, preexec_fn=lambda: stop_when_parent_exits(supervisor)
    )


def wait_for_first(children: list[subprocess.Popen]) -> int:
    """Return the exit status of the first child to end, as a shell reports it."""
    while all(child.poll() is None for child in children):
        time.sleep(0.2)
    code = next(child.returncode for child in children if child.returncode is not None)
    return code if code >= 0 else 128 - code


def descendants() -> list[psutil.Process]:
    # Listed afresh each time: runserver's child is adopted when its parent exits. An embedded
    # server that a child (re)started is left to this process's exit, which stops it gently.
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if process.name() != "postgres":
                found.append(process)
        except psutil.NoSuchProcess:
            pass
    return found


def stop_descendants(children_signalled: bool) -> None:
    """Send every descendant SIGTERM, then SIGKILL to those still running after the grace time.

    After Ctrl-C the terminal has signalled the children already: they get the grace time
    before SIGTERM, as a second signal cuts db_worker's current task short.
    """
    signals = [None, signal.SIGTERM, signal.SIGKILL] if children_signalled else [signal.SIGTERM, signal.SIGKILL]
    for signum in signals:
        running = descendants()
        if not running:
            return
        for process in running:
            if signum is not None:
                try:
                    process.send_signal(signum)
                except psutil.NoSuchProcess:
                    pass
        psutil.wait_procs(running, timeout=GRACE_SECONDS)


def main(address: str) -> int:
    stop_when_parent_exits(os.getppid())
    for signum in STOP_SIGNALS:
        signal.signal(signum, raise_stop)
    stopped_by = None
    try:
        if not os.environ.get("DATABASE_URL"):
            start_embedded_postgres()
        prctl(PR_SET_CHILD_SUBREAPER, 1)  # after the server's start, which would be adopted too
        for step in (["migrate", "--no-input"], ["load_demo"]):
            code = wait_for_first([start(*step)])
            if code:
                return code
        return wait_for_first([start("db_worker", "--no-reload", "--interval", "5"), start("runserver", address)])
    except Stop as stop:
        stopped_by = stop.signum
        return 128 + stop.signum
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stop_descendants(children_signalled=stopped_by == signal.SIGINT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"))
