"""A production worker keeps its database connection between requests, and reconnects by itself
when the database dropped it (a restart, a terminated backend)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.config.servers import collect_static
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
APP = "connections-test-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    # Named, so that the server's connections are told from others to the test database (a live
    # server of an earlier browser test keeps one).
    return (
        f"postgres://{quote(db['USER'] or '')}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'])}?application_name={APP}"
    )


def server_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s", [APP]
        )
        return {pid for (pid,) in cursor.fetchall()}


@pytest.fixture
def production_server(transactional_db, tmp_path):
    port = free_port()
    # With DEBUG off pages name static files by the manifest collectstatic writes.
    collect_static(tmp_path / "static")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_worker_reuses_its_connection_and_reconnects_after_it_was_dropped(client, production_server):
    user = UserFactory(username="ana")
    article = ArticleFactory(title="Bridge reopening")
    MembershipFactory(project=article.project, user=user)
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    def article_list() -> str:
        request = urllib.request.Request(production_server + "/articles/", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            return response.read().decode()

    assert "Bridge reopening" in article_list()
    first = server_backends()
    assert len(first) == 1
    article_list()
    assert server_backends() == first  # the same backend served both requests

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(first))])
    assert "Bridge reopening" in article_list()
    again = server_backends()
    assert len(again) == 1 and again != first
