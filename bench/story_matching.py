"""How well the story matcher finds the same story: precision and recall over built pairs.

The corpus: the two sample articles (English, German), a re-published copy of the English one
with small edits, and hand-written stories in English, German and French, among them hard
negatives (another INSS story quoting the same expert; another Pakistan defence deal).
Run with `make bench`; tests/articles/test_similarity.py holds the matcher to these figures.
"""

import sys
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.articles.similarity import fingerprint, resemblance  # noqa: E402
from apps.imports.normalise import detect_language  # noqa: E402

SEEDS = ROOT / "apps" / "imports" / "demo"
PAIRS = Path(__file__).resolve().parent / "story_pairs"


def republished(text: str) -> str:
    """A copy as another site would run it: typo fixed, last line cut, a sentence reworded, a footer."""
    lines = text.replace("Mil- Man", "Mil-Man").split("\n")[:-1]
    lines[1] = lines[1].replace("heavy concerns", "serious concern")
    return "\n".join(lines + ["Read more defence news at our partner site. Subscribe to our newsletter."])


def corpus() -> dict[str, tuple[str, str]]:
    """name -> (story, text)."""
    english = (SEEDS / "000_8985a2fd63b26b78.txt").read_text()
    texts = {
        "sample-en": ("belarus-pakistan", english),
        "sample-de": ("belarus-pakistan", (SEEDS / "002_fa804ed8ee772100.txt").read_text()),
        "sample-en-republished": ("belarus-pakistan", republished(english)),
    }
    for path in sorted(PAIRS.glob("*.txt")):
        story = {"b": "pakistan-china-navy", "c": "riverton-budget", "d": "iran-russia-drones"}[path.name[0]]
        texts[path.stem] = (story, path.read_text())
    return texts


def evaluate() -> dict:
    articles = {}
    for name, (story, text) in corpus().items():
        articles[name] = (story, fingerprint(text), detect_language(text), len(text))
    found, wrong, missed = [], [], []
    for (a_name, a), (b_name, b) in combinations(articles.items(), 2):
        match = resemblance(a[1], a[2], a[3], b[1], b[2], b[3])
        same_story = a[0] == b[0]
        if match and same_story:
            found.append((a_name, b_name, match.kind))
        elif match:
            wrong.append((a_name, b_name, match.kind))
        elif same_story:
            missed.append((a_name, b_name))
    suggested = len(found) + len(wrong)
    return {
        "pairs": len(articles) * (len(articles) - 1) // 2,
        "found": found,
        "wrong": wrong,
        "missed": missed,
        "precision": len(found) / suggested if suggested else 1.0,
        "recall": len(found) / (len(found) + len(missed)) if found or missed else 1.0,
    }


def main():
    result = evaluate()
    print(
        f"story matching over {result['pairs']} article pairs: precision {result['precision']:.2f}, "
        f"recall {result['recall']:.2f} ({len(result['found'])} found, {len(result['wrong'])} wrong, "
        f"{len(result['missed'])} missed)"
    )
    for a, b, kind in result["wrong"]:
        print(f"  wrongly suggested: {a} / {b} as {kind}")
    for a, b in result["missed"]:
        print(f"  missed: {a} / {b}")


if __name__ == "__main__":
    main()
