"""Import with several processes, each reading and storing its own share of the input.

Reading (decoding, normalising, detecting the language) is CPU work in Python, and storing
waits on PostgreSQL; one process doing both in turn leaves a core idle. Each worker here
takes a chunk of inputs, reads it and stores it as one batch with its own connection, so the
chunks' reading and the database's work overlap on every core.

Worker processes import this module before Django is set up, so it imports no models at
module level.
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import batched
from urllib.parse import quote

from django.db import connection

from apps.imports.readers import JsonLine, LocalFile

Input = JsonLine | LocalFile
# Inputs per chunk: one chunk is stored as one batch (see store.import_batch).
CHUNK_SIZE = 250


def import_in_parallel(*, project, inputs: Iterable[Input], user=None, processes: int = 2) -> Iterator:
    """Import the articles of every input, yielding ImportOutcomes in input order.

    Outcomes from other processes carry no article instance, only what a summary needs.
    """
    from apps.imports.store import import_stream

    if processes < 2:
        yield from import_stream(project=project, items=(item for each in inputs for item in each.read()), user=user)
        return
    user_pk = user.pk if user else None
    # Not fork: a forked copy of a process that holds a database connection and runs threads
    # can corrupt the one and deadlock on the other. Workers start clean and set Django up,
    # on the very database this process uses (under tests, the test database).
    context = multiprocessing.get_context("forkserver")
    database = dict(connection.settings_dict)
    with context.Pool(processes, initializer=_start_worker, initargs=(database,)) as pool:
        in_flight = deque()
        # A couple of chunks per process in flight keep every core busy while memory stays
        # flat, however long the input is.
        for chunk in batched(inputs, CHUNK_SIZE, strict=False):
            in_flight.append(pool.apply_async(_import_chunk, (project.pk, user_pk, chunk)))
            if len(in_flight) >= 2 * processes:
                yield from in_flight.popleft().get()
        while in_flight:
            yield from in_flight.popleft().get()


def _start_worker(database: dict):
    import django

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


def _import_chunk(project_pk: int, user_pk: int | None, inputs: tuple[Input, ...]) -> list:
    from django.contrib.auth import get_user_model

    from apps.imports.store import ImportOutcome, import_batch
    from apps.projects.models import Project

    project = Project.objects.get(pk=project_pk)
    user = get_user_model().objects.get(pk=user_pk) if user_pk else None
    items = [item for each in inputs for item in each.read()]
    return [
        ImportOutcome(o.label, o.status, o.message, spans_placed=o.spans_placed, spans_skipped=o.spans_skipped)
        for o in import_batch(project=project, items=items, user=user)
    ]
