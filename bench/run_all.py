"""Benchmarks named by the issues; prints each figure. Run with `make bench`.

Uses its own database (sourcetrace_bench) on the embedded server, or DATABASE_URL if set.
"""

import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production settings for the in-process figures too (DEBUG off keeps no log of every query);
# plain HTTP on the test client.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.annotations.models import Annotation, quote_selector  # noqa: E402
from apps.articles.models import Article  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from bench import story_matching  # noqa: E402

WORDS_EN = "the minister said that agreement defence cooperation report analysts warned Belarus Pakistan".split()
WORDS_DE = "der Minister sagte dass das Abkommen Verteidigung Zusammenarbeit Bericht Analysten warnten".split()


def paragraph(rng, words, n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def make_text(rng, chars, emoji=False):
    words = WORDS_EN if rng.random() < 0.5 else WORDS_DE
    lines = []
    while sum(len(line) + 1 for line in lines) < chars:
        line = paragraph(rng, words, rng.randint(20, 60))
        if emoji and rng.random() < 0.3:
            line += " 🌍🔥"
        lines.append(line)
    return "\n".join(lines)


def fresh_project(name):
    Project.objects.filter(name=name).delete()
    project = Project.objects.create(name=name)
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    Membership.objects.create(project=project, user=user, role=Membership.Role.ANALYST)
    return project, user


def add_article(project, text):
    return Article.objects.create(project=project, title="Bench", text=text, language="en")


def add_annotations(article, user, count, rng):
    text, annotations = article.text, []
    for _ in range(count):
        start = rng.randrange(0, len(text) - 200)
        end = start + rng.randint(5, 150)
        annotation = Annotation(
            article=article, kind=rng.choice(["claim", "quote", "fact"]), start=start, end=end, created_by=user
        )
        annotation.anchor(start, end)
        annotations.append(annotation)
    Annotation.objects.bulk_create(annotations, batch_size=1000)
    # Autovacuum would gather statistics after a load like this one; do it now so plans are realistic.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotations_annotation")


def timed_get(client, url, runs):
    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries = len(captured)
    return statistics.median(timings), queries


def bench_render():
    rng = random.Random(1)
    project, user = fresh_project("bench-render")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    for label, chars, count, target in (
        ("500 annotations", 20_000, 500, 25),
        ("100,000 chars, 2,000 annotations", 100_000, 2000, 100),
    ):
        article = add_article(project, make_text(rng, chars, emoji=True))
        add_annotations(article, user, count, rng)
        median, queries = timed_get(client, article.get_absolute_url(), 15)
        print(
            f"render article page, {label}: {median:.1f} ms median server time, {queries} queries "
            f"(target < {target} ms)"
        )


def bench_create():
    rng = random.Random(2)
    project, user = fresh_project("bench-create")
    for _ in range(10):
        add_annotations(add_article(project, make_text(rng, 20_000)), user, 1000, rng)
    article = add_article(project, make_text(rng, 20_000, emoji=True))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/annotations/article/{article.pk}/new/"
    timings, statements = [], []
    for _ in range(200):
        start = rng.randrange(0, len(article.text) - 100)
        end = start + rng.randint(5, 80)
        exact = quote_selector(article.text, start, end)["exact"]
        payload = {"kind": "claim", "start": start, "end": end, "exact": exact}
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(url, payload, headers={"HX-Request": "true"})
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and "saved" in response.content.decode()
        statements.append(len(captured))
    timings.sort()
    print(
        f"create annotation with {Annotation.objects.filter(article__project=project).count() - 200} already in "
        f"the project: p50 {timings[len(timings) // 2]:.1f} ms, p95 {timings[int(len(timings) * 0.95)]:.1f} ms, "
        f"{max(statements)} SQL statements (targets: 8 ms, 15 ms, 5)"
    )


def bench_scaling():
    """The article list, an article page and a span create at 1x, 10x and 100x the project's data
    (articles, and spans across them): query counts must stay the same, times within 2x."""
    rng = random.Random(4)
    client = Client(HTTP_HOST="localhost")
    rows = []
    for factor, articles in ((1, 20), (10, 200), (100, 2000)):
        project, user = fresh_project(f"bench-scaling-{factor}")
        client.force_login(user)
        text = make_text(rng, 4000)
        Article.objects.bulk_create(
            Article(project=project, title=f"Bench {n}", text=f"{text}\nNumber {n}.", language="en")
            for n in range(articles)
        )
        spans = []
        for article in Article.objects.filter(project=project).only("pk", "text"):
            for _ in range(20):
                start = rng.randrange(0, len(article.text) - 100)
                annotation = Annotation(article=article, kind="claim", created_by=user)
                annotation.anchor(start, start + rng.randint(5, 80))
                spans.append(annotation)
        Annotation.objects.bulk_create(spans, batch_size=5000, ignore_conflicts=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article; ANALYZE annotations_annotation")
        article = Article.objects.filter(project=project).first()
        page, page_queries = timed_get(client, article.get_absolute_url(), 15)
        listing, list_queries = timed_get(client, "/articles/", 15)
        creates, create_queries = [], 0
        for _ in range(40):
            start = rng.randrange(0, len(article.text) - 100)
            end = start + rng.randint(5, 80)
            payload = {"kind": "fact", "start": start, "end": end, "exact": article.text[start:end]}
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                client.post(f"/annotations/article/{article.pk}/new/", payload, headers={"HX-Request": "true"})
                creates.append((time.perf_counter() - started) * 1000)
            create_queries = max(create_queries, len(captured))
        rows.append(
            (
                factor,
                articles,
                len(spans),
                page,
                page_queries,
                listing,
                list_queries,
                statistics.median(creates),
                create_queries,
            )
        )
    print("data  articles  spans    article page     article list     create span")
    for factor, articles, spans, page, pq, listing, lq, create, cq in rows:
        print(
            f"{factor:>3}x  {articles:>8}  {spans:>6}  {page:6.1f} ms {pq:>2} q  {listing:6.1f} ms {lq:>2} q  "
            f"{create:6.1f} ms {cq:>2} q"
        )
    first, last = rows[0], rows[-1]
    print(
        f"100x / 1x: article page {last[3] / first[3]:.2f}x, list {last[5] / first[5]:.2f}x, create "
        f"{last[7] / first[7]:.2f}x; query counts {'the same' if first[4::2] == last[4::2] else 'DIFFER'} "
        "(target: within 2x, the same counts)"
    )


def write_jsonl(path, count, rng):
    """News-like articles of 3-8 KB, English and German mixed, one in seven with emoji."""
    with open(path, "w", encoding="utf-8") as file:
        for n in range(count):
            text = make_text(rng, rng.randint(3000, 8000), emoji=n % 7 == 0) + f"\nReference {n}."
            file.write(json.dumps({"text": text, "url": f"https://news.example/{n}"}, ensure_ascii=False) + "\n")


def production_env() -> dict:
    """Settings as deployed: DEBUG off (Django then keeps no log of every query)."""
    return {**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)}


def bench_import(count):
    """Run the real command in its own process, as an analyst would, reading JSONL on stdin."""
    rng = random.Random(3)
    peaks = []
    for size in sorted({count // 5, count}):
        project, _ = fresh_project("bench-import")
        with connection.cursor() as cursor:
            # Clear away the previous run's deleted rows now, not while this run is timed.
            cursor.execute("VACUUM ANALYZE articles_article")
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as data:
            write_jsonl(data.name, size, rng)
            with open(data.name, "rb") as stdin:
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, str(ROOT / "manage.py"), "import_articles", project.name, "-"],
                    stdin=stdin,
                    stdout=subprocess.DEVNULL,
                    check=True,
                    env=production_env(),
                )
                elapsed = time.perf_counter() - started
        # The largest resident size of any process the command ran (itself or a reading process).
        peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
        imported = Article.objects.filter(project=project).count()
        print(
            f"import {imported} generated articles (JSONL on stdin, whole command): {imported / elapsed:.0f} "
            f"articles/s, peak memory {peaks[-1] / 1e6:.0f} MB, DEBUG off (target >= 2,000/s)"
        )


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    # DEBUG is off, so pages name static files through collectstatic's manifest, which a fresh
    # clone has not written yet.
    call_command("collectstatic", "--no-input", verbosity=0)
    bench_render()
    bench_create()
    bench_scaling()
    bench_import(int(os.environ.get("BENCH_IMPORT_COUNT", 10_000)))
    story_matching.main()
