"""Export 100,000 annotations as W3C JSON-LD and as CSV: annotations per second and peak memory.

Run: `.venv/bin/python bench/export_bench.py` (BENCH_EXPORT_COUNT changes the large size).
Uses its own database (sourcetrace_bench_exports) on the embedded server, or DATABASE_URL if
set, with production settings (DEBUG off). The data is seeded in SQL (generate_series), and
each export is measured at a tenth of the size and at the full size: memory must stay flat.
"""

import os
import secrets
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_bench_exports")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.articles.models import Article  # noqa: E402
from apps.exports.formats import FORMATS, ExportContext, export_chunks  # noqa: E402
from apps.exports.rows import Selection  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from apps.sources.models import Source  # noqa: E402

ANNOTATIONS_PER_ARTICLE = 100
# Annotation i of an article starts at i * SPACING code points; texts are long enough for 100.
SPACING = 45
SENTENCE = "Der Minister sagte, dass das Abkommen über Zusammenarbeit „sehr wichtig“ sei; analysts warned. "
TARGET_RATE = 20_000


def seed(name: str, annotations: int) -> Project:
    """A project of `annotations` annotations, 100 an article, half of them linked to a source."""
    project = Project.objects.create(name=name)
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    Membership.objects.create(project=project, user=user, role=Membership.Role.ANALYST)
    text = (SENTENCE * (ANNOTATIONS_PER_ARTICLE * SPACING // len(SENTENCE) + 2)).strip()
    articles = annotations // ANNOTATIONS_PER_ARTICLE
    Article.objects.bulk_create(
        (
            Article(
                project=project,
                title=f"Bericht {n}",
                text=f"{text}\nNummer {n}.",
                language="de",
                url=f"https://news.example/{n}",
                original=b"",
            )
            for n in range(articles)
        ),
        batch_size=500,
    )
    Source.objects.bulk_create(
        Source(project=project, name=f"Source {n}", kind=Source.Kind.PERSON if n % 2 else Source.Kind.ORGANISATION)
        for n in range(20)
    )
    with connection.cursor() as cursor:
        # The rows are built valid (each exact is the text at its offsets); the triggers that
        # check that and keep the history would only slow the seeding down.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO annotations_annotation
                (article_id, kind, start, "end", exact, prefix, suffix, note, status, tags,
                 created_by_id, created_at, updated_at, version)
            SELECT a.id, (ARRAY['claim', 'quote', 'fact'])[1 + i %% 3], s.start, s.start + s.length,
                   substring(a.text FROM s.start + 1 FOR s.length),
                   substring(a.text FROM greatest(0, s.start - 32) + 1 FOR s.start - greatest(0, s.start - 32)),
                   substring(a.text FROM s.start + s.length + 1 FOR 32),
                   CASE WHEN i %% 4 = 0 THEN '=Note ' || i ELSE '' END, 'draft',
                   CASE WHEN i %% 5 = 0 THEN ARRAY['tag', 'other'] ELSE '{}'::varchar[] END,
                   %s, now(), now(), 1
            FROM articles_article a
            CROSS JOIN generate_series(0, %s - 1) AS i
            CROSS JOIN LATERAL (SELECT i * %s AS start, 20 + i %% 20 AS length) AS s
            WHERE a.project_id = %s
            """,
            [user.pk, ANNOTATIONS_PER_ARTICLE, SPACING, project.pk],
        )
        cursor.execute(
            """
            INSERT INTO annotations_link (annotation_id, source_id, role, note, created_by_id, created_at)
            SELECT an.id, (SELECT array_agg(id ORDER BY id) FROM sources_source WHERE project_id = %s)[1 + an.id %% 20],
                   (ARRAY['said_by', 'claimant', 'cited', 'evidence'])[1 + an.id %% 4], '', %s, now()
            FROM annotations_annotation an JOIN articles_article a ON a.id = an.article_id
            WHERE a.project_id = %s AND an.id %% 2 = 0
            """,
            [project.pk, user.pk, project.pk],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE articles_article; ANALYZE annotations_annotation; ANALYZE annotations_link")
    return project


class PeakMemory:
    """The process's largest resident size while the block runs, sampled every 50 ms."""

    def __init__(self):
        self.process = psutil.Process()
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.done.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self):
        self.before = self.process.memory_info().rss
        self.peak = self.before
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.done.set()
        self.thread.join()


def measure(project: Project, fmt: str) -> tuple[int, float, float, int, int, int]:
    """Export the project into a temporary file: annotations, seconds (wall, this process's CPU), bytes,
    peak and growth of memory."""
    selection = Selection(project.pk)
    context = ExportContext(base_url="https://sourcetrace.example", id="https://sourcetrace.example/e", label="bench")
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"export-bench.{FORMATS[fmt].extension}"
    with PeakMemory() as memory, open(path, "wb") as file:
        started, cpu_started = time.perf_counter(), time.process_time()
        size = 0
        for chunk in export_chunks(FORMATS[fmt], selection, context):
            file.write(chunk)
            size += len(chunk)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    path.unlink()
    return selection.count(), elapsed, cpu, size, memory.peak, memory.peak - memory.before


def clear() -> None:
    """Remove every project with all that hangs on it; this database is the benchmark's own."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE projects_project CASCADE")


def main():
    call_command("migrate", verbosity=0)
    clear()
    large = int(os.environ.get("BENCH_EXPORT_COUNT", 100_000))
    started = time.perf_counter()
    projects = [seed(f"bench-export-{count}", count) for count in (large // 10, large)]
    print(f"seeded {large // 10:,} and {large:,} annotations in {time.perf_counter() - started:.1f} s")
    # The URL configuration is loaded once per process, by the first address an export makes.
    reverse("annotations:panel", args=[1])
    rows = []
    for fmt in ("w3c", "csv"):
        for project in projects:
            count, elapsed, cpu, size, peak, growth = measure(project, fmt)
            rows.append((fmt, count, elapsed, cpu, count / elapsed, size, peak, growth))
    print()
    print("| format | annotations | time (CPU here) | annotations/s | file | peak RSS | RSS growth during export |")
    print("|---|---|---|---|---|---|---|")
    for fmt, count, elapsed, cpu, rate, size, peak, growth in rows:
        print(
            f"| {fmt} | {count:,} | {elapsed:.2f} s ({cpu:.2f} s) | {rate:,.0f} | {size / 1e6:.1f} MB "
            f"| {peak / 2**20:.0f} MiB | {growth / 2**20:+.0f} MiB |"
        )
    print(f"load average while measured: {', '.join(f'{load:.1f}' for load in os.getloadavg())}")
    print(f"\ntarget: >= {TARGET_RATE:,} annotations/s at {large:,}, memory flat (the same growth at both sizes)")
    clear()


if __name__ == "__main__":
    main()
