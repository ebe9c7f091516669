"""Annotations as W3C Web Annotations, chosen by the Accept header, with the Web Annotation
Protocol's container conventions (ETag, paging, Link headers); checked with the W3C suite."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import AnnotationFactory, LinkFactory

W3C = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
CHECKER = Path(__file__).resolve().parents[1] / "conformance" / "check_w3c_annotation.py"


def assert_conforms(document: dict, tmp_path) -> None:
    """No MUST assertion of the W3C Web Annotation test suite fails."""
    path = tmp_path / "served.jsonld"
    path.write_text(json.dumps(document))
    result = subprocess.run([sys.executable, CHECKER, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.fixture
def annotations(article, analyst):
    made = [AnnotationFactory(article=article, created_by=analyst, start=s, end=s + 4, note="n") for s in (0, 10, 20)]
    LinkFactory(annotation=made[0])
    return made


def test_one_annotation_is_served_as_a_web_annotation_with_its_etag(analyst_api, annotations, tmp_path):
    annotation = annotations[0]
    response = analyst_api.get(f"/annotations/{annotation.pk}", headers={"Accept": W3C})
    assert response.status_code == 200
    assert response["Content-Type"] == W3C and "Accept" in response["Vary"]
    assert response["ETag"] == f'"annotation-{annotation.pk}-v1"'
    assert 'rel="type"' in response["Link"]
    document = response.json()
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld" and document["type"] == "Annotation"
    selectors = {selector["type"]: selector for selector in document["target"]["selector"]}
    assert selectors["TextPositionSelector"] == {"type": "TextPositionSelector", "start": 0, "end": 4}
    assert selectors["TextQuoteSelector"]["exact"] == annotation.exact
    assert_conforms(document, tmp_path)


def test_plain_json_stays_the_default(analyst_api, annotations):
    for accept in ("application/json", "*/*", "application/ld+json;q=0.5, application/json"):
        response = analyst_api.get(f"/annotations/{annotations[0].pk}", headers={"Accept": accept})
        assert response["Content-Type"] == "application/json; charset=utf-8" and "version" in response.json()


def test_the_list_is_an_annotation_page_of_its_collection(analyst_api, annotations, article, tmp_path):
    response = analyst_api.get(
        "/annotations", data={"article": article.pk, "limit": 2, "offset": 1}, headers={"Accept": W3C}
    )
    assert response.status_code == 200 and response["Content-Type"] == W3C
    page = response.json()
    assert page["type"] == "AnnotationPage" and page["startIndex"] == 1
    assert [item["target"]["selector"][1]["start"] for item in page["items"]] == [10, 20]
    assert page["partOf"]["type"] == "AnnotationCollection" and page["partOf"]["total"] == 3
    assert page["partOf"]["id"] == f"http://testserver/api/v1/annotations?article={article.pk}"
    assert page["prev"] == f"http://testserver/api/v1/annotations?article={article.pk}&limit=2&offset=0"
    assert "next" not in page
    assert f'<{page["prev"]}>; rel="prev"' in response["Link"] and "oa#AnnotationPage" in response["Link"]
    assert_conforms(page, tmp_path)


def test_another_projects_annotation_is_404_in_json_ld_too(outsider_api, annotations):
    response = outsider_api.get(f"/annotations/{annotations[0].pk}", headers={"Accept": W3C})
    assert response.status_code == 404
    assert outsider_api.get("/annotations", headers={"Accept": W3C}).json()["partOf"]["total"] == 0


def test_a_page_of_web_annotations_costs_the_same_few_queries(analyst_api, analyst, article, django_assert_num_queries):
    for start in range(30, 130):
        LinkFactory(annotation=AnnotationFactory(article=article, created_by=analyst, start=start, end=start + 1))
    analyst_api.get("/projects")  # the token's first use is recorded; later ones within a minute are not
    # token, the user with roles, count, the page with articles and authors, its links with their sources
    with django_assert_num_queries(5):
        response = analyst_api.get("/annotations", data={"limit": 100}, headers={"Accept": W3C})
    assert len(response.json()["items"]) == 100
