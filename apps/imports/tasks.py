"""Large browser imports, run by the background worker (`manage.py db_worker`)."""

import logging
from collections import Counter

from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from apps.imports.models import ImportJob, ImportUpload
from apps.imports.readers import read_upload
from apps.imports.store import Outcome, import_stream

logger = logging.getLogger(__name__)

# Articles stored between two progress updates of a background import.
PROGRESS_STEP = 25


def start_import_job(*, project, user, uploads: list[tuple[str, bytes]]) -> ImportJob:
    """Keep the uploads and queue their import as a background task; return the job to follow."""
    with transaction.atomic():
        job = ImportJob.objects.create(project=project, created_by=user)
        ImportUpload.objects.bulk_create(ImportUpload(job=job, name=name, data=data) for name, data in uploads)
        transaction.on_commit(lambda: import_uploads.enqueue(job.pk))
    return job


@task
def import_uploads(job_id: int) -> None:
    """Run a queued import job (see start_import_job)."""
    run_import_job(ImportJob.objects.select_related("project", "created_by").get(pk=job_id))


def run_import_job(job: ImportJob) -> None:
    """Import the job's uploads, recording progress as it goes and every outcome at the end.

    If the import stops half-way, what was stored stays stored and the job says so: running
    the same files again imports the rest and skips the rest as duplicates.
    """
    this_job = ImportJob.objects.filter(pk=job.pk)
    this_job.update(state=ImportJob.State.RUNNING)
    try:
        items = [item for upload in job.uploads.all() for item in read_upload(upload.name, bytes(upload.data))]
        this_job.update(total=len(items))
        outcomes, step = [], Counter()
        for outcome in import_stream(project=job.project, items=items, user=job.created_by, batch_size=PROGRESS_STEP):
            outcomes.append(outcome.as_dict())
            step[outcome.status] += 1
            if step.total() == PROGRESS_STEP:
                record_progress(this_job, step)
                step = Counter()
        record_progress(this_job, step)
        job.uploads.all().delete()
        this_job.update(state=ImportJob.State.DONE, outcomes=outcomes, finished_at=timezone.now())
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        this_job.update(
            state=ImportJob.State.FAILED,
            finished_at=timezone.now(),
            error="The import stopped because of an error, which was logged. The articles counted as "
            "imported are stored; import the same files again to add the rest.",
        )
        raise


def record_progress(this_job, counts: Counter) -> None:
    this_job.update(
        imported=F("imported") + counts[Outcome.IMPORTED],
        duplicates=F("duplicates") + counts[Outcome.DUPLICATE],
        refused=F("refused") + counts[Outcome.REFUSED],
    )
