"""The background worker (`manage.py db_worker`) starts a queued import at once, not at its next poll."""

import time

import pytest
from django.db import connection

from apps.imports.models import ImportJob
from apps.imports.tasks import start_import_job
from tests.imports.conftest import manage, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "The harbour of Kiel reopened on {n} May after the storm, the port authority said."
# Generous, for a loaded machine: what is asserted is that the import is done at all before the
# worker would have looked for work by itself, never how soon.
DEADLINE = 60
# A poll interval the tests never reach: a job done within DEADLINE was started on notification.
NEVER = 3600


def queue_and_wait(project, user, n: int) -> None:
    """Queue a pasted article's import and wait until the worker has done it."""
    job = start_import_job(project=project, user=user, text=TEXT.format(n=n))
    state = ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True)
    deadline = time.monotonic() + DEADLINE
    while state.get() != "done":
        assert time.monotonic() < deadline, f"import {n} not done after {DEADLINE} s"
        time.sleep(0.02)


def started_worker(interval: float):
    worker = manage("db_worker", "--no-startup-delay", "--no-reload", f"--interval={interval}")
    # Ready once it waits for work: its connection listens.
    deadline = time.monotonic() + DEADLINE
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
    worker = started_worker(interval=NEVER)
    try:
        # Each after the worker went back to waiting, with its next poll an hour away.
        for n in range(3):
            queue_and_wait(project, analyst, n)
    finally:
        stop_worker(worker)
    assert worker.returncode == 0


def test_without_the_notification_the_worker_still_finds_tasks_by_looking(project, analyst):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult DISABLE TRIGGER sourcetrace_task_queued")
    try:
        worker = started_worker(interval=0.5)
        try:
            queue_and_wait(project, analyst, 1)
        finally:
            stop_worker(worker)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult ENABLE TRIGGER sourcetrace_task_queued")
