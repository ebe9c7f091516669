"""Exports that are stopped midway leave no partial file for good, and the worker takes over the
export jobs of a worker that died without anybody opening their page."""

import io
import signal
import subprocess
import sys
import time

import psutil
import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.exports.models import ExportJob
from apps.exports.partials import PartialFile, PartialFileInUse, remove_abandoned_partials
from bench.export_seed import seed
from tests.imports.conftest import PROJECT_ROOT, run_worker, stop_worker, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

# Enough that writing them takes a while, so that the export can be caught midway.
ANNOTATIONS = 20_000


@pytest.fixture
def large_project():
    return seed("Large", ANNOTATIONS)


def start(*args, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=subprocess_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def paused_while_writing(process: subprocess.Popen, partial_files) -> None:
    """Pause the process (SIGSTOP) once one of `partial_files()` exists and it is still writing it."""
    deadline = time.monotonic() + 120
    watched = psutil.Process(process.pid)
    while True:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no partial file was ever written"
        if partial_files():
            process.send_signal(signal.SIGSTOP)
            while watched.status() != psutil.STATUS_STOPPED:
                time.sleep(0.001)
            if partial_files():
                return
            process.send_signal(signal.SIGCONT)
        time.sleep(0.002)


def test_an_export_command_stopped_by_sigterm_deletes_its_partial_file(large_project, tmp_path, private_export_folder):
    output = tmp_path / "all.jsonld"
    partial = tmp_path / "all.jsonld.part"
    export = start(
        "export", str(large_project.pk), "--format", "w3c", "-o", str(output), EXPORT_DIR=str(private_export_folder)
    )
    paused_while_writing(export, partial.exists)
    export.send_signal(signal.SIGTERM)
    export.send_signal(signal.SIGCONT)
    _, errors = export.communicate(timeout=60)
    assert export.returncode == 1
    assert f"Stopped before the end of the export; {output} was not written." in errors
    assert not partial.exists() and not output.exists()
    assert not any((private_export_folder / "partial").iterdir())


def test_the_partial_file_of_a_killed_export_command_is_deleted_by_the_next_run(
    large_project, tmp_path, private_export_folder
):
    partial = tmp_path / "all.csv.part"
    export = start(
        "export",
        str(large_project.pk),
        "--format",
        "csv",
        "-o",
        str(tmp_path / "all.csv"),
        EXPORT_DIR=str(private_export_folder),
    )
    paused_while_writing(export, partial.exists)
    export.kill()
    export.communicate()
    assert partial.exists()
    errors = io.StringIO()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    call_command("export", str(large_project.pk), "--format", "csv", "-o", str(elsewhere / "one.csv"), stderr=errors)
    assert f"Deleted {partial}, left by an export that was stopped." in errors.getvalue()
    assert not partial.exists() and (elsewhere / "one.csv").exists()


def test_a_partial_file_being_written_is_left_alone_and_not_written_twice(tmp_path, private_export_folder):
    with PartialFile(tmp_path / "out.csv") as writing:
        writing.file.write(b"half")
        assert remove_abandoned_partials() == []
        with pytest.raises(PartialFileInUse), PartialFile(tmp_path / "out.csv"):
            pass
        assert (tmp_path / "out.csv.part").exists()
        writing.complete()
    assert (tmp_path / "out.csv").read_bytes() == b"half"
    assert not (tmp_path / "out.csv.part").exists() and remove_abandoned_partials() == []


def test_the_partial_file_of_a_killed_worker_s_export_is_deleted_when_the_next_worker_starts(
    large_project, analyst, private_export_folder
):
    from apps.exports.formats import FORMATS
    from apps.exports.rows import Selection
    from apps.exports.tasks import start_export_job

    job = start_export_job(
        fmt=FORMATS["w3c"], selection=Selection(large_project.pk), user=analyst, base_url="http://testserver"
    )
    arguments = ("db_worker", "--no-startup-delay", "--no-reload", "--interval=0.2")
    worker = start(*arguments, EXPORT_DIR=str(private_export_folder))
    partials = lambda: list(private_export_folder.glob(f"export-{job.pk}.*.part"))  # noqa: E731
    paused_while_writing(worker, partials)
    [partial] = partials()
    worker.kill()
    worker.communicate()
    assert partial.exists()
    worker = start(*arguments, EXPORT_DIR=str(private_export_folder))
    try:
        deadline = time.monotonic() + 60
        while partial.exists():
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the partial file was never deleted"
            time.sleep(0.05)
    finally:
        stop_worker(worker)


def test_the_worker_takes_over_an_export_whose_worker_died_with_nobody_watching(analyst, project):
    job = ExportJob.objects.create(
        project=project,
        created_by=analyst,
        format="w3c",
        base_url="http://testserver",
        state="running",
        run=1,
        heartbeat_at=timezone.now() - timezone.timedelta(minutes=5),
    )
    run_worker()  # the worker alone, no page opened
    job.refresh_from_db()
    assert (job.state, job.restarts) == ("done", 1) and job.size > 0
