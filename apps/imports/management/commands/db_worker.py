"""`manage.py db_worker`: django_tasks_db's background worker, woken as soon as a task is queued.

The library's worker looks for a task, and when there is none sleeps --interval seconds before
it looks again: every import from the browser waited half an interval on average before it
started. PostgreSQL notifies this one when a task is queued (imports migration 0003), and it
waits for that notification instead, for at most --interval: a notification missed while the
listening connection was down costs no more than the library's poll. Which tasks are ready, the
lock and claim of one, and running it are the library's; only the waiting between tasks differs.
"""

import logging
import time

import psycopg
from django.db import OperationalError, close_old_connections, connections
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger("django_tasks_db")

# The channel imports migration 0003 notifies.
CHANNEL = "sourcetrace_task_queued"


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
    def run(self) -> None:
        if self.batch:  # runs what is queued and ends: nothing to wait for
            super().run()
            return
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        with TaskQueued(self.ready().db, self.interval) as queued:
            while self.running:
                close_old_connections()
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
