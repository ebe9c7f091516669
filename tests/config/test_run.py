"""`make run` against its own data folder and port: however it is stopped, nothing it started stays."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Seconds to wait for a run to start or to end: generous, for a loaded machine.
DEADLINE = 120

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a SIGKILLed make is noticed through Linux's prctl")


@pytest.fixture
def start_run(module_data_dir, tmp_path):
    started = []

    def start_run() -> subprocess.Popen:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"EMBEDDED_DB_DIR": str(module_data_dir), "EMBEDDED_DB_NAME": "sourcetrace_run", "DEBUG": "1"}
        log = tmp_path / f"run-{len(started)}.log"
        with log.open("w") as output:
            # Its own session, as a terminal gives it, so Ctrl-C can be sent to the whole group.
            run = subprocess.Popen(
                ["make", "-o", "install", "run", "HOST=127.0.0.1", f"PORT={port}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(run)
        wait_for_page(f"http://127.0.0.1:{port}/", run, log)
        return run

    yield start_run
    for run in started:  # a failed test must not leave its processes running
        for process in leftovers(run.pid, module_data_dir):
            if process.name() != "postgres":  # module_data_dir stops it
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
        run.wait()


def wait_for_page(url: str, run: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE  # a busy machine; an idle one answers within 5 s
    while time.monotonic() < deadline:
        assert run.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"no answer from {url}\n{log.read_text()}")


def leftovers(session: int, data_dir: Path) -> list[psutil.Process]:
    """Running processes of the run's session, and the embedded server of its data folder."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            in_session = os.getsid(process.pid) == session
        except ProcessLookupError:
            continue
        if in_session or str(data_dir) in (process.info["cmdline"] or []):
            found.append(process)
    return found


def assert_nothing_left(run: subprocess.Popen, data_dir: Path) -> None:
    """Wait for everything the run started to end, the embedded server last; a loaded machine
    takes its time, so the deadline is generous, and what is asserted is that it all ends."""
    run.wait(timeout=DEADLINE)
    deadline = time.monotonic() + DEADLINE
    while (
        (left := leftovers(run.pid, data_dir)) or (data_dir / "postmaster.pid").exists()
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [process.info["cmdline"] for process in left]
    assert not (data_dir / "postmaster.pid").exists()


def test_sigterm_stops_the_worker_the_web_server_and_the_embedded_server(start_run, module_data_dir):
    run = start_run()
    # make, config/run.py, db_worker, runserver and its autoreloader child, postgres, the
    # watchdog that has postgres stopped when config/run.py has ended (a session of its own)
    assert len(leftovers(run.pid, module_data_dir)) == 7

    run.send_signal(signal.SIGTERM)

    assert_nothing_left(run, module_data_dir)


def test_sigkill_of_make_stops_everything_and_the_next_run_stops_on_ctrl_c(start_run, module_data_dir):
    run = start_run()

    run.kill()

    assert_nothing_left(run, module_data_dir)
    again = start_run()
    os.killpg(again.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
    assert_nothing_left(again, module_data_dir)


def test_sigkill_of_the_whole_group_stops_the_embedded_server_too(start_run, module_data_dir):
    """Nothing in the group can catch SIGKILL: the embedded server, in a session of its own, is
    stopped from outside the group."""
    run = start_run()

    os.killpg(run.pid, signal.SIGKILL)

    assert_nothing_left(run, module_data_dir)


def test_sigint_of_make_alone_stops_everything(start_run, module_data_dir):
    """make, signalled alone, passes nothing on and waits for its recipe before it dies."""
    run = start_run()

    run.send_signal(signal.SIGINT)

    assert_nothing_left(run, module_data_dir)


def test_a_killed_web_server_ends_the_run(start_run, module_data_dir):
    run = start_run()
    supervisor = psutil.Process(run.pid).children()[0]
    web_server = next(child for child in supervisor.children() if "runserver" in child.cmdline())

    web_server.kill()

    assert_nothing_left(run, module_data_dir)
