"""The background worker (`manage.py db_worker`) starts a queued import at once, not at its next poll."""

import time

import pytest
from django.db import connection

from apps.imports.models import ImportJob
from apps.imports.tasks import start_import_job
from tests.imports.conftest import manage, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "The harbour of Kiel reopened on {n} May after the storm, the port authority said."


def queue_and_wait(project, user, n: int, timeout: float) -> float:
    """Queue a pasted article's import; return how long the worker took to finish it."""
    job = start_import_job(project=project, user=user, text=TEXT.format(n=n))
    state = ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True)
    queued = time.monotonic()
    while state.get() != "done":
        assert time.monotonic() - queued < timeout, f"import {n} not done after {timeout} s"
        time.sleep(0.02)
    return time.monotonic() - queued


def started_worker(interval: float):
    worker = manage("db_worker", "--no-startup-delay", "--no-reload", f"--interval={interval}")
    # Ready once it waits for work: its connection listens.
    deadline = time.monotonic() + 60
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
            )
            if cursor.fetchone()[0]:
                return worker
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker never listened"
            time.sleep(0.05)


def test_an_idle_worker_starts_each_queued_import_at_once(project, analyst):
    worker = started_worker(interval=60)
    try:
        # Each after the worker went back to waiting, so none waits for the poll a minute away.
        took = [queue_and_wait(project, analyst, n, timeout=20) for n in range(3)]
    finally:
        stop_worker(worker)
    assert max(took) < 5, took
    assert worker.returncode == 0


def test_without_the_notification_the_worker_still_finds_tasks_by_looking(project, analyst):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult DISABLE TRIGGER sourcetrace_task_queued")
    try:
        worker = started_worker(interval=0.5)
        try:
            queue_and_wait(project, analyst, 1, timeout=20)
        finally:
            stop_worker(worker)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult ENABLE TRIGGER sourcetrace_task_queued")
