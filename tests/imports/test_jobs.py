import pytest
from django.core.management import call_command

from apps.articles.models import Article
from apps.imports import tasks
from apps.imports.models import ImportJob
from apps.imports.tasks import run_import_job, start_import_job
from tests.conftest import ENGLISH_SEED, GERMAN_SEED, client_for


@pytest.mark.django_db(transaction=True)
def test_large_upload_is_queued_and_the_worker_imports_it(client, analyst, project, settings):
    settings.IMPORT_BACKGROUND_BYTES = 1000
    client_for(client, analyst)
    with ENGLISH_SEED.open("rb") as english, GERMAN_SEED.open("rb") as german:
        response = client.post(
            "/imports/",
            {
                "project": project.pk,
                "files": [english, german],
                "text": "A short pasted note about the council meeting today.",
            },
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.state, job.uploads.count(), Article.objects.count()) == ("queued", 2, 1)  # the pasted note
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    job.refresh_from_db()
    assert (job.state, job.total, job.imported, job.duplicates, job.refused) == ("done", 2, 2, 0, 0)
    assert [outcome["status"] for outcome in job.outcomes] == ["imported", "imported"]
    assert not job.uploads.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "2 imported, 0 duplicates skipped, 0 refused." in page and "hx-trigger" not in page


def test_progress_page_polls_until_the_job_is_finished(client, analyst, project):
    job = ImportJob.objects.create(
        project=project, created_by=analyst, state="running", total=100, imported=20, duplicates=3, refused=2
    )
    client_for(client, analyst)
    running = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in running and "25 of 100 articles" in running
    assert '<progress value="25" max="100">' in running
    ImportJob.objects.filter(pk=job.pk).update(state="done")
    done = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "Done." in done


def test_other_projects_jobs_are_not_found(client, outsider, analyst, project):
    job = ImportJob.objects.create(project=project, created_by=analyst)
    client_for(client, outsider)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_a_job_that_breaks_says_so_and_keeps_what_it_stored(analyst, project, monkeypatch):
    job = start_import_job(project=project, user=analyst, uploads=[("en.txt", ENGLISH_SEED.read_bytes())])

    def broken_reader(name, data):
        raise OSError("disk gone")

    monkeypatch.setattr(tasks, "read_upload", broken_reader)
    with pytest.raises(OSError):
        run_import_job(job)
    job.refresh_from_db()
    assert job.state == "failed" and "import the same files again" in job.error
    assert job.finished_at is not None
