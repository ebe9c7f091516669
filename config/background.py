"""Work that follows an import (story matching, search columns) yields the CPU to requests.

Nobody waits for it, while the web workers beside it on the same cores answer people. The
background worker runs the tasks marked with `yields_to_requests` in a thread of its own at a
lower CPU priority (a nice value is a thread's own on Linux), so that the kernel gives requests
the cores first and the work fills what they leave. The database's share of the work keeps its
normal priority.
"""

import logging
import os
import threading
from concurrent.futures import Future

from django.db import connections

logger = logging.getLogger(__name__)

# Added to the worker's nice value for the thread (19 is the lowest priority there is).
NICENESS = 10


def yields_to_requests(function):
    """Mark a task's function as background work that the worker runs at a lower priority."""
    function.yields_to_requests = True
    return function


def lower_priority_of_this_thread(increment: int = NICENESS) -> None:
    """Raise the calling thread's nice value by `increment`: the other threads keep theirs."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + increment))
    except (AttributeError, OSError) as error:  # not Linux, or not allowed: the work runs all the same
        logger.warning("Background work runs at the normal priority: %s", error)


def run_at_low_priority(function, *args, **kwargs):
    """Call `function` in a thread of lower priority and return its answer (or raise its error).

    The thread has a database connection of its own, closed when the call ends: a connection
    per task (of a batch of a few hundred articles) costs little beside the task, and none is
    left open behind it. A daemon, so that a worker told to stop at once is not held up by it.
    """
    answer = Future()

    def call():
        lower_priority_of_this_thread()
        try:
            answer.set_result(function(*args, **kwargs))
        except BaseException as error:  # the caller's to handle, as if it had made the call
            answer.set_exception(error)
        finally:
            connections.close_all()

    threading.Thread(target=call, name="low-priority", daemon=True).start()
    return answer.result()
