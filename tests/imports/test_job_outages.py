"""Background jobs outlast their database and their worker: a job cut off by a restart or an outage
goes on where the database says it stopped, the worker lives through it, and the job of a worker
that died is taken over by the next one without anybody opening its page.

The database is cut off from the workers without stopping the test's own server: every other
connection to the test database is ended (as a restart ends them), and for an outage new ones
are refused meanwhile.
"""

import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.articles.models import Article
from apps.imports.models import ImportJob
from apps.imports.tasks import claim
from tests.conftest import client_for
from tests.imports.conftest import PROJECT_ROOT, stop_worker, subprocess_env, write_jsonl

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 3000


def wait_until(condition, timeout=120.0, step=0.05):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def start_worker(**env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload", "--interval=0.2"],
        cwd=PROJECT_ROOT,
        env=subprocess_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def end_other_connections() -> None:
    """End every connection to the test database but the test's own, as a restart of the server does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@contextmanager
def database_down():
    """The test database refuses every connection but the test's own until the block ends."""
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    # A database cannot shut itself off: from the server's maintenance database.
    params = connection.get_connection_params() | {"dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        try:
            end_other_connections()
            yield
        finally:
            admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")


def queue_dump(client, analyst, project, tmp_path, count=COUNT) -> ImportJob:
    client_for(client, analyst)
    with write_jsonl(tmp_path / "dump.jsonl", count).open("rb") as dump:
        client.post("/imports/", {"project": project.pk, "files": [dump]})
    return ImportJob.objects.get()


def assert_imported_exactly_once(job: ImportJob, project, count=COUNT) -> None:
    job.refresh_from_db()
    assert (job.state, job.error) == ("done", "")
    assert (job.position, job.imported, job.duplicates, job.refused) == (count, count, 0, 0)
    names = list(Article.objects.filter(project=project).values_list("original_name", flat=True))
    assert sorted(names) == sorted(f"dump.jsonl line {n}" for n in range(1, count + 1))


def test_a_job_goes_on_where_it_stopped_after_its_database_restarts(client, analyst, project, tmp_path, monkeypatch):
    monkeypatch.setenv("IMPORT_IN_PROCESS_BYTES", "0")  # with its import processes, which lose theirs too
    job = queue_dump(client, analyst, project, tmp_path)
    position = ImportJob.objects.filter(pk=job.pk).values_list("position", flat=True)
    worker = start_worker()
    try:
        wait_until(lambda: position.get() >= 500)
        end_other_connections()
        state = ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True)
        wait_until(lambda: state.get() in {"done", "failed"} or worker.poll() is not None)
    finally:
        stop_worker(worker)
    assert_imported_exactly_once(job, project)


def test_the_worker_outlasts_an_outage_of_its_database_in_the_middle_of_a_job(
    client, analyst, project, tmp_path, monkeypatch
):
    monkeypatch.setenv("IMPORT_IN_PROCESS_BYTES", "0")
    job = queue_dump(client, analyst, project, tmp_path)
    position = ImportJob.objects.filter(pk=job.pk).values_list("position", flat=True)
    worker = start_worker()
    try:
        wait_until(lambda: position.get() >= 500)
        with database_down():
            time.sleep(3)
            assert worker.poll() is None, worker.communicate()[0]
        state = ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True)
        wait_until(lambda: state.get() in {"done", "failed"} or worker.poll() is not None)
        assert worker.poll() is None, worker.communicate()[0]
    finally:
        stop_worker(worker)
    assert worker.returncode == 0
    assert_imported_exactly_once(job, project)


def test_the_worker_takes_over_the_job_of_a_worker_that_died_with_nobody_watching(client, analyst, project, tmp_path):
    job = queue_dump(client, analyst, project, tmp_path, count=40)
    # A worker took its task and the job, then died: its heartbeat grew old.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    assert claim(job)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    worker = start_worker(IMPORT_JOB_STALE_SECONDS="2")
    try:
        state = ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True)
        wait_until(lambda: state.get() == "done" or worker.poll() is not None, timeout=60)
    finally:
        stop_worker(worker)
    job.refresh_from_db()
    assert job.restarts == 1
    assert_imported_exactly_once(job, project, count=40)


def test_the_import_command_stops_at_an_outage_and_says_how_far_it_got(project, tmp_path):
    dump = write_jsonl(tmp_path / "dump.jsonl", COUNT)
    command = subprocess.Popen(
        [sys.executable, "manage.py", "import_articles", str(project.pk), str(dump), "--processes", "2"],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(lambda: Article.objects.count() >= 500 or command.poll() is not None)
    with database_down():
        output, errors = command.communicate(timeout=120)
    assert command.returncode == 1, errors
    assert "Traceback" not in errors
    assert "Stopped after" in output and "The database could not be reached." in output
    assert "Run the same import again to add the rest" in output
    assert " 0 refused." in output, "no article is refused for the database's outage"
