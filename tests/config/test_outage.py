"""While PostgreSQL is down the app answers 503 with Retry-After, fast, and serves again by itself
once it is back; a change committed before the database failed is reported as saved."""

import json
import re
import signal
import time

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.api.models import ApiToken
from tests.api.conftest import api_client_for
from tests.config.servers import Browser, collect_static, postmaster, start_gunicorn, stop
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

# How long a client of these tests waits for any answer: far more than the few seconds an outage
# may take to be noticed, far less than waiting for good.
CLIENT_TIMEOUT = 30
# Generous deadlines for a condition to come true on a loaded machine.
DEADLINE = 60


def wait_for_status(browser: Browser, path: str, status: int) -> int:
    """Request `path` until it answers `status` or the deadline passes; return the last status."""
    deadline = time.monotonic() + DEADLINE
    while True:
        answer = browser.request("GET", path, timeout=CLIENT_TIMEOUT).status
        if answer == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_pages_answer_503_while_the_database_is_down_and_200_again_once_it_is_back(
    private_database, data_dir, tmp_path_factory, tmp_path
):
    server, env = private_database
    static_root = tmp_path_factory.mktemp("static")
    collect_static(static_root)
    gunicorn, port = start_gunicorn(env | {"STATIC_ROOT": str(static_root)}, tmp_path / "gunicorn.log")
    try:
        browser = Browser(port)
        browser.request("GET", "/login/")
        assert browser.request("POST", "/login/", form={"username": "ana", "password": "right-pass-123"}).status == 302
        assert browser.request("GET", "/articles/").status == 200

        # PostgreSQL's fast shutdown: pg_ctl refuses to run as root, so signal the postmaster.
        database = postmaster(data_dir)
        database.send_signal(signal.SIGINT)
        database.wait(timeout=30)

        # An answer at all within the client's patience, and the outage's: a request waits at
        # most DATABASE_CONNECT_TIMEOUT (3 s) for the database, instead of the system's timeout.
        page = browser.request("GET", "/articles/", timeout=CLIENT_TIMEOUT)
        assert page.status == 503
        assert page.headers["Retry-After"] == "5"
        assert page.headers["Cache-Control"] == "no-store"
        assert "The database is unavailable" in page.text and "<html" in page.text

        fragment = browser.request("GET", "/articles/", headers={"HX-Request": "true"})
        assert fragment.status == 503
        assert fragment.headers["HX-Retarget"] == "#messages"
        assert "<html" not in fragment.text and "The database is unavailable" in fragment.text

        change = browser.request("POST", "/imports/", form={"text": "A pasted article."})
        assert change.status == 503
        assert "your last change may not have been saved" in change.text

        # The API refuses in its own shape, JSON, like every other refusal of the API.
        for method, path in (("GET", "/api/v1/projects"), ("POST", "/api/v1/sources")):
            answer = browser.request(method, path, form={} if method == "POST" else None)
            assert answer.status == 503, answer.text
            assert answer.headers["Content-Type"] == "application/json"
            assert answer.headers["Retry-After"] == "5"
            body = json.loads(answer.text)
            assert body["errors"] == [] and "The database is unavailable" in body["message"]
        assert "may not have been saved" in body["message"]  # the POST's

        with server._lock:  # the wheel's own start, under its lock, in the same folder and socket
            server.ensure_postgres_running()
        assert wait_for_status(browser, "/articles/", 200) == 200
        assert gunicorn.poll() is None  # the same server, not restarted
        assert browser.request("GET", "/articles/").status == 200
    finally:
        stop(gunicorn)
        server.cleanup()  # the wheel stops it as its last client


def test_with_the_pool_pages_answer_503_while_the_database_is_down_and_200_again_once_it_is_back(
    private_database, data_dir, tmp_path_factory, tmp_path
):
    """psycopg's pool waits for a connection as long as a direct connection may take to fail
    (DATABASE_CONNECT_TIMEOUT, tested in test_setup.py), then the outage is answered with 503."""
    server, env = private_database
    static_root = tmp_path_factory.mktemp("static")
    collect_static(static_root)
    env = env | {"STATIC_ROOT": str(static_root), "DATABASE_POOL": "1"}
    gunicorn, port = start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        browser = Browser(port)
        browser.request("GET", "/login/")
        assert browser.request("POST", "/login/", form={"username": "ana", "password": "right-pass-123"}).status == 302
        assert browser.request("GET", "/articles/").status == 200

        database = postmaster(data_dir)
        database.send_signal(signal.SIGINT)
        database.wait(timeout=30)

        # An answer at all, and the outage's: the pool gives up on a connection after
        # DATABASE_CONNECT_TIMEOUT (test_setup.py), rather than holding the request.
        page = browser.request("GET", "/articles/", timeout=CLIENT_TIMEOUT)
        assert page.status == 503, page.text
        assert page.headers["Retry-After"] == "5"

        with server._lock:
            server.ensure_postgres_running()
        assert wait_for_status(browser, "/articles/", 200) == 200
        assert gunicorn.poll() is None
    finally:
        stop(gunicorn)
        server.cleanup()


class TerminateAfterCommit:
    """Cut the connection from the server side at the first statement after a write committed."""

    def __init__(self):
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        db = context["connection"]
        if self.wrote and not db.in_atomic_block:
            dsn = {k: v for k, v in db.get_connection_params().items() if k in {"host", "port", "user", "dbname"}}
            with psycopg.connect(**dsn, autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [db.connection.info.backend_pid])
            self.wrote = False
        result = execute(sql, params, many, context)
        # Committed once its transaction ends, or at once when it ran alone (autocommit).
        self.wrote = self.wrote or sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
        return result


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_before_the_database_failed_is_reported_as_saved(client):
    user = UserFactory(username="ana")
    article = ArticleFactory(text="The minister said the bridge would reopen in May.")
    MembershipFactory(project=article.project, user=user)
    client.force_login(user)

    with connection.execute_wrapper(TerminateAfterCommit()):
        response = client.post(
            reverse("annotations:create", args=[article.pk]),
            {"kind": "claim", "start": 4, "end": 12, "exact": "minister"},
            headers={"HX-Request": "true"},
        )
    connection.close()  # the test's connection was the one cut

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#messages"
    assert re.search(r"Your change was saved, but the page could not be updated\s+because the database", response.text)
    assert Annotation.objects.filter(article=article, start=4, end=12).exists()


@pytest.mark.django_db(transaction=True)
def test_an_api_change_committed_before_the_database_failed_is_reported_as_saved_in_json(settings):
    settings.DEBUG = True  # the API's own error handling differs with DEBUG on (make run)
    user = UserFactory(username="ana")
    article = ArticleFactory(text="The minister said the bridge would reopen in May.")
    MembershipFactory(project=article.project, user=user)
    annotation = AnnotationFactory(article=article, created_by=user)
    api = api_client_for(user)
    ApiToken.objects.update(last_used_at=timezone.now())  # noted already: its next use writes nothing

    with connection.execute_wrapper(TerminateAfterCommit()):
        response = api.post(f"/annotations/{annotation.pk}/submit")  # the answer reads the annotation again
    connection.close()  # the test's connection was the one cut

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["errors"] == [] and body["message"].startswith("Your change was saved, but the answer could not")
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_noting_an_api_tokens_use_is_not_taken_for_the_change_asked_for():
    """The token's "last used" is written before the call's change: an outage between the two
    leaves the change unmade, and the client is told so."""
    user = UserFactory(username="ana")
    article = ArticleFactory(text="The minister said the bridge would reopen in May.")
    MembershipFactory(project=article.project, user=user)
    annotation = AnnotationFactory(article=article, created_by=user)
    api = api_client_for(user)  # never used: this call notes its use

    with connection.execute_wrapper(TerminateAfterCommit()):
        response = api.post(f"/annotations/{annotation.pk}/submit")
    connection.close()

    assert response.status_code == 503
    assert "your change may not have been saved" in response.json()["message"]
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.DRAFT
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_a_statement_refused_by_a_running_database_is_not_called_an_outage(client):
    """A statement timeout is an OperationalError too, but the database is there: the usual 500."""
    client.force_login(UserFactory(username="ana", is_superuser=True))
    client.raise_request_exception = False
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")  # the test's transaction only

    def slow(execute, sql, params, many, context):
        execute("SELECT pg_sleep(1)", None, False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(slow):
        response = client.get(reverse("articles:list"))
    assert response.status_code == 500
