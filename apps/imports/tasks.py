"""Imports run by the background worker (`manage.py db_worker`), with the command line's code.

Every import from the browser is a job. Its files wait in the import folder, and the worker
reads them as inputs (JSON Lines line by line, see inputs.py) and imports them with
import_chunks, as `manage.py import_articles` does: web workers never load the extraction
libraries or the language model, and an upload of any size costs them only disk.

A running job records a heartbeat. If its worker dies (killed, out of memory), the heartbeat
stops; a worker (every few seconds, see db_worker), or a look at the job's page, finds the job
stale and queues it again, and the new run goes on after the last chunk recorded. What the dead
run stored after that comes back as duplicates of the job's own articles, which count as
imported. A run that loses its database (a restart, an outage) waits until it answers and goes
on the same way, in the same worker.
"""

import logging
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Now
from django.tasks import task
from django.utils import timezone

from apps.articles.bulk import copy_insert
from apps.articles.models import Article
from apps.articles.services import refresh_statistics
from apps.imports.inputs import Input, PastedText, WebAddress, file_inputs
from apps.imports.models import HEARTBEAT_SECONDS, ImportJob, ImportUpload, JobOutcome, Outcome
from apps.imports.parallel import Chunk, GracefulStop, ImportProcesses, import_chunks, process_pool, processes_for
from apps.imports.store import ImportOutcome
from apps.imports.uploads import import_dir, remove_abandoned_uploads
from config.middleware import is_database_outage
from config.outages import wait_for_database, when_database_answers

logger = logging.getLogger(__name__)

STOPPED_BY_ERROR = (
    "The import stopped because of an error, which was logged. The articles counted as imported are "
    "stored; import the same files again to add the rest (what is stored already is skipped)."
)


def import_processes() -> int:
    return settings.IMPORT_PROCESSES or os.process_cpu_count() or 1


def start_import_job(
    *, project, user, uploads: Iterable[File | tuple[str, bytes]] = (), text: str = "", title: str = "", url: str = ""
) -> ImportJob:
    """Keep the inputs in the import folder and queue their import; return the job to follow.

    `uploads` are files, or (name, bytes) pairs. The import page's files are in the import
    folder already (see uploads.py) and are moved, not copied. The job reads the pasted text,
    then the address, then the files.
    """
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=import_dir()))
    try:
        inputs = []
        if text.strip():
            pasted = ContentFile(text.encode(), name="pasted text")
            path = keep_file(pasted, folder / "pasted.txt")
            inputs.append(
                ImportUpload(kind=ImportUpload.Kind.PASTED, name=pasted.name, path=path, size=pasted.size, title=title)
            )
        if url:
            inputs.append(ImportUpload(kind=ImportUpload.Kind.URL, name=url))
        for number, upload in enumerate(uploads, start=1):
            if isinstance(upload, tuple):
                upload = ContentFile(upload[1], name=upload[0])
            path = keep_file(upload, folder / f"{number}.upload")
            inputs.append(ImportUpload(kind=ImportUpload.Kind.FILE, name=upload.name, path=path, size=upload.size))
        with transaction.atomic():
            job = ImportJob.objects.create(project=project, created_by=user)
            for each in inputs:
                each.job = job
            ImportUpload.objects.bulk_create(inputs)
            # The task is a row in this same database: queued in this transaction, no job is
            # left without its task (nor a task without its job) whatever stops in between.
            import_uploads.enqueue(job.pk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job


def keep_file(upload: File, path: Path) -> str:
    """Put the upload at `path`: moved if it waits in the import folder already, else written there."""
    waiting = getattr(upload, "temporary_file_path", None)
    if waiting and Path(waiting()).is_relative_to(import_dir()):
        os.replace(waiting(), path)
    else:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as kept:
            for chunk in upload.chunks():
                kept.write(chunk)
    return str(path)


# Before story matching and other background work: someone is waiting on the job's page.
@task(priority=10)
def import_uploads(job_id: int) -> None:
    """Run a queued import job (see start_import_job)."""
    job = when_database_answers(ImportJob.objects.select_related("project", "created_by").filter(pk=job_id).first)
    if job is not None:
        # Who the history names for what the job writes (pghistory's triggers read it).
        with pghistory.context(user=job.created_by_id, import_job=job.pk):
            run_import_job(job)


def run_import_job(job: ImportJob) -> None:
    """Import the job's inputs, recording progress and outcomes after each chunk.

    A job that is not queued (finished, or taken by another worker) is left alone. Asked to
    stop (SIGTERM, Ctrl-C), the worker finishes the chunks under way and queues the job again,
    to go on from there; an error fails the job, keeping what was stored; an outage of the
    database is waited out (see JobRun.go_on).
    """
    if not when_database_answers(claim, job):
        return
    run = JobRun(job)
    while run is not None:
        run = run.go_on()
    # Outside the job's own handling: the job is recorded, whatever happens here.
    refresh_statistics(ImportJob.objects.filter(pk=job.pk).values_list("imported", flat=True).first() or 0)


def claim(job: ImportJob) -> bool:
    """Start a run of the queued job; False when it is not queued."""
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, run=F("run") + 1, heartbeat_at=Now()
    )
    if not claimed:
        return False
    # The worker's clock, as that of the articles' imported_at (see JobRun.own_articles).
    ImportJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    job.refresh_from_db()
    return True


def job_inputs(job: ImportJob) -> Iterator[Input]:
    for upload in job.uploads.all():
        if upload.kind == ImportUpload.Kind.PASTED:
            yield PastedText(upload.path, upload.title, upload.size)
        elif upload.kind == ImportUpload.Kind.URL:
            yield WebAddress(upload.name)
        else:
            yield from file_inputs(Path(upload.path), upload.name, upload.size)


class JobRun:
    """One worker's run of a job. Every write checks that the job is still this run's."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.this_run = ImportJob.objects.filter(pk=job.pk, run=job.run, state=ImportJob.State.RUNNING)

    def go_on(self) -> "JobRun | None":
        """Import what is left; return the run that goes on after an outage of the database, else None."""
        job = self.job
        stop = None
        try:
            # The heartbeat outlasts the processes, which finish the chunks under way when left,
            # but its thread starts after they were forked (see parallel.worker_context).
            with Heartbeat(self) as heartbeat, self.process_pool() as pool, GracefulStop() as stop:
                heartbeat.start()
                ours = self.import_inputs(pool, stop)
            if not ours:
                logger.warning("Import job %s was taken over by another worker; this run stopped.", job.pk)
            elif stop.requested:
                self.hand_back()
            else:
                self.end(ImportJob.State.DONE)
        except BrokenProcessPool:
            # One of its processes was killed (out of memory, say): the job is restarted like one
            # whose worker died, and fails if that keeps happening.
            logger.exception("Import job %s lost a worker process", job.pk)
            when_database_answers(restart_job, self.this_run)
        except Exception as error:
            if is_database_outage(error):
                if stop is not None and stop.requested:
                    return None  # the worker stops: the next takes the job over once it is stale
                logger.warning("Import job %s lost its database (%s); going on once it answers", job.pk, error)
                return self.resumed()
            logger.exception("Import job %s failed", job.pk)
            self.end(ImportJob.State.FAILED, error=STOPPED_BY_ERROR)
            raise
        except BaseException:
            # Stopped at once (a second signal): the chunks under way are lost, not what was recorded.
            self.hand_back()
            raise
        return None

    def resumed(self) -> "JobRun | None":
        """The run that goes on once the database answers, from what it says was recorded.

        What the chunks under way stored without being recorded is read again and counted as
        the job's own (see own_articles); None when the worker stops meanwhile, or another run
        took the job over.
        """
        while wait_for_database():
            try:
                if not self.this_run.update(run=F("run") + 1, heartbeat_at=Now()):
                    logger.warning("Import job %s was taken over by another worker; this run stopped.", self.job.pk)
                    return None
                self.job.refresh_from_db()
            except DatabaseError as error:
                if not is_database_outage(error):
                    raise
                continue
            logger.info("Import job %s goes on after input %s", self.job.pk, self.job.position)
            return JobRun(self.job)
        return None

    def bytes_left(self) -> int:
        """The size of the inputs not imported yet, taking them as equally large."""
        job = self.job
        size = sum(upload.size for upload in job.uploads.all())
        return size * (job.total - job.position) // max(1, job.total)

    def process_pool(self):
        """The processes to import what is left in (see parallel.process_pool)."""
        job = self.job
        if job.total is None:
            job.total = sum(1 for _ in job_inputs(job))
            self.this_run.update(total=job.total)
        return process_pool(processes_for(self.bytes_left(), import_processes()))

    def import_inputs(self, pool: ImportProcesses | None, stop: GracefulStop) -> bool:
        """Import what the job has not recorded yet; False if another run took the job over."""
        job = self.job
        chunks = import_chunks(
            project=job.project,
            inputs=islice(job_inputs(job), job.position, None),
            user=job.created_by,
            pool=pool,
            stop=stop,
        )
        for chunk in chunks:
            if not self.record(chunk):
                chunks.close()
                return False
        return True

    def record(self, chunk: Chunk) -> bool:
        """Count the chunk's outcomes and list the first of each kind; False if the job is no longer this run's."""
        job = self.job
        # After the first run, some of what is read again may have been stored by a run that
        # was stopped before it could record it.
        outcomes = self.own_articles(chunk.outcomes) if job.run > 1 else chunk.outcomes
        before = {Outcome.IMPORTED: job.imported, Outcome.DUPLICATE: job.duplicates, Outcome.REFUSED: job.refused}
        counts, listed, limit = Counter(), [], settings.IMPORT_JOB_LISTED_OUTCOMES
        for number, outcome in enumerate(outcomes, start=job.processed):
            if before[outcome.status] + counts[outcome.status] < limit:
                listed.append(
                    JobOutcome(
                        job=job,
                        position=number,
                        label=outcome.label,
                        status=outcome.status,
                        message=outcome.message,
                        article_id=outcome.article_id,
                    )
                )
            counts[outcome.status] += 1
            counts["normalised"] += outcome.status == Outcome.IMPORTED and outcome.normalised
        with transaction.atomic():
            ours = self.this_run.update(
                imported=F("imported") + counts[Outcome.IMPORTED],
                normalised=F("normalised") + counts["normalised"],
                duplicates=F("duplicates") + counts[Outcome.DUPLICATE],
                refused=F("refused") + counts[Outcome.REFUSED],
                position=F("position") + chunk.inputs,
                heartbeat_at=Now(),
            )
            if not ours:
                return False
            copy_insert(listed)  # 10,000 rows for a large job: COPY takes half the time of INSERT
        job.imported += counts[Outcome.IMPORTED]
        job.duplicates += counts[Outcome.DUPLICATE]
        job.refused += counts[Outcome.REFUSED]
        job.normalised += counts["normalised"]
        job.position += chunk.inputs
        return True

    def own_articles(self, outcomes: list[ImportOutcome]) -> list[ImportOutcome]:
        """The outcomes, with this job's own articles among the duplicates counted as imported.

        A run that died, or was stopped at once, may have stored the chunks it had under way
        without recording them; read again, they come back as duplicates. An article that the
        job's user imported under the same name (file and line) since the job started is one
        of them.
        """
        job = self.job
        repeated = {outcome.article_id for outcome in outcomes if outcome.status == Outcome.DUPLICATE}
        if not repeated:
            return outcomes
        names = dict(
            Article.objects.filter(
                pk__in=repeated, project=job.project, imported_by=job.created_by, imported_at__gte=job.started_at
            ).values_list("pk", "original_name")
        )
        return [
            ImportOutcome(
                outcome.label, Outcome.IMPORTED, article_id=outcome.article_id, article_title=outcome.article_title
            )
            if outcome.status == Outcome.DUPLICATE and names.get(outcome.article_id) == outcome.label[:500]
            else outcome
            for outcome in outcomes
        ]

    def hand_back(self) -> None:
        """Queue the job again, to go on after what was recorded: the worker is stopping."""
        with transaction.atomic():
            if self.this_run.update(state=ImportJob.State.QUEUED, heartbeat_at=None):
                import_uploads.enqueue(self.job.pk)

    def end(self, state: ImportJob.State, error: str = "") -> None:
        with transaction.atomic():
            paths = end_job(self.this_run, state=state, error=error)
        remove_files(paths)


def end_job(jobs: QuerySet, *, state: ImportJob.State, error: str = "") -> list[str]:
    """Finish the job `jobs` selects and forget its inputs; return the files to delete once committed.

    Call inside a transaction. Nothing happens if `jobs` no longer selects it.
    """
    job = jobs.select_for_update().first()
    if job is None:
        return []
    paths = [path for path in job.uploads.values_list("path", flat=True) if path]
    job.uploads.all().delete()
    jobs.update(state=state, error=error, finished_at=Now(), heartbeat_at=None)
    return paths


def remove_files(paths: list[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
    for folder in {Path(path).parent for path in paths}:
        shutil.rmtree(folder, ignore_errors=True)
    remove_abandoned_uploads()


def restart_stale_jobs(jobs: QuerySet | None = None) -> None:
    """Queue again the running jobs whose worker died; fail those that died too often."""
    jobs = ImportJob.objects.all() if jobs is None else jobs
    for pk in jobs.stale().values_list("pk", flat=True):
        restart_job(ImportJob.objects.filter(pk=pk).stale())


def restart_job(jobs: QuerySet) -> None:
    """Queue the job `jobs` selects again, unless it was restarted IMPORT_JOB_MAX_RESTARTS times: then it fails."""
    paths = []
    with transaction.atomic():
        job = jobs.select_for_update().first()
        if job is None:
            return
        restarts = job.restarts + 1
        this_job = ImportJob.objects.filter(pk=job.pk)
        if restarts > settings.IMPORT_JOB_MAX_RESTARTS:
            this_job.update(restarts=restarts)
            error = (
                f"The import stopped {restarts} times before it could finish (its worker was stopped or ran out "
                f"of memory), so it was given up. The {job.imported} articles counted as imported are stored; "
                "import the same files again to add the rest (what is stored already is skipped)."
            )
            paths = end_job(this_job, state=ImportJob.State.FAILED, error=error)
        else:
            this_job.update(state=ImportJob.State.QUEUED, restarts=restarts, heartbeat_at=None)
            import_uploads.enqueue(job.pk)
    if paths:
        remove_files(paths)


class Heartbeat:
    """Record that the run is alive every HEARTBEAT_SECONDS, from a thread started by `start`,
    however long a chunk takes, until it is left."""

    def __init__(self, run: JobRun):
        self.this_run = run.this_run
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.beat, daemon=True, name=f"import-job-{run.job.pk}-heartbeat")

    def __enter__(self):
        return self

    def start(self) -> None:
        self.thread.start()

    def __exit__(self, *exc_info):
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()

    def beat(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    self.this_run.update(heartbeat_at=Now())
                except DatabaseError as error:
                    # The run's own writes meet the same trouble; if the beat stays away too
                    # long, the job is restarted and this run stops at its next record.
                    logger.warning("Import heartbeat not recorded: %s", error)
                    # A connection cut by the database fails every statement after: the next
                    # beat opens another.
                    connection.close()
        finally:
            connection.close()  # this thread's own
