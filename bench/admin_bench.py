"""The review desk with a million annotations: the admin's annotation list (first page, a filtered
page, a search) and the queue of a project with 100,000 annotations, timed in process and over HTTP.

Seeds its own database (sourcetrace_admin_bench on the embedded server, or EMBEDDED_DB_NAME /
DATABASE_URL) once, in SQL: ten projects of 1,000 articles (`--articles`) with 100 annotations
each, links, comments, ten analysts and two reviewers. The rows are written as the app writes
them: the database's triggers run (the history of every row, the checks of the texts), and the
tables are only analysed afterwards, as autovacuum would, not vacuumed. `--reseed` starts it
again; a database seeded at another size is seeded again by itself.

Each page is timed twice: in this process with Django's test client (the server time, with the
query count), and over HTTP as gunicorn serves it with DEBUG off, signed in as the reviewer
through the login page with a new connection per request (bench/http_server.py,
bench/http_client.py): gunicorn's own time for the request (its access log) and the CPU the web
workers and the database spent on it. DEBUG is off in both.

    .venv/bin/python bench/admin_bench.py [--articles 1000] [--reseed] [--runs 15] [--no-http]
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_admin_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from apps.annotations.models import Annotation  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from bench.http_client import SourcetraceClient  # noqa: E402
from bench.http_server import AppServer, manage, production_env  # noqa: E402
from bench.review_bench import cpu_seconds, postmaster_pid  # noqa: E402

OUT = ROOT / ".data" / "bench"

PROJECTS = 10
ARTICLES_PER_PROJECT = 1_000
ANNOTATIONS_PER_ARTICLE = 100
ANALYSTS = 10
SOURCES_PER_PROJECT = 200
RUNS = 15
SYLLABLES = "ka lo mir sha ven dro tek bul zan ior pet gra hus nov lev ost rin bek dal fen".split()
WORDS = (
    "the minister said that agreement defence cooperation report analysts warned talks border "
    "officials would not confirm claims about the deal signed in spring after months of"
).split()


def seed(articles_per_project: int = ARTICLES_PER_PROJECT):
    """Everything in a few INSERT ... SELECT statements, through the database's triggers (the
    history rows, the checks of the texts), as the app's own writes go."""
    started = time.perf_counter()
    names = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:5]]  # 2,000 names
    users = get_user_model().objects
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        Project.objects.filter(name__startswith="admin-bench-").delete()
        users.filter(username__startswith="admin-bench-").delete()
        projects = [Project.objects.create(name=f"admin-bench-{n}") for n in range(PROJECTS)]
        analysts = [users.create(username=f"admin-bench-analyst-{n}") for n in range(ANALYSTS)]
        reviewer = users.create(username="admin-bench-reviewer")
        queue_reviewer = users.create(username="admin-bench-queue-reviewer")
        Membership.objects.bulk_create(
            [Membership(project=p, user=u, role="analyst") for p in projects for u in analysts]
            + [Membership(project=p, user=reviewer, role="reviewer") for p in projects]
            + [Membership(project=projects[0], user=queue_reviewer, role="reviewer")]
        )
        project_ids = [p.pk for p in projects]
        analyst_ids = [u.pk for u in analysts]
        cursor.execute(
            """
            INSERT INTO articles_article (project_id, title, text, headings, language, url, author, original,
                                          original_name, original_format, fingerprint, imported_at)
            SELECT (%(projects)s::bigint[])[1 + n %% %(project_count)s],
                   'Report ' || n || ' on ' || (%(names)s::text[])[1 + (n * 7) %% 2000],
                   (SELECT string_agg(
                               CASE WHEN i %% 9 = 0 THEN (%(names)s::text[])[1 + (n * 13 + i * 31) %% 2000]
                                    ELSE (%(words)s::text[])[1 + (n * 31 + i * 17 + i * i) %% %(word_count)s] END,
                               ' ')
                      FROM generate_series(1, 220) AS i) || ' No. ' || n || '.',
                   '{}', (ARRAY['en', 'de', 'fr', 'ru'])[1 + n %% 4], '', '', '\\x'::bytea, 'bench-' || n || '.txt',
                   'text', '{}', now() - make_interval(mins => (n)::int)
              FROM generate_series(0, %(articles)s - 1) AS n
            """,
            {
                "projects": project_ids,
                "project_count": PROJECTS,
                "names": names,
                "words": WORDS,
                "word_count": len(WORDS),
                "articles": PROJECTS * articles_per_project,
            },
        )
        cursor.execute(
            """
            INSERT INTO annotations_annotation (article_id, kind, start, "end", exact, prefix, suffix, note, status,
                                                tags, created_by_id, created_at, updated_at, version)
            SELECT a.id, (ARRAY['claim', 'quote', 'fact'])[1 + (a.id + k) %% 3], k * 9, k * 9 + 40,
                   substr(a.text, k * 9 + 1, 40), '', '',
                   CASE WHEN k %% 10 = 0 THEN 'check ' || (%(names)s::text[])[1 + (a.id + k * 3) %% 2000] ELSE '' END,
                   (ARRAY['draft', 'draft', 'submitted', 'approved', 'approved', 'draft', 'submitted', 'rejected'])
                       [1 + (a.id * 3 + k) %% 8],
                   '{}', (%(analysts)s::bigint[])[1 + (a.id + k) %% %(analyst_count)s],
                   now() - make_interval(mins => ((a.id * 37 + k * 101) %% 500000)::int),
                   now() - make_interval(mins => ((a.id * 53 + k * 7) %% 400000)::int), 1
              FROM articles_article AS a, generate_series(0, %(per_article)s - 1) AS k
             WHERE a.project_id = ANY(%(projects)s)
            """,
            {
                "names": names,
                "analysts": analyst_ids,
                "analyst_count": ANALYSTS,
                "per_article": ANNOTATIONS_PER_ARTICLE,
                "projects": project_ids,
            },
        )
        cursor.execute(
            """
            INSERT INTO sources_source (project_id, name, kind, url, description, aliases, created_at)
            SELECT p, (%(names)s::text[])[1 + n], 'person', '', '', '{}', now()
              FROM unnest(%(projects)s::bigint[]) AS p, generate_series(0, %(sources)s - 1) AS n
            """,
            {"names": names, "projects": project_ids, "sources": SOURCES_PER_PROJECT},
        )
        # A tenth of the annotations cite a source; one in twenty has a discussion of two comments.
        cursor.execute(
            """
            INSERT INTO annotations_link (annotation_id, source_id, role, note, created_by_id, created_at)
            SELECT an.id, s.id, 'cited', '', an.created_by_id, now()
              FROM annotations_annotation AS an
              JOIN articles_article AS ar ON ar.id = an.article_id
              JOIN sources_source AS s ON s.project_id = ar.project_id
                   AND s.name = (%(names)s::text[])[1 + an.id %% %(sources)s]
             WHERE an.id %% 10 = 0 AND ar.project_id = ANY(%(projects)s)
            """,
            {"names": names, "sources": SOURCES_PER_PROJECT, "projects": project_ids},
        )
        cursor.execute(
            """
            INSERT INTO annotations_comment (annotation_id, author_id, body, created_at)
            SELECT an.id, CASE WHEN c = 0 THEN %(reviewer)s ELSE an.created_by_id END,
                   'Comment ' || c || ' on ' || an.id, an.updated_at + make_interval(mins => (c)::int)
              FROM annotations_annotation AS an
              JOIN articles_article AS ar ON ar.id = an.article_id, generate_series(0, 1) AS c
             WHERE an.id %% 20 = 0 AND ar.project_id = ANY(%(projects)s)
            """,
            {"reviewer": reviewer.pk, "projects": project_ids},
        )
    # The planner's statistics, as autovacuum would gather them after a load like this; no VACUUM,
    # which a database in use would not have had just before the pages are read.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"seeded {Annotation.objects.count():,} annotations with their history in {elapsed:.0f} s", flush=True)


def timed(client, url, runs):
    timings, queries = [], 0
    client.get(url)  # warm: the first request builds the admin's forms and caches
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(timings), queries


def timed_over_http(client: SourcetraceClient, access_log: Path, pids: list[int], path: str, runs: int) -> dict:
    """gunicorn's time for each request of `path` (median, p95) and the CPU the server's processes
    and the database spent meanwhile (mean), after one request that warms the worker up."""
    client.request("GET", path)
    server_ms, cpu_ms = [], []
    for _ in range(runs):
        before, cpu = access_log.stat().st_size, cpu_seconds(pids)
        client.request("GET", path)
        cpu_ms.append((cpu_seconds(pids) - cpu) * 1000)
        server_ms.append(logged_ms(access_log, before, path.split("?")[0]))
    server_ms.sort()
    return {
        "median_ms": statistics.median(server_ms),
        "p95_ms": server_ms[max(0, round(0.95 * len(server_ms)) - 1)],
        "cpu_ms": statistics.mean(cpu_ms),
    }


def logged_ms(access_log: Path, offset: int, path: str) -> float:
    """The time gunicorn logged for the first GET of `path` after `offset` (it writes the line as
    the response leaves, so it may come a moment after the client has the answer)."""
    deadline = time.monotonic() + 5
    while True:
        with access_log.open() as log:
            log.seek(offset)
            for line in log.read().splitlines():
                method, logged_path, _, micros = line.split()
                if (method, logged_path) == ("GET", path):
                    return int(micros) / 1000
        if time.monotonic() > deadline:
            raise RuntimeError(f"no access log line for GET {path}")
        time.sleep(0.01)


def main():
    # With DEBUG off, static URLs come from collectstatic's manifest, which a checkout has not
    # built; the plain storage names the same files without it.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}).enable()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reseed", action="store_true", help="Seed the database again.")
    parser.add_argument(
        "--articles",
        type=int,
        default=ARTICLES_PER_PROJECT,
        help=f"articles per project, of {ANNOTATIONS_PER_ARTICLE} annotations each (default {ARTICLES_PER_PROJECT:,})",
    )
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--no-http", action="store_true", help="time in process only")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    expected = PROJECTS * args.articles * ANNOTATIONS_PER_ARTICLE
    seeded = Project.objects.filter(name="admin-bench-0").exists()
    if args.reseed or not seeded or Annotation.objects.count() != expected:
        print(f"Seeding {expected:,} annotations with their history (once)", flush=True)
        seed(args.articles)
    users = get_user_model().objects
    reviewer, queue_reviewer = (
        users.get(username="admin-bench-reviewer"),
        users.get(username="admin-bench-queue-reviewer"),
    )
    first = Project.objects.get(name="admin-bench-0")
    total = Annotation.objects.count()
    in_first = Annotation.objects.filter(article__project=first).count()
    name = SYLLABLES[3] + SYLLABLES[7] + SYLLABLES[2]
    listing = "/admin/annotations/annotation/"
    pages = [
        (reviewer, f"annotation list, first page ({total:,} annotations)", listing, 300),
        (
            reviewer,
            "annotation list, submitted in one project",
            f"{listing}?status__exact=submitted&project={first.pk}",
            300,
        ),
        (reviewer, f"annotation list, search for a name ({name})", f"{listing}?q={name}", 300),
        (reviewer, "annotation list, search within a project", f"{listing}?q={name}&project={first.pk}", 300),
        (reviewer, "annotation list, search for a common word (minister)", f"{listing}?q=minister", 300),
        (queue_reviewer, f"queue, reviewer of one project ({in_first:,} annotations)", f"{listing}queue/", 200),
        (reviewer, f"queue, reviewer of all ten projects ({total:,})", f"{listing}queue/", None),
    ]
    print(f"In process (Django's test client), DEBUG off; load average {os.getloadavg()[0]:.1f}:", flush=True)
    client = Client(HTTP_HOST="localhost")
    results = []
    for user, label, url, target in pages:
        client.force_login(user)
        median, queries = timed(client, url, args.runs)
        goal = f" (target < {target} ms)" if target else ""
        print(f"  {label}: {median:.1f} ms median server time, {queries} queries{goal}", flush=True)
        results.append({"page": label, "url": url, "in_process_ms": round(median, 1), "queries": queries})
    if not args.no_http:
        over_http(pages, results, args.runs)
    results_file = OUT / "results" / f"admin-{time.strftime('%Y%m%d-%H%M%S')}.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps({"load_average": os.getloadavg(), "pages": results}, indent=2))


def over_http(pages, results: list[dict], runs: int) -> None:
    """The same pages from gunicorn (2 workers, DEBUG off), each user signed in through the login page."""
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    for user in {user for user, *_ in pages}:
        user.set_password(password)
        user.save()
    env = production_env(os.environ.get("DATABASE_URL"))
    if not os.environ.get("DATABASE_URL"):
        env["EMBEDDED_DB_NAME"] = os.environ["EMBEDDED_DB_NAME"]
    manage(env, "collectstatic", "--no-input", log=OUT / "logs" / "admin-prepare.log")
    access_log = OUT / "logs" / "admin-access.log"
    access_log.write_text("")
    with AppServer(env, workers=2, log_dir=OUT / "logs", access_log=access_log, worker=False) as server:
        pids = server.pids + [pid for pid in [postmaster_pid()] if pid]
        clients = {}
        print(
            f"Over HTTP (gunicorn, 2 workers, DEBUG off, a new connection per request; gunicorn's time, the "
            f"CPU of the web workers and the database); load average {os.getloadavg()[0]:.1f}:",
            flush=True,
        )
        for (user, label, url, _), result in zip(pages, results, strict=True):
            if user.pk not in clients:
                clients[user.pk] = SourcetraceClient(server.url, user.username, password)
            figure = timed_over_http(clients[user.pk], access_log, pids, url, runs)
            print(
                f"  {label}: median {figure['median_ms']:.1f} ms, p95 {figure['p95_ms']:.1f} ms "
                f"(CPU {figure['cpu_ms']:.1f} ms)",
                flush=True,
            )
            result["http"] = {key: round(value, 1) for key, value in figure.items()}


if __name__ == "__main__":
    main()
