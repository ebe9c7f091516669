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
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.exports.formats import FORMATS, ExportContext, export_chunks  # noqa: E402
from apps.exports.rows import Selection  # noqa: E402
from apps.projects.models import Project  # noqa: E402
from bench.export_seed import seed  # noqa: E402

TARGET_RATE = 20_000


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
