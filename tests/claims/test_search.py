"""Claims in the header's search and the API's, and the list of annotations narrowed to a claim's appearances."""

from apps.claims.services import attach_appearance, create_claim, create_claim_from
from tests.api.conftest import api_client_for
from tests.conftest import client_for
from tests.factories import AnnotationFactory, ArticleFactory


def test_claims_are_found_by_their_words(client, analyst, project, outsider):
    claim = create_claim(project=project, user=analyst, wording="Belarus is an integral part of Russia", language="en")
    create_claim(project=outsider.memberships.get().project, user=outsider, wording="Belarus integral elsewhere")
    html = client_for(client, analyst).get("/search/", {"q": "integral", "type": "claim"}).content.decode()
    assert claim.get_absolute_url() in html and "elsewhere" not in html
    body = api_client_for(analyst).get("/search?q=integral").json()
    assert [(item["type"], item["id"]) for item in body["items"]] == [("claim", claim.pk)]
    assert body["counts"]["claim"] == 1
    assert api_client_for(analyst).get("/search?q=integral&type=claim").json()["count"] == 1


def test_the_annotation_list_narrows_to_a_claims_appearances(client, analyst, project):
    article = ArticleFactory(project=project)
    first = AnnotationFactory(article=article, created_by=analyst)
    claim = create_claim_from(annotation=first, user=analyst)
    second = AnnotationFactory(article=ArticleFactory(project=project), created_by=analyst)
    attach_appearance(claim=claim, annotation=second, user=analyst)
    AnnotationFactory(article=article, created_by=analyst, start=20, end=30)  # not an appearance
    html = client_for(client, analyst).get("/search/annotations/", {"claim": claim.pk}).content.decode()
    assert html.count('class="hit hit-annotation"') == 2
    assert f"appearances of {claim}".replace("“", "&ldquo;") in html or "appearances of" in html
    body = api_client_for(analyst).get(f"/search?type=annotation&claim={claim.pk}").json()
    assert {item["id"] for item in body["items"]} == {first.pk, second.pk}


def test_blind_mode_keeps_hidden_claims_out_of_the_search(client, project, analyst, other_analyst):
    project.blind = True
    project.save()
    theirs = AnnotationFactory(article=ArticleFactory(project=project), created_by=other_analyst)
    create_claim_from(annotation=theirs, user=other_analyst)
    assert api_client_for(analyst).get(f"/search?q={theirs.exact.split()[0]}&type=claim").json()["count"] == 0
