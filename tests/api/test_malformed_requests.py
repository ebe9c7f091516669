"""Requests the API cannot read: a body that is not what its Content-Type says, an address it
does not have, a JSON body that is not an object. Each is refused in JSON with a status that
says why, never a 500, an HTML page or a 200 taking it for an empty change."""

import json

import pytest
from django.db import transaction
from django.test import Client

from apps.annotations.models import Link
from apps.api.api import api
from apps.api.endpoints import annotations as annotation_endpoints
from tests.api.conftest import API
from tests.factories import AnnotationFactory, SourceFactory

# Every operation of the description that reads a JSON body, as (method, path with ids of 1).
JSON_BODY_OPERATIONS = sorted(
    (method.upper(), path)
    for path, operations in api.get_openapi_schema()["paths"].items()
    for method, operation in operations.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
)


def with_ids(path: str) -> str:
    """`/api/v1/sources/{source_id}` -> `/api/v1/sources/1`: the body is read before any row."""
    parts = [("1" if part.startswith("{") else part) for part in path.split("/")]
    return "/".join(parts)


def assert_json_refusal(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"]
    return body


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_an_upload_without_a_boundary_is_refused_with_400(analyst_api, project, settings, debug, content_type):
    settings.DEBUG = debug  # make run has it on, and the API's handling of the unexpected differs
    analyst_api.client.raise_request_exception = False
    response = analyst_api.client.generic(
        "POST", f"{API}/imports/upload", b"project=1", content_type=content_type, headers=analyst_api.headers
    )
    body = assert_json_refusal(response, 400)
    assert "multipart/form-data" in body["message"] and "boundary" in body["message"]


def test_an_upload_without_a_boundary_from_the_browsers_session_is_refused_with_400(analyst):
    """The session's CSRF check reads the form first."""
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(analyst)
    browser.get("/imports/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.generic(
        "POST", f"{API}/imports/upload", b"x", content_type="multipart/form-data", headers={"X-CSRFToken": token}
    )
    assert_json_refusal(response, 400)


def test_the_api_root_is_an_index_in_json(anonymous_api):
    response = anonymous_api.client.get(f"{API}/")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/json"
    index = response.json()
    assert index["docs"] == f"{API}/docs" and index["openapi"] == f"{API}/openapi.json"
    assert anonymous_api.client.get(index["openapi"]).status_code == 200


@pytest.mark.parametrize("path", ["/nope", "/projects/", "/annotations/1/nope", "/v2/projects"])
def test_unknown_addresses_under_the_api_are_json_404(analyst_api, path):
    assert_json_refusal(analyst_api.get(path), 404)


def test_every_operation_with_a_json_body_is_listed():
    assert len(JSON_BODY_OPERATIONS) >= 8, JSON_BODY_OPERATIONS  # the matrix below cannot pass vacuously
    assert ("PATCH", f"{API}/sources/{{source_id}}") in JSON_BODY_OPERATIONS


@pytest.mark.parametrize(("method", "path"), JSON_BODY_OPERATIONS)
@pytest.mark.parametrize("body", [[1, 2], [], "text", 5, None, True], ids=str)
def test_a_json_body_that_is_not_an_object_is_refused_with_422(analyst_api, method, path, body):
    response = analyst_api.client.generic(
        method, with_ids(path), json.dumps(body), content_type="application/json", headers=analyst_api.headers
    )
    refusal = assert_json_refusal(response, 422)
    assert "must be a JSON object" in refusal["message"]


def test_an_array_does_not_change_a_source(analyst_api, project):
    source = SourceFactory(project=project, name="Ministry")
    response = analyst_api.patch(f"/sources/{source.pk}", [1, 2])
    assert_json_refusal(response, 422)
    response = analyst_api.patch(f"/sources/{source.pk}", {"name": "Ministry of Transport"})
    assert response.status_code == 200 and response.json()["name"] == "Ministry of Transport"


def test_the_databases_refusal_of_a_tie_between_projects_is_a_422(
    analyst_api, analyst, project, article, other_project, monkeypatch
):
    """Should a path skip the forms' check, the database refuses underneath: the API says so."""
    annotation = AnnotationFactory(article=article, created_by=analyst)
    elsewhere = SourceFactory(project=other_project)

    def link_without_the_check(*, annotation, source, role, user, note=""):
        with transaction.atomic():
            return Link.objects.create(annotation=annotation, source=elsewhere, role=role, created_by=user)

    monkeypatch.setattr(annotation_endpoints, "link_source", link_without_the_check)
    response = analyst_api.post(
        f"/annotations/{annotation.pk}/links",
        {"role": "cited", "new_source_name": "INSS", "new_source_kind": "organisation"},
    )
    body = assert_json_refusal(response, 422)
    assert "outside this row's project" in body["message"]
    assert not Link.objects.filter(annotation=annotation).exists()
