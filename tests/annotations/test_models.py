import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.annotations.models import Annotation
from apps.annotations.services import create_annotation
from tests.factories import AnnotationFactory, ArticleFactory, UserFactory

EMOJI_TEXT = "Weather 🌍🔥 report: “The flood 👨‍👩‍👧 came at dawn,” said Ayşe. Ünïcode ok."


@pytest.fixture
def emoji_article(project):
    return ArticleFactory(project=project, text=EMOJI_TEXT)


def test_offsets_are_code_points_not_utf16_units(emoji_article, analyst):
    start = EMOJI_TEXT.index("The flood")
    end = EMOJI_TEXT.index(" came")
    annotation = create_annotation(
        article=emoji_article, user=analyst, kind="quote", start=start, end=end, exact="The flood 👨‍👩‍👧"
    )
    annotation.refresh_from_db()
    assert annotation.exact == "The flood 👨‍👩‍👧"
    assert annotation.prefix.endswith("report: “")
    # In UTF-16 the two emoji before the quote take two units each: the offsets differ.
    utf16_start = len(EMOJI_TEXT[:start].encode("utf-16-le")) // 2
    assert utf16_start == start + 2


def test_utf16_offsets_are_refused(emoji_article, analyst):
    start = EMOJI_TEXT.index("The flood")
    utf16_start = start + 2
    with pytest.raises(ValidationError, match="does not match"):
        create_annotation(
            article=emoji_article, user=analyst, kind="quote", start=utf16_start, end=utf16_start + 9, exact="The flood"
        )
    assert not Annotation.objects.exists()


def test_span_beyond_the_text_is_refused(article, analyst):
    length = len(article.text)
    with pytest.raises(ValidationError, match="outside the article"):
        create_annotation(
            article=article, user=analyst, kind="fact", start=length - 2, end=length + 5, exact=article.text[-2:]
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "opinion"), ("status", "published")],
)
def test_database_refuses_values_outside_the_enums(article, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnotationFactory(article=article, **{field: value})


def test_database_refuses_empty_and_reversed_spans(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnotationFactory(article=article, start=5, end=5, exact="")
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnotationFactory(article=article, start=6, end=2, exact="")


def test_database_refuses_exact_that_is_not_the_text(article):
    with pytest.raises(IntegrityError, match="does not match"), transaction.atomic():
        AnnotationFactory(article=article, start=0, end=4, exact="nope")


def test_database_checks_every_row_of_a_bulk_insert_and_every_update(article):
    made_by = AnnotationFactory(article=article, start=0, end=4).created_by
    good = Annotation(article=article, kind="fact", start=1, end=5, exact=article.text[1:5], created_by=made_by)
    bad = Annotation(article=article, kind="quote", start=2, end=6, exact="nope", created_by=made_by)
    with pytest.raises(IntegrityError, match="does not match"), transaction.atomic():
        Annotation.objects.bulk_create([good, bad])
    assert Annotation.objects.filter(article=article).count() == 1
    with pytest.raises(IntegrityError, match="does not match"), transaction.atomic():
        Annotation.objects.filter(article=article).update(exact="nope")
    with pytest.raises(IntegrityError, match="does not match"), transaction.atomic():
        Annotation.objects.filter(article=article).update(end=len(article.text) + 1)


def test_database_counts_code_points_like_python(emoji_article):
    start = EMOJI_TEXT.index("Ayşe")
    annotation = AnnotationFactory(article=emoji_article, start=start, end=start + 4)
    assert annotation.exact == "Ayşe"


def test_article_text_cannot_be_rewritten(article):
    article.text = "Something else entirely."
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        article.save()


def test_overlapping_spans_by_two_analysts_are_both_kept(article):
    first = AnnotationFactory(article=article, start=0, end=10, created_by=UserFactory())
    second = AnnotationFactory(article=article, start=5, end=20, created_by=UserFactory())
    nested = AnnotationFactory(article=article, start=6, end=8, kind="quote")
    assert set(article.annotations.live()) == {first, second, nested}
