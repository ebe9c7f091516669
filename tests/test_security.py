"""Hostile input at the door: password guessing, forged proxy headers, readable cookies, and the
headers a production answer carries (tests/config/servers.py runs it as deployed)."""

import http.client
import re
import socket
import ssl
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.urls import reverse

import config.settings as production
from tests.config.servers import (
    caddy_ca,
    collect_static,
    database_url,
    production_env,
    start_caddy,
    start_gunicorn,
    stop,
)
from tests.conftest import log_in
from tests.factories import UserFactory

LOGIN = "/login/"


def attempt(client, username, password, address="127.0.0.1", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_right_password_is_refused_after_five_wrong_ones_with_a_page_that_says_when(client):
    UserFactory(username="ana", password="right-pass-123")
    for _ in range(4):
        assert attempt(client, "ana", "wrong").status_code == 200
    assert attempt(client, "ana", "wrong").status_code == 429  # the fifth locks

    response = attempt(client, "ana", "right-pass-123")

    assert response.status_code == 429
    assert not logged_in(client)
    assert "Too many failed attempts; try again in 15 minutes." in response.text
    assert '<form method="post"' in response.text and 'value="ana"' in response.text  # the login page itself
    assert response["Retry-After"] == "900"


@pytest.mark.django_db
def test_one_address_guessing_many_user_names_is_stopped(client):
    UserFactory(username="ana", password="right-pass-123")
    for n in range(5):
        attempt(client, f"guess{n}", "wrong", address="203.0.113.9")

    assert attempt(client, "ana", "right-pass-123", address="203.0.113.9").status_code == 429
    assert attempt(client, "ana", "right-pass-123", address="198.51.100.4").status_code == 302  # others still log in


@pytest.mark.django_db
def test_one_user_name_guessed_from_many_addresses_is_stopped(client):
    UserFactory(username="ana", password="right-pass-123")
    for n in range(5):
        attempt(client, "ana", "wrong", address=f"203.0.113.{n}")

    assert attempt(client, "ana", "right-pass-123", address="198.51.100.4").status_code == 429


@pytest.mark.django_db
def test_the_wait_shown_counts_down_from_the_last_failure_and_then_the_login_works(client):
    UserFactory(username="ana", password="right-pass-123")
    for _ in range(5):
        attempt(client, "ana", "wrong")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=6))

    response = attempt(client, "ana", "right-pass-123")
    assert "try again in 9 minutes" in response.text  # 15 minutes after the last failure, 6 of them gone

    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=10))
    assert attempt(client, "ana", "right-pass-123").status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(client, settings):
    settings.TRUSTED_PROXIES = ["10.9.9.9"]
    UserFactory(username="ana", password="right-pass-123")
    for n in range(5):
        attempt(client, f"guess{n}", "wrong", address="203.0.113.9", X_Forwarded_For=f"192.0.2.{n}")

    refused = attempt(client, "ana", "right-pass-123", address="203.0.113.9", X_Forwarded_For="192.0.2.200")
    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.django_db
def test_behind_the_trusted_proxy_each_client_is_counted_by_the_address_the_proxy_saw(client, settings):
    settings.TRUSTED_PROXIES = ["10.9.9.9"]
    UserFactory(username="ana", password="right-pass-123")
    for n in range(5):
        # What a client writes in X-Forwarded-For comes first; the proxy appends the address it saw.
        attempt(client, f"guess{n}", "wrong", address="10.9.9.9", X_Forwarded_For=f"192.0.2.{n}, 203.0.113.9")

    assert (
        attempt(client, "ana", "right-pass-123", address="10.9.9.9", X_Forwarded_For="203.0.113.9").status_code == 429
    )
    other_client = attempt(client, "ana", "right-pass-123", address="10.9.9.9", X_Forwarded_For="198.51.100.4")
    assert other_client.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_passwords_are_hashed_with_argon2_in_production():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_new_passwords_get_argon2_and_older_hashes_still_log_in_and_are_upgraded(client, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # tests/conftest.py picks MD5 for speed
    created = get_user_model().objects.create_user("new", password="right-pass-123")
    assert created.password.startswith("argon2$argon2id$")

    older = UserFactory(username="older")
    get_user_model().objects.filter(pk=older.pk).update(
        password=make_password("right-pass-123", hasher="pbkdf2_sha256")
    )
    assert attempt(client, "older", "right-pass-123").status_code == 302
    older.refresh_from_db()
    assert older.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_no_script_can_read_the_csrf_cookie(client):
    response = client.get(reverse("login"))
    assert response.cookies["csrftoken"]["httponly"] is True
    assert 'name="csrfmiddlewaretoken"' in response.text  # the page carries the token instead


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def deployed(transactional_db, tmp_path, static_root):
    """gunicorn with DEBUG off, trusting only Caddy in front of it (deploy/Caddyfile) with TLS."""
    env = production_env(
        database_url(connection.settings_dict),
        STATIC_ROOT=str(static_root),
        TRUSTED_PROXIES="127.0.0.1",
        FORWARDED_ALLOW_IPS="127.0.0.1",
    )
    gunicorn, app_port = start_gunicorn(env, tmp_path / "gunicorn.log")
    caddy, site_port, http_port = start_caddy(app_port, tmp_path, tls=True)
    yield SimpleNamespace(app_port=app_port, site_port=site_port, http_port=http_port, tls=caddy_ca(tmp_path))
    stop(caddy)
    stop(gunicorn)


def https_request(deployed, method, path, body=None, headers=None):
    """One request to the proxy over TLS, retried while Caddy is still issuing its certificate."""
    deadline = time.monotonic() + 15
    while True:
        conn = http.client.HTTPSConnection("127.0.0.1", deployed.site_port, context=deployed.tls, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            response.text = response.read().decode()
            return response
        except (ssl.SSLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            conn.close()


def cookies(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar


def test_production_answers_carry_the_security_headers_and_cookie_flags(deployed, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the server checks with its own hashers
    UserFactory(username="ana", password="right-pass-123")

    page = https_request(deployed, "GET", "/login/")

    assert page.status == 200
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    csrf = cookies(page)["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    origin = f"https://127.0.0.1:{deployed.site_port}"
    login = https_request(
        deployed,
        "POST",
        "/login/",
        body=urlencode({"username": "ana", "password": "right-pass-123", "csrfmiddlewaretoken": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf.value}",
            "Origin": origin,
            "Referer": origin + "/login/",
        },
    )
    assert login.status == 302, login.text
    session = cookies(login)["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_plain_http_is_sent_to_https_by_the_proxy_and_by_the_app(deployed):
    conn = http.client.HTTPConnection("127.0.0.1", deployed.http_port, timeout=10)
    conn.request("GET", "/login/", headers={"Host": f"127.0.0.1:{deployed.site_port}"})
    response = conn.getresponse()
    assert response.status in (301, 308)
    assert response.headers["Location"].startswith("https://127.0.0.1")

    # Straight to gunicorn from an address that is not the proxy, claiming HTTPS: not believed.
    direct = socket.create_connection(("127.0.0.1", deployed.app_port), timeout=10, source_address=("127.0.0.2", 0))
    direct.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
    answer = b""
    while chunk := direct.recv(65536):
        answer += chunk
    direct.close()
    assert answer.startswith(b"HTTP/1.1 301"), answer[:200]
    assert b"Location: https://127.0.0.1/login/" in answer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_scripts_on_the_page_see_neither_the_session_nor_the_csrf_cookie(page, live_server):
    UserFactory(username="ana")
    log_in(page, "ana")
    assert {cookie["name"] for cookie in page.context.cookies()} >= {"csrftoken", "sessionid"}
    assert page.evaluate("document.cookie") == ""
