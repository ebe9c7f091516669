import re
from html import unescape
from types import SimpleNamespace

import pytest

from apps.annotations.rendering import ListedAnnotation, annotation_list_html, blocks_html, render_blocks
from apps.articles.models import Article

TEXT = "Title\nShe said <b>“no deal”</b> 🌍 today.\nSecond paragraph here."


def span(pk, kind, start, end):
    return SimpleNamespace(pk=pk, kind=kind, start=start, end=end)


def marks(html):
    """(ids, text) of every highlighted segment, in order."""
    return [(ids, text) for ids, text in re.findall(r'<mark class="[^"]*" data-ids="([^"]*)">([^<]*)</mark>', html)]


def test_nested_and_overlapping_spans_become_flat_segments():
    article = Article(text=TEXT, headings=[0])
    said = TEXT.index("said")
    claim = span(1, "claim", said, TEXT.index("today") + 5)
    quote = span(2, "quote", TEXT.index("“"), TEXT.index("”") + 1)
    html = blocks_html(render_blocks(article, [quote, claim]))
    assert marks(html) == [
        ("1", "said &lt;b&gt;"),
        ("1 2", "“no deal”"),
        ("1", "&lt;/b&gt; 🌍 today"),
    ]
    assert html.count('data-label-for="1"') == 1 and html.count('data-label-for="2"') == 1
    assert "<b>" not in html


def test_span_across_paragraphs_is_cut_at_the_block_edge_and_labelled_once():
    article = Article(text=TEXT, headings=[0])
    crossing = span(7, "fact", TEXT.index("today"), TEXT.index("paragraph"))
    rendered = render_blocks(article, [crossing])
    assert [marks(item.html) for item in rendered] == [[], [("7", "today.")], [("7", "Second ")]]
    assert "".join(item.html for item in rendered).count("data-label-for") == 1
    assert rendered[0].block.is_heading and '<h2 class="block heading"' in blocks_html(rendered)


def test_highlighted_text_is_the_text_itself():
    article = Article(text=TEXT, headings=[])
    html = blocks_html(render_blocks(article, [span(3, "claim", 0, len("Title"))]))
    visible = re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">")
    assert visible == TEXT.replace("\n", "")


def test_list_escapes_and_shortens_user_text():
    item = ListedAnnotation(
        pk=4,
        kind="quote",
        start=0,
        end=200,
        excerpt="<img src=x onerror=alert(1)>" + "x" * 90,
        status="submitted",
        author_id=1,
        author="<i>ana</i>",
        links=[{"role": "said_by", "source": "Mil<script>", "source_id": 7}],
    )
    html = annotation_list_html([item])
    assert "<img" not in html and "<i>" not in html and "<script>" not in html
    assert "&lt;img src=x" in html and html.count("x" * 50) == 1 and "…</bdi>" in html
    assert 'Said by <a class="source-link" href="/sources/7/">Mil&lt;script&gt;</a>' in html


def listed(excerpt, pk=1):
    return ListedAnnotation(
        pk=pk,
        kind="quote",
        start=0,
        end=len(excerpt),
        excerpt=excerpt,
        status="draft",
        author_id=1,
        author="ana",
        links=[],
    )


def excerpt_as_seen(html):
    """The excerpt as the browser shows it: with the marks a <q> adds, without tags."""
    shown = re.search(r'<span class="kind-label">[^<]*</span> (.*?)</a>', html).group(1)
    shown = re.sub(r"<q\b[^>]*>", "“", shown).replace("</q>", "”")
    return unescape(re.sub(r"<[^>]+>", "", shown))


@pytest.mark.parametrize(
    ("exact", "seen"),
    [
        ("no deal", "“no deal”"),
        ("“No deal.”", "“No deal.”"),
        ("“No deal”.", "“No deal.”"),
        ('"No deal"', "“No deal”"),
        ("„Kein Abkommen“", "“Kein Abkommen”"),
        ("«Pas d’accord»", "“Pas d’accord”"),
        # Quotations inside the passage stay; the list's own marks go around them, single.
        ("“No deal,” she said, “not today.”", "‘“No deal,” she said, “not today.”’"),
        ("she said “no deal” today", "‘she said “no deal” today’"),
        # A long quotation is cut; the mark that closes it is out of sight, so the list closes it.
        ("“" + "word " * 30 + "end.”", "“" + ("word " * 30)[:88] + "…”"),
        ("'90s politics", "“'90s politics”"),
    ],
)
def test_excerpt_shows_its_quotation_marks_once(exact, seen):
    html = annotation_list_html([listed(exact[:91])])
    assert excerpt_as_seen(html) == seen


def test_right_to_left_excerpt_is_isolated_inside_the_lists_own_marks():
    html = annotation_list_html([listed("«یہ معاہدہ مغرب کے لیے تشویش کا باعث ہے»")])
    assert excerpt_as_seen(html) == "“یہ معاہدہ مغرب کے لیے تشویش کا باعث ہے”"
    # The marks sit outside the isolate, in the list's left-to-right line, so they cannot swap sides.
    assert "“<bdi>یہ معاہدہ مغرب کے لیے تشویش کا باعث ہے</bdi>”" in html
    assert "<q" not in html and 'dir="rtl"' not in html
