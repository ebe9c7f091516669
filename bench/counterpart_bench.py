"""How often a counterpart proposal is exactly the span an analyst marked by hand, and how long a
proposal takes on the server. Run with `make bench`.

The hand-marked set: quotes, claims and facts of the English sample article with the German
spans expected (bench/counterpart_spans.json). Each proposal is asked through the JSON API
(`GET /api/v1/annotations/{id}/counterpart?article=...`) in process, with the alignment's cache
emptied before each one, so every figure includes aligning the two texts. Uses its own database
(sourcetrace_bench) on the embedded server, or DATABASE_URL if set.
"""

import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from apps.annotations.services import create_annotation  # noqa: E402
from apps.articles.models import Article, Story  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from apps.stories import alignment, counterparts  # noqa: E402

SEEDS = ROOT / "apps" / "imports" / "demo"
SPANS = json.loads((ROOT / "bench" / "counterpart_spans.json").read_text())


def forget_alignments():
    for cached in (alignment._sentence_pairs, alignment._paragraph_pairs, counterparts._vocabulary):
        cached.cache_clear()


def main():
    call_command("migrate", verbosity=0)
    name = "Counterpart bench"
    Project.objects.filter(name=name).delete()
    project = Project.objects.create(name=name)
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    Membership.objects.create(project=project, user=user, role=Membership.Role.ANALYST)
    story = Story.objects.create(project=project, title="Belarus and Pakistan")
    english, german = (
        Article.objects.create(
            project=project, story=story, title=f"Sample {language}", language=language, text=path.read_text().strip()
        )
        for language, path in (("en", SEEDS / "000_8985a2fd63b26b78.txt"), ("de", SEEDS / "002_fa804ed8ee772100.txt"))
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    # The process's first request loads what every later one finds loaded (modules, the
    # segmenter's rules, the session): reported apart.
    warm_up = create_annotation(article=english, user=user, kind="fact", start=0, end=8, exact=english.text[:8])
    started = time.perf_counter()
    client.get(f"/api/v1/annotations/{warm_up.pk}/counterpart?article={german.pk}")
    first_request = (time.perf_counter() - started) * 1000
    exact = overlapping = 0
    timings, cpu = [], []
    for span in SPANS:
        start = english.text.index(span["english"])
        annotation = create_annotation(
            article=english,
            user=user,
            kind=span["kind"],
            start=start,
            end=start + len(span["english"]),
            exact=span["english"],
        )
        forget_alignments()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(f"/api/v1/annotations/{annotation.pk}/counterpart?article={german.pk}")
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, response.content
        proposal = response.json()
        want_start = german.text.index(span["german"])
        want_end = want_start + len(span["german"])
        if (proposal["start"], proposal["end"]) == (want_start, want_end):
            exact += 1
        elif proposal["start"] < want_end and want_start < proposal["end"]:
            overlapping += 1
        else:
            print(f"  missed: {span['english']!r} -> {proposal['exact']!r}")
    warm = []
    for _ in range(20):
        started = time.perf_counter()
        client.get(f"/api/v1/annotations/{annotation.pk}/counterpart?article={german.pk}")
        warm.append((time.perf_counter() - started) * 1000)
    total = len(SPANS)
    print(
        f"counterpart proposals, English sample -> German ({total} hand-marked quotes, claims and facts): "
        f"{exact}/{total} exact ({exact / total:.0%}), {overlapping} overlapping, "
        f"{total - exact - overlapping} missed (target >= 9 in 10 exact, the rest overlapping)"
    )
    print(
        f"counterpart proposal, server time per request (API, in process, alignment not cached): median "
        f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms; alignment cached: median "
        f"{statistics.median(warm):.1f} ms (target < 100 ms); the process's first request {first_request:.0f} ms"
    )
    print(
        f"counterpart proposal, the app's CPU time per request (alignment not cached, the database's aside; "
        f"steady when other work loads the machine): median {statistics.median(cpu):.1f} ms, max {max(cpu):.1f} ms"
    )
    Project.objects.filter(pk=project.pk).delete()


if __name__ == "__main__":
    main()
