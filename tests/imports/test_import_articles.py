"""The import_articles command: what it stores and what it tells the person who ran it."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from apps.annotations.models import Annotation
from apps.articles.models import Article, ArticleHistory
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.imports.conftest import manage, subprocess_env, write_jsonl

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEXT = "Officials said “the bridge is safe” on Monday. The bridge closed on Tuesday. Prices rose 5%."


def test_file_names_are_relative_to_the_path_given(project, tmp_path, capsys):
    folder = tmp_path / "scraped"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / "en.txt").write_bytes(ENGLISH_SEED.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "feed.jsonl").write_text("not json\n")
    (tmp_path / "de.txt").write_bytes(GERMAN_SEED.read_bytes())
    call_command("import_articles", project.name, str(folder), str(tmp_path / "de.txt"), processes=1)
    out = capsys.readouterr().out
    assert sorted(Article.objects.values_list("original_name", flat=True)) == ["de.txt", "nested/en.txt"]
    assert "  empty.txt: The file is empty." in out
    assert "  feed.jsonl line 1: Not valid JSON" in out
    assert str(tmp_path) not in out


def tool_exports(tmp_path) -> Path:
    """A doccano and a Label Studio export, each with spans that cannot be placed."""
    folder = tmp_path / "exports"
    folder.mkdir()
    quote, fact = TEXT.index("“the bridge"), TEXT.index("Prices")
    spans = [[quote, quote + 20, "Quote"], [fact, fact + 14, "Fact"], [0, 9, "Person"], [500, 510, "Quote"]]
    (folder / "doccano.jsonl").write_text(json.dumps({"text": TEXT, "label": spans}) + "\n")
    results = [
        {"type": "labels", "value": {"start": 19, "end": 33, "text": "Prices rose 5%", "labels": ["Fact"]}},
        {"type": "labels", "value": {"start": 0, "end": 4, "labels": ["Claim"]}},  # no words to find
        {"type": "choices", "value": {"choices": ["Economy"]}},  # about the whole text: not a span
    ]
    task = {"data": {"text": "Rain fell on Graz. Prices rose 5% last week."}, "annotations": [{"result": results}]}
    (folder / "label-studio.json").write_text(json.dumps([task]))
    return folder


def test_without_user_spans_are_placed_by_the_import_account_and_counted(project, tmp_path, capsys):
    call_command("import_articles", project.name, str(tool_exports(tmp_path)), processes=1)
    out = capsys.readouterr().out
    assert "2 imported, 0 duplicate(s) skipped, 0 refused." in out
    assert "3 spans placed, 3 skipped; placed spans are drafts by “import”." in out
    assert "  doccano.jsonl line 1: 2 span(s) placed as drafts by “import”. 2 span(s) could not be placed" in out
    assert "  label-studio.json item 1: 1 span(s) placed as drafts by “import”. 1 span(s) could not be placed" in out
    assert sorted(Annotation.objects.values_list("kind", "exact")) == [
        ("fact", "Prices rose 5%"),
        ("fact", "Prices rose 5%"),
        ("quote", "“the bridge is safe”"),
    ]
    [account] = {annotation.created_by for annotation in Annotation.objects.select_related("created_by")}
    assert (account.username, account.is_active, account.has_usable_password()) == ("import", False, False)


def test_with_user_spans_are_placed_as_theirs(project, analyst, tmp_path, capsys):
    call_command("import_articles", project.name, str(tool_exports(tmp_path)), user=analyst.username, processes=1)
    assert "3 spans placed, 3 skipped; placed spans are drafts by “analyst1”." in capsys.readouterr().out
    assert set(Annotation.objects.values_list("created_by__username", flat=True)) == {"analyst1"}


@pytest.mark.django_db(transaction=True)
def test_spans_are_counted_when_several_processes_import(project, tmp_path, capsys):
    """Worker processes see only committed rows, hence a transactional test."""
    call_command("import_articles", project.name, str(tool_exports(tmp_path)), processes=2)
    assert "3 spans placed, 3 skipped" in capsys.readouterr().out
    assert Annotation.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_extraction_warnings_are_not_printed(project, tmp_path):
    """A fragment makes trafilatura log errors and warnings; run as a person would, in a shell."""
    (tmp_path / "fragment.html").write_text("<p>Hello <b>world</b></p>")
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{quote(database['USER'])}@{quote(database['HOST'], safe='')}:{database['PORT']}/{quote(database['NAME'])}",
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_articles",
            project.name,
            str(tmp_path / "fragment.html"),
            "--processes=1",
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert "1 imported, 0 duplicate(s) skipped, 0 refused." in result.stdout
    assert Article.objects.get().text == "Hello world"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_a_stopped_import_says_how_far_it_got_and_a_second_run_adds_the_rest(project, tmp_path, stop):
    """Ctrl-C reaches every process of the terminal's group; `kill` and supervisors send SIGTERM to one."""
    count = 6000
    dump = write_jsonl(tmp_path / "dump.jsonl", count)
    stored = Article.objects.filter(project=project)
    command = manage("import_articles", project.name, str(dump), "--processes=2", start_new_session=True)
    deadline = time.monotonic() + 60
    while stored.count() < 500:
        assert time.monotonic() < deadline and command.poll() is None, "the import did not get going"
        time.sleep(0.02)
    if stop == "ctrl-c":
        os.killpg(command.pid, signal.SIGINT)
    else:
        command.send_signal(signal.SIGTERM)
    out, errors = command.communicate(timeout=60)
    assert command.returncode == 1
    assert errors == "", "no traceback, BrokenPipeError or leaked semaphore warning"
    stopped = re.search(
        r"^Stopped after (\d+) articles: (\d+) imported, 0 duplicate\(s\) skipped, 0 refused\.$", out, re.M
    )
    assert stopped, out
    assert int(stopped[1]) == int(stopped[2]) == stored.count() < count, (
        "the articles under way were finished and counted"
    )
    assert "Run the same import again to add the rest" in out
    done = stored.count()

    again = manage("import_articles", project.name, str(dump), "--processes=2")
    out, errors = again.communicate(timeout=120)
    assert (again.returncode, errors) == (0, "")
    assert f"{count - done} imported, {done} duplicate(s) skipped, 0 refused." in out
    names = list(stored.values_list("original_name", flat=True))
    assert sorted(names) == sorted(f"dump.jsonl line {n}" for n in range(1, count + 1))


@pytest.fixture
def thread_beside():
    """A second thread in this process, which rules forking out: the processes come from a fork
    server. (The test process may run other threads already, a live server's say.)"""
    done = threading.Event()
    threading.Thread(target=done.wait, name="beside").start()
    yield
    done.set()


@pytest.mark.django_db(transaction=True)
def test_many_chunks_imported_by_the_processes_come_out_once_each_in_input_order(
    project, tmp_path, monkeypatch, thread_beside
):
    """Chunks finish in any order in the processes; the outcomes come out in input order, none lost or doubled."""
    from apps.imports import parallel
    from apps.imports.inputs import JsonLine

    monkeypatch.setattr(parallel, "CHUNK_SIZE", 3)
    lines = [json.dumps({"text": f"Report {n}: the ministry said {n * 7} ships left port."}) for n in range(60)]
    lines[17] = "not json"
    lines[41] = lines[5]
    inputs = [JsonLine(f"line {n}", line.encode()) for n, line in enumerate(lines)]

    assert parallel.worker_context().get_start_method() == "forkserver"
    outcomes = list(parallel.import_in_parallel(project=project, inputs=inputs, processes=2))

    assert [outcome.label for outcome in outcomes] == [f"line {n}" for n in range(60)]
    statuses = [str(outcome.status) for outcome in outcomes]
    assert statuses.count("imported") == 58 and statuses[17] == "refused" and statuses[41] == "duplicate"
    stored = Article.objects.filter(project=project)
    assert stored.count() == 58
    assert sorted(stored.values_list("pk", flat=True)) == sorted(
        o.article_id for o in outcomes if o.article_id and str(o.status) == "imported"
    )


@pytest.mark.django_db(transaction=True)
def test_the_command_forks_its_processes_and_each_chunk_has_a_history_context_of_its_own(project, tmp_path):
    """The command runs one thread, so its import processes are forked from it, Django set up.

    They do not share the command's history context: each process would have written the same
    context row, and its lock would have made their transactions wait for one another.
    """
    count = 3 * 250 + 17  # four chunks
    # Each chunk brings a publisher of its own, a source written with the history context: the
    # chunk's articles then carry the context too (COPY itself passes no context).
    lines = [
        json.dumps(
            {"text": f"Report {n}: the ministry said {n * 7} ships left port.", "publisher": f"Outlet {n // 250}"}
        )
        for n in range(count)
    ]
    lines[300] = "not json"
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    command = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_articles",
            project.name,
            str(tmp_path / "dump.jsonl"),
            "--processes",
            "2",
        ],
        cwd=PROJECT_ROOT,
        env=subprocess_env(LOG_LEVEL="DEBUG"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert command.returncode == 0, command.stderr[-3000:]
    assert "Importing in 2 processes (fork)" in command.stderr
    assert f"{count - 1} imported, 0 duplicate(s) skipped, 1 refused." in command.stdout
    assert "dump.jsonl line 301:" in command.stdout
    stored = Article.objects.filter(project=project)
    assert sorted(stored.values_list("original_name", flat=True)) == sorted(
        f"dump.jsonl line {n + 1}" for n in range(count) if n != 300
    )
    events = ArticleHistory.objects.filter(pgh_obj__project=project).select_related("pgh_context")
    contexts = {event.pgh_context for event in events}
    assert len(contexts) == 4 and None not in contexts
    assert {context.metadata["command"] for context in contexts} == {"import_articles"}


def planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("count", [1000, 1234])
def test_a_large_import_refreshes_the_planner_s_count_of_articles(project, tmp_path, count):
    """With the count from before the import, PostgreSQL plans story matching as if the project
    held a handful of articles and reads all of them for each new one."""
    call_command("import_articles", project.name, str(write_jsonl(tmp_path / "dump.jsonl", count)), processes=1)
    assert planner_rows(Article._meta.db_table) == Article.objects.count() == count


def test_a_small_import_leaves_the_planner_s_count_as_it_was(project, tmp_path):
    before = planner_rows(Article._meta.db_table)
    call_command("import_articles", project.name, str(write_jsonl(tmp_path / "dump.jsonl", 999)), processes=1)
    assert planner_rows(Article._meta.db_table) == before
