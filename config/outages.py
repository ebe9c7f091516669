"""Outlasting an outage of the database in the background worker and its jobs.

The web answers 503 while the database is down (see middleware.DatabaseOutageMiddleware); the
worker instead waits until the database answers and goes on, as nobody is there to try again.
"""

import logging
import threading
import time

from django.db import DatabaseError, connections

from config.middleware import is_database_outage

logger = logging.getLogger(__name__)

# How often a waiting worker tries to connect again.
RETRY_SECONDS = 0.5
# Set when the worker is asked to stop: waiting for the database then gives up, so that the
# worker stops within its grace time; the job it leaves is taken over by the next worker.
stopping = threading.Event()


def wait_for_database() -> bool:
    """Return True once the database answers again, or False at once when the worker is stopping.

    The thread's connections are closed first: one that the outage cut fails every statement
    after it, as Django opens a connection again only when it has none.
    """
    while not stopping.is_set():
        connections.close_all()
        try:
            connections["default"].ensure_connection()
            return True
        except DatabaseError as error:
            if not is_database_outage(error):
                raise
        time.sleep(RETRY_SECONDS)
    return False


def when_database_answers(function, /, *args, **kwargs):
    """Call `function`; while the database cannot be reached, wait until it answers and call it again.

    Only for what may run twice: a write that the database committed just before the
    connection was cut is made again. When the worker is stopping, the outage is raised.
    """
    while True:
        try:
            return function(*args, **kwargs)
        except DatabaseError as error:
            if not is_database_outage(error):
                raise
            logger.warning("The database did not answer (%s); trying again once it does", error)
            if not wait_for_database():
                raise
