"""Who may call: a live token of an active user, or the signed-in browser with its CSRF token."""

import pytest
from django.test import Client
from django.utils import timezone

from apps.api.models import ApiToken
from tests.api.conftest import API, ApiClient, api_client_for, span_of


def assert_unauthorised(response, message_part: str):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert message_part in body["message"] and body["errors"] == []


def test_no_token_is_401_with_how_to_authenticate(anonymous_api, article):
    assert_unauthorised(anonymous_api.get("/annotations"), "Authorization: Bearer")
    assert_unauthorised(anonymous_api.post("/annotations", span_of(article)), "Authorization: Bearer")
    assert not article.annotations.exists()


@pytest.mark.parametrize("header", ["Bearer st_not-a-real-token", "Bearer ", "Basic YTpi", "Bearer nonsense"])
def test_an_unknown_or_malformed_token_is_401(db, header):
    response = Client().get(f"{API}/projects", headers={"Authorization": header})
    assert_unauthorised(response, "")


def test_a_revoked_token_is_401(analyst):
    token, secret = ApiToken.issue(user=analyst, name="old script")
    api = ApiClient(secret)
    assert api.get("/projects").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert_unauthorised(api.get("/projects"), "unknown or revoked")


def test_the_token_of_a_deactivated_user_is_401(analyst):
    api = api_client_for(analyst)
    analyst.is_active = False
    analyst.save()
    assert_unauthorised(api.get("/projects"), "inactive")


def test_a_token_acts_as_its_user_and_records_when_it_was_last_used(analyst, project):
    token, secret = ApiToken.issue(user=analyst, name="script")
    assert token.last_used_at is None
    response = ApiClient(secret).get("/projects")
    assert [p["id"] for p in response.json()] == [project.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_browser_session_reads_without_a_token(analyst_client, project):
    response = analyst_client.get(f"{API}/projects")
    assert response.status_code == 200 and response.json()[0]["role"] == "analyst"


def test_the_browser_session_must_send_the_csrf_token_to_change_anything(client, analyst, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    refused = client.post(f"{API}/annotations", span_of(article), content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    assert not article.annotations.exists()

    client.get("/imports/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    created = client.post(
        f"{API}/annotations", span_of(article), content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert created.status_code == 201


def test_a_token_sent_under_another_scheme_is_told_how_to_send_it(analyst):
    _, secret = ApiToken.issue(user=analyst, name="script")
    response = Client().get(f"{API}/projects", headers={"Authorization": f"Token {secret}"})
    assert_unauthorised(response, "Authorization: Bearer <token>")
