"""How an annotation names itself in headings and lists (the admin's titles, curation, choices)."""

from apps.annotations.models import Annotation, quoted


def test_a_passage_is_cut_at_a_word_and_not_quoted_twice():
    passage = "“This agreement is of great importance for both sides”, Mil-Man said in Minsk on Tuesday."
    label = str(Annotation(kind="quote", exact=passage))
    assert label == "Quote: “This agreement is of great importance for both sides”…"
    assert "““" not in label


def test_a_german_quotation_keeps_its_own_marks():
    assert quoted("„Das Abkommen ist sehr wichtig“") == "„Das Abkommen ist sehr wichtig“"
    assert quoted("Das Abkommen ist wichtig") == "“Das Abkommen ist wichtig”"


def test_a_word_longer_than_the_limit_is_cut_where_it_must_be():
    assert quoted("x" * 100, limit=10) == "“xxxxxxxxxx…”"
