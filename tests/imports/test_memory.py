"""Memory stays flat whatever the upload: the web worker writes it to disk as it arrives, and the
background worker streams it line by line. Measured on real processes: the app under gunicorn,
fed over HTTP from a file, and `manage.py db_worker`."""

import http.client
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from apps.articles.models import Article
from apps.imports.models import ImportJob
from tests.conftest import client_for
from tests.imports.conftest import PROJECT_ROOT, manage, stop_worker, subprocess_env, write_jsonl

MB = 1024 * 1024
# Generous, for a loaded machine: the job must end at all; how soon is a figure, printed only.
IMPORT_DEADLINE = 900


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)[1]) * 1024


@pytest.fixture
def web_server(transactional_db):
    """The app under gunicorn with one worker, whose process id comes along."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", "1", "--timeout", "120"],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    [worker] = psutil.Process(server.pid).children()
    yield port, worker.pid
    server.terminate()
    server.wait(timeout=20)


def upload(port: int, session: str, project: int, path: Path, tmp_path: Path) -> str:
    """Post the file on the import page as a browser does, streaming the request from disk; return where it leads."""
    boundary = secrets.token_hex(16)
    body = tmp_path / "request.body"
    with body.open("wb") as out, path.open("rb") as data:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="project"\r\n\r\n{project}\r\n'.encode())
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'.encode())
        out.write(b"Content-Type: application/x-ndjson\r\n\r\n")
        while chunk := data.read(MB):
            out.write(chunk)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    token = secrets.token_hex(16)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(body.stat().st_size),
        "Cookie": f"sessionid={session}; csrftoken={token}",
        "X-CSRFToken": token,
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    with body.open("rb") as stream:
        connection.request("POST", "/imports/", body=stream, headers=headers)
        response = connection.getresponse()
    assert response.status == 302, response.read()[:2000]
    return response.getheader("Location")


def import_with_a_worker(job: ImportJob) -> dict:
    """Run `manage.py db_worker` until the job is done; its peak memory and that of its importing processes."""
    started = time.monotonic()
    deadline = started + IMPORT_DEADLINE
    worker = manage("db_worker", "--no-startup-delay", "--no-reload", "--interval=0.1")
    state = ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True)
    helpers_peak = 0
    while state.get() not in {"done", "failed"}:
        assert worker.poll() is None, "the worker ended before the job"
        assert time.monotonic() < deadline, f"the job is not done after {IMPORT_DEADLINE} s"
        for helper in psutil.Process(worker.pid).children(recursive=True):
            try:
                helpers_peak = max(helpers_peak, helper.memory_info().rss)
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.05)
    seconds = time.monotonic() - started
    figures = {"seconds": seconds, "worker_peak": peak_rss(worker.pid), "helper_peak": helpers_peak}
    stop_worker(worker)
    return figures


def test_an_upload_three_times_larger_costs_the_web_and_background_workers_no_more_memory(
    client, analyst, project, web_server, tmp_path, import_dir, monkeypatch
):
    port, web_worker = web_server
    # Both sizes with import processes, whose memory is compared too.
    monkeypatch.setenv("IMPORT_IN_PROCESS_BYTES", "0")
    session = client_for(client, analyst).cookies["sessionid"].value
    figures = {}
    for size, start in ((10, 0), (30, 100_000)):
        count = size * MB // 2270 + 1  # lines of about 2.2 KB
        dump = write_jsonl(tmp_path / f"dump-{size}.jsonl", count, start=start, words=150)
        location = upload(port, session, project.pk, dump, tmp_path)
        web_peak = peak_rss(web_worker)
        job = ImportJob.objects.get(pk=int(location.rstrip("/").rsplit("/", 1)[1]))
        assert [upload.size for upload in job.uploads.all()] == [dump.stat().st_size]
        figures[size] = {"articles": count, "bytes": dump.stat().st_size, "web_peak": web_peak}
        figures[size].update(import_with_a_worker(job))
        job.refresh_from_db()
        assert (job.state, job.imported, job.duplicates, job.refused) == ("done", count, 0, 0)
        assert not any(path.is_file() for path in import_dir.rglob("*")), "the upload is deleted once imported"
    print(
        "\nmemory:",
        {size: {k: round(v / MB, 1) if "peak" in k else v for k, v in f.items()} for size, f in figures.items()},
    )
    small, large = figures[10], figures[30]
    assert large["bytes"] > 3 * small["bytes"] - MB
    # A high-water mark that includes the first upload: the second may not raise it by a
    # fraction of its 30 MB.
    assert large["web_peak"] - small["web_peak"] < 5 * MB
    assert large["worker_peak"] < 1.3 * small["worker_peak"]
    assert large["helper_peak"] < 1.3 * small["helper_peak"]
    assert Article.objects.filter(project=project).count() == small["articles"] + large["articles"]
