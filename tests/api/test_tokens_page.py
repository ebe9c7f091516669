"""The user's API tokens page: a token is shown once, kept only as a digest, and revocable."""

import hashlib

from django.test import Client

from apps.api.models import ApiToken
from tests.api.conftest import ApiClient
from tests.conftest import client_for


def create_token(client, name="nightly export"):
    response = client.post("/api/tokens/", {"name": name})
    assert response.status_code == 201
    token = ApiToken.objects.get(name=name)
    return response, token


def test_the_user_menu_links_to_the_tokens_page(analyst_client):
    assert 'href="/api/tokens/"' in analyst_client.get("/articles/").content.decode()


def test_the_tokens_page_needs_a_signed_in_user(db):
    response = Client().get("/api/tokens/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_a_new_token_is_shown_once_and_stored_only_as_its_digest(analyst_client, analyst):
    response, token = create_token(analyst_client)
    secret = response.context["secret"]
    html = response.content.decode()
    assert secret.startswith("st_") and len(secret) > 40
    assert secret in html and "shown only this once" in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    assert token.user == analyst and token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values_list(flat=False).get()]
    assert not any(secret in value for value in stored), "the secret itself is stored nowhere"
    assert secret.startswith(token.visible_prefix) and len(token.visible_prefix) == 11

    again = analyst_client.get("/api/tokens/").content.decode()
    assert secret not in again
    assert token.visible_prefix in again and "nightly export" in again and "never" in again


def test_a_token_needs_a_name(analyst_client):
    response = analyst_client.post("/api/tokens/", {"name": ""})
    assert response.status_code == 422 and not ApiToken.objects.exists()


def test_a_revoked_token_is_refused_and_shown_as_revoked(analyst_client):
    response, token = create_token(analyst_client)
    api = ApiClient(response.context["secret"])
    assert api.get("/projects").status_code == 200

    revoked = analyst_client.post(f"/api/tokens/{token.pk}/revoke/", follow=True)
    assert "is revoked" in revoked.content.decode() and "revoked 20" in revoked.content.decode()
    assert api.get("/projects").status_code == 401


def test_nobody_revokes_or_sees_another_users_token(client, analyst, other_analyst):
    token, _ = ApiToken.issue(user=analyst, name="analyst1-laptop")
    client_for(client, other_analyst)
    assert "analyst1-laptop" not in client.get("/api/tokens/").content.decode()
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert not token.revoked


def test_token_names_are_shown_as_text(analyst_client):
    create_token(analyst_client, name="<script>alert(1)</script>")
    html = analyst_client.get("/api/tokens/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
