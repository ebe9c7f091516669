import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from config.embedded_db import ensure_database, start_embedded_postgres
from tests.config.servers import ROOT, production_env

# The database a test's own embedded server holds, for tests that stop and start it.
DATABASE = "sourcetrace_outage"


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


@pytest.fixture
def private_database(data_dir):
    """A migrated database on an embedded server of the test's own, with one user."""
    server = start_embedded_postgres(data_dir)
    info = server.get_postmaster_info()
    ensure_database(str(info.socket_dir), info.port, DATABASE)
    url = f"postgres://postgres@{str(info.socket_dir).replace('/', '%2F')}:{info.port}/{DATABASE}"
    env = production_env(url, SECURE_SSL_REDIRECT="0", DJANGO_SUPERUSER_PASSWORD="right-pass-123")
    for command in (["migrate", "--no-input"], ["createsuperuser", "--no-input", "--username", "ana", "--email", ""]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return server, env
