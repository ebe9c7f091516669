"""Claims over HTTP: the proposals for a marked claim in a project of 10,000 claims, and the page of
a claim with 1,000 appearances, timed as the server spent on them.

Seeds its own database (sourcetrace_claims_bench on the embedded server, or DATABASE_URL) once:
a project whose claims are worded from a vocabulary of English, German and French words with
names and numbers, each with its proposal keys as the services store them; 200 articles of 20
outlets in three languages carrying the 1,000 appearances of one claim; and articles in stories
of two languages whose marked claims ask for proposals (so the story's alignment runs too). Then
it runs the app the production way (bench/http_server.py: gunicorn, DEBUG off) and signs in as an
analyst (bench/http_client.py: a new connection per request). Each figure is gunicorn's own time
for the request (its access log), median and p95:

- the workbench panel's proposals (GET /claims/annotation/<id>/proposals/) and the API's
  (GET /api/v1/annotations/<id>/claim-proposals), for claims in English and in German;
- the claim page of the claim with 1,000 appearances (its first page of 100, the timeline of all).

A second run reuses the seeded project; --reseed builds it again.

    .venv/bin/python bench/claims_bench.py [--claims 10000] [--appearances 1000] [--runs 21] [--reseed]
"""

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "sourcetrace_claims_bench"
os.environ.setdefault("EMBEDDED_DB_NAME", DATABASE)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from apps.annotations.models import Annotation, quote_selector  # noqa: E402
from apps.articles.models import Article, Story  # noqa: E402
from apps.articles.similarity import fingerprint  # noqa: E402
from apps.claims.models import Appearance, Claim  # noqa: E402
from apps.claims.proposals import claim_keys  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from apps.sources.models import Source  # noqa: E402
from bench.http_client import SourcetraceClient  # noqa: E402
from bench.http_server import AppServer, manage, production_env  # noqa: E402
from bench.review_bench import cpu_seconds, postmaster_pid  # noqa: E402

OUT = ROOT / ".data" / "bench"
PROJECT = "claims-bench"
ANALYST = "bench-claims-analyst"
TARGET_MS = 50
WORDS = {
    "en": "agreement sanctions military cooperation minister border pipeline election fraud vaccine ministry "
    "ceasefire troops missile embassy parliament refugees inflation grain exports drones nuclear treaty "
    "protest budget deficit army navy summit corruption propaganda interference",
    "de": "Abkommen Sanktionen militärische Zusammenarbeit Minister Grenze Pipeline Wahl Betrug Impfstoff "
    "Ministerium Waffenruhe Truppen Rakete Botschaft Parlament Flüchtlinge Inflation Getreide Ausfuhr "
    "Drohnen Atomwaffen Vertrag Protest Haushalt Armee Gipfel Korruption Propaganda Einmischung",
    "fr": "accord sanctions coopération militaire ministre frontière gazoduc élection fraude vaccin ministère "
    "cessez-le-feu troupes missile ambassade parlement réfugiés inflation céréales exportations drones "
    "nucléaire traité manifestation budget armée sommet corruption propagande ingérence",
}
NAMES = (
    "Belarus Pakistan Russia Minsk Kremlin Lukashenko Sharif Islamabad Kyiv Warsaw Berlin Brussels NATO "
    "INSS MEMRI Beijing Tehran Ankara Vilnius Riga Tallinn Budapest Belgrade Tbilisi Yerevan Baku"
).split()


def sentence(rng: random.Random, language: str) -> str:
    words = WORDS[language].split()
    parts = rng.sample(words, 6) + rng.sample(NAMES, 2) + [str(rng.choice([2023, 2024, 2025, rng.randint(10, 999)]))]
    rng.shuffle(parts)
    return " ".join(parts).capitalize() + "."


def seed(claims: int, appearances: int) -> Project:
    rng = random.Random(25)
    Project.objects.filter(name=PROJECT).delete()
    user, _ = get_user_model().objects.get_or_create(username=ANALYST)
    with transaction.atomic():
        project = Project.objects.create(name=PROJECT)
        Membership.objects.create(project=project, user=user, role=Membership.Role.ANALYST)
        languages = ["en", "de", "fr"]
        rows = []
        for index in range(claims):
            language = languages[index % 3]
            claim = Claim(project=project, wording=sentence(rng, language), language=language, created_by=user)
            claim.keys = claim_keys(claim, [])
            rows.append(claim)
        Claim.objects.bulk_create(rows, batch_size=2000)
        outlets = [
            Source.objects.create(project=project, name=f"Outlet {n}", kind=Source.Kind.OUTLET) for n in range(20)
        ]
        spread = Claim.objects.create(
            project=project, wording="Belarus is an integral part of Russia", language="en", created_by=user
        )
        per_article = max(1, appearances // 200)
        texts = []
        for n in range(200):
            language = languages[n % 3]
            text = "\n".join(sentence(rng, language) for _ in range(per_article * 2))
            texts.append(
                Article(
                    project=project,
                    title=f"Report {n}",
                    text=text,
                    original=text.encode(),
                    language=language,
                    publisher=outlets[n % 20],
                    published_on=date(2025, 1, 1) + timedelta(days=n),
                    author=f"Writer {n % 7}",
                    fingerprint=fingerprint(text),
                )
            )
        articles = Article.objects.bulk_create(texts)
        marks = []
        for article in articles:
            lines = article.text.split("\n")
            start = 0
            for index, line in enumerate(lines):
                if index % 2 == 0 and len(marks) < appearances:
                    marks.append(annotation(article, start, start + len(line), user))
                start += len(line) + 1
        marked = Annotation.objects.bulk_create(marks, batch_size=2000)
        Appearance.objects.bulk_create(
            [Appearance(claim=spread, annotation=mark, created_by=user) for mark in marked], batch_size=2000
        )
        # Marked claims that ask for proposals: in articles of stories told in English and German.
        for n in range(10):
            story = Story.objects.create(project=project, title=f"Story {n}")
            for language in ("en", "de"):
                text = "\n".join(sentence(rng, language) for _ in range(30))
                article = Article.objects.create(
                    project=project,
                    title=f"Story {n} {language}",
                    text=text,
                    original=text.encode(),
                    language=language,
                    story=story,
                    fingerprint=fingerprint(text),
                )
                first = text.split("\n")[3]
                start = text.index(first)
                annotation(article, start, start + len(first), user).save()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return project


def annotation(article: Article, start: int, end: int, user) -> Annotation:
    return Annotation(
        article=article,
        kind=Annotation.Kind.CLAIM,
        start=start,
        end=end,
        created_by=user,
        **quote_selector(article.text, start, end),
    )


class Timed:
    """The analyst's client, timing each request by the server's own access log."""

    def __init__(self, url: str, password: str, access_log: Path, pids: list[int]):
        self.access_log = access_log
        self.client = SourcetraceClient(url, ANALYST, password)
        self.pids = pids + [pid for pid in [postmaster_pid()] if pid]
        self.cpu: list[float] = []

    def get(self, path: str) -> float:
        before = self.access_log.stat().st_size
        cpu = cpu_seconds(self.pids)
        self.client.request("GET", path)
        self.cpu.append((cpu_seconds(self.pids) - cpu) * 1000)
        deadline = time.monotonic() + 5
        while True:
            with self.access_log.open() as log:
                log.seek(before)
                lines = [line.split() for line in log.read().splitlines()]
            mine = [line for line in lines if line[:2] == ["GET", path.split("?")[0]]]
            if mine:
                return int(mine[-1][3]) / 1000
            if time.monotonic() > deadline:
                raise RuntimeError(f"no access log line for GET {path}")
            time.sleep(0.01)


def report(name: str, timings: list[float], cpu: list[float]) -> dict:
    """Gunicorn's time (median, p95), and the CPU the web workers and the database spent (median),
    which a busy host moves less than the time."""
    timings = sorted(timings)
    median, p95 = statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)]
    met = "met" if median < TARGET_MS else "NOT MET"
    cpu_ms = statistics.median(cpu)
    print(
        f"  {name}: median {median:.1f} ms, p95 {p95:.1f} ms, CPU {cpu_ms:.1f} ms ({len(timings)} runs; "
        f"< {TARGET_MS} ms {met})",
        flush=True,
    )
    return {
        "name": name,
        "median_ms": median,
        "p95_ms": p95,
        "cpu_ms": cpu_ms,
        "runs": len(timings),
        "target_ms": TARGET_MS,
    }


def measured(timed: "Timed", name: str, paths: list[str]) -> dict:
    timed.cpu = []
    return report(name, [timed.get(path) for path in paths], timed.cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--appearances", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=PROJECT).first()
    if args.reseed or project is None or Claim.objects.filter(project=project).count() < args.claims:
        print(f"Seeding {args.claims:,} claims and {args.appearances:,} appearances (once)", flush=True)
        project = seed(args.claims, args.appearances)
    password = secrets.token_urlsafe(16)
    analyst = get_user_model().objects.get(username=ANALYST)
    analyst.set_password(password)
    analyst.save()
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    env = production_env(os.environ.get("DATABASE_URL"))
    if not os.environ.get("DATABASE_URL"):
        env["EMBEDDED_DB_NAME"] = os.environ["EMBEDDED_DB_NAME"]
    manage(env, "collectstatic", "--no-input", log=OUT / "logs" / "claims-prepare.log")
    spread = Claim.objects.filter(project=project).annotate(count=Count("appearances")).order_by("-count", "pk").first()
    marked = list(
        Annotation.objects.filter(article__project=project, article__story__isnull=False).values_list("pk", flat=True)
    )
    print(
        f"Claims over HTTP: {Claim.objects.filter(project=project).count():,} claims, a claim of "
        f"{spread.appearances.count():,} appearances, PostgreSQL {connection.pg_version}, gunicorn with 2 workers, "
        f"DEBUG off; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        flush=True,
    )
    access_log = OUT / "logs" / "claims-access.log"
    access_log.write_text("")
    results = []
    with AppServer(env, workers=2, log_dir=OUT / "logs", access_log=access_log, worker=False) as server:
        timed = Timed(server.url, password, access_log, server.pids)
        for pk in marked[:4]:  # warm up both workers
            timed.get(f"/claims/annotation/{pk}/proposals/")
            timed.get(spread.get_absolute_url())
        runs = range(args.runs)
        panel = [f"/claims/annotation/{marked[n % len(marked)]}/proposals/" for n in runs]
        results.append(measured(timed, f"proposals in the panel, {args.claims:,} claims", panel))
        api = [f"/api/v1/annotations/{marked[n % len(marked)]}/claim-proposals" for n in runs]
        results.append(measured(timed, f"proposals in the API, {args.claims:,} claims", api))
        page = [spread.get_absolute_url() for _ in runs]
        results.append(measured(timed, f"claim page, {spread.appearances.count():,} appearances", page))
    results_file = OUT / "results" / f"claims-{time.strftime('%Y%m%d-%H%M%S')}.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps({"load_average": os.getloadavg(), "figures": results}, indent=2))


if __name__ == "__main__":
    main()
