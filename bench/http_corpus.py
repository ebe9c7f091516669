"""Generate the deterministic news-like corpus the HTTP benchmark imports.

The same generator (and seed) measured doccano and Label Studio, so the figures compare:
each article is 3-8 KB of UTF-8 text in several paragraphs, about a quarter of them German
with umlauts and ß, a fifth with emoji. Article i depends only on the articles before it, so
the first N lines of a larger corpus are the corpus of N articles.

usage: python bench/http_corpus.py --n 10000 --seed 42 --out .data/bench/corpus
"""

import argparse
import json
import random
from pathlib import Path

EN_SUBJ = [
    "The minister",
    "A spokesperson for the ministry",
    "The central bank",
    "Local officials",
    "The company's chief executive",
    "Researchers at the university",
    "The opposition leader",
    "Police",
    "The mayor",
    "Union representatives",
    "The health agency",
    "Analysts",
]
EN_VERB = ["said", "announced", "confirmed", "denied", "warned", "claimed", "reported", "estimated"]
EN_OBJ = [
    "that inflation had fallen to {p} percent in {m}",
    "that {n} jobs would be cut by {y}",
    "that the budget deficit reached {n} million euros",
    "that the bridge would reopen in {m}",
    "that turnout was {p} percent, the highest since {y}",
    "that {n} people were evacuated",
    "that the new policy takes effect on {d} {m}",
    "that emissions dropped {p} percent compared with {y}",
]
EN_FILL = [
    "The figures could not be independently verified.",
    "Critics dismissed the statement as misleading.",
    "The announcement came after weeks of negotiations.",
    "Markets reacted cautiously to the news.",
    "Further details are expected later this week.",
    "It was not immediately clear how the plan would be funded.",
    "Residents interviewed on Tuesday expressed mixed feelings.",
    "The report has not yet been published in full.",
]
DE_SUBJ = [
    "Der Bürgermeister",
    "Die Ministerin für Wirtschaft",
    "Ein Sprecher der Behörde",
    "Die Gewerkschaft",
    "Forscherinnen der Universität Köln",
    "Der Vorstandsvorsitzende",
    "Die Polizei in München",
    "Ärzte aus Düsseldorf",
]
DE_VERB = ["sagte", "erklärte", "bestätigte", "bestritt", "warnte", "behauptete", "schätzte"]
DE_OBJ = [
    ", dass die Inflation im {m} auf {p} Prozent gefallen sei",
    ", dass bis {y} rund {n} Stellen wegfallen",
    ", dass die Brücke über die Süderelbe im {m} wieder öffnet",
    ", dass {n} Menschen evakuiert wurden",
    ", dass der Haushalt ein Defizit von {n} Millionen Euro aufweist",
    ", dass die Maßnahmen ab dem {d}. {m} gelten",
]
DE_FILL = [
    "Die Zahlen ließen sich zunächst nicht unabhängig überprüfen.",
    "Kritiker hielten die Äußerung für irreführend.",
    "Anwohner äußerten sich am Dienstag gemischt über die Pläne.",
    "Weitere Einzelheiten sollen im Laufe der Woche folgen.",
    "Die Öffentlichkeit wurde über die Größe des Problems kaum informiert.",
    "Straßen in der Innenstadt bleiben vorübergehend gesperrt.",
]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DE_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
EMOJI = ["📈", "📉", "🗳️", "🚨", "🌍", "💶", "🔥", "✅", "❌", "🤔", "👩‍⚕️", "🇩🇪", "🏳️‍🌈"]
TOPICS_EN = ["Budget", "Transport", "Health", "Energy", "Housing", "Elections", "Climate", "Jobs"]
TOPICS_DE = ["Haushalt", "Verkehr", "Gesundheit", "Energie", "Wohnungsbau", "Wahlen", "Klimaschutz", "Arbeitsmarkt"]


def _fmt(rng, s, months):
    return s.format(
        p=rng.randint(1, 99),
        n=rng.randint(10, 50000),
        y=rng.randint(1990, 2030),
        m=rng.choice(months),
        d=rng.randint(1, 28),
    )


def sentence(rng, de, emoji):
    if de:
        r = rng.random()
        if r < 0.45:
            s = f"{rng.choice(DE_SUBJ)} {rng.choice(DE_VERB)}{_fmt(rng, rng.choice(DE_OBJ), DE_MONTHS)}."
        elif r < 0.6:
            # Drawn in this order (quote, verb, subject) so the corpus stays the one the peers were measured on.
            quote = _fmt(rng, "Wir rechnen mit {n} zusätzlichen Fällen bis {m}", DE_MONTHS)
            verb = rng.choice(DE_VERB)
            s = f"„{quote}“, {verb} {rng.choice(DE_SUBJ).lower()}."
        else:
            s = rng.choice(DE_FILL)
    else:
        r = rng.random()
        if r < 0.45:
            s = f"{rng.choice(EN_SUBJ)} {rng.choice(EN_VERB)} {_fmt(rng, rng.choice(EN_OBJ), EN_MONTHS)}."
        elif r < 0.6:
            quote = _fmt(rng, "We expect {n} additional cases by {m}", EN_MONTHS)
            subject = rng.choice(EN_SUBJ).lower()
            s = f'"{quote}," {subject} {rng.choice(EN_VERB)}.'
        else:
            s = rng.choice(EN_FILL)
    if emoji and rng.random() < 0.15:
        s += " " + rng.choice(EMOJI)
    return s


def article(rng, i):
    de = rng.random() < 0.25
    emoji = rng.random() < 0.20
    target = rng.randint(3000, 7800)  # UTF-8 bytes; one sentence is < 200 bytes, so result is 3000..8000
    topic = rng.choice(TOPICS_DE if de else TOPICS_EN)
    title = (
        f"{topic}: Streit um Maßnahmen in {rng.choice(['Köln', 'Nürnberg', 'Lübeck', 'Göttingen'])} (#{i})"
        if de
        else f"{topic}: officials clash over new measures in {rng.choice(['Leeds', 'Lyon', 'Porto', 'Ghent'])} (#{i})"
    )
    if emoji:
        title += " " + rng.choice(EMOJI)
    paras, size = [], 0
    while size < target:
        sents, plen = [], rng.randint(3, 7)
        while len(sents) < plen and size < target:
            s = sentence(rng, de, emoji)
            size += len(s.encode()) + (1 if sents else 2)
            sents.append(s)
        paras.append(" ".join(sents))
    return {"title": title, "text": "\n\n".join(paras), "lang": "de" if de else "en"}


def generate(n, seed):
    rng = random.Random(seed)
    return [article(rng, i) for i in range(n)]


def write_corpus(out_dir: Path, sizes: list[int], seed: int = 42) -> dict[int, Path]:
    """Write corpus_<n>.jsonl (one {"title", "text", "lang"} a line) for each size; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(article, ensure_ascii=False) + "\n" for article in generate(max(sizes), seed)]
    paths = {}
    for n in sizes:
        paths[n] = out_dir / f"corpus_{n}.jsonl"
        paths[n].write_text("".join(lines[:n]), encoding="utf-8")
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path(".data/bench/corpus"))
    args = parser.parse_args()
    print(write_corpus(args.out, [args.n], args.seed)[args.n])


if __name__ == "__main__":
    main()
