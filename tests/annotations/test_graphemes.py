"""A highlight never splits one visible character: a flag, a joined emoji, a letter and its accent."""

import random

import pytest
import regex

from apps.annotations.models import Annotation, character_around
from tests.factories import AnnotationFactory, ArticleFactory

TEXT = "Flags 🇩🇪🇫🇷 and a family 👨‍👩‍👧 met q̇ and e\u0301 here."


@pytest.fixture
def emoji_article(project):
    return ArticleFactory(project=project, text=TEXT)


def cut(needle: str, inside: int) -> int:
    return TEXT.index(needle) + inside


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (cut("🇩🇪", 1), cut(" and a", 0)),  # between the two halves of a flag
        (cut("Flags", 0), cut("🇫🇷", 1)),
        (cut("👨", 0), cut("👨", 2)),  # inside the joined family
        (cut("family", 0), cut("👨", 3)),
        (cut("q̇", 0), cut("q̇", 1)),  # a letter without its combining dot
        (cut("e\u0301", 1), cut(" here", 0)),  # an accent without its letter
    ],
)
def test_server_refuses_spans_that_cut_a_character(analyst_client, emoji_article, start, end):
    response = analyst_client.post(
        f"/annotations/article/{emoji_article.pk}/new/",
        {"kind": "fact", "start": start, "end": end, "exact": TEXT[start:end]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "would cut a character in two" in response.content.decode()
    assert not Annotation.objects.exists()


def test_whole_clusters_are_accepted(analyst_client, emoji_article):
    start, end = cut("🇩🇪", 0), cut("🇫🇷", 2)
    response = analyst_client.post(
        f"/annotations/article/{emoji_article.pk}/new/",
        {"kind": "fact", "start": start, "end": end, "exact": TEXT[start:end]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Annotation.objects.get().exact == "🇩🇪🇫🇷"


def test_moving_an_end_into_a_character_is_refused(analyst_client, emoji_article, analyst):
    annotation = AnnotationFactory(article=emoji_article, created_by=analyst, start=0, end=5)
    response = analyst_client.post(
        f"/annotations/{annotation.pk}/edit/",
        {"version": 1, "kind": "claim", "note": "", "tags": "", "start": 0, "end": cut("👨", 2)},
    )
    assert response.status_code == 422
    annotation.refresh_from_db()
    assert (annotation.end, annotation.version) == (5, 1)


def test_imported_spans_that_cut_a_character_take_it_whole(emoji_article, analyst):
    from apps.annotations.services import ImportedSpan, import_spans

    start, end = cut("family", 0), cut("👨", 2)  # another tool stopped inside the joined emoji
    [annotation] = import_spans(spans=[ImportedSpan(emoji_article, "fact", start, end, "")], user=analyst)
    assert annotation.exact == "family 👨‍👩‍👧"


def test_the_character_around_a_position_is_the_one_segmenting_its_whole_line_finds():
    """Segmenting starts near the position (at two plain characters), never changing the answer."""

    def from_line_start(text, position):
        if position <= 0 or position >= len(text):
            return None
        line_start, line_end = text.rfind("\n", 0, position) + 1, text.find("\n", position)
        for cluster in regex.finditer(r"\X", text[: len(text) if line_end == -1 else line_end][line_start:]):
            start, end = cluster.start() + line_start, cluster.end() + line_start
            if end >= position:
                return (start, end) if start < position < end else None
        return None

    pieces = [
        "a",
        " ",
        ".",
        "\n",
        "\r\n",
        "🇩🇪",
        "🇫",
        "👨‍👩‍👧",
        "\u200d",
        "q̇",
        "e\u0301",
        "\u0301",
        "한",
        "ᄀ",
        "ᅡ",
        "क्ष",
        "\t",
        "🏳️‍🌈",
    ]
    rng = random.Random(5)
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        for position in range(len(text) + 1):
            assert character_around(text, position) == from_line_start(text, position), (text, position)
