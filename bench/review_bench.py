"""The review desk over HTTP on a project of 100,000 annotations in a database of a million: the pages
and actions a reviewer uses, timed as the server spent on them.

Seeds its own database (sourcetrace_review_bench on the embedded server, or DATABASE_URL) once, in
a few minutes, with INSERT ... SELECT over generate_series, which the database's triggers (history,
changed articles) record as they record the app's own writes; a few links and comments go
through the services. Nine other projects like the reviewer's fill the database. Then it runs the
app the production way (bench/http_server.py: gunicorn, DEBUG off, static files collected) and
signs in as a reviewer through the login page (bench/http_client.py: a new connection per
request). Each figure is gunicorn's own time for the request (its access log), median and p95,
with the CPU the web workers and the database spent and the query count (measured in process):

- the admin page of one annotation (links, discussion, history);
- "Same story" from the workbench (the POST; the workbench it leads to is timed on its own);
- a bulk approve of 8, as the admin list's action and as the queue's decision;
- curation's accept (the POST; the curation page it leads back to on its own);
- the dashboard and the agreement: worked out from nothing (once: nothing kept, a new server),
  then after a decision in one article, after decisions in 50 articles, and unchanged.

A second run reuses the seeded project; --reseed builds it again.

    .venv/bin/python bench/review_bench.py [--annotations 100000] [--in-database 1000000] [--runs 15]
        [--reseed] [--only actions|figures]
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "sourcetrace_review_bench"
os.environ.setdefault("EMBEDDED_DB_NAME", DATABASE)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402

from apps.annotations.models import Annotation  # noqa: E402
from apps.annotations.services import add_comment, link_source  # noqa: E402
from apps.articles.models import Article, StoryMatch  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from apps.sources.models import Source  # noqa: E402
from bench.http_client import SourcetraceClient  # noqa: E402
from bench.http_server import AppServer, manage, process_tree, production_env  # noqa: E402

OUT = ROOT / ".data" / "bench"
PROJECT = "review-bench"
ANALYSTS = ["bench-ana", "bench-ben", "bench-cem", "bench-dia"]
REVIEWER = "bench-reviewer"
PER_ARTICLE = 50  # two analysts, 25 passages each
SENTENCE = "The minister said that the agreement on defence cooperation was signed. Analysts warned about it. "
TARGET_MS = 150  # each page and action
FIGURES_TARGET_MS = 300  # the dashboard and the agreement, whatever changed since
# Articles whose first annotations get links and a discussion (the admin page's rows), and
# pairs of articles that story matching found alike (the workbench's "Same story" buttons).
DISCUSSED = 40
STORY_PAIRS = 200

# Every article is read by two of the four analysts, who mark the same 25 passages with ends a
# few characters apart and, now and then, another kind. Statuses cycle draft, submitted,
# approved, rejected; made over 26 weeks; each annotation has an edit in its history, and the
# submitted and decided ones their submission and decision (decided 1 to 48 hours later).
ANNOTATIONS = """
INSERT INTO annotations_annotation
    (article_id, kind, start, "end", exact, prefix, suffix, note, status, tags,
     created_by_id, created_at, updated_at, version)
SELECT article.id, span.kind, span.start, span.stop,
       substr(article.text, span.start + 1, span.stop - span.start), '', '', '', span.status, '{}',
       (%(analysts)s::bigint[])[1 + (article.n + slot.side) %% 4], span.made, span.made, 1
FROM (
    SELECT id, text, row_number() OVER (ORDER BY id) AS n FROM articles_article WHERE project_id = %(project)s
) AS article
CROSS JOIN generate_series(0, %(per_article)s - 1) AS g(i)
CROSS JOIN LATERAL (SELECT g.i %% 2 AS side, g.i / 2 AS passage) AS slot
CROSS JOIN LATERAL (
    SELECT (ARRAY['claim', 'quote', 'fact'])
               [1 + (slot.passage + CASE WHEN slot.passage %% 7 = 0 THEN slot.side ELSE 0 END) %% 3] AS kind,
           slot.passage * 110 + slot.side * (slot.passage %% 3) AS start,
           slot.passage * 110 + 40 + slot.side * (slot.passage %% 2) * 5 AS stop,
           (ARRAY['draft', 'submitted', 'approved', 'approved', 'rejected'])[1 + (article.n + g.i) %% 5] AS status,
           now() - make_interval(days => ((article.n * 7 + g.i) %% 182)::int) AS made
) AS span
"""

EVENTS = """
INSERT INTO annotations_annotationevent (annotation_id, actor_id, action, state, comment, at)
SELECT a.id, a.created_by_id, 'updated', '{}'::jsonb, '', a.created_at + interval '10 minutes'
FROM annotations_annotation a JOIN articles_article ar ON ar.id = a.article_id WHERE ar.project_id = %(project)s
UNION ALL
SELECT a.id, a.created_by_id, 'submitted', '{}'::jsonb, '', a.created_at + interval '1 hour'
FROM annotations_annotation a JOIN articles_article ar ON ar.id = a.article_id
WHERE ar.project_id = %(project)s AND a.status <> 'draft'
UNION ALL
SELECT a.id, %(manager)s, a.status, '{}'::jsonb,
       CASE WHEN a.status = 'rejected' THEN 'Not what the text says.' ELSE '' END,
       a.created_at + interval '1 hour' + make_interval(hours => 1 + (a.id %% 48)::int)
FROM annotations_annotation a JOIN articles_article ar ON ar.id = a.article_id
WHERE ar.project_id = %(project)s AND a.status IN ('approved', 'rejected')
"""


def seed(annotations: int, in_database: int) -> Project:
    """The project of `annotations` annotations, and others like it until the database holds
    `in_database` (the reviewer is a member of the first only)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # The bench's own database: everything of every project goes.
        cursor.execute("TRUNCATE projects_project CASCADE")
    users = get_user_model().objects
    manager, _ = users.get_or_create(username="bench-manager")
    reviewer, _ = users.get_or_create(username=REVIEWER)
    analysts = [users.get_or_create(username=name)[0] for name in ANALYSTS]
    project = seed_project(PROJECT, annotations, manager, analysts)
    Membership.objects.create(project=project, user=reviewer, role=Membership.Role.REVIEWER)
    seed_desk_extras(project, analysts, reviewer)
    for n, others in enumerate(range(annotations, in_database, annotations), start=1):
        seed_project(f"{PROJECT}-other-{n}", min(annotations, in_database - others), manager, analysts)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"seeded {Annotation.objects.count():,} annotations with their history in {elapsed:.0f} s", flush=True)
    return project


def seed_project(name: str, annotations: int, manager, analysts) -> Project:
    project = Project.objects.create(name=name)
    Membership.objects.create(project=project, user=manager, role=Membership.Role.MANAGER)
    for analyst in analysts:
        Membership.objects.create(project=project, user=analyst, role=Membership.Role.ANALYST)
    # Stored as an import of plain text stores it: the input as received beside the text.
    texts = (f"Article {n}.\n{SENTENCE * 30}" for n in range(annotations // PER_ARTICLE))
    Article.objects.bulk_create(
        (
            Article(
                project=project,
                title=text.split(".", 1)[0].replace("Article", "Bench article"),
                text=text,
                language="en",
                original=text.encode(),
                original_name="pasted text",
                original_format="text",
            )
            for text in texts
        ),
        batch_size=500,
    )
    params = {
        "project": project.pk,
        "per_article": PER_ARTICLE,
        "analysts": [analyst.pk for analyst in analysts],
        "manager": manager.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(ANNOTATIONS, params)
        cursor.execute(EVENTS, params)
    return project


def seed_desk_extras(project, analysts, reviewer) -> None:
    """Links and a discussion on the first annotation of the first articles, through the services;
    story matches between pairs of the last articles, as story matching stores them."""
    speaker = Source.objects.create(project=project, name="The minister", kind="person")
    outlet = Source.objects.create(project=project, name="The Daily Record", kind="outlet")
    firsts = (
        Annotation.objects.filter(article__project=project)
        .order_by("article_id", "start", "pk")
        .distinct("article_id")
        .select_related("article", "created_by")[:DISCUSSED]
    )
    for annotation in firsts:
        author = annotation.created_by
        link_source(annotation=annotation, source=speaker, role="said_by", user=author)
        link_source(annotation=annotation, source=outlet, role="cited", user=author)
        add_comment(annotation=annotation, user=reviewer, body="Is the minister named in the text?")
        add_comment(annotation=annotation, user=author, body="Yes, in the first sentence.")
    last = list(Article.objects.filter(project=project).order_by("-pk").values_list("pk", flat=True)[: 2 * STORY_PAIRS])
    StoryMatch.objects.bulk_create(
        StoryMatch(article_id=a, other_id=b, kind="near-duplicate", score=0.9, signals=["minister"])
        for first, second in zip(last[::2], last[1::2], strict=True)
        for a, b in ((first, second), (second, first))
    )


# ---------------------------------------------------------------- measuring


class Timing(NamedTuple):
    server_ms: float  # gunicorn's time for the request
    cpu_ms: float  # CPU the web workers and the database used meanwhile


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes and their children have used so far, those that
    have ended included (a database backend of a closed connection, a replaced worker)."""
    ticks = 0
    for pid in {tree_pid for root in pids for tree_pid in process_tree(root)}:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += sum(int(field) for field in fields[11:15])  # utime, stime, and the ended children's
    return ticks / os.sysconf("SC_CLK_TCK")


def postmaster_pid() -> int | None:
    """The embedded PostgreSQL's main process (its backends are its children), if it is the one used."""
    if os.environ.get("DATABASE_URL"):
        return None
    from config.embedded_db import DEFAULT_DATA_DIR

    try:
        return int((DEFAULT_DATA_DIR / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class Desk:
    """The reviewer's client, timing each request by the server's own log, and counting the CPU
    the web workers and the database spent on it (which the host's other work moves less)."""

    def __init__(self, url: str, password: str, access_log: Path, pids: list[int]):
        self.access_log = access_log
        self.client = SourcetraceClient(url, REVIEWER, password)
        self.pids = pids + [pid for pid in [postmaster_pid()] if pid]

    def timed(self, method: str, path: str, **kwargs) -> Timing:
        before = self.access_log.stat().st_size
        cpu = cpu_seconds(self.pids)
        self.client.request(method, path, **kwargs)
        cpu = cpu_seconds(self.pids) - cpu
        deadline = time.monotonic() + 5
        while True:
            with self.access_log.open() as log:
                log.seek(before)
                lines = [line.split() for line in log.read().splitlines()]
            mine = [line for line in lines if line[:2] == [method, path.split("?")[0]]]
            if mine:
                return Timing(int(mine[-1][3]) / 1000, cpu * 1000)
            if time.monotonic() > deadline:
                raise RuntimeError(f"no access log line for {method} {path}")
            time.sleep(0.01)

    def get(self, path: str, **kwargs) -> Timing:
        return self.timed("GET", path, **kwargs)

    def post(self, path: str, data, expect=(302,), **kwargs) -> Timing:
        return self.timed("POST", path, data=data, expect=expect, **kwargs)


def submitted(project, count: int, *, distinct_articles: bool = True, skip: int = 0) -> list[Annotation]:
    """Submitted annotations of the project, each of another article (or not), oldest waiting first."""
    rows = Annotation.objects.filter(article__project=project, status="submitted", deleted_at__isnull=True)
    if distinct_articles:
        rows = rows.order_by("article_id", "updated_at", "pk").distinct("article_id")
    else:
        rows = rows.order_by("updated_at", "pk")
    return list(rows.only("pk", "version", "article_id")[skip : skip + count])


def report(name: str, timings: list[Timing], queries: int | None = None, target: float | None = TARGET_MS) -> dict:
    """One figure's line: median and p95 of the server time, the mean CPU, the queries."""
    server = sorted(timing.server_ms for timing in timings)
    median, p95 = statistics.median(server), server[max(0, round(0.95 * len(server)) - 1)]
    cpu = statistics.mean(timing.cpu_ms for timing in timings)
    counted = f", {queries} queries" if queries is not None else ""
    print(
        f"  {name}: median {median:.0f} ms, p95 {p95:.0f} ms (CPU {cpu:.0f} ms, {len(server)} runs{counted})",
        flush=True,
    )
    figure = {"name": name.strip(), "median_ms": median, "p95_ms": p95, "cpu_ms": round(cpu, 1), "runs": len(server)}
    return {**figure, "queries": queries, "target_ms": target}


def print_targets(results: list[dict]) -> None:
    """The target lines, after the figures: each page and action, the figures whatever changed."""
    print("Targets (median server time):", flush=True)
    for figure in results:
        if figure["target_ms"] is not None:
            met = "met" if figure["median_ms"] < figure["target_ms"] else "NOT MET"
            print(f"  {figure['name']} < {figure['target_ms']} ms: {met} ({figure['median_ms']:.0f} ms)")


def count_queries(method: str, path: str, data=None) -> int:
    """The queries one request makes, made in this process (the same code and database as the server)."""
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=REVIEWER))
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages), CaptureQueriesContext(connection) as captured:
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data)
    assert response.status_code in (200, 302), (path, response.status_code)
    return len(captured)


def bulk_form(rows, **fields) -> dict:
    """The rows checked, each with the version the page showed (a decision is made from it)."""
    versions = {f"listed-version-{annotation.pk}": annotation.version for annotation in rows}
    return {**fields, "_selected_action": [annotation.pk for annotation in rows], **versions}


def measure_actions(desk: Desk, project, runs: int, results: list) -> None:
    print("Pages and actions (the first of each is not counted: the worker reads its templates):", flush=True)
    # The admin page of one annotation, with links, a discussion and its history.
    discussed = list(
        Annotation.objects.filter(article__project=project, comments__isnull=False)
        .order_by("pk")
        .distinct()
        .values_list("pk", flat=True)
    )
    change = "/admin/annotations/annotation/{}/change/"
    desk.get(change.format(discussed[-1]))
    timings = [desk.get(change.format(pk)) for pk in discussed[:runs]]
    queries = count_queries("GET", change.format(discussed[0]))
    results.append(report("admin page of one annotation", timings, queries))

    # "Same story" in the workbench: articles that story matching found alike, joined pair by pair.
    pairs = list(
        StoryMatch.objects.filter(article__project=project, article__story__isnull=True, article_id__lt=F("other_id"))
        .order_by("-article_id")
        .values_list("article_id", "other_id")[: runs + 2]
    )
    joins, pages = [], []
    for article, other in pairs[:-1]:
        joins.append(desk.post(f"/articles/{article}/story/", {"other": other}))
        pages.append(desk.get(f"/articles/{article}/"))
    article, other = pairs[-1]
    queries = count_queries("POST", f"/articles/{article}/story/", {"other": other})
    results.append(report('"Same story" (the POST)', joins[1:], queries))
    results.append(report("  the workbench it leads to", pages[1:], target=None))

    # A bulk approve of 8: the admin list's action, then the queue's decision.
    listing = "/admin/annotations/annotation/"
    timings, lists = [], []
    for _ in range(runs + 1):
        form = bulk_form(submitted(project, 8), action="approve", select_across="0", index="0")
        timings.append(desk.post(listing, form))
        lists.append(desk.get(listing))
    queries = count_queries("POST", listing, bulk_form(submitted(project, 8), action="approve", index="0"))
    results.append(report("bulk approve of 8, the admin list's action", timings[1:], queries))
    results.append(report("  the list it leads back to", lists[1:], target=None))
    queue = "/admin/annotations/annotation/queue/"
    timings, queues = [], []
    for _ in range(runs + 1):
        timings.append(desk.post(queue, bulk_form(submitted(project, 8, distinct_articles=False), decision="approve")))
        queues.append(desk.get(queue))
    queries = count_queries(
        "POST", queue, bulk_form(submitted(project, 8, distinct_articles=False), decision="approve")
    )
    results.append(report("bulk approve of 8, the queue's decision", timings[1:], queries))
    results.append(report("  the queue it leads back to", queues[1:], target=None))

    # Curation: accept one analyst's version of a passage.
    timings, curations = [], []
    chosen = submitted(project, runs + 2, skip=Article.objects.filter(project=project).count() // 2)
    for annotation in chosen[:-1]:
        curation = f"/admin/review/article/{annotation.article_id}/curation/"
        timings.append(desk.post(curation, {"accept": annotation.pk, "version": annotation.version}))
        curations.append(desk.get(curation))
    annotation = chosen[-1]
    curation = f"/admin/review/article/{annotation.article_id}/curation/"
    queries = count_queries("POST", curation, {"accept": annotation.pk, "version": annotation.version})
    results.append(report("curation's accept (the POST)", timings[1:], queries))
    results.append(report("  the curation page it leads back to", curations[1:], target=None))


def decide(desk: Desk, annotation) -> None:
    form = {"decision": "approve", "reason": "", "version": annotation.version}
    desk.post(f"/admin/annotations/annotation/{annotation.pk}/decide/", form)


def measure_figures(desk: Desk, project, runs: int, results: list, new_server) -> None:
    print("Dashboard and agreement:", flush=True)
    for name in ("dashboard", "agreement"):
        page = f"/admin/review/project/{project.pk}/{name}/"
        # From nothing: a new server, nothing kept from before.
        desk = new_server(forget=True)
        results.append(report(f"{name}, worked out from nothing (once)", [desk.get(page)], target=None))
        after_one, after_fifty, unchanged = [], [], []
        for _ in range(runs):
            decide(desk, submitted(project, 1)[0])
            after_one.append(desk.get(page))
        results.append(report(f"{name}, after a decision in one article", after_one, target=FIGURES_TARGET_MS))
        for _ in range(max(3, runs // 3)):
            for annotation in submitted(project, 50):
                decide(desk, annotation)
            after_fifty.append(desk.get(page))
        results.append(report(f"{name}, after decisions in 50 articles", after_fifty, target=FIGURES_TARGET_MS))
        unchanged = [desk.get(page) for _ in range(runs)]
        queries = count_queries("GET", page)
        results.append(report(f"{name}, nothing changed since", unchanged, queries, target=FIGURES_TARGET_MS))


def forget_kept_figures() -> None:
    """Forget what the app keeps of the review figures in the database, if it keeps any there: as
    if every annotated article had just changed, with nothing kept."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('review_articlefigures') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("TRUNCATE review_articlefigures")
            cursor.execute(
                "INSERT INTO annotations_articlechange (article_id, transaction_id) "
                "SELECT DISTINCT article_id, pg_current_xact_id()::text::bigint FROM annotations_annotation "
                "ON CONFLICT DO NOTHING"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=100_000, help="in the reviewer's project")
    parser.add_argument("--in-database", type=int, default=1_000_000, help="in all projects (others like it)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--only", choices=["actions", "figures"], help="the pages and actions, or the figures")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=PROJECT).first()
    if (
        args.reseed
        or project is None
        or Annotation.objects.filter(article__project=project).count() < args.annotations
        or Annotation.objects.count() < args.in_database
    ):
        print(f"Seeding {args.in_database:,} annotations (once; a few minutes)", flush=True)
        project = seed(args.annotations, args.in_database)
    password = secrets.token_urlsafe(16)
    reviewer = get_user_model().objects.get(username=REVIEWER)
    reviewer.set_password(password)
    reviewer.save()
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    env = production_env(os.environ.get("DATABASE_URL"))
    if not os.environ.get("DATABASE_URL"):
        env["EMBEDDED_DB_NAME"] = os.environ["EMBEDDED_DB_NAME"]
    manage(env, "collectstatic", "--no-input", log=OUT / "logs" / "review-prepare.log")
    total = Annotation.objects.filter(article__project=project).count()
    print(
        f"Review desk over HTTP: project of {total:,} annotations ({Annotation.objects.count():,} in the "
        f"database), PostgreSQL {connection.pg_version}, gunicorn with 2 workers, DEBUG off. Server time "
        f"is gunicorn's for each request; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        flush=True,
    )
    access_log = OUT / "logs" / "review-access.log"
    results = []
    running = []

    def new_server(forget=False) -> Desk:
        while running:
            running.pop().stop()
        if forget:
            forget_kept_figures()
        access_log.write_text("")
        server = AppServer(env, workers=2, log_dir=OUT / "logs", access_log=access_log, worker=False)
        running.append(server)
        server.start()
        return Desk(server.url, password, access_log, server.pids)

    try:
        desk = new_server()
        if args.only != "figures":
            measure_actions(desk, project, args.runs, results)
        if args.only != "actions":
            measure_figures(desk, project, args.runs, results, new_server)
    finally:
        while running:
            running.pop().stop()
    print_targets(results)
    results_file = OUT / "results" / f"review-{time.strftime('%Y%m%d-%H%M%S')}.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps({"load_average": os.getloadavg(), "figures": results}, indent=2))


if __name__ == "__main__":
    main()
