"""Long fault runs (`make faults`): writers keep creating spans through a production server while
its database restarts and then stays down for ten seconds. No acknowledged write is lost, no write
answered 503 is stored, the app answers 503 while the database is down and serves again by itself."""

import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import psycopg
import pytest

from tests.config.servers import ROOT, Browser, collect_static, postmaster, start_gunicorn, stop

pytestmark = pytest.mark.fault

WRITERS = 4
SAVED = "Your change was saved"
# More words than the writers get through, however fast the machine: they stop once writing
# works again after the outage.
WORDS = 15000  # the text goes on a command line: at most 128 KB
# Generous, for a loaded machine: writing must work again by itself, how soon is only printed.
DEADLINE = 60
SETUP = """
from apps.articles.models import Article
from apps.articles.services import store_articles
from apps.projects.models import Project
from django.db import transaction
project = Project.objects.create(name="Faults")
with transaction.atomic():
    [article] = store_articles(articles=[Article(project=project, title="Words", text={text!r})])
print(article.pk)
"""


def words_text() -> str:
    return " ".join(f"w{n:05d}" for n in range(WORDS))


def word_span(n: int) -> tuple[int, int]:
    return n * 7, n * 7 + 6  # "w00000 " is seven characters


def test_writes_survive_a_restart_and_a_ten_second_outage(private_database, data_dir, tmp_path_factory, tmp_path):
    server, env = private_database
    article = int(shell(env, SETUP.format(text=words_text())).split()[-1])
    static_root = tmp_path_factory.mktemp("static")
    collect_static(static_root)
    gunicorn, port = start_gunicorn(env | {"STATIC_ROOT": str(static_root)}, tmp_path / "gunicorn.log", workers=3)
    outcomes: dict[int, str] = {}  # word -> "saved", "503", "refused NNN" or "no answer"
    answered_at: dict[int, float] = {}
    logins: dict[int, int] = {}  # writer -> the status of its login
    finished = threading.Event()

    def writer(offset: int):
        browser = Browser(port)
        browser.request("GET", "/login/", timeout=DEADLINE)
        logins[offset] = browser.request(
            "POST", "/login/", form={"username": "ana", "password": "right-pass-123"}, timeout=DEADLINE
        ).status
        if logins[offset] != 302:
            return
        word = offset
        while not finished.is_set() and word < WORDS:
            start, end = word_span(word)
            try:
                answer = browser.request(
                    "POST",
                    f"/annotations/article/{article}/new/",
                    form={"kind": "fact", "start": start, "end": end, "exact": f"w{word:05d}"[: end - start]},
                    headers={"HX-Request": "true"},
                    timeout=20,
                )
                # A change committed just before the database went away is still reported as saved.
                if answer.status == 200 and (re.search(r"data-created=\"\d+\"", answer.text) or SAVED in answer.text):
                    outcomes[word] = "saved"
                elif answer.status == 503:
                    outcomes[word] = "503"
                else:
                    outcomes[word] = f"refused {answer.status}"
            except OSError:
                outcomes[word] = "no answer"
            answered_at[word] = time.monotonic()
            word += WRITERS
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    try:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        # Each phase starts once the writers are at work, however loaded the machine.
        assert wait_until(lambda: len(logins) == WRITERS) and set(logins.values()) == {302}, logins
        assert wait_until(lambda: saved_since(started, outcomes, answered_at)), Counter(outcomes.values())
        postmaster(data_dir).send_signal(signal.SIGINT)  # a restart: down and straight up again
        postmaster_wait(data_dir)
        with server._lock:
            server.ensure_postgres_running()
        restarted = time.monotonic()
        wait_until(lambda: saved_since(restarted, outcomes, answered_at))  # asserted below, with the outage's
        postmaster(data_dir).send_signal(signal.SIGINT)  # an outage of ten seconds
        postmaster_wait(data_dir)
        time.sleep(10)
        with server._lock:
            server.ensure_postgres_running()
        back = time.monotonic()
        wait_until(lambda: saved_since(back, outcomes, answered_at))
        time.sleep(1)  # a few more writes once it works again
        finished.set()
        for thread in threads:
            thread.join()
        assert gunicorn.poll() is None  # served throughout, never restarted
    finally:
        finished.set()
        stop(gunicorn)

    stored = stored_words(env, article)
    saved = {word for word, outcome in outcomes.items() if outcome == "saved"}
    answered_503 = {word for word, outcome in outcomes.items() if outcome == "503"}
    assert saved - stored == set(), "acknowledged writes were lost"
    assert stored & answered_503 == set(), "writes answered 503 were stored"
    assert stored <= set(outcomes), "something was stored that nobody sent"
    assert answered_503, f"the outage was never answered with 503: {Counter(outcomes.values())}"
    refused = {outcome for outcome in outcomes.values() if outcome.startswith("refused")}
    assert refused == set(), refused
    # Writing works again by itself once the database is back, after the restart and the outage.
    assert saved_since(restarted, outcomes, answered_at), f"no write saved in the {DEADLINE} s after the restart"
    saved_after = saved_since(back, outcomes, answered_at)
    assert saved_after, f"no write saved in the {DEADLINE} s after the outage"
    print(f"\nwriting again {min(saved_after) - back:.1f} s after the database was back")


def wait_until(condition) -> bool:
    """Whether `condition()` came true within the generous deadline."""
    deadline = time.monotonic() + DEADLINE
    while not (met := condition()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return bool(met)


def saved_since(moment: float, outcomes: dict[int, str], answered_at: dict[int, float]) -> list[float]:
    """When the writes saved after `moment` were answered (the writers are still adding to both)."""
    return [
        answered_at[word]
        for word, outcome in list(outcomes.items())
        if outcome == "saved" and answered_at.get(word, 0) > moment
    ]


def postmaster_wait(data_dir, timeout=30):
    deadline = time.monotonic() + timeout
    while (data_dir / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def stored_words(env, article: int) -> set[int]:
    listed = shell(
        env,
        f"from apps.annotations.models import Annotation; "
        f"print(' '.join(str(s) for s in Annotation.objects.filter(article_id={article}).values_list('start', flat=True)))",
    )
    return {int(start) // 7 for start in listed.split()}


QUEUE_IMPORT = """
from django.contrib.auth import get_user_model
from apps.imports.tasks import start_import_job
from apps.projects.models import Project
project, _ = Project.objects.get_or_create(name="Worker")
job = start_import_job(project=project, user=get_user_model().objects.get(username="ana"), text={text!r})
print(job.pk)
"""


def test_the_background_worker_goes_on_after_a_database_restart(private_database, data_dir, tmp_path):
    """The worker meets the restart while it waits for work, and imports what is queued after it."""
    server, env = private_database
    env = env | {"IMPORT_DIR": str(tmp_path / "imports")}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        imported_in_time(env, "The ferry to Kiel left on 3 May, the harbour office said.")
        postmaster(data_dir).send_signal(signal.SIGINT)
        postmaster_wait(data_dir)
        time.sleep(3)  # the worker looks for work, and listens, while the database is down
        with server._lock:
            server.ensure_postgres_running()
        imported_in_time(env, "The ferry to Kiel returned on 4 May, the harbour office said.")
        assert worker.poll() is None, log.read_text()
    finally:
        stop(worker)
    assert "The database did not answer" in log.read_text()


def imported_in_time(env, text: str, timeout: float = DEADLINE) -> None:
    job = int(shell(env, QUEUE_IMPORT.format(text=text)).split()[-1])
    deadline = time.monotonic() + timeout
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
        while (
            state := connection.execute("SELECT state FROM imports_importjob WHERE id = %s", [job]).fetchone()[0]
        ) != "done":
            assert time.monotonic() < deadline, f"import {job} still {state} after {timeout} s"
            time.sleep(0.1)


def shell(env, script: str) -> str:
    """What `manage.py shell` prints running `script` against the test's own database."""
    ran = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return ran.stdout
