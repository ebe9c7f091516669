"""Annotations across articles (/search/annotations/): every annotation one sees, newest first,
with the search's filters and the source they are linked to ("all quotes said by Arkady
Mil-Man"), each passage in its sentence with a link to its span, paged, and exported with the
same filters; blind mode and project scoping in the rows, the count and the exports."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, ProjectFactory, SourceFactory

LIST = "/search/annotations/"
TEXT = "Talks went on. Arkady Mil-Man said the deal is a red light to the West. Others disagreed."
DEAL = (TEXT.index("the deal"), TEXT.index("the deal") + len("the deal is a red light to the West"))


def quote_said_by(article, user, source, *, kind="quote", span=DEAL, **fields):
    annotation = AnnotationFactory(article=article, created_by=user, kind=kind, start=span[0], end=span[1], **fields)
    LinkFactory(annotation=annotation, source=source, role="said_by")
    return annotation


def listed(html: str) -> list[int]:
    """The annotations the page lists, by the links into the workbench, in order."""
    ids = []
    for part in html.split("?annotation=")[1:]:
        pk = int(part.split('"', 1)[0])
        if pk not in ids:
            ids.append(pk)
    return ids


def summary(html: str) -> str:
    """The list's sentence above its rows, as read: "2 annotations: quotes, ..."."""
    paragraph = html.split('class="list-summary"', 1)[1].split("</p>", 1)[0].split(">", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", "", paragraph).split())


def download(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def export_url(html: str, name: str) -> str:
    start = html.index('href="', html.index('class="export-links"'))
    for part in html[start:].split('href="')[1:]:
        url = part.split('"', 1)[0].replace("&amp;", "&")
        if f"/{name}/" in url:
            return url
    raise AssertionError(f"no {name} export link")


def export_page_url(html: str) -> str:
    """The export links' last one: the page that says what each format holds."""
    links = html[html.index('class="export-links"') :].split("</nav>", 1)[0]
    return links.split('href="')[-1].split('"', 1)[0].replace("&amp;", "&")


@pytest.fixture
def milman(project):
    return SourceFactory(project=project, name="Arkady Mil-Man", aliases=["Mil- Man"])


def test_the_header_links_to_the_list(analyst_client):
    html = analyst_client.get("/articles/").content.decode()
    assert f'href="{LIST}">Annotations</a>' in html


def test_all_quotes_said_by_one_source_across_articles(analyst_client, analyst, project, milman):
    said, cited = [], []
    for n in range(2):
        article = ArticleFactory(project=project, language="en", text=TEXT + f" Round {n}.")
        said.append(quote_said_by(article, analyst, milman))
        claim = AnnotationFactory(article=article, created_by=analyst, kind="claim", start=0, end=13)
        LinkFactory(annotation=claim, source=milman, role="cited")
        cited.append(claim)

    for name in ("Arkady Mil-Man", "arkady mil man", "Mil-Man", "Mil- Man"):
        response = analyst_client.get(LIST, {"source_name": name, "role": "said_by"})
        html = response.content.decode()
        assert response.status_code == 200
        assert sorted(listed(html)) == sorted(q.pk for q in said), name
    for quote in said:
        assert f'href="/articles/{quote.article_id}/?annotation={quote.pk}"' in html
    # The passage in its sentence, the words around it from its quote selector, and who said it.
    assert (
        '<span class="context">Arkady Mil-Man said </span><strong class="passage">the deal is a red light to the West'
        '</strong><span class="context">.</span>'
    ) in html
    assert (
        f'<span class="link-role">Said by</span> <a class="source-link" href="/sources/{milman.pk}/" dir="auto">'
        "Arkady Mil-Man</a>"
    ) in html
    assert summary(html) == "2 annotations: linked to “Mil- Man” as said by."
    # By the source's id, as a source found by the search links to it; every role.
    html = analyst_client.get(LIST, {"source": milman.pk}).content.decode()
    assert sorted(listed(html)) == sorted(a.pk for a in said + cited)
    assert summary(html) == "4 annotations: linked to “Arkady Mil-Man”."
    # Someone of another name finds nothing.
    assert listed(analyst_client.get(LIST, {"source_name": "Arkady Milner"}).content.decode()) == []


def test_every_filter_narrows_the_list(analyst_client, analyst, other_analyst, project, milman):
    english = ArticleFactory(project=project, language="en", text=TEXT)
    german = ArticleFactory(project=project, language="de", text="Das Abkommen wurde gestern unterzeichnet.")
    quote = quote_said_by(english, analyst, milman, tags=["sanctions"], note="Checked against the video.")
    fact = AnnotationFactory(article=german, created_by=other_analyst, kind="fact", start=4, end=12, status="approved")
    old = AnnotationFactory(article=english, created_by=analyst, kind="claim", start=0, end=13)
    Annotation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    today = timezone.localdate()

    def ids(**filters):
        response = analyst_client.get(LIST, filters)
        assert response.status_code == 200, response.content.decode()[:300]
        return set(listed(response.content.decode()))

    assert ids() == {quote.pk, fact.pk, old.pk}
    assert ids(kind="quote") == {quote.pk}
    assert ids(status="approved") == {fact.pk}
    assert ids(tag="sanctions") == {quote.pk}
    assert ids(author="analyst2") == {fact.pk}
    assert ids(language="de") == {fact.pk}
    assert ids(project=project.pk) == {quote.pk, fact.pk, old.pk}
    assert ids(since=today.isoformat()) == {quote.pk, fact.pk}
    assert ids(until=(today - timedelta(days=1)).isoformat()) == {old.pk}
    assert ids(q="video") == {quote.pk}  # the note
    assert ids(q="Abkommen") == {fact.pk}  # the marked words
    assert ids(q="deal -video") == set()
    assert ids(role="said_by", kind="quote", language="en", author="analyst1") == {quote.pk}


def test_newest_first_and_paged(analyst_client, analyst, project):
    article = ArticleFactory(project=project, text=TEXT)
    made = [AnnotationFactory(article=article, created_by=analyst, start=n, end=n + 3) for n in range(23)]
    first = analyst_client.get(LIST).content.decode()
    assert listed(first) == [a.pk for a in reversed(made)][:20]
    assert "Page 1 of 2" in first and summary(first) == "23 annotations."
    second = analyst_client.get(LIST, {"page": 2}).content.decode()
    assert listed(second) == [a.pk for a in reversed(made)][20:]


def test_htmx_filters_answer_only_the_results(analyst_client, analyst, project):
    AnnotationFactory(article=ArticleFactory(project=project, text=TEXT), created_by=analyst)
    response = analyst_client.get(
        LIST, {"kind": "claim"}, headers={"HX-Request": "true", "HX-Target": "annotation-results"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="annotation-results">') and "<html" not in html
    assert summary(html) == "1 annotation: claims."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "\x00"}, "Type a word, a name or a number"),
        ({"q": "x" * 10_000}, "at most 500 characters"),
        ({"q": '- OR "" -'}, "Type a word, a name or a number"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "The end of the period comes before its start."),
        ({"role": "boss"}, "Select a valid choice"),
        ({"source": "-3"}, "greater than or equal to 1"),
        ({"project": "x"}, "Enter a whole number"),
    ],
)
def test_bad_filters_get_a_clear_answer_never_a_500(analyst_client, params, message):
    response = analyst_client.get(LIST, params)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_other_projects_never_show_in_rows_counts_or_exports(client, analyst, project, milman):
    mine = quote_said_by(ArticleFactory(project=project, text=TEXT), analyst, milman)
    elsewhere = ProjectFactory()
    stranger = member(elsewhere, Membership.Role.MANAGER, "stranger")
    their_source = SourceFactory(project=elsewhere, name="Arkady Mil-Man")
    theirs = quote_said_by(ArticleFactory(project=elsewhere, text=TEXT), stranger, their_source)
    client.force_login(analyst)
    for params in ({}, {"source_name": "Arkady Mil-Man"}, {"q": "deal"}, {"project": elsewhere.pk}):
        html = client.get(LIST, params).content.decode()
        assert theirs.pk not in listed(html), params
    assert listed(client.get(LIST).content.decode()) == [mine.pk]
    assert summary(client.get(LIST, {"q": "deal"}).content.decode()) == "1 annotation: matching “deal”."
    assert summary(client.get(LIST, {"source": their_source.pk}).content.decode()).startswith("0 annotations")
    assert summary(client.get(LIST, {"project": elsewhere.pk}).content.decode()).startswith("0 annotations")
    # Nor can the export links be turned to the other project.
    assert client.get(reverse("exports:project", args=[elsewhere.pk, "csv"]), {"status": "all"}).status_code == 404


def test_blind_mode_lists_counts_and_exports_only_ones_own(client, project, analyst, other_analyst, milman):
    project.blind = True
    project.save()
    article = ArticleFactory(project=project, language="en", text=TEXT)
    mine = quote_said_by(article, analyst, milman)
    theirs = quote_said_by(article, other_analyst, milman)
    client.force_login(analyst)
    for params in ({}, {"source_name": "Arkady Mil-Man"}, {"q": "deal"}, {"author": "analyst2"}, {"role": "said_by"}):
        html = client.get(LIST, params).content.decode()
        assert theirs.pk not in listed(html), params
        assert not summary(html).startswith("2 annotations")
    html = client.get(LIST, {"source_name": "Arkady Mil-Man"}).content.decode()
    assert listed(html) == [mine.pk] and summary(html).startswith("1 annotation:")
    assert [int(row["annotation_id"]) for row in download(client, export_url(html, "csv"))] == [mine.pk]
    # The other analyst's export link, guessed, holds nothing of theirs either.
    guessed = reverse("exports:project", args=[project.pk, "csv"]) + "?status=all&analyst=analyst2"
    assert client.get(guessed).status_code == 422
    # Reviewers see everyone's.
    client.force_login(member(project, Membership.Role.REVIEWER, "rev"))
    html = client.get(LIST, {"source_name": "Arkady Mil-Man"}).content.decode()
    assert sorted(listed(html)) == sorted([mine.pk, theirs.pk]) and summary(html).startswith("2 annotations:")


def test_the_export_links_take_the_lists_filters_status_included(client, analyst, other_analyst, project, milman):
    english = ArticleFactory(project=project, language="en", text=TEXT)
    other = ArticleFactory(project=project, language="en", text="Nothing said here at all.")
    quote = quote_said_by(english, analyst, milman, tags=["sanctions"])
    approved = quote_said_by(english, other_analyst, milman, status="approved")
    AnnotationFactory(article=english, created_by=analyst, kind="claim", start=0, end=13)  # not said by anyone
    AnnotationFactory(article=other, created_by=analyst, kind="quote", start=0, end=7)
    client.force_login(analyst)
    html = client.get(
        LIST, {"project": project.pk, "source_name": "Arkady Mil-Man", "role": "said_by"}
    ).content.decode()
    url = export_url(html, "csv")
    assert "status=all" in url and "source_name=Arkady+Mil-Man" in url and "role=said_by" in url
    assert sorted(int(row["annotation_id"]) for row in download(client, url)) == sorted([quote.pk, approved.pk])
    # doccano holds approved spans only by default: the list's "any status" exports every status.
    doccano = client.get(export_url(html, "doccano"))
    lines = b"".join(doccano.streaming_content).decode().splitlines()
    assert len(lines) == 1  # only the article with a listed annotation, not the project's other one
    # A status chosen on the list is the export's; the author is its analyst.
    html = client.get(
        LIST, {"project": project.pk, "source_name": "Arkady Mil-Man", "status": "approved", "author": "analyst2"}
    ).content.decode()
    url = export_url(html, "csv")
    assert "status=approved" in url and "analyst=analyst2" in url
    assert [int(row["annotation_id"]) for row in download(client, url)] == [approved.pk]
    html = client.get(LIST, {"project": project.pk, "tag": "sanctions", "q": "deal"}).content.decode()
    assert [int(row["annotation_id"]) for row in download(client, export_url(html, "csv"))] == [quote.pk]
    # The export page keeps the filters, says so, and its download links carry them.
    page = client.get(export_page_url(html))
    text = page.content.decode()
    assert page.status_code == 200 and "tagged “sanctions”" in text and 'name="tag" value="sanctions"' in text
    assert "tag=sanctions" in text and "q=deal" in text


def test_an_export_of_filters_that_match_nothing_says_why(client, analyst, project, milman):
    AnnotationFactory(article=ArticleFactory(project=project, text=TEXT), created_by=analyst)
    client.force_login(analyst)
    url = reverse("exports:project", args=[project.pk, "csv"])
    response = client.get(url, {"status": "all", "source_name": "Arkady Mil-Man"})
    assert response.status_code == 422
    assert "matches the filters (linked to “Arkady Mil-Man”)" in response.content.decode()
    response = client.get(url, {"status": "all", "q": '- OR "" -'})
    assert response.status_code == 400 and "Type a word" in response.content.decode()


def test_without_a_project_the_list_asks_for_one_before_exporting(client, analyst, project):
    AnnotationFactory(article=ArticleFactory(project=project, text=TEXT), created_by=analyst)
    member(ProjectFactory(), Membership.Role.ANALYST, "analyst1")  # a second project of the same user
    client.force_login(analyst)
    html = client.get(LIST).content.decode()
    assert "Choose a project to export" in html and 'class="export-links"' not in html
    assert 'class="export-links"' in client.get(LIST, {"project": project.pk}).content.decode()


@pytest.mark.parametrize("scale", [1, 10])
def test_a_page_costs_the_same_queries_whatever_the_data(
    client, project, analyst, other_analyst, milman, scale, django_assert_num_queries
):
    for n in range(3 * scale):
        article = ArticleFactory(project=project, language=["en", "de"][n % 2], text=f"{TEXT} {n}")
        quote_said_by(article, analyst, milman, tags=["t"])
        quote_said_by(article, other_analyst, SourceFactory(project=project), kind="claim")
    project.blind = True
    project.save()
    client.force_login(analyst)
    client.get(LIST)  # the session's first use
    # session, user with roles, projects, languages, counts, the page's ids, the page's rows, new replies
    with django_assert_num_queries(8):
        response = client.get(LIST, {"source_name": "Arkady Mil-Man", "role": "said_by", "q": "deal"})
    assert len(listed(response.content.decode())) == min(20, 3 * scale)
    # and the source's name when it is chosen by id
    with django_assert_num_queries(9):
        client.get(LIST, {"source": milman.pk})


def test_the_list_shows_exactly_what_the_rule_lets_each_member_view(client, project, analyst, other_analyst, milman):
    """The list's scope (visible_to) and the one rule (annotations.view_annotation) agree, row by row."""
    project.blind = True
    project.save()
    open_article = ArticleFactory(project=project, text=TEXT)
    curated = ArticleFactory(project=project, text=TEXT + " Curated.", curated_at=timezone.now())
    elsewhere = ArticleFactory(project=ProjectFactory(), text=TEXT)
    every = [
        quote_said_by(article, user, source)
        for article, source in ((open_article, milman), (curated, milman))
        for user in (analyst, other_analyst)
    ] + [quote_said_by(elsewhere, analyst, SourceFactory(project=elsewhere.project))]
    reviewer = member(project, Membership.Role.REVIEWER, "rev")
    for user in (analyst, other_analyst, reviewer):
        client.force_login(user)
        shown = set(listed(client.get(LIST).content.decode()))
        allowed = {a.pk for a in every if user.has_perm("annotations.view_annotation", a)}
        assert shown == allowed, user.username
        assert summary(client.get(LIST).content.decode()).startswith(f"{len(allowed)} annotation")
