from django.tasks import task

from apps.articles.models import ImportJob
from apps.articles.services import run_import_job


@task
def import_uploads(job_id: int) -> None:
    """Run a queued import job (see services.start_import_job); the db_worker command runs these."""
    run_import_job(ImportJob.objects.select_related("project", "created_by").get(pk=job_id))
