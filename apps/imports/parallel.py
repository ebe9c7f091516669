"""Import with several processes, each reading and storing its own share of the input.

Reading (decoding, normalising, detecting the language) is CPU work in Python, and storing
waits on PostgreSQL; one process doing both in turn leaves a core idle. Each worker here
takes a chunk of inputs, reads it and stores it as one batch with its own connection, so the
chunks' reading and the database's work overlap on every core. The command line and the
background jobs both import this way.

Processes started from a fork server (see worker_context) import this module before Django is
set up, so it imports no models at module level.
"""

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from urllib.parse import quote

import pghistory
from django.conf import settings
from django.db import connection, connections

from apps.imports.inputs import Input

logger = logging.getLogger(__name__)

# Inputs per chunk: one chunk is stored as one batch (see store.import_batch).
CHUNK_SIZE = 250
# A chunk also ends at this many bytes of input, so that a folder of large files is not read
# into one process's memory at once.
CHUNK_BYTES = 16 * 1024 * 1024
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How often a worker checks that the process it imports for is still there.
PARENT_CHECK_SECONDS = 1


@dataclass
class Chunk:
    """A chunk's outcomes (ImportOutcome, in input order) and how many inputs it held."""

    inputs: int
    outcomes: list


class GracefulStop:
    """Within it, SIGINT and SIGTERM ask an import to stop after the chunks under way.

    What was read is stored and counted, so the import can say how far it got and a second
    run picks up from there. A second signal stops at once: it goes to the handler there was
    before (db_worker's ends its task; Python's raises KeyboardInterrupt), else raises
    KeyboardInterrupt. Outside the main thread, where signals cannot be caught, it does nothing.
    """

    def __init__(self):
        self.requested = False
        self.previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = {signum: signal.signal(signum, self.handle) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, *exc_info):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous = {}

    def handle(self, signum, frame):
        previous = self.previous.get(signum)
        if self.requested:
            self.__exit__()
            if callable(previous):
                previous(signum, frame)
            raise KeyboardInterrupt
        self.requested = True
        # db_worker's handler, on a first signal, only stops it taking another task.
        if callable(previous) and previous is not signal.default_int_handler:
            previous(signum, frame)


def import_in_parallel(
    *, project, inputs: Iterable[Input], user=None, processes: int = 2, stop: GracefulStop | None = None
) -> Iterator:
    """Import the articles of every input, yielding ImportOutcomes in input order.

    Outcomes from other processes carry no article instance, only its id and title.
    """
    with process_pool(processes) as pool:
        for chunk in import_chunks(project=project, inputs=inputs, user=user, pool=pool, stop=stop):
            yield from chunk.outcomes


@contextmanager
def process_pool(processes: int) -> Iterator["ImportProcesses | None"]:
    """Processes to import in; None when the import is to run in this process.

    Forked processes are all started on entry, before the caller starts a thread of its own (an
    import job's heartbeat), which would rule forking out (see worker_context); from a fork
    server they start as chunks come. Leaving waits for the chunks under way, so no process is
    left writing.
    """
    # Other processes cannot see what an open transaction has not committed (the project, the
    # user), so inside one, the import runs in this process.
    if processes < 2 or connection.in_atomic_block:
        yield None
        return
    # The history context this process imports in (who, which command or job), for the processes'
    # own contexts (see _forget_history_context).
    with pghistory.context() as history:
        start_args = (dict(connection.settings_dict), os.getpid(), dict(history.metadata))
    # A forked process must not go on with this process's connection: both would talk over one
    # socket. Each process opens its own; this one reopens when it next needs one.
    connections.close_all()
    with ImportProcesses(processes, start_args) as pool:
        pool.submit(os.getpid).result()
        logger.debug("Importing in %s processes (%s)", processes, pool.start_method)
        yield pool


class ImportProcesses(ProcessPoolExecutor):
    def __init__(self, processes: int, start_args: tuple):
        context = worker_context()
        super().__init__(processes, mp_context=context, initializer=_start_worker, initargs=start_args)
        self.processes = processes
        self.start_method = context.get_start_method()


def import_chunks(
    *, project, inputs: Iterable[Input], user=None, pool: ImportProcesses | None, stop: GracefulStop | None = None
) -> Iterator[Chunk]:
    """Import the inputs a chunk at a time in the pool's processes (or in this one, without a
    pool), yielding each chunk's outcomes in input order.

    When `stop` is requested, no further chunk starts; those under way finish and are yielded.
    """
    chunks = chunked(inputs)
    if pool is None:
        for chunk in chunks:
            yield Chunk(len(chunk), import_here(project, user, chunk))
            if stop_requested(stop):
                return
        return
    user_pk = user.pk if user else None
    in_flight = deque()
    try:
        # A couple of chunks per process in flight keep every core busy while memory stays
        # flat, however long the input is. This process only hands chunks out: while it
        # imported one itself, it handed out none and the processes stood idle.
        for chunk in chunks:
            in_flight.append((len(chunk), pool.submit(_import_chunk, project.pk, user_pk, chunk)))
            if len(in_flight) >= 2 * pool.processes:
                count, future = in_flight.popleft()
                yield Chunk(count, future.result())
            if stop_requested(stop):
                break
        while in_flight:
            count, future = in_flight.popleft()
            yield Chunk(count, future.result())
    finally:
        # Interrupted: chunks not started yet are dropped; those under way finish when the
        # pool is left.
        for _, future in in_flight:
            future.cancel()


def processes_for(input_bytes: int, available: int) -> int:
    """How many processes should import inputs of this many bytes (see IMPORT_IN_PROCESS_BYTES)."""
    return 1 if input_bytes <= settings.IMPORT_IN_PROCESS_BYTES else available


def stop_requested(stop: GracefulStop | None) -> bool:
    return bool(stop and stop.requested)


def import_here(project, user, chunk: list[Input]) -> list:
    from apps.imports.store import import_batch

    return import_batch(project=project, items=[item for each in chunk for item in each.read()], user=user)


def worker_context():
    """This process forked, when it runs no other thread; else forks from a fork server.

    A forked copy of this process has Django set up already, and starts at once: setting it up
    again costs each process about a second of CPU.
    `manage.py import_articles` runs one thread. A process that runs others (the background
    worker's heartbeat) must not be forked: a thread may hold a lock that the copy could never
    release. Its processes come from a fork server, started clean once per importing process
    and loading nothing, and set Django up themselves, side by side. (One that had set Django up
    and loaded the language model for its children to share stayed in memory beside them:
    85 MiB, as much as a web worker.) Unlike multiprocessing.Pool, the executor notices a process
    that dies (killed, out of memory) and raises BrokenProcessPool instead of waiting for ever.
    """
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([])
    return context


def chunked(inputs: Iterable[Input]) -> Iterator[list[Input]]:
    chunk, size = [], 0
    for each in inputs:
        chunk.append(each)
        size += each.size
        if len(chunk) == CHUNK_SIZE or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _start_worker(database: dict, importer: int, history: dict):
    import django

    global _history
    _history = history
    # The importing process decides when its workers stop: a Ctrl-C, which the terminal sends
    # to every process of the group, or the SIGTERM of a supervisor that signals all
    # descendants, must not kill a worker in the middle of its chunk.
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(importer,), daemon=True, name="exit-with-importer").start()
    # Point the settings straight at the parent's server, so that setting Django up does not
    # start (or join) the embedded server once more from every worker.
    os.environ.setdefault(
        "DATABASE_URL",
        "postgres://{user}@{host}:{port}/{name}".format(
            user=quote(database["USER"] or ""),
            host=quote(database["HOST"] or "", safe=""),
            port=database["PORT"] or "5432",
            name=quote(database["NAME"]),
        ),
    )
    django.setup()
    connection.settings_dict.update(database)
    # After the settings: from a fork server, reaching the connection reads them.
    _forget_history_context()


def _exit_with(importer: int):
    """End this worker once the importing process is gone, even if it was killed outright.

    Otherwise the worker would wait for work for ever, or go on storing for an import nobody
    counts. Its parent is the forkserver, which a supervisor may stop first, so the importing
    process is watched itself; its start time tells it from a later process given the same id.
    """
    import psutil

    try:
        process = psutil.Process(importer)
        while process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
            time.sleep(PARENT_CHECK_SECONDS)
    except psutil.NoSuchProcess:
        pass
    os._exit(1)


# The importing process's history context, set when a process starts (see _start_worker).
_history: dict = {}


def _forget_history_context():
    """Drop the history context a forked process inherits from the importing process.

    With it, every process would write the same context row, which pghistory's trigger locks
    until the transaction commits: the processes' transactions would wait for one another.
    Each chunk enters a context of its own, with the importing process's metadata.
    """
    from pghistory import runtime

    if hasattr(runtime._tracker, "value"):
        del runtime._tracker.value
    connection.execute_wrappers.clear()


def _import_chunk(project_pk: int, user_pk: int | None, inputs: list[Input]) -> list:
    from django.contrib.auth import get_user_model

    from apps.projects.models import Project

    project = Project.objects.get(pk=project_pk)
    user = get_user_model().objects.get(pk=user_pk) if user_pk else None
    with pghistory.context(**_history) if _history else nullcontext():
        return [outcome.detached() for outcome in import_here(project, user, inputs)]
