import re
from types import SimpleNamespace

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
        links=[{"role": "said_by", "source": "Mil<script>"}],
    )
    html = annotation_list_html([item])
    assert "<img" not in html and "<i>" not in html and "<script>" not in html
    assert "&lt;img src=x" in html and html.count("x" * 50) == 1 and "…</q>" in html
    assert "said by Mil&lt;script&gt;" in html
