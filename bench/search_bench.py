"""Search over 100,000 articles with 1,000,000 annotations, measured over HTTP; and how soon a
10,000-article web import is searchable.

    .venv/bin/python bench/search_bench.py [--articles 100000] [--runs 7] [--reseed] [--no-import]

Seeds its own database once (sourcetrace_search_bench on the embedded server, or EMBEDDED_DB_NAME
/ DATABASE_URL), in about ten minutes, and reuses it: ten projects of articles in English,
German, French, Russian, Arabic and Spanish from bench/search_corpus.py (Zipf-distributed words
and names, names spelled as each language writes them), stored by the app's own path
(services.store_articles, a COPY) and made searchable by the background worker's own code
(indexing.index_articles, 250 articles a call as its jobs do); ten annotations an article on
whole words with notes, tags and statuses, written in the SQL shape of the app's COPY; a source
per public figure in each project, linked to the quotes it said. `--reseed` starts again.

Then, with nothing else of the benchmark running:
- the import's cost with and without indexing it at once: 10,000 articles stored by
  store_articles (the COPY), then indexed in the same transaction, which is rolled back;
- /search/ through gunicorn (2 sync workers, DEBUG off, a new connection per request), signed
  in as an analyst of the ten projects: single words, phrases, names (other spellings, other
  scripts), exclusion and filtered queries, each query `--runs` times after one warming request;
  median and p95 per class and overall against the targets (50 / 150 ms), and each query's
  database queries (counted once in this process with Django's test client);
- a web import of 10,000 articles (upload until its page says done) into a new project, and
  the time from its end until all its articles are searchable (the background worker's
  indexing jobs), against the target of 30 s. The project is deleted afterwards.
"""

import argparse
import json
import os
import random
import re
import secrets
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_search_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.annotations.models import Annotation  # noqa: E402
from apps.articles import services  # noqa: E402
from apps.articles.bulk import text_array  # noqa: E402
from apps.articles.indexing import index_articles  # noqa: E402
from apps.articles.models import Article  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from apps.sources.models import Source  # noqa: E402
from bench.http_client import SourcetraceClient  # noqa: E402
from bench.http_server import SUPERUSER, AppServer, prepare_app, production_env  # noqa: E402
from bench.search_corpus import KINDS, STATUSES, TAGS, Corpus  # noqa: E402

PROJECTS = 10
ANALYSTS = 10
SOURCES_PER_PROJECT = 300  # the most named figures
STORE_BATCH = 1000  # articles stored per transaction while seeding
INDEX_JOB = services.MATCH_JOB_ARTICLES  # articles per indexing job, as the worker gets them
IMPORT_ARTICLES = 10_000
PREFIX_CHARS = 32
TARGET_MEDIAN_MS, TARGET_P95_MS, TARGET_SEARCHABLE_S = 50, 150, 30
ANALYST = "search-bench-analyst-0"
SEEDED = r"^search-bench-\d+$"  # the data set's projects; an import's are named search-bench-import-...
OUT = ROOT / ".data" / "bench"


# -- The data set --------------------------------------------------------------------------


def seed(corpus: Corpus, articles: int) -> None:
    started = time.perf_counter()
    users = get_user_model().objects
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE projects_project CASCADE")  # the bench's own database
    users.filter(username__startswith="search-bench-").delete()
    projects = [Project.objects.create(name=f"search-bench-{n}") for n in range(PROJECTS)]
    analysts = [users.create(username=f"search-bench-analyst-{n}") for n in range(ANALYSTS)]
    reviewer = users.create(username="search-bench-reviewer")
    Membership.objects.bulk_create(
        [Membership(project=p, user=u, role=Membership.Role.ANALYST) for p in projects for u in analysts]
        + [Membership(project=p, user=reviewer, role=Membership.Role.REVIEWER) for p in projects]
    )
    sources = seed_sources(corpus, projects)
    print(f"generating, storing and indexing {articles:,} articles with their annotations", flush=True)
    # Indexing is called here directly, as the worker's jobs call it; story matching is left out.
    services.enqueue_indexing = services.enqueue_matching = lambda ids: None
    timings = {"generate": 0.0, "store": 0.0, "index": 0.0, "annotate": 0.0}
    for first in range(0, articles, STORE_BATCH):
        clock = time.perf_counter()
        generated = [corpus.article(n) for n in range(first, min(articles, first + STORE_BATCH))]
        batch = [
            Article(
                project=projects[g.number % PROJECTS],
                title=g.title,
                text=g.text,
                language=g.language,
                url=f"https://news-{g.language}.example/{g.number}",
                author=g.author,
                published_on=g.published_on,
                original=g.text.encode(),
                original_name=f"search-bench-{g.number}.txt",
                original_format="text",
                imported_by=analysts[g.number % ANALYSTS],
            )
            for g in generated
        ]
        timings["generate"] += time.perf_counter() - clock
        clock = time.perf_counter()
        with transaction.atomic():
            stored = services.store_articles(articles=batch)
        timings["store"] += time.perf_counter() - clock
        clock = time.perf_counter()
        ids = [article.pk for article in stored]
        for job in range(0, len(ids), INDEX_JOB):
            index_articles(ids[job : job + INDEX_JOB])
        timings["index"] += time.perf_counter() - clock
        clock = time.perf_counter()
        annotate(stored, generated, analysts, reviewer, sources)
        timings["annotate"] += time.perf_counter() - clock
        if (first // STORE_BATCH) % 10 == 9:
            done = first + STORE_BATCH
            print(f"  {done:,} articles, {time.perf_counter() - started:.0f} s ({_rounded(timings)})", flush=True)
    clock = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum"] = time.perf_counter() - clock
    print(f"seeded in {time.perf_counter() - started:.0f} s ({_rounded(timings)})", flush=True)


def _rounded(timings: dict) -> str:
    return ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())


def seed_sources(corpus: Corpus, projects: list[Project]) -> dict[tuple[int, int], int]:
    """A person per much-named figure in each project, their other spellings as aliases;
    returns (project id, figure's rank) -> source id."""
    rows = []
    for project in projects:
        for figure in corpus.figures[:SOURCES_PER_PROJECT]:
            name = figure.full("en")
            spellings = dict.fromkeys(figure.full(language) for language in ("ru", "de", "fr", "ar"))
            aliases = [spelling for spelling in spellings if spelling != name]
            rows.append(Source(project=project, name=name, kind=Source.Kind.PERSON, aliases=aliases))
    Source.objects.bulk_create(rows, batch_size=1000)
    ranks = {figure.full("en"): figure.rank for figure in corpus.figures[:SOURCES_PER_PROJECT]}
    return {(s.project_id, ranks[s.name]): s.pk for s in Source.objects.filter(project__in=projects)}


def annotate(stored: list[Article], generated: list, analysts, reviewer, sources: dict) -> None:
    """The articles' annotations (whole words of their text) and the links of the quotes whose
    speaker has a source, in the shape the app's COPY writes them. The triggers (history, the
    check of each span against its text) are left out: the rows are made valid here."""
    now = datetime.now(UTC)
    rows, links = [], []
    with connection.cursor() as cursor:
        count = sum(len(g.spans) for g in generated)
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('annotations_annotation', 'id')) FROM generate_series(1, %s)",
            [count],
        )
        ids = iter(pk for (pk,) in cursor.fetchall())
    for article, g in zip(stored, generated, strict=True):
        rng = random.Random(f"annotations-{g.number}")
        text = g.text
        for n, span in enumerate(g.spans):
            pk = next(ids)
            kind = "quote" if span.quoted else rng.choice(KINDS)
            status = rng.choice(STATUSES)
            author = analysts[(g.number + n) % len(analysts)]
            created = now - timedelta(days=rng.randrange(730), minutes=rng.randrange(1440))
            note = ""
            if rng.random() < 0.2:
                words = text[span.start : span.end].split()
                note = f"Check {' '.join(words[: rng.randint(1, 3)])} against {rng.choice(TAGS)} reports"
            tags = rng.sample(TAGS, rng.randint(1, 2)) if rng.random() < 0.15 else []
            reviewed = status in ("approved", "rejected")
            rows.append(
                (
                    pk,
                    article.pk,
                    kind,
                    span.start,
                    span.end,
                    text[span.start : span.end],
                    text[max(0, span.start - PREFIX_CHARS) : span.start],
                    text[span.end : span.end + PREFIX_CHARS],
                    note,
                    status,
                    text_array(tags),
                    author.pk,
                    created,
                    created,
                    reviewer.pk if reviewed else None,
                    created + timedelta(hours=1) if reviewed else None,
                    1,
                )
            )
            if span.quoted is not None:
                source = sources.get((article.project_id, span.quoted.rank))
                if source:
                    links.append((pk, source, "said_by", "", author.pk, created))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        columns = (
            'id, article_id, kind, start, "end", exact, prefix, suffix, note, status, tags, created_by_id, '
            "created_at, updated_at, reviewed_by_id, reviewed_at, version"
        )
        with cursor.cursor.copy(f"COPY annotations_annotation ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        link_columns = "annotation_id, source_id, role, note, created_by_id, created_at"
        with cursor.cursor.copy(f"COPY annotations_link ({link_columns}) FROM STDIN") as copy:
            for row in links:
                copy.write_row(row)


def seeded(articles: int) -> bool:
    return (
        Project.objects.filter(name="search-bench-0").exists()
        and Article.objects.filter(project__name__regex=SEEDED).count() == articles
    )


# -- What is looked for --------------------------------------------------------------------


def phrase_in(corpus: Corpus, number: int) -> str:
    """Two words that follow each other in an article's text, neither among the commonest."""
    g = corpus.article(number)
    words, _ = corpus.vocabulary[g.language]
    common = set(words[:80])
    tokens = re.findall(r"\w+", g.text)
    for first, second in zip(tokens, tokens[1:], strict=False):
        if first.lower() not in common and second.lower() not in common and len(first) > 3 and len(second) > 3:
            return f'"{first} {second}"'
    return f'"{tokens[3]} {tokens[4]}"'


def query_set(corpus: Corpus, projects: list[int]) -> dict[str, list[dict]]:
    """Query class -> the queries (the search page's parameters) measured in it."""
    figures = corpus.figures
    russian = [f for f in figures if f.spellings["ru"][1] != f.spellings["de"][1]]  # names of Russian origin

    def content(language, rank):
        return corpus.content_word(language, rank)

    since = date(2024, 3, 1)
    return {
        "single word": [
            {"q": content("en", 0)},  # a common word
            {"q": content("en", 300)},  # a rarer one
            {"q": "sanctioned"},  # stems: finds "sanctions"
            {"q": "Abkommen"},
            {"q": content("de", 200)},
            {"q": "négociations"},
            {"q": "санкциями"},
            {"q": "العقوبات"},
        ],
        "phrase": [
            {"q": phrase_in(corpus, 11)},
            {"q": phrase_in(corpus, 12)},
            {"q": phrase_in(corpus, 13)},
            {"q": f'"{figures[0].full("en")}"'},
            {"q": f'"{figures[40].full("fr")}"'},
        ],
        "name": [
            {"q": figures[0].last("en")},  # the most named
            {"q": figures[30].last("en")},
            {"q": figures[600].last("en")},  # seldom named
            {"q": russian[2].last("de")},  # another spelling
            {"q": russian[2].last("ru")},  # another script
            {"q": russian[5].last("fr")},
            {"q": russian[5].last("ar")},
            {"q": figures[3].full("en")},  # first and last name
        ],
        "exclusion": [
            {"q": f"{content('en', 0)} -{content('en', 5)}"},
            {"q": "Abkommen -Minister"},
            {"q": f"{figures[1].last('en')} -{content('en', 2)}"},
        ],
        "filtered": [
            {"q": content("en", 0), "kind": "quote"},
            {"q": content("en", 1), "status": "approved"},
            {"q": "Abkommen", "language": "de"},
            {"q": content("en", 0), "project": str(projects[3])},
            {"q": figures[0].last("en"), "since": since.isoformat(), "until": (since + timedelta(days=90)).isoformat()},
            {"type": "annotation", "status": "submitted", "project": str(projects[1])},
            {"type": "annotation", "kind": "claim", "tag": "sanctions"},
            {"q": content("ru", 120), "type": "article", "language": "ru"},
            {"q": content("fr", 100), "page": "3"},
            {"q": content("ar", 90), "type": "annotation"},
        ],
    }


def label(params: dict) -> str:
    return "&".join(f"{key}={value}" for key, value in params.items())


# -- Measurements ----------------------------------------------------------------------------


def import_cost(corpus: Corpus, project: Project, first: int) -> dict:
    """Store IMPORT_ARTICLES articles as an import does (a COPY per 250), then index them as the
    worker would, all in one transaction rolled back: the import's time, and what indexing in
    it would add."""
    services.enqueue_indexing = services.enqueue_matching = lambda ids: None
    generated = [corpus.article(n) for n in range(first, first + IMPORT_ARTICLES)]
    figures = {}
    with transaction.atomic():
        started = time.perf_counter()
        ids = []
        for chunk in range(0, IMPORT_ARTICLES, INDEX_JOB):
            batch = [
                Article(project=project, title=g.title, text=g.text, language=g.language, original=g.text.encode())
                for g in generated[chunk : chunk + INDEX_JOB]
            ]
            ids += [article.pk for article in services.store_articles(articles=batch)]
        figures["store_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for chunk in range(0, len(ids), INDEX_JOB):
            index_articles(ids[chunk : chunk + INDEX_JOB])
        figures["index_s"] = time.perf_counter() - started
        transaction.set_rollback(True)
    return figures


def count_queries(user, queries: dict[str, list[dict]]) -> dict[str, int]:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    counts = {}
    for params in (params for group in queries.values() for params in group):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/search/", params)
        assert response.status_code == 200, (params, response.status_code)
        counts[label(params)] = len(captured)
    return counts


SLOW_MS = 5000
# Past the rank limit a count reads "2000+": at least that many.
COUNT_RE = re.compile(r'Everything <span class="count">(\d+)\+?</span>')


def time_searches(client: SourcetraceClient, queries: dict[str, list[dict]], runs: int) -> dict:
    """Each query's request times (ms); a query that takes seconds is timed once, and an error
    (gunicorn ends a request after 30 s) counts with the time it took."""
    results = {}
    for group, params_list in queries.items():
        for params in params_list:
            seconds, errors, found = [], 0, None
            for run in range(runs + 1):
                started = time.perf_counter()
                response = client.request("GET", "/search/", params=params, expect=None)
                elapsed = (time.perf_counter() - started) * 1000
                errors += response.status_code != 200
                if run == 0:  # warms the worker's caches; not counted
                    count = COUNT_RE.search(response.text)
                    found = int(count.group(1)) if count else None
                    if elapsed < SLOW_MS:
                        continue
                seconds.append(elapsed)
                if elapsed >= SLOW_MS:
                    break
            results[label(params)] = {"class": group, "ms": seconds, "found": found, "errors": errors}
            print(f"  {label(params)[:60]:<60} {statistics.median(seconds):>7.0f} ms", flush=True)
    return results


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def web_import(server: AppServer, env: dict, password: str, corpus: Corpus, first: int) -> dict:
    """Import IMPORT_ARTICLES articles on the web page; how long until they are all searchable."""
    path = Path(tempfile.mkdtemp()) / "search-bench-import.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(first, first + IMPORT_ARTICLES):
            g = corpus.article(n)
            out.write(json.dumps({"title": g.title, "text": g.text, "lang": g.language}, ensure_ascii=False) + "\n")
    client = SourcetraceClient(server.url, SUPERUSER, password)
    project = client.create_project(f"search-bench-import-{time.time_ns()}")
    started = time.perf_counter()
    _, report = client.import_file(project, str(path), IMPORT_ARTICLES)
    ended = time.perf_counter()
    figures = {"import_s": ended - started, "project": project}
    waiting = Article.objects.filter(project_id=project, search__isnull=True)
    while waiting.exists():
        if time.perf_counter() - ended > 600:
            raise RuntimeError(f"{waiting.count()} imported articles not searchable after 10 minutes")
        time.sleep(0.2)
    figures["searchable_after_s"] = time.perf_counter() - ended
    figures["jobs_done_after_s"] = figures["searchable_after_s"] + wait_for_jobs()
    last = corpus.article(first + IMPORT_ARTICLES - 1)
    page = client.request("GET", "/search/", params={"q": last.title.split(":")[0], "project": project}).text
    found = COUNT_RE.search(page)
    figures["found_by_name_of_last"] = int(found.group(1)) if found else 0
    path.unlink()
    return figures


def wait_for_jobs(timeout: float = 900) -> float:
    """Wait until the background worker has no job left (the import's story matching); how long
    that took. In this benchmark's database, which http_server.wait_for_background_jobs does not
    know of (it reads the HTTP benchmark's)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
            )
            [pending] = cursor.fetchone()
        if not pending:
            return time.perf_counter() - started
        time.sleep(0.2)
    raise RuntimeError(f"the background worker still had {pending} job(s) after {timeout:.0f} s")


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # unwinds through the `with` that stops the server


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the data set (ten annotations each)")
    parser.add_argument("--runs", type=int, default=7, help="timed requests per query")
    parser.add_argument("--reseed", action="store_true", help="seed the data set again")
    parser.add_argument("--no-import", action="store_true", help="skip the import figures")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    call_command("migrate", verbosity=0)
    Project.objects.filter(name__startswith="search-bench-import-").delete()  # left by an interrupted run
    corpus = Corpus()
    if args.reseed or not seeded(args.articles):
        seed(corpus, args.articles)
    projects = list(
        Project.objects.filter(name__startswith="search-bench-").order_by("pk").values_list("pk", flat=True)
    )
    annotations = Annotation.objects.count()
    print(f"data set: {args.articles:,} articles, {annotations:,} annotations in {len(projects)} projects", flush=True)
    figures = {"articles": args.articles, "annotations": annotations}
    analyst = get_user_model().objects.get(username=ANALYST)
    password = secrets.token_urlsafe(16)
    analyst.set_password(password)
    analyst.save(update_fields=["password"])
    queries = query_set(corpus, projects)

    if not args.no_import:
        scratch = Project.objects.create(name=f"search-bench-import-{time.time_ns()}")
        cost = import_cost(corpus, scratch, first=10 * args.articles)
        scratch.delete()
        figures["import_in_process"] = cost
        print(
            f"store_articles (COPY) of {IMPORT_ARTICLES:,} articles: {cost['store_s']:.2f} s; indexing them: "
            f"{cost['index_s']:.2f} s more if the import did it (it leaves it to the worker)",
            flush=True,
        )

    figures["queries"] = count_queries(analyst, queries)
    env = production_env(os.environ.get("DATABASE_URL"))
    if not os.environ.get("DATABASE_URL"):
        env["EMBEDDED_DB_NAME"] = os.environ["EMBEDDED_DB_NAME"]
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    bench_password = secrets.token_urlsafe(16)
    prepare_app(env, bench_password, OUT / "logs" / "search-prepare.log")
    with AppServer(env, workers=2, log_dir=OUT / "logs") as server:
        total = sum(map(len, queries.values()))
        print(f"timing {total} searches on {server.url}, {args.runs} times each", flush=True)
        client = SourcetraceClient(server.url, ANALYST, password)
        timed = time_searches(client, queries, args.runs)
        if not args.no_import:
            print(f"importing {IMPORT_ARTICLES:,} articles on the web page", flush=True)
            figures["web_import"] = web_import(server, env, bench_password, corpus, first=11 * args.articles)
    Project.objects.filter(name__startswith="search-bench-import-").delete()
    report(timed, figures)


def report(timed: dict, figures: dict) -> None:
    print(f"\n/search/ over HTTP, {figures['articles']:,} articles and {figures['annotations']:,} annotations")
    print(f"{'query':<60} {'found':>7} {'median':>8} {'p95':>8} {'queries':>7}  (seconds-long ones timed once)")
    by_class: dict[str, list[float]] = {}
    for query, result in timed.items():
        by_class.setdefault(result["class"], []).extend(result["ms"])
        found = "-" if result["found"] is None else f"{result['found']:,}"
        if result["errors"]:
            found = f"{result['errors']} errors"
        print(
            f"{query[:60]:<60} {found:>7} {statistics.median(result['ms']):>6.0f} ms "
            f"{percentile(result['ms'], 95):>5.0f} ms {figures['queries'].get(query, 0):>7}"
        )
    every = [ms for values in by_class.values() for ms in values]
    print(f"\n{'class':<16} {'median':>8} {'p95':>8}   target median < {TARGET_MEDIAN_MS} ms, p95 < {TARGET_P95_MS} ms")
    for group, values in [*by_class.items(), ("overall", every)]:
        median, p95 = statistics.median(values), percentile(values, 95)
        met = "yes" if median < TARGET_MEDIAN_MS and p95 < TARGET_P95_MS else "NO"
        print(f"{group:<16} {median:>5.0f} ms {p95:>5.0f} ms   {met}")
    if web := figures.get("web_import"):
        met = "yes" if web["searchable_after_s"] < TARGET_SEARCHABLE_S else "NO"
        print(
            f"\nweb import of {IMPORT_ARTICLES:,} articles: {web['import_s']:.1f} s; all searchable "
            f"{web['searchable_after_s']:.1f} s after it ended (target < {TARGET_SEARCHABLE_S} s: {met}); "
            f"the worker's jobs (indexing and story matching) done after {web['jobs_done_after_s']:.1f} s"
        )
    if cost := figures.get("import_in_process"):
        print(
            f"storing {IMPORT_ARTICLES:,} articles (COPY, in process): {cost['store_s']:.2f} s; "
            f"with indexing in the same transaction: {cost['store_s'] + cost['index_s']:.2f} s"
        )
    result_file = OUT / "results" / f"search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    result_file.parent.mkdir(parents=True, exist_ok=True)
    result_file.write_text(json.dumps({"timed": timed, **figures}, indent=2, ensure_ascii=False, default=str))
    print(f"\nAll figures: {result_file.relative_to(ROOT)}")


if __name__ == "__main__":
    # Static files as in development: the in-process client needs no collected manifest.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        main()
