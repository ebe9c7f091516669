"""Background import jobs: progress, bounded outcomes, and workers that die or are stopped midway."""

import json
import re
import signal
import time
from datetime import timedelta

import psutil
import pytest
from django.db import connection
from django.utils import timezone

from apps.articles.models import Article
from apps.imports.models import ImportJob, JobOutcome
from apps.imports.parallel import processes_for
from apps.imports.tasks import JobRun, claim, import_processes, run_import_job, start_import_job
from tests.conftest import ENGLISH_SEED, GERMAN_SEED, client_for
from tests.imports.conftest import manage, stop_worker, write_jsonl


def wait_until(condition, timeout=60.0, step=0.02):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def finish_with_a_worker(job: ImportJob) -> None:
    """Run `manage.py db_worker` until the job is finished, then stop it.

    Not to the end of its queue: the story matches of thousands of new articles come after.
    """
    worker = manage("db_worker", "--no-startup-delay", "--no-reload", "--interval=0.1")
    state = ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True)
    wait_until(lambda: state.get() in {"done", "failed"} or worker.poll() is not None, timeout=120)
    stop_worker(worker)


def test_progress_page_polls_until_the_job_is_finished(client, analyst, project):
    job = ImportJob.objects.create(
        project=project,
        created_by=analyst,
        state="running",
        total=100,
        position=25,
        imported=20,
        duplicates=3,
        refused=2,
        heartbeat_at=timezone.now(),
    )
    client_for(client, analyst)
    running = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="load delay:250ms"' in running and "Importing: 25 of 100 lines and files read" in running
    assert '<progress value="25" max="100">' in running
    assert "20 imported, 3 duplicates skipped, 2 refused." in running
    # After its first seconds, a long import is followed every second.
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=11))
    later = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="load delay:1s"' in later and "Importing: 25 of 100" in later
    ImportJob.objects.filter(pk=job.pk).update(state="done")
    done = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "Done." in done and "<progress" not in done


def test_other_projects_jobs_are_not_found(client, outsider, analyst, project):
    job = ImportJob.objects.create(project=project, created_by=analyst)
    client_for(client, outsider)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_a_job_lists_the_first_outcomes_of_each_kind_and_counts_them_all(client, analyst, project, settings):
    settings.IMPORT_JOB_LISTED_OUTCOMES = 5
    lines = [json.dumps({"text": f"Report {n}: the mayor of town {n} resigned on {n} March."}) for n in range(9)]
    lines += lines[:3] + ["not json"] * 6
    job = start_import_job(project=project, user=analyst, uploads=[("dump.jsonl", "\n".join(lines).encode())])
    run_import_job(job)
    job.refresh_from_db()
    assert (job.state, job.total, job.imported, job.duplicates, job.refused) == ("done", 18, 9, 3, 6)
    listed = list(job.listed_outcomes.values_list("status", "label"))
    assert [label for _, label in listed] == [
        f"dump.jsonl line {n}" for n in [*range(1, 6), 10, 11, 12, 13, 14, 15, 16, 17]
    ]
    page = client_for(client, analyst).get(job.get_absolute_url()).content.decode()
    assert "9 imported, 3 duplicates skipped, 6 refused." in page
    assert page.count('class="outcome outcome-') == 13
    assert "Listed: the first 5 of each kind; the counts above are complete." in page


def test_a_large_jobs_outcomes_are_listed_a_page_at_a_time_and_by_kind(client, analyst, project, monkeypatch):
    monkeypatch.setattr("apps.imports.views.OUTCOMES_PER_PAGE", 4)
    lines = [json.dumps({"text": f"Report {n}: the harbour of town {n} closed on {n} May."}) for n in range(7)]
    lines.insert(2, "not json")
    lines.append(lines[0])
    job = start_import_job(project=project, user=analyst, uploads=[("dump.jsonl", "\n".join(lines).encode())])
    run_import_job(job)
    client_for(client, analyst)

    def shown(query=""):
        page = client.get(job.get_absolute_url() + query).content.decode()
        return re.findall(r"<td dir=\"auto\">dump.jsonl line (\d+)</td>", page), page

    first, page = shown()
    assert first == ["1", "2", "3", "4"]
    assert "7 imported, 1 duplicate skipped, 1 refused." in page and "Page 1 of 3" in page
    assert '<a href="?page=2">Next</a>' in page and "Previous" not in page
    last, page = shown("?page=3")
    assert last == ["9"] and '<a href="?page=2">Previous</a>' in page
    refused, page = shown("?status=refused")
    assert refused == ["3"] and "<strong>refused</strong>" in page and "Page 1 of" not in page
    assert '<a href="?">all</a>' in page and '<a href="?status=duplicate">duplicate</a>' in page
    assert shown("?status=bogus&page=99")[0] == ["9"]  # an unknown kind shows all; a page past the end, the last


def test_a_job_that_breaks_says_so_and_forgets_its_files(analyst, project, import_dir):
    job = start_import_job(
        project=project,
        user=analyst,
        uploads=[("en.txt", ENGLISH_SEED.read_bytes()), ("de.txt", GERMAN_SEED.read_bytes())],
    )
    [*_, german] = job.uploads.all()
    assert german.path.startswith(str(import_dir))
    (import_dir / german.path).unlink()  # the folder was cleaned up under the job's feet
    with pytest.raises(FileNotFoundError):
        run_import_job(job)
    job.refresh_from_db()
    assert job.state == "failed" and "import the same files again" in job.error
    assert job.finished_at is not None and not job.uploads.exists()
    assert not any(path.is_file() for path in import_dir.rglob("*"))


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_died_is_resumed_from_its_page_until_it_has_died_too_often(
    client, analyst, project, settings, import_dir
):
    """A worker that died leaves its job running with a heartbeat that grows old."""
    settings.IMPORT_JOB_STALE_SECONDS = 1
    settings.IMPORT_JOB_MAX_RESTARTS = 1
    client_for(client, analyst)
    job = start_import_job(project=project, user=analyst, uploads=[("en.txt", ENGLISH_SEED.read_bytes())])
    assert claim(job)  # a worker starts on it, then dies
    page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "Importing" in page, "a fresh heartbeat: the worker may be busy"
    time.sleep(1.5)
    page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "The worker importing this stopped (1 time); waiting for a worker to go on" in page
    assert 'hx-trigger="load delay:250ms"' in page
    job.refresh_from_db()
    assert (job.state, job.restarts) == ("queued", 1)
    assert claim(job)  # the next worker dies too
    time.sleep(1.5)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The import stopped 2 times before it could finish" in page and "The 0 articles counted" in page
    assert 'hx-trigger="load' not in page  # the job page asks no more
    assert not job.uploads.exists() and not any(path.is_file() for path in import_dir.rglob("*"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
def test_a_job_whose_worker_stops_midway_is_finished_by_the_next_with_every_article_once(
    client, analyst, project, settings, tmp_path, import_dir, signum, monkeypatch
):
    """Real `manage.py db_worker` processes on a job of a few thousand lines; the first one is
    stopped while it imports: killed outright, or asked to stop (SIGTERM, as `make run` and
    container runtimes do)."""
    settings.IMPORT_JOB_STALE_SECONDS = 2
    # With its import processes, which must stop with it, however small the job.
    monkeypatch.setenv("IMPORT_IN_PROCESS_BYTES", "0")
    count = 5000
    client_for(client, analyst)
    with write_jsonl(tmp_path / "dump.jsonl", count).open("rb") as dump:
        client.post("/imports/", {"project": project.pk, "files": [dump]})
    job = ImportJob.objects.get()
    position = ImportJob.objects.filter(pk=job.pk).values_list("position", flat=True)

    worker = manage("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    wait_until(lambda: position.get() >= 750)
    helpers = psutil.Process(worker.pid).children(recursive=True)  # the forkserver and the importing processes
    assert len(helpers) >= 2
    worker.send_signal(signum)
    _, errors = worker.communicate(timeout=60)
    _, still_running = psutil.wait_procs(helpers, timeout=10)
    assert not still_running, "no process of the stopped worker goes on"
    job.refresh_from_db()
    assert 0 < job.position < count
    if signum == signal.SIGKILL:
        assert job.state == "running"

        def job_page() -> str:
            return client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()

        # Until its heartbeat is older than the stale limit the page says it is importing.
        wait_until(lambda: "The worker importing this stopped (1 time)" in job_page(), step=0.2)
        page = job_page()
        assert "The worker importing this stopped (1 time)" in page
    else:
        assert (worker.returncode, job.state, job.restarts) == (0, "queued", 0)
        assert "Traceback" not in errors
        assert job.processed == job.position == Article.objects.count(), "the chunks under way were finished"
        page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
        assert "Paused while the background worker restarts" in page
    assert 'hx-trigger="load delay:250ms"' in page

    finish_with_a_worker(job)
    job.refresh_from_db()
    assert (job.state, job.total, job.position) == ("done", count, count)
    assert (job.imported, job.duplicates, job.refused) == (count, 0, 0)
    names = list(Article.objects.filter(project=project).values_list("original_name", flat=True))
    assert sorted(names) == sorted(f"dump.jsonl line {n}" for n in range(1, count + 1))
    listed = JobOutcome.objects.filter(job=job)
    assert listed.filter(status="imported").count() == count
    assert sorted(listed.values_list("position", flat=True)) == list(range(count))
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Done." in page and f"{count} imported, 0 duplicates skipped, 0 refused." in page
    assert not job.uploads.exists() and not any(path.is_file() for path in import_dir.rglob("*"))


@pytest.mark.parametrize(("limit", "processes"), [(10**9, 1), (0, 3)], ids=["small job", "large job"])
def test_a_job_is_imported_in_the_worker_s_own_process_up_to_the_size_limit(
    client, analyst, project, settings, tmp_path, limit, processes
):
    settings.IMPORT_IN_PROCESS_BYTES = limit
    settings.IMPORT_PROCESSES = 3
    client_for(client, analyst)
    dump = write_jsonl(tmp_path / "dump.jsonl", 40)
    with dump.open("rb") as file:
        client.post("/imports/", {"project": project.pk, "files": [file]})
    job = ImportJob.objects.get()
    claim(job)
    run = JobRun(job)
    job.total = 40
    assert run.bytes_left() == dump.stat().st_size
    job.position = 30
    assert run.bytes_left() == dump.stat().st_size // 4
    assert processes_for(run.bytes_left(), import_processes()) == processes


def test_a_large_job_refreshes_the_planner_s_count_of_articles(client, analyst, project, tmp_path):
    client_for(client, analyst)
    with write_jsonl(tmp_path / "dump.jsonl", 1100).open("rb") as dump:
        client.post("/imports/", {"project": project.pk, "files": [dump]})
    run_import_job(ImportJob.objects.get())
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Article._meta.db_table])
        assert cursor.fetchone()[0] == Article.objects.count() == 1100
