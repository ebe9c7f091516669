import json
import os
import subprocess
import sys
from pathlib import Path

from config.embedded_db import forget_dead_clients, record_client_start

ROOT = Path(__file__).resolve().parents[2]
JOIN_AND_WAIT = (
    "import sys; from pathlib import Path; from config.embedded_db import start_embedded_postgres;"
    "start_embedded_postgres(Path(sys.argv[1])); print('joined', flush=True); sys.stdin.read()"
)


def join(data_dir: Path) -> subprocess.Popen:
    """Start a process that joins the embedded server and stays until its stdin closes."""
    client = subprocess.Popen(
        [sys.executable, "-c", JOIN_AND_WAIT, str(data_dir)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert client.stdout.readline() == "joined\n"
    return client


def leave(client: subprocess.Popen) -> None:
    client.communicate(timeout=10)  # closes its stdin, so it exits normally
    assert client.returncode == 0


def kill(client: subprocess.Popen) -> None:
    client.kill()
    client.communicate()


def clients(data_dir: Path) -> list[int]:
    return json.loads((data_dir / ".handle_pids.json").read_text())


def test_the_embedded_server_stops_when_its_last_live_client_exits(data_dir):
    killed = join(data_dir)
    survivor = join(data_dir)
    kill(killed)
    assert killed.pid in clients(data_dir)

    leave(survivor)

    assert not (data_dir / "postmaster.pid").exists()


def test_a_joining_client_forgets_the_killed_ones(data_dir):
    killed = join(data_dir)
    kill(killed)
    assert (data_dir / "postmaster.pid").exists()  # as a killed `make run` leaves it

    newcomer = join(data_dir)
    assert clients(data_dir) == [newcomer.pid]
    leave(newcomer)

    assert not (data_dir / "postmaster.pid").exists()


def test_a_listed_process_is_a_client_only_while_it_is_the_process_that_joined(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    with subprocess.Popen(["sleep", "30"]) as reused_id:
        (tmp_path / ".handle_pids.json").write_text(json.dumps([os.getpid(), reused_id.pid, ended.pid]))
        record_client_start(tmp_path, os.getpid())
        record_client_start(tmp_path, reused_id.pid)
        starts = json.loads((tmp_path / ".handle_starts.json").read_text())
        starts[str(reused_id.pid)] -= 3600  # the client that had this id started an hour before
        (tmp_path / ".handle_starts.json").write_text(json.dumps(starts))

        forget_dead_clients(tmp_path)

        reused_id.kill()
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [os.getpid()]
    assert list(json.loads((tmp_path / ".handle_starts.json").read_text())) == [str(os.getpid())]


def test_a_listed_process_without_a_start_time_is_a_client_while_it_runs(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    with subprocess.Popen(["sleep", "30"]) as running:
        (tmp_path / ".handle_pids.json").write_text(json.dumps([running.pid, ended.pid]))

        forget_dead_clients(tmp_path)

        running.kill()
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [running.pid]
