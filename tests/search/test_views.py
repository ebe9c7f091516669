"""The search page: the header's box, results with links, snippets that never carry the text's
markup, and hostile queries answered with a message instead of a 500."""

from html.parser import HTMLParser

import pytest

from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory
from tests.search.conftest import indexed

HOSTILE_TEXT = (
    "Minsk <script>alert('text')</script> talks <mark>planted</mark> & more <b onmouseover=alert(1)>bold</b> "
    "and a < b > c about Minsk."
)


class Tags(HTMLParser):
    """The elements and event-handler attributes of a piece of HTML."""

    def __init__(self):
        super().__init__()
        self.names, self.handlers = set(), []

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_every_page_has_the_search_box_in_its_header(analyst_client):
    html = analyst_client.get("/articles/").content.decode()
    assert 'class="header-search" role="search"' in html and 'action="/search/"' in html


def test_results_link_articles_at_their_match_and_annotations_into_the_workbench(analyst_client, analyst, samples):
    english, german = samples
    annotation = AnnotationFactory(article=german, created_by=analyst, start=35, end=55)
    response = analyst_client.get("/search/", {"q": "Kooperationsabkommen"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/articles/{german.pk}/#block-0"' in html
    assert f'href="/articles/{german.pk}/?annotation={annotation.pk}"' in html
    assert "<mark>Kooperationsabkommen</mark>" in html


def test_the_match_line_is_the_workbench_paragraph_of_the_first_match(analyst_client, project):
    article = ArticleFactory(project=project, language="en", text="First line.\nSecond line about Minsk.\nThird.")
    indexed(article)
    html = analyst_client.get("/search/", {"q": "Minsk"}).content.decode()
    assert f'href="/articles/{article.pk}/#block-12"' in html  # the workbench's id of "Second line…"


def test_snippets_never_carry_markup_from_the_text(analyst_client, project):
    article = ArticleFactory(
        project=project, language="en", title="<script>alert('title')</script> Minsk", text=HOSTILE_TEXT
    )
    indexed(article)
    html = analyst_client.get("/search/", {"q": "Minsk planted bold"}).content.decode()
    results = html[html.index('class="search-results"') :]
    tags = Tags()
    tags.feed(results)
    assert tags.names <= {"a", "li", "mark", "nav", "ol", "p", "span", "main", "body", "html"}, tags.names
    assert not tags.handlers
    assert results.count("<mark>") == results.count("</mark>") >= 3
    assert "<mark>planted</mark>" in results  # the word, marked by the search; its tags are gone
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; <mark>Minsk</mark>" in results, "the title as text"
    assert "a &lt; b &gt; c" in results


@pytest.mark.parametrize(
    ("typed", "status", "message"),
    [
        ("\x00", 422, "Type a word, a name or a number"),
        ("Minsk\x00talks", 200, ""),
        ("x" * 10_000, 422, "at most 500 characters; this one has 10000"),
        ('- OR "" -', 422, "Type a word, a name or a number"),
        ('"Minsk talks', 200, ""),
        ("Minsk)(&|!:*'", 200, ""),
    ],
)
def test_hostile_queries_get_a_clear_answer_never_a_500(analyst_client, samples, typed, status, message):
    response = analyst_client.get("/search/", {"q": typed})
    assert response.status_code == status
    assert message in response.content.decode()


def test_a_search_outside_ones_projects_finds_nothing_and_counts_nothing(analyst_client, project):
    other = ProjectFactory()
    theirs = ArticleFactory(project=other, language="en", title="Secret Minsk memo", text="Minsk secret memo.")
    indexed(theirs)
    html = analyst_client.get("/search/", {"q": "Minsk", "project": other.pk}).content.decode()
    assert "Secret" not in html and "secret" not in html
    assert 'Everything <span class="count">0</span>' in html


def test_a_sources_result_lists_the_annotations_linked_to_it(analyst_client, analyst, project):
    from tests.factories import LinkFactory, SourceFactory

    article = ArticleFactory(project=project, language="en", text="Arkady Mil-Man said the deal is a red light.")
    annotation = AnnotationFactory(article=article, created_by=analyst, start=30, end=43)
    source = SourceFactory(project=project, name="Arkady Mil-Man")
    LinkFactory(annotation=annotation, source=source, role="said_by")
    html = analyst_client.get("/search/", {"q": "Mil-Man", "type": "source"}).content.decode()
    link = f"/search/annotations/?source={source.pk}"
    assert link in html
    listed = analyst_client.get("/search/annotations/", {"source": source.pk}).content.decode()
    assert f"?annotation={annotation.pk}" in listed


def test_the_page_costs_the_same_queries_with_ten_times_the_data(
    analyst_client, analyst, project, django_assert_max_num_queries
):
    for n in range(30):
        article = ArticleFactory(project=project, language="en", title=f"Minsk {n}", text=f"Minsk talks, round {n}.")
        indexed(article)
        AnnotationFactory(article=article, created_by=analyst, start=0, end=5)
    # session, user, projects, languages twice, counts, page, one per kind of row, replies count
    with django_assert_max_num_queries(11):
        assert analyst_client.get("/search/", {"q": "Minsk"}).status_code == 200
