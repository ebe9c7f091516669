"""The review desk with a million annotations: the admin's annotation list (first page, a filtered
page, a search) and the queue of a project with 100,000 annotations, timed in process.

Seeds its own database (sourcetrace_admin_bench on the embedded server, or EMBEDDED_DB_NAME /
DATABASE_URL) once, in SQL: ten projects of 1,000 articles with 100 annotations each, links,
comments, ten analysts and two reviewers. `--reseed` starts it again. Server time is the request
time in this process with Django's test client, logged in as a reviewer; DEBUG is off.
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


def seed():
    """Everything in a few INSERT ... SELECT statements; triggers (history, the text checks) are
    skipped while seeding, as the data is made consistent here."""
    started = time.perf_counter()
    names = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:5]]  # 2,000 names
    users = get_user_model().objects
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
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
                "articles": PROJECTS * ARTICLES_PER_PROJECT,
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
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded {Annotation.objects.count():,} annotations in {time.perf_counter() - started:.0f} s")


def timed(client, url):
    timings, queries = [], 0
    client.get(url)  # warm: the first request builds the admin's forms and caches
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(timings), queries


def main():
    # With DEBUG off, static URLs come from collectstatic's manifest, which a checkout has not
    # built; the plain storage names the same files without it.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}).enable()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reseed", action="store_true", help="Seed the database again.")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if args.reseed or not Project.objects.filter(name="admin-bench-0").exists():
        seed()
    users = get_user_model().objects
    reviewer, queue_reviewer = (
        users.get(username="admin-bench-reviewer"),
        users.get(username="admin-bench-queue-reviewer"),
    )
    first = Project.objects.get(name="admin-bench-0")
    total = Annotation.objects.count()
    in_first = Annotation.objects.filter(article__project=first).count()
    name = SYLLABLES[3] + SYLLABLES[7] + SYLLABLES[2]
    client = Client(HTTP_HOST="localhost")
    client.force_login(reviewer)
    listing = "/admin/annotations/annotation/"
    pages = [
        (f"annotation list, first page ({total:,} annotations)", listing, 300),
        ("annotation list, submitted in one project", f"{listing}?status__exact=submitted&project={first.pk}", 300),
        (f"annotation list, search for a name ({name})", f"{listing}?q={name}", 300),
        ("annotation list, search within a project", f"{listing}?q={name}&project={first.pk}", 300),
        ("annotation list, search for a common word (minister)", f"{listing}?q=minister", 300),
    ]
    for label, url, target in pages:
        median, queries = timed(client, url)
        print(f"{label}: {median:.1f} ms median server time, {queries} queries (target < {target} ms)")
    client.force_login(queue_reviewer)
    median, queries = timed(client, f"{listing}queue/")
    print(
        f"queue, reviewer of one project ({in_first:,} annotations): {median:.1f} ms median server time, "
        f"{queries} queries (target < 200 ms)"
    )
    client.force_login(reviewer)
    median, queries = timed(client, f"{listing}queue/")
    print(f"queue, reviewer of all ten projects ({total:,}): {median:.1f} ms median server time, {queries} queries")


if __name__ == "__main__":
    main()
