"""Large exports, written by the background worker (`manage.py db_worker`) into EXPORT_DIR.

An export only reads, so a job whose worker died is simply written again from the start: the
worker (every few seconds, see db_worker), or a look at its page, finds it stale (no progress
for models.STALE_AFTER) and queues it again. One that loses its database waits until it
answers, and is queued again then.
"""

import logging
import time
from dataclasses import replace

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.tasks import task

from apps.exports.formats import FORMATS, Format, export_chunks
from apps.exports.models import HEARTBEAT_SECONDS, MAX_RESTARTS, ExportJob
from apps.exports.partials import PartialFile
from apps.exports.rows import Selection
from apps.exports.services import export_context, export_dir, export_title, job_selection
from config.middleware import is_database_outage
from config.outages import wait_for_database, when_database_answers

logger = logging.getLogger(__name__)

FAILED = "The export stopped because of an error, which was logged. Start it again from the same link."


def start_export_job(*, fmt: Format, selection: Selection, user, base_url: str) -> ExportJob:
    """Queue a large export for the background worker; return the job to follow."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            project_id=selection.project_id,
            article_id=selection.article_id,
            story_id=selection.story_id,
            status=selection.status,
            analyst=selection.analyst,
            filters=selection.parameters(),
            format=fmt.name,
            base_url=base_url,
            created_by=user,
            total=fmt.annotations(selection).count(),
        )
        # The task is a row of this database, queued in the same transaction as its job.
        run_export.enqueue(job.pk)
    return job


@task(priority=10)
def run_export(job_id: int) -> None:
    when_database_answers(remove_expired_files)
    claimed = when_database_answers(
        ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update,
        state=ExportJob.State.RUNNING,
        run=F("run") + 1,
        heartbeat_at=Now(),
        done=0,
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("project").get(pk=job_id)
    this_run = ExportJob.objects.filter(pk=job.pk, run=job.run, state=ExportJob.State.RUNNING)
    fmt = FORMATS[job.format]
    file_name = f"export-{job.pk}.{fmt.extension}"
    try:
        # Each run its own partial file: a run thought dead may still be writing its own.
        with PartialFile(export_dir() / file_name, suffix=f".{job.run}.part") as partial:
            written = write_export(job, fmt, this_run, partial.file)
            if written is None:
                logger.warning("Export job %s was taken over by another worker; this run stopped.", job.pk)
                return
            partial.complete()
        this_run.update(
            state=ExportJob.State.DONE,
            # What the file holds, as the page says when done.
            done=written,
            file_name=file_name,
            size=(export_dir() / file_name).stat().st_size,
            finished_at=Now(),
            heartbeat_at=None,
        )
    except Exception as error:
        if is_database_outage(error):
            logger.warning("Export job %s lost its database (%s); written again once it answers", job.pk, error)
            if wait_for_database():
                when_database_answers(queue_again, this_run)
            return
        logger.exception("Export job %s failed", job.pk)
        this_run.update(state=ExportJob.State.FAILED, error=FAILED, finished_at=Now(), heartbeat_at=None)
        raise


def queue_again(this_run) -> None:
    """Queue the job of this run again, to be written from the start, unless another run took it over."""
    with transaction.atomic():
        job = this_run.first()
        if job is not None and this_run.update(state=ExportJob.State.QUEUED, heartbeat_at=None):
            run_export.enqueue(job.pk)


def write_export(job: ExportJob, fmt: Format, this_run, file) -> int | None:
    """Write the export to `file`, recording progress; return how many annotations it holds, or
    None when the job is no longer this run's."""
    # As the user who started it sees the project: blind mode may hide others' annotations from them.
    selection = replace(job_selection(job), viewer=job.created_by)
    progress = Recorder(this_run)
    context = export_context(
        fmt, selection, base_url=job.base_url, title=export_title(job.project, selection), progress=progress
    )
    for chunk in export_chunks(fmt, selection, context):
        file.write(chunk)
        if progress.lost:
            return None
    return context.tally.annotations


class Recorder:
    """Record how far the export got, at most every HEARTBEAT_SECONDS; that is its heartbeat too."""

    def __init__(self, this_run):
        self.this_run = this_run
        self.done = 0
        self.recorded_at = time.monotonic()
        self.lost = False

    def __call__(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.recorded_at >= HEARTBEAT_SECONDS:
            self.recorded_at = time.monotonic()
            self.lost = not self.this_run.update(done=self.done, heartbeat_at=Now())


def restart_stale_exports() -> None:
    """Queue again the exports whose worker died (see restart_if_stale)."""
    for job in ExportJob.objects.stale().only("pk"):
        restart_if_stale(job)


def restart_if_stale(job: ExportJob) -> None:
    """Queue again a job whose worker died, or fail it if that happened MAX_RESTARTS times."""
    with transaction.atomic():
        stale = ExportJob.objects.filter(pk=job.pk).stale().select_for_update().first()
        if stale is None:
            return
        if stale.restarts >= MAX_RESTARTS:
            error = f"The export's worker stopped {stale.restarts + 1} times, so it was given up. Start it again."
            ExportJob.objects.filter(pk=job.pk).update(
                state=ExportJob.State.FAILED, error=error, finished_at=Now(), heartbeat_at=None
            )
        else:
            ExportJob.objects.filter(pk=job.pk).update(
                state=ExportJob.State.QUEUED, restarts=F("restarts") + 1, heartbeat_at=None
            )
            run_export.enqueue(job.pk)


def remove_expired_files() -> None:
    """Delete the files of exports finished more than KEPT_FOR ago; their pages say the file is gone."""
    for pk, file_name in ExportJob.objects.expired().values_list("pk", "file_name"):
        (export_dir() / file_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=pk).update(file_name="")
