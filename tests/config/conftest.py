import os
import signal
from pathlib import Path

import psutil
import pytest


def stop_server_left_in(data_dir: Path) -> None:
    """Stop the embedded server a failed test left running; pg_ctl refuses to run as root."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        if str(data_dir) in psutil.Process(pid).cmdline():  # not a process that reused a stale id
            os.kill(pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown
    except (FileNotFoundError, psutil.NoSuchProcess):
        pass


@pytest.fixture
def data_dir(tmp_path):
    """A data folder for an embedded server of the test's own."""
    data_dir = tmp_path / "pg"
    yield data_dir
    stop_server_left_in(data_dir)


@pytest.fixture(scope="module")
def module_data_dir(tmp_path_factory):
    """A data folder shared by a module's tests, so only the first waits for initdb and migrations."""
    data_dir = tmp_path_factory.mktemp("pg-parent") / "pg"
    yield data_dir
    stop_server_left_in(data_dir)
