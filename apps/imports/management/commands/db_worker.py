"""`manage.py db_worker`: django_tasks_db's background worker, woken as soon as a task is queued.

The library's worker looks for a task, and when there is none sleeps --interval seconds before
it looks again: every import from the browser waited half an interval on average before it
started. PostgreSQL notifies this one when a task is queued (imports migration 0003), and it
waits for that notification instead, for at most --interval: a notification missed while the
listening connection was down costs no more than the library's poll. Which tasks are ready, the
lock and claim of one, and running it are the library's; only the waiting between tasks differs.

The worker never ends for want of its database: it looks again while the database is down,
and a task's result is recorded once it answers (the library's worker ended on both). Every
SWEEP_SECONDS between tasks, and when it starts, it takes over the jobs of workers that died:
each app's config says how (a `take_over_stale_jobs` method), so nobody needs to watch a job.
"""

import logging
import time
from functools import partial

import psycopg
from django.apps import apps
from django.db import DatabaseError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from config import outages
from config.middleware import is_database_outage

logger = logging.getLogger("django_tasks_db")

# The channel imports migration 0003 notifies.
CHANNEL = "sourcetrace_task_queued"
# How often an idle worker looks for jobs whose worker died. A job counts as stale after a
# minute without a heartbeat (IMPORT_JOB_STALE_SECONDS, exports.models.STALE_AFTER).
SWEEP_SECONDS = 5


class TaskQueued:
    """Notifications that a task was queued, on a connection of their own to the tasks' database."""

    def __init__(self, database: str, timeout: float):
        self.database = database
        self.timeout = timeout
        self.listener: psycopg.Connection | None = None

    def __enter__(self):
        self.listen()
        return self

    def __exit__(self, *exc_info):
        if self.listener is not None:
            self.listener.close()

    def listen(self) -> None:
        params = connections[self.database].get_connection_params()
        try:
            self.listener = psycopg.Connection.connect(**params, autocommit=True)
            self.listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            logger.warning("Not told when tasks are queued (%s); looking every %s s", error, self.timeout)
            self.listener = None

    def wait(self) -> None:
        """Return once a task was queued, or after the timeout; at once if one was queued meanwhile."""
        if self.listener is None:
            time.sleep(self.timeout)
            self.listen()
            return
        try:
            for _ in self.listener.notifies(timeout=self.timeout, stop_after=1):
                pass
        except psycopg.Error as error:
            logger.warning("Lost the connection that is told when tasks are queued (%s)", error)
            self.listener.close()
            self.listener = None


class Worker(db_worker.Worker):
    next_sweep = 0.0

    def run(self) -> None:
        self.take_over_stale_jobs()
        if self.batch:  # runs what is queued and ends: nothing to wait for
            super().run()
            return
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        with TaskQueued(self.ready().db, self.interval) as queued:
            while self.running:
                close_old_connections()
                if time.monotonic() >= self.next_sweep:
                    self.take_over_stale_jobs()
                try:
                    task_result = self.claim()
                except OperationalError as error:
                    # The database restarts or is down: look again later rather than end (the
                    # library's worker ends, and a supervisor would have to start it again).
                    logger.warning("The database did not answer (%s); looking again in %s s", error, self.interval)
                    queued.wait()
                    continue
                if task_result is None:
                    queued.wait()
                    continue
                self.run_task(task_result)
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    logger.info("Run maximum tasks (%d) on worker=%s", self._run_tasks, self.worker_id)
                    return

    def shutdown(self, signum, frame) -> None:
        outages.stopping.set()  # a wait for the database gives up
        super().shutdown(signum, frame)

    def run_task(self, task_result: DBTaskResult) -> None:
        """Run the task as the library does, recording its result once the database answers."""
        # The library records the result with these two (three tries in 0.2 s), and lets their
        # error end the worker.
        for name in ("set_successful", "set_failed"):
            setattr(task_result, name, partial(outages.when_database_answers, getattr(task_result, name)))
        try:
            super().run_task(task_result)
        except DatabaseError as error:
            if not is_database_outage(error):
                raise
            # Only when stopping: the task's job is taken over by the next worker.
            logger.warning("The result of task %s was not recorded: the database did not answer", task_result.pk)

    def take_over_stale_jobs(self) -> None:
        """Queue again the jobs whose worker died, as each app does it (see the module's docstring)."""
        self.next_sweep = time.monotonic() + SWEEP_SECONDS
        for config in apps.get_app_configs():
            take_over = getattr(config, "take_over_stale_jobs", None)
            if take_over is None:
                continue
            try:
                take_over()
            except Exception as error:  # the worker goes on: it looks again at the next sweep
                if is_database_outage(error):
                    logger.warning("Stale jobs not looked for: the database did not answer (%s)", error)
                else:
                    logger.exception("Looking for the stale jobs of %s failed", config.label)

    def ready(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def claim(self) -> DBTaskResult | None:
        """The next task, claimed so that no other worker runs it, or None when none is ready."""
        tasks = self.ready()
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result


class Command(db_worker.Command):
    help = "Run the background worker: imports, story matching and exports, each as soon as it is queued."

    def handle(self, *args, **options):
        # The library's command builds its worker from the module's Worker.
        db_worker.Worker = Worker
        super().handle(*args, **options)
