"""Snippets: the headline's marks become <mark> only after all of the text is escaped, or offsets."""

from apps.search.snippets import Marked, Sentinels


def test_marks_come_only_from_the_search_and_everything_else_is_text():
    sentinels = Sentinels()
    headline = f"a {sentinels.start}<b>{sentinels.stop} <mark>c{sentinels.gap}d {sentinels.start}e{sentinels.stop}"
    marked = sentinels.parse(headline)
    assert marked.text == "a <b> <mark>c … d e"
    assert [marked.text[start:end] for start, end in marked.highlights] == ["<b>", "e"]
    assert marked.html() == "a <mark>&lt;b&gt;</mark> &lt;mark&gt;c … d <mark>e</mark>"


def test_each_search_marks_with_strings_of_its_own():
    assert Sentinels().start != Sentinels().start


def test_a_long_text_is_cut_around_its_first_match():
    marked = Marked("word " * 100 + "MATCH" + " tail" * 100, ((500, 505),))
    cut = marked.around_first_match(60)
    assert cut.text.startswith("…") and cut.text.endswith("…") and len(cut.text) <= 62
    assert [cut.text[start:end] for start, end in cut.highlights] == ["MATCH"]
    assert Marked("short", ((0, 5),)).around_first_match(60) == Marked("short", ((0, 5),))
