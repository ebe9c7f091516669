"""The review desk's pages on a project of 100,000 annotations: dashboard, agreement, curation.

Seeds its own database (sourcetrace_review_bench on the embedded server, or DATABASE_URL) with
INSERT ... SELECT over generate_series, then times each page in-process with Django's test
client signed in as the project's manager, DEBUG off, and prints the median server time and the
query count: worked out afresh (the kept figures forgotten before each request) and, for the
dashboard and agreement, served from the figures kept while nothing changed. A second run
reuses the seeded project; --reseed builds it again.

    .venv/bin/python bench/review_bench.py [--annotations 100000] [--runs 15] [--reseed]
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_review_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production settings (DEBUG off keeps no log of every query); plain HTTP on the test client.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.annotations.models import Annotation  # noqa: E402
from apps.articles.models import Article  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402

PROJECT = "review-bench"
ANALYSTS = ["bench-ana", "bench-ben", "bench-cem", "bench-dia"]
PER_ARTICLE = 50  # two analysts, 25 passages each
SENTENCE = "The minister said that the agreement on defence cooperation was signed. Analysts warned about it. "

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


def seed(annotations: int) -> Project:
    articles = annotations // PER_ARTICLE
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # The bench's own database: everything of every project goes.
        cursor.execute("TRUNCATE projects_project CASCADE")
    project = Project.objects.create(name=PROJECT)
    users = get_user_model().objects
    manager, _ = users.get_or_create(username="bench-manager")
    analysts = [users.get_or_create(username=name)[0] for name in ANALYSTS]
    Membership.objects.create(project=project, user=manager, role=Membership.Role.MANAGER)
    for analyst in analysts:
        Membership.objects.create(project=project, user=analyst, role=Membership.Role.ANALYST)
    body = SENTENCE * 30
    Article.objects.bulk_create(
        (
            Article(project=project, title=f"Bench article {n}", text=f"Article {n}.\n{body}", language="en")
            for n in range(articles)
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
        cursor.execute("ANALYZE")
    count = Annotation.objects.filter(article__project=project).count()
    elapsed = time.perf_counter() - started
    print(f"seeded {articles:,} articles, {count:,} annotations and their history in {elapsed:.1f} s")
    return project


def timed_get(client, url, runs, *, cold):
    """Median milliseconds and the queries of one request; `cold` forgets kept figures before each."""
    client.get(url)  # warm: templates compiled, plans cached
    timings, queries = [], 0
    for _ in range(runs):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(timings), queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=PROJECT).first()
    if (
        args.reseed
        or project is None
        or Annotation.objects.filter(article__project=project).count() != args.annotations
    ):
        project = seed(args.annotations)
    manager = get_user_model().objects.get(username="bench-manager")
    article = Article.objects.filter(project=project).order_by("pk").first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    total = Annotation.objects.filter(article__project=project).count()
    pages = [
        ("dashboard", f"/admin/review/project/{project.pk}/dashboard/", args.runs, True),
        ("agreement", f"/admin/review/project/{project.pk}/agreement/", max(3, args.runs // 3), True),
        ("curation of one article", f"/admin/review/article/{article.pk}/curation/", args.runs, False),
    ]
    print(f"project of {total:,} annotations ({connection.vendor} {connection.pg_version}), target < 200 ms:")
    for name, url, runs, kept in pages:
        median, queries = timed_get(client, url, runs, cold=True)
        print(f"  {name}, worked out: {median:.0f} ms median server time, {queries} queries")
        if kept:
            median, queries = timed_get(client, url, args.runs, cold=False)
            print(f"  {name}, figures kept since: {median:.0f} ms median server time, {queries} queries")


if __name__ == "__main__":
    # Static files as in development: the in-process client needs no collected manifest.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        main()
