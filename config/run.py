"""Run the app locally: migrate, load the demo, then the task worker beside the web server.

`make run` calls this. However the run is stopped, it stops what it started, then the
embedded PostgreSQL:

- Ctrl-C, SIGTERM or SIGHUP: this process stops its children, waits for them and exits.
- SIGINT, SIGTERM, SIGHUP or SIGQUIT sent to make alone: make passes nothing on (SIGTERM
  aside) and waits for this process before it dies of the signal. Its handler sets the signal
  back to the default, which /proc shows; this process notices and runs the same stop.
- SIGKILL of make, which cannot be caught: the kernel sends this process SIGTERM instead
  (PR_SET_PDEATHSIG), and the same stop runs.
- SIGKILL of this process: the kernel sends each child SIGTERM the same way, and they exit.
- SIGKILL of the whole process group: nothing in it runs any more, and the embedded server
  is in a session of its own. A watchdog started in a session of its own too (so neither the
  terminal's signals nor a kill of the group reach it) waits for this process to end.
- a child that ends (runserver killed, its port taken) ends the run.

This process and the watchdog are clients of the embedded server, so the server lives across
the steps; it stops when its last client exits, and the watchdog exits as soon as this
process has ended, however it ended: the server's client list drops the ones that were killed
(config/embedded_db.py), so the watchdog, leaving last, stops it. A `make run` started again
meanwhile is a client too, and keeps it. runserver's autoreloader child is orphaned when its
parent is killed; as a child subreaper this process adopts it, so can still stop it.
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

from config.embedded_db import DEFAULT_DATA_DIR, other_live_clients, start_embedded_postgres  # noqa: E402

LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# The signals that stop make, which it handles by waiting for its recipe to end.
PARENT_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
WATCHDOG = "--watchdog"
# db_worker finishes the task at hand on SIGTERM; an import that takes longer is cut short.
GRACE_SECONDS = 5


class Stop(Exception):
    def __init__(self, signum: int, *, children_signalled: bool):
        self.signum = signum
        # Ctrl-C: the terminal has signalled the whole group, the children included.
        self.children_signalled = children_signalled


def raise_stop(signum, frame):
    raise Stop(signum, children_signalled=signum == signal.SIGINT)


def caught_signals(pid: int) -> set[int]:
    """The stop signals that process `pid` handles, from /proc (Linux; an empty set elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return set()
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            mask = int(line.split()[1], 16)
            return {signum for signum in PARENT_STOP_SIGNALS if mask >> (signum - 1) & 1}
    return set()


class ParentWatch:
    """Tell when the parent is dying of a signal sent to it alone.

    make handles a stop signal by setting it back to the default, waiting for its recipe (this
    process) to end, then signalling itself again: a signal it handled when this process
    started and no longer handles is one it is dying of.
    """

    def __init__(self):
        self.parent = os.getppid()
        self.handled = caught_signals(self.parent)

    def check(self) -> None:
        if dropped := self.handled - caught_signals(self.parent):
            raise Stop(min(dropped), children_signalled=False)


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


def wait_for_first(children: list[subprocess.Popen], parent: ParentWatch) -> int:
    """Return the exit status of the first child to end, as a shell reports it."""
    while all(child.poll() is None for child in children):
        parent.check()
        time.sleep(0.2)
    code = next(child.returncode for child in children if child.returncode is not None)
    return code if code >= 0 else 128 - code


def start_watchdog(data_dir: Path) -> subprocess.Popen:
    """Start the process that has the embedded server stopped once this one has ended."""
    return subprocess.Popen(
        [sys.executable, __file__, WATCHDOG, str(os.getpid()), str(data_dir)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def watch(supervisor: int, data_dir: Path) -> int:
    """Be a client of the embedded server until `supervisor` has ended, then leave.

    Leaving drops the clients that were killed and stops the server when no other is left
    (config/embedded_db.py), as any client's exit does.
    """
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # exit handlers run
    try:
        process = psutil.Process(supervisor)
    except psutil.NoSuchProcess:
        return 0
    start_embedded_postgres(data_dir)
    process.wait()
    # The supervisor may end while a child it killed last is still exiting, listed as a client:
    # leaving then would leave that child to stop the server, which a killed process never does.
    # So stay until the others have gone, and leave last.
    while other_live_clients(data_dir):
        time.sleep(0.2)
    return 0


def descendants(spared: set[int]) -> list[psutil.Process]:
    # Listed afresh each time: runserver's child is adopted when its parent exits. An embedded
    # server that a child (re)started is left to this process's exit, which stops it gently.
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if process.name() != "postgres" and process.pid not in spared:
                found.append(process)
        except psutil.NoSuchProcess:
            pass
    return found


def stop_descendants(children_signalled: bool, spared: set[int]) -> None:
    """Send every descendant SIGTERM, then SIGKILL to those still running after the grace time.

    After Ctrl-C the terminal has signalled the children already: they get the grace time
    before SIGTERM, as a second signal cuts db_worker's current task short.
    """
    signals = [None, signal.SIGTERM, signal.SIGKILL] if children_signalled else [signal.SIGTERM, signal.SIGKILL]
    for signum in signals:
        running = descendants(spared)
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
    parent = ParentWatch()
    for signum in STOP_SIGNALS:
        signal.signal(signum, raise_stop)
    children_signalled = False
    spared = set()
    try:
        if not os.environ.get("DATABASE_URL"):
            start_embedded_postgres(DEFAULT_DATA_DIR)
            spared.add(start_watchdog(DEFAULT_DATA_DIR).pid)
        prctl(PR_SET_CHILD_SUBREAPER, 1)  # after the server's start, which would be adopted too
        for step in (["migrate", "--no-input"], ["load_demo"]):
            code = wait_for_first([start(*step)], parent)
            if code:
                return code
        return wait_for_first(
            [start("db_worker", "--no-reload", "--interval", "5"), start("runserver", address)], parent
        )
    except Stop as stop:
        children_signalled = stop.children_signalled
        return 128 + stop.signum
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stop_descendants(children_signalled, spared)


if __name__ == "__main__":
    if sys.argv[1:2] == [WATCHDOG]:
        sys.exit(watch(int(sys.argv[2]), Path(sys.argv[3])))
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"))
