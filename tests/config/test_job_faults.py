"""Long fault runs of background jobs (`make faults`): an import of 10,000 articles, queued as the
import page queues it, across a restart of its database, across a ten-second outage, and across
the death (SIGKILL) of its worker. Nobody opens the job's page: the worker alone finishes the
job, and its counts are what is stored, every article once.

Each run prints its figures: how long after the database answered (or after the worker died)
the job went on, how long it took in all, and its counts.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from tests.config.servers import ROOT, postmaster, stop
from tests.config.test_faults import postmaster_wait, shell
from tests.imports.conftest import write_jsonl

pytestmark = pytest.mark.fault

COUNT = 10_000
QUEUE_IMPORT = """
from django.contrib.auth import get_user_model
from django.core.files import File
from apps.imports.tasks import start_import_job
from apps.projects.models import Project
project = Project.objects.create(name="Faults")
with open({path!r}, "rb") as dump:
    job = start_import_job(project=project, user=get_user_model().objects.get(username="ana"), uploads=[File(dump, name="dump.jsonl")])
print(job.pk)
"""
JOB = "SELECT state, position, imported, duplicates, refused, total, run, restarts, error FROM imports_importjob WHERE id = %s"
STORED = """
SELECT count(*), count(DISTINCT original_name), count(DISTINCT content_hash)
FROM articles_article WHERE project_id = (SELECT project_id FROM imports_importjob WHERE id = %s)
"""


class Job:
    """The job as its database has it, looked at from a connection of its own while the database comes and goes."""

    def __init__(self, env: dict, pk: int):
        self.url = env["DATABASE_URL"]
        self.pk = pk

    def row(self) -> dict | None:
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=2) as connection:
                values = connection.execute(JOB, [self.pk]).fetchone()
        except psycopg.OperationalError:
            return None
        return dict(
            zip(
                ["state", "position", "imported", "duplicates", "refused", "total", "run", "restarts", "error"],
                values,
                strict=True,
            )
        )

    def wait_for(self, condition, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            row = self.row()
            if row is not None and condition(row):
                return row
            assert time.monotonic() < deadline, f"import {self.pk} {what}: not after {timeout} s ({row})"
            time.sleep(0.1)

    def stored(self) -> tuple[int, int, int]:
        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(STORED, [self.pk]).fetchone()


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def queued_import(env: dict, tmp_path: Path) -> Job:
    dump = write_jsonl(tmp_path / "dump.jsonl", COUNT)
    return Job(env, int(shell(env, QUEUE_IMPORT.format(path=str(dump))).split()[-1]))


def worker_env(private_database, tmp_path: Path, **extra) -> dict:
    _, env = private_database
    return env | {"IMPORT_DIR": str(tmp_path / "imports"), "LOG_LEVEL": "WARNING", **extra}


def assert_exact(job: Job, row: dict) -> None:
    assert (row["state"], row["error"]) == ("done", ""), row
    assert (row["total"], row["position"], row["imported"], row["duplicates"], row["refused"]) == (
        COUNT,
        COUNT,
        COUNT,
        0,
        0,
    ), row
    # Every article stored once, and as many as the job counts.
    assert job.stored() == (COUNT, COUNT, COUNT)


@pytest.mark.parametrize("down_for", [0, 10], ids=["restart", "ten-second outage"])
def test_a_large_import_goes_on_by_itself_across_a_restart_or_an_outage_of_its_database(
    private_database, data_dir, tmp_path, down_for
):
    server, _ = private_database
    env = worker_env(private_database, tmp_path)
    job = queued_import(env, tmp_path)
    log = tmp_path / "worker.log"
    started = time.monotonic()
    worker = start_worker(env, log)
    try:
        before = job.wait_for(lambda row: row["position"] >= COUNT * 3 // 10, timeout=600, what="never reached 30 %")
        postmaster(data_dir).send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown, as pg_ctl restart does
        postmaster_wait(data_dir)
        time.sleep(down_for)
        with server._lock:
            server.ensure_postgres_running()
        back = time.monotonic()
        resumed = job.wait_for(lambda row: row["run"] > before["run"], timeout=120, what="never went on")
        resumed_after = time.monotonic() - back
        job.wait_for(lambda row: row["position"] > resumed["position"], timeout=120, what="recorded nothing more")
        recording_after = time.monotonic() - back
        row = job.wait_for(lambda row: row["state"] in {"done", "failed"}, timeout=900, what="never finished")
        took = time.monotonic() - started
        assert worker.poll() is None, log.read_text()
    finally:
        stop(worker)
    print(
        f"\n{'restart' if not down_for else f'{down_for} s outage'} at {before['position']} of {COUNT}: "
        f"went on {resumed_after:.1f} s after the database answered, from input {resumed['position']} "
        f"(first chunk recorded after {recording_after:.1f} s); done in {took:.1f} s in all; "
        f"{row['imported']} imported, {row['duplicates']} duplicates, {row['refused']} refused; "
        f"stored {job.stored()[0]}"
    )
    assert_exact(job, row)
    assert row["restarts"] == 0, "the run went on by itself, it was not found dead"


def test_a_large_import_whose_worker_is_killed_is_finished_by_the_next_worker_alone(private_database, tmp_path):
    env = worker_env(private_database, tmp_path, IMPORT_JOB_STALE_SECONDS="10")
    job = queued_import(env, tmp_path)
    log = tmp_path / "worker.log"
    started = time.monotonic()
    first = start_worker(env, log)
    second = None
    try:
        before = job.wait_for(lambda row: row["position"] >= COUNT * 3 // 10, timeout=600, what="never reached 30 %")
        helpers = psutil.Process(first.pid).children(recursive=True)
        first.kill()
        first.wait()
        killed = time.monotonic()
        _, still_running = psutil.wait_procs(helpers, timeout=10)
        assert not still_running, "no process of the killed worker goes on"
        stuck = job.row()
        assert stuck["state"] == "running" and stuck["position"] < COUNT
        second = start_worker(env, log)
        resumed = job.wait_for(lambda row: row["run"] > before["run"], timeout=300, what="never taken over")
        taken_over_after = time.monotonic() - killed
        row = job.wait_for(lambda row: row["state"] in {"done", "failed"}, timeout=900, what="never finished")
        took = time.monotonic() - started
        assert second.poll() is None, log.read_text()
    finally:
        stop(first)
        if second is not None:
            stop(second)
    print(
        f"\nworker killed at {stuck['position']} of {COUNT}: taken over by the next worker {taken_over_after:.1f} s "
        f"after (stale after 10 s), from input {resumed['position']}; done in {took:.1f} s in all; "
        f"{row['imported']} imported, {row['duplicates']} duplicates, {row['refused']} refused; stored {job.stored()[0]}"
    )
    assert_exact(job, row)
    assert row["restarts"] == 1
