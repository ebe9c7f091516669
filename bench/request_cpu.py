"""CPU per request of the mixed load's requests, in process, through the WSGI application that
gunicorn calls, with the production settings (DEBUG off).

    .venv/bin/python bench/request_cpu.py [--runs 200] [--profile KIND] [--as superuser|analyst]

On a shared machine wall time moves with everyone else's work; the CPU a request costs does much
less. For each kind of request of the mixed load (bench/http_load.py) and of the single-user
figures (bench/http_bench.py) this prints the CPU the web process spent (time.process_time), the
CPU the request's PostgreSQL backend spent (from /proc, when the server is on this machine) and
the statements it sent, median and mean over `--runs` requests, after a warm-up:

- create span: the workbench's POST of a selection (htmx), into an article of its own;
- cheapest page: the link form's source search (htmx), the cheapest signed-in page that reads
  the database;
- article page (500 spans): the workbench of an article with 500 annotations;
- article page (reader): the workbench of an article with 30 annotations, as the readers load
  the writers' articles;
- open panel / save note: what the editors do (the panel, then a new note with its version).

`--background N` measures instead the work that follows an import of N articles of the HTTP
benchmark's corpus (filling the search columns, story matching), per article, in the batches
the background worker runs it in.

`--profile KIND` prints cProfile's view of that kind instead (the functions with the most
cumulative and own time); `--as analyst` signs in as a project member instead of the
superuser the HTTP benchmark uses. Uses its own database (sourcetrace_bench_cpu on the embedded
server, or DATABASE_URL).
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_bench_cpu")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

from apps.annotations.models import Annotation  # noqa: E402
from apps.annotations.services import create_annotation  # noqa: E402
from apps.articles.models import Article  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from apps.sources.models import Source  # noqa: E402

PROJECT = "bench-cpu"
PASSWORD = "bench-cpu-password"
HOST = "127.0.0.1"
SENTENCE = (
    "The minister said on Tuesday that the agreement on defence cooperation with Pakistan was signed "
    "after months of talks, while analysts in Minsk warned that the report had not been confirmed. "
)
CSRF_RE = re.compile(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'')
VERSION_RE = re.compile(r'<input type="hidden" name="version" value="(\d+)"')


def words(text: str) -> list[tuple[int, int]]:
    return [(match.start(), match.end()) for match in re.finditer(r"\w+", text)]


def seed():
    """A project with the superuser and an analyst, an article with 500 annotations, a reader's
    article with 30, articles for the writers, and a few sources for the source search."""
    users = get_user_model().objects
    Project.objects.filter(name=PROJECT).delete()
    superuser, _ = users.get_or_create(username="bench-cpu-super", defaults={"is_staff": True, "is_superuser": True})
    analyst, _ = users.get_or_create(username="bench-cpu-analyst")
    for user in (superuser, analyst):
        user.set_password(PASSWORD)
        user.save()
    project = Project.objects.create(name=PROJECT)
    Membership.objects.create(project=project, user=analyst, role=Membership.Role.ANALYST)
    made = {}
    for name, count in (("annotated", 500), ("reader", 30), ("writer", 0)):
        text = f"The {name}'s article.\n" + "\n".join(f"Paragraph {n}. {SENTENCE * 3}" for n in range(25))
        article = Article.objects.create(project=project, title=f"Bench {name}", text=text, language="en")
        spread = words(text)
        step = len(spread) // max(count, 1)
        for i in range(count):
            start, end = spread[i * step]
            create_annotation(
                article=article,
                user=analyst,
                kind=("claim", "quote", "fact")[i % 3],
                start=start,
                end=end,
                exact=text[start:end],
            )
        made[name] = article
    for n in range(20):
        Source.objects.create(project=project, name=f"Source {n}", kind="person")
    first = Annotation.objects.filter(article=made["annotated"]).order_by("start").first()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made, first


class Browser:
    """One signed-in user calling the WSGI application as gunicorn does: an environ per request,
    the response iterated and closed (which ends the request for Django)."""

    def __init__(self, application, user: str):
        self.application = application
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        page = self.call("GET", "/login/")
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": self.csrf, "username": user, "password": PASSWORD, "next": ""}
        self.call("POST", "/login/", form=form, expect=302)
        self.csrf = CSRF_RE.search(self.call("GET", "/imports/")).group(1)

    def call(self, method, path, *, query=None, form=None, htmx=None, expect=200) -> str:
        body = urlencode(form or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": urlencode(query or {}),
            "SERVER_NAME": HOST,
            "SERVER_PORT": "8100",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": HOST,
            "HTTP_HOST": f"{HOST}:8100",
            "HTTP_USER_AGENT": "python-requests/2.32",
            "HTTP_ACCEPT": "*/*",
            "HTTP_ACCEPT_ENCODING": "gzip, deflate",
            "HTTP_CONNECTION": "close",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method != "GET":
            environ.update(
                CONTENT_TYPE="application/x-www-form-urlencoded",
                CONTENT_LENGTH=str(len(body)),
                HTTP_X_CSRFTOKEN=self.csrf,
                HTTP_ORIGIN=f"http://{HOST}:8100",
                HTTP_REFERER=f"http://{HOST}:8100{path}",
            )
        if htmx:
            environ.update(HTTP_HX_REQUEST="true", HTTP_HX_TARGET=htmx, HTTP_HX_CURRENT_URL=f"http://{HOST}:8100/")
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = headers

        result = self.application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value
        if answer["status"] != expect:
            raise RuntimeError(f"{method} {path} -> {answer['status']}: {content[:300]!r}")
        return content.decode()


class Backend:
    """The CPU the connection's PostgreSQL backend has used, read from /proc (None when the
    server runs elsewhere); clock ticks, so meaningful as a mean over many requests."""

    def __init__(self):
        self.pid = None

    def cpu_seconds(self) -> float | None:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Statements:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def kinds(browser: Browser, made: dict, first: Annotation):
    """name -> a function sending one request of that kind."""
    writer = made["writer"]
    fresh = iter(
        (kind, start, end)
        for width in (1, 2, 3, 4, 5)
        for kind in ("claim", "quote", "fact")
        for start, end in spans_of_width(writer.text, width)
    )
    editor_panel = f"/annotations/{first.pk}/"

    def create_span():
        kind, start, end = next(fresh)
        form = {"kind": kind, "start": start, "end": end, "exact": writer.text[start:end]}
        browser.call("POST", f"/annotations/article/{writer.pk}/new/", form=form, htmx="messages")

    def cheapest_page():
        path = f"/annotations/article/{made['annotated'].pk}/sources/"
        browser.call("GET", path, query={"q": ""}, htmx="source-options")

    def article_page():
        browser.call("GET", f"/articles/{made['annotated'].pk}/")

    def reader_page():
        browser.call("GET", f"/articles/{made['reader'].pk}/")

    def open_panel():
        return browser.call("GET", editor_panel, htmx="annotation-panel")

    edits = iter(range(10**9))

    def save_note():
        version = VERSION_RE.search(open_panel()).group(1)
        form = {"version": version, "kind": first.kind, "note": f"Checked, edit {next(edits)}.", "tags": "bench"}
        browser.call("POST", f"/annotations/{first.pk}/edit/", form=form, htmx="annotation-panel")

    return {
        "create span": create_span,
        "cheapest page": cheapest_page,
        "article page (500 spans)": article_page,
        "article page (reader, 30 spans)": reader_page,
        "open panel": open_panel,
        "save note": (save_note, open_panel),  # the panel it reads first is measured apart
    }


def spans_of_width(text: str, width: int):
    spread = words(text)
    for first in range(len(spread) - width + 1):
        yield spread[first][0], spread[first + width - 1][1]


def measure(name, send, runs: int, backend: Backend) -> dict:
    send, before = send if isinstance(send, tuple) else (send, None)
    for _ in range(5):
        send()
    counter = Statements()
    cpu, db_total, db_runs = [], 0.0, 0
    for _ in range(runs):
        extra = 0.0
        if before:
            started = time.process_time()
            before()
            extra = time.process_time() - started
        db_before = backend.cpu_seconds()
        count_before = counter.count
        with connection.execute_wrapper(counter):
            started = time.process_time()
            send()
            cpu.append((time.process_time() - started - extra) * 1000)
        db_after = backend.cpu_seconds()
        if db_before is not None and db_after is not None:
            db_total += db_after - db_before
            db_runs += 1
        statements = counter.count - count_before
    return {
        "kind": name,
        "median_ms": statistics.median(cpu),
        "mean_ms": statistics.mean(cpu),
        "db_ms": db_total / db_runs * 1000 if db_runs else None,
        "statements": statements,
    }


def profile(name, send, runs: int) -> None:
    send = send[0] if isinstance(send, tuple) else send
    for _ in range(5):
        send()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(runs):
        send()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(45)
        print(f"--- {name}, {runs} requests, by {order}\n{out.getvalue()}")


def background(count: int) -> None:
    """The CPU per article of the work the background worker does after an import."""
    from django_tasks_db.models import DBTaskResult

    from apps.articles.indexing import index_articles
    from apps.articles.matching import match_stories
    from apps.articles.services import MATCH_JOB_ARTICLES
    from apps.imports.readers import read_json_lines
    from apps.imports.store import import_items
    from bench.http_corpus import write_corpus

    corpus = write_corpus(ROOT / ".data" / "bench" / "corpus", [count])[count]
    project = Project.objects.create(name=f"{PROJECT}-background-{time.time_ns()}")
    with corpus.open(encoding="utf-8") as lines:
        import_items(project=project, items=read_json_lines(corpus.name, lines))
    # No worker runs here: the jobs the import queued are done below, batch by batch.
    DBTaskResult.objects.filter(status="READY").delete()
    ids = list(Article.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    backend = Backend()
    for name, work in (
        ("search columns", index_articles),
        ("story matching", lambda batch: match_stories(article_ids=batch)),
    ):
        cpu = db = 0.0
        for first in range(0, len(ids), MATCH_JOB_ARTICLES):
            batch = ids[first : first + MATCH_JOB_ARTICLES]
            db_before, started = backend.cpu_seconds(), time.process_time()
            work(batch)
            cpu += time.process_time() - started
            db += (backend.cpu_seconds() or 0) - (db_before or 0)
        print(
            f"{name}, {len(ids):,} articles in batches of {MATCH_JOB_ARTICLES}: {cpu / len(ids) * 1000:.3f} ms of the "
            f"worker's CPU and {db / len(ids) * 1000:.3f} ms of PostgreSQL's per article",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", metavar="KIND", help="profile one kind (a prefix of its name) instead")
    parser.add_argument("--background", type=int, metavar="N", help="the work after an import of N articles instead")
    parser.add_argument("--as", dest="role", choices=["superuser", "analyst"], default="superuser")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)
    made, first = seed()
    if args.background:
        background(args.background)
        return
    application = get_wsgi_application()
    browser = Browser(application, f"bench-cpu-{'super' if args.role == 'superuser' else 'analyst'}")
    requests = kinds(browser, made, first)
    if args.profile:
        name = next(name for name in requests if name.startswith(args.profile))
        profile(name, requests[name], args.runs)
        return
    backend = Backend()
    print(
        f"CPU per request, in process, DEBUG off, signed in as the {args.role}; {args.runs} runs each; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("| request | web process CPU, median / mean | PostgreSQL backend CPU, mean | statements |")
    print("|---|---|---|---|")
    for name, send in requests.items():
        figure = measure(name, send, args.runs, backend)
        db = f"{figure['db_ms']:.2f} ms" if figure["db_ms"] is not None else "–"
        print(
            f"| {name} | {figure['median_ms']:.2f} / {figure['mean_ms']:.2f} ms | {db} | {figure['statements']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
