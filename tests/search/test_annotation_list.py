"""Annotations across articles: every annotation one sees, newest first, by source and role
("all quotes said by Arkady Mil-Man"), each passage in its sentence with a link to its span."""

from apps.projects.models import Membership
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, SourceFactory

TEXT = "Talks went on. Arkady Mil-Man said the deal is a red light to the West. Others disagreed."


def test_all_quotes_said_by_one_source_across_articles(analyst_client, analyst, project):
    milman = SourceFactory(project=project, name="Arkady Mil-Man")
    said, cited = [], []
    for n in range(2):
        article = ArticleFactory(project=project, language="en", text=TEXT + f" Round {n}.")
        start = TEXT.index("the deal")
        end = start + len("the deal is a red light to the West")
        quote = AnnotationFactory(article=article, created_by=analyst, kind="quote", start=start, end=end)
        LinkFactory(annotation=quote, source=milman, role="said_by")
        claim = AnnotationFactory(article=article, created_by=analyst, kind="claim", start=0, end=13)
        LinkFactory(annotation=claim, source=milman, role="cited")
        said.append(quote)
        cited.append(claim)

    html = analyst_client.get(
        "/search/", {"type": "annotation", "source": milman.pk, "role": "said_by"}
    ).content.decode()
    for quote in said:
        assert f'href="/articles/{quote.article_id}/?annotation={quote.pk}"' in html
    for claim in cited:
        assert f"?annotation={claim.pk}" not in html
    # The passage in its sentence, the words around it from its quote selector.
    assert (
        '<span class="context">Arkady Mil-Man said </span><strong class="passage">the deal is a red light to the West'
        '</strong><span class="context">.</span>'
    ) in html


def test_the_list_of_annotations_shows_in_blind_mode_only_ones_own(client, project, analyst, other_analyst):
    project.blind = True
    project.save()
    article = ArticleFactory(project=project, language="en", text=TEXT)
    mine = AnnotationFactory(article=article, created_by=analyst, start=0, end=13)
    theirs = AnnotationFactory(article=article, created_by=other_analyst, start=15, end=29)
    client.force_login(analyst)
    html = client.get("/search/", {"type": "annotation"}).content.decode()
    assert f"?annotation={mine.pk}" in html and f"?annotation={theirs.pk}" not in html
    assert 'Annotations <span class="count">1</span>' in html
    reviewer = member(project, Membership.Role.REVIEWER, "rev")
    client.force_login(reviewer)
    html = client.get("/search/", {"type": "annotation"}).content.decode()
    assert f"?annotation={theirs.pk}" in html and 'Annotations <span class="count">2</span>' in html


def test_the_header_links_to_the_list_and_the_api_takes_the_role(analyst_client, analyst, project):
    from tests.api.conftest import api_client_for

    assert 'href="/search/?type=annotation"' in analyst_client.get("/articles/").content.decode()
    source = SourceFactory(project=project, name="Arkady Mil-Man")
    article = ArticleFactory(project=project, language="en", text=TEXT)
    quote = AnnotationFactory(article=article, created_by=analyst, kind="quote", start=15, end=29)
    LinkFactory(annotation=quote, source=source, role="said_by")
    api = api_client_for(analyst)
    page = api.get("/search", data={"type": "annotation", "role": "said_by"}).json()
    assert [item["id"] for item in page["items"]] == [quote.pk]
    assert api.get("/search", data={"type": "annotation", "role": "claimant"}).json()["count"] == 0
    assert api.get("/search", data={"role": "boss"}).status_code == 422
