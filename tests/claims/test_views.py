"""The claim pages: the list with its filters, a claim's page with its timeline and verdict form,
the workbench panel's proposals, the admin's review page; all scoped to the user's projects."""

import datetime

import pytest

from apps.claims.models import Claim
from apps.claims.services import attach_appearance, create_claim, create_claim_from
from tests.conftest import client_for
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, SourceFactory


@pytest.fixture
def spread_claim(project, analyst):
    """A claim said first by one outlet in English, then by another in German, its claimant linked."""
    claim = create_claim(project=project, user=analyst, wording="Belarus is part of Russia", language="en")
    for day, outlet, language in (
        (datetime.date(2025, 5, 2), "Zeitung", "de"),
        (datetime.date(2025, 4, 11), "Herald", "en"),
    ):
        article = ArticleFactory(
            project=project,
            language=language,
            published_on=day,
            publisher=SourceFactory(project=project, name=outlet, kind="outlet"),
            author=f"Writer of {outlet}",
        )
        annotation = AnnotationFactory(article=article, created_by=analyst)
        LinkFactory(
            annotation=annotation, source=SourceFactory(project=project, name=f"Speaker {outlet}"), role="claimant"
        )
        attach_appearance(claim=claim, annotation=annotation, user=analyst)
    return claim


def test_claim_page_lists_appearances_oldest_first_with_a_timeline(client, analyst, spread_claim):
    html = client_for(client, analyst).get(spread_claim.get_absolute_url()).content.decode()
    assert html.index("Herald") < html.index("Zeitung")
    assert '<svg class="chart timeline"' in html
    assert html.count("<circle") == 2
    assert "Speaker Herald" in html and "Writer of Zeitung" in html
    assert "2025-04-11" in html and "2025-05-02" in html
    assert "verdict-form" not in html  # analysts see the verdict, not its form


def test_only_reviewers_set_the_verdict_on_the_page(client, analyst, reviewer, spread_claim):
    url = f"/claims/{spread_claim.pk}/verdict/"
    data = {"version": 1, "verdict": "false", "rationale": "Belarus is a state."}
    assert client_for(client, analyst).post(url, data).status_code == 403
    reviewer_page = client_for(client, reviewer).get(spread_claim.get_absolute_url()).content.decode()
    assert "verdict-form" in reviewer_page
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Belarus is a state." in response.content.decode()
    assert Claim.objects.get().verdict == "false"
    assert client.post(url, data | {"verdict": "opinion"}).status_code == 409  # version 1 is stale now


def test_claim_page_costs_the_same_queries_whatever_its_size(
    client, analyst, project, spread_claim, django_assert_num_queries
):
    client_for(client, analyst)
    client.get(spread_claim.get_absolute_url())
    # session, user with roles, claim, count, page of rows, timeline points, new replies
    with django_assert_num_queries(7) as counted:
        client.get(spread_claim.get_absolute_url())
    for _ in range(5):
        attach_appearance(
            claim=spread_claim, annotation=AnnotationFactory(article=ArticleFactory(project=project)), user=analyst
        )
    with django_assert_num_queries(len(counted.captured_queries)):
        client.get(spread_claim.get_absolute_url())


def test_claim_list_filters_and_sorts_by_spread(client, analyst, project, spread_claim):
    narrow = create_claim(project=project, user=analyst, wording="Minsk hosted the talks", language="en")
    attach_appearance(claim=narrow, annotation=AnnotationFactory(article=ArticleFactory(project=project)), user=analyst)
    client_for(client, analyst)

    def listed(query=""):
        html = client.get("/claims/" + query).content.decode()
        return [claim.pk for claim in Claim.objects.all() if f'data-claim="{claim.pk}"' in html], html

    pks, html = listed()
    assert html.index(f'data-claim="{spread_claim.pk}"') < html.index(f'data-claim="{narrow.pk}"')
    assert listed("?language=de")[0] == [spread_claim.pk]
    assert listed("?outlet=Zeitung")[0] == [spread_claim.pk]
    assert listed("?claimant=Speaker+Herald")[0] == [spread_claim.pk]
    assert listed("?min_appearances=2")[0] == [spread_claim.pk]
    assert listed("?since=2025-04-12")[0] == [narrow.pk]  # first seen the day it was imported
    assert listed("?verdict=false")[0] == []
    assert client.get("/claims/?since=yesterday").status_code == 422


def test_outsiders_see_no_claim(client, outsider, spread_claim):
    client_for(client, outsider)
    assert client.get(spread_claim.get_absolute_url()).status_code == 404
    assert f'data-claim="{spread_claim.pk}"' not in client.get("/claims/").content.decode()


def test_panel_proposes_attaches_and_creates(client, analyst, project):
    claim = create_claim(project=project, user=analyst, wording="The sanctions hurt the farmers", language="en")
    article = ArticleFactory(project=project, text="Critics say the sanctions hurt farmers in the north.")
    annotation = AnnotationFactory(article=article, created_by=analyst, start=12, end=38)
    client_for(client, analyst)
    panel = client.get(f"/annotations/{annotation.pk}/").content.decode()
    assert f"/claims/annotation/{annotation.pk}/proposals/" in panel
    proposals = client.get(f"/claims/annotation/{annotation.pk}/proposals/").content.decode()
    assert f'data-claim="{claim.pk}"' in proposals and "Why:" in proposals
    attached = client.post(f"/claims/annotation/{annotation.pk}/attach/", {"claim": claim.pk})
    assert attached.status_code == 200
    assert [a.annotation for a in claim.appearances.all()] == [annotation]
    other = AnnotationFactory(article=article, created_by=analyst, start=4, end=11)
    assert client.post(f"/claims/annotation/{other.pk}/new/").status_code == 200
    assert Claim.objects.filter(wording=other.exact).exists()


def test_admin_review_page_shows_the_claims_appearances(client, reviewer, spread_claim):
    annotation = spread_claim.appearances.first().annotation
    html = client_for(client, reviewer).get(f"/admin/annotations/annotation/{annotation.pk}/change/").content.decode()
    assert 'class="review-claim"' in html
    assert html.count("<li") >= 2 and "Zeitung" in html and "Herald" in html


def test_blind_claim_page_hides_another_analysts_appearances(client, project, analyst, other_analyst):
    project.blind = True
    project.save()
    claim = create_claim(project=project, user=analyst, wording="A claim of mine", language="en")
    theirs = AnnotationFactory(article=ArticleFactory(project=project), created_by=other_analyst)
    attach_appearance(claim=claim, annotation=theirs, user=other_analyst)
    html = client_for(client, analyst).get(claim.get_absolute_url()).content.decode()
    assert theirs.exact not in html and "0 appearances" in html
    hidden = create_claim_from(
        annotation=AnnotationFactory(article=theirs.article, created_by=other_analyst, start=20, end=30),
        user=other_analyst,
    )
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert "<td>0</td>" in client.get(f"/claims/?project={project.pk}").content.decode()


def test_claim_list_costs_the_same_queries_whatever_its_size(client, analyst, project, django_assert_num_queries):
    client_for(client, analyst)
    create_claim(project=project, user=analyst, wording="The first claim", language="en")
    client.get("/claims/")
    with django_assert_num_queries(7) as counted:  # session, user, projects, claims, spreads, page, new replies
        client.get("/claims/")
    for n in range(5):
        claim = create_claim(project=project, user=analyst, wording=f"Claim {n} of many", language="en")
        attach_appearance(
            claim=claim, annotation=AnnotationFactory(article=ArticleFactory(project=project)), user=analyst
        )
    with django_assert_num_queries(len(counted.captured_queries)):
        client.get("/claims/")
