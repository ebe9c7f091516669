"""Re-anchoring a new version: a 100,000-character article with 1,000 annotations, under several
kinds of edits, must carry every annotation over in under 2 s (issue 24). Prints, per kind of
edit, the time of the re-anchoring itself and of the whole new version stored with its
annotations, anchorings, links and history, and what became of the annotations.

Uses its own database (sourcetrace_bench) on the embedded server, or DATABASE_URL if set.
"""

import os
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDDED_DB_NAME", "sourcetrace_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from apps.annotations.models import Annotation, quote_selector  # noqa: E402
from apps.articles.models import Article  # noqa: E402
from apps.projects.models import Membership, Project  # noqa: E402
from apps.stories.anchoring import Quote, reanchor  # noqa: E402
from apps.stories.versions import add_version  # noqa: E402

CHARS, ANNOTATIONS, LIMIT = 100_000, 1_000, 2.0
WORDS = (
    "the minister said that agreement defence cooperation report analysts warned Belarus Pakistan "
    "der Minister sagte dass das Abkommen Verteidigung Zusammenarbeit Bericht „Zitat“ 🌍 ünïcödé"
).split()


def sentence(rng) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."


def make_text(rng) -> str:
    lines = []
    while sum(len(line) + 1 for line in lines) < CHARS:
        lines.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 5))))
    return "\n".join(lines)[:CHARS].rsplit(" ", 1)[0]


def spans(rng, text: str) -> list[tuple[int, int]]:
    """1,000 spans of 10-200 characters starting at word starts, some overlapping."""
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == " "]
    chosen = set()
    while len(chosen) < ANNOTATIONS:
        start = rng.choice(starts)
        end = text.find(" ", start + rng.randint(10, 200))
        if end != -1 and start < end:
            chosen.add((start, end))
    return sorted(chosen)


def edit_words(rng, text: str, every: int) -> str:
    """A word changed in one sentence of `every`."""
    parts = text.split(". ")
    for index in range(0, len(parts), every):
        words = parts[index].split(" ")
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        parts[index] = " ".join(words)
    return ". ".join(parts)


def paragraphs(text: str) -> list[str]:
    return text.split("\n")


EDITS = {
    "a few words changed (1 sentence in 50)": lambda rng, text: edit_words(rng, text, 50),
    "a paragraph inserted at the top": lambda rng, text: sentence(rng) + " " + sentence(rng) + "\n" + text,
    "every 5th paragraph deleted": lambda rng, text: "\n".join(p for i, p in enumerate(paragraphs(text)) if i % 5),
    "emoji added to every paragraph": lambda rng, text: "\n".join(p + " 🙂🇦🇹" for p in paragraphs(text)),
    "a word changed in every sentence": lambda rng, text: edit_words(rng, text, 1),
    "paragraphs shuffled": lambda rng, text: "\n".join(rng.sample(paragraphs(text), len(paragraphs(text)))),
    "a different text altogether": lambda rng, text: make_text(random.Random(99)),
}


def stored_article(project, user, text: str, marked: list[tuple[int, int]]) -> Article:
    article = Article.objects.create(project=project, title="Bench article", text=text, original=text.encode())
    rows = []
    for index, (start, end) in enumerate(marked):
        kind = Annotation.Kind.values[index % 3]
        rows.append(
            Annotation(
                article=article,
                kind=kind,
                start=start,
                end=end,
                created_by=user,
                status=Annotation.Status.APPROVED,
                **quote_selector(text, start, end),
            )
        )
    Annotation.objects.bulk_create(rows)
    return article


def main() -> None:
    call_command("migrate", verbosity=0)
    rng = random.Random(24)
    text = make_text(rng)
    marked = spans(rng, text)
    quotes = [Quote(start, end, **quote_selector(text, start, end)) for start, end in marked]
    name = "Re-anchoring bench"
    Project.objects.filter(name=name).delete()
    project = Project.objects.create(name=name)
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": Membership.Role.ANALYST})
    print(f"Re-anchoring a {len(text):,}-character article with {len(marked):,} annotations (limit {LIMIT} s)")
    print(f"{'edit':42} {'re-anchor':>10} {'version':>9}  exact moved fuzzy orphaned")
    worst = 0.0
    for label, edit in EDITS.items():
        new_text = edit(random.Random(label), text)
        began = time.perf_counter()
        reanchor(text, new_text, quotes)
        pure = time.perf_counter() - began
        with transaction.atomic():
            article = stored_article(project, user, text, marked)
            began = time.perf_counter()
            counts = add_version(article=article, text=new_text, user=user).counts
            whole = time.perf_counter() - began
            transaction.set_rollback(True)
        worst = max(worst, whole)
        figures = " ".join(f"{counts[state]:>5}" for state in ("exact", "moved", "fuzzy")) + f" {counts['orphaned']:>8}"
        print(f"{label:42} {pure:>9.2f}s {whole:>8.2f}s  {figures}")
    verdict = "within" if worst < LIMIT else "OVER"
    print(f"Slowest new version with its annotations: {worst:.2f} s ({verdict} {LIMIT} s)")
    Project.objects.filter(name=name).delete()


if __name__ == "__main__":
    main()
