"""Importing a web page again: a changed text is the article's next version, the same text a duplicate."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.imports.fetch import read_url
from apps.imports.store import import_items
from apps.stories.models import Anchoring
from tests.stories.test_versions import mark

PAGES = {}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGES.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def local_allowed(settings):
    settings.IMPORT_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    settings.IMPORT_URL_TIMEOUT = 2


FIRST = "The harbour reopens on Monday, the port authority said.\nShips wait outside until then."
CHANGED = "The harbour reopens on Tuesday, the port authority said.\nShips wait outside until then."


def test_a_changed_page_becomes_the_next_version_and_the_same_one_stays_a_duplicate(
    project, analyst, site, local_allowed
):
    PAGES["/harbour"] = FIRST
    [first] = import_items(project=project, items=read_url(f"{site}/harbour"), user=analyst)
    assert first.status == "imported"
    annotation = mark(first.article, analyst, "Ships wait outside", Annotation.Kind.FACT)

    [again] = import_items(project=project, items=read_url(f"{site}/harbour"), user=analyst)
    assert again.status == "duplicate"
    assert again.article_id == first.article.pk

    PAGES["/harbour"] = CHANGED
    [changed] = import_items(project=project, items=read_url(f"{site}/harbour"), user=analyst)
    assert changed.status == "imported"
    assert "next version" in changed.message and "1 exact" in changed.message
    new = Article.objects.get(pk=changed.article_id)
    assert new.replaces_id == first.article.pk
    assert new.text == CHANGED
    assert Anchoring.objects.get(origin=annotation).annotation.article_id == new.pk

    # Changed again: the version after that replaces the latest, not the first.
    PAGES["/harbour"] = CHANGED + "\nA correction was added."
    [third] = import_items(project=project, items=read_url(f"{site}/harbour"), user=analyst)
    assert Article.objects.get(pk=third.article_id).replaces_id == new.pk
    # And the first text again is a duplicate of the first version, not a fourth one.
    PAGES["/harbour"] = FIRST
    [back] = import_items(project=project, items=read_url(f"{site}/harbour"), user=analyst)
    assert (back.status, back.article_id) == ("duplicate", first.article.pk)


def test_a_file_sharing_an_address_is_no_version(project, analyst, site, local_allowed):
    PAGES["/front"] = FIRST
    [first] = import_items(project=project, items=read_url(f"{site}/front"), user=analyst)
    items = list(read_url(f"{site}/front"))
    items[0].draft.fetched = False  # as a JSON line naming the same address would be
    items[0].draft.parsed.text = CHANGED
    items[0].draft.digest = "another"
    [other] = import_items(project=project, items=items, user=analyst)
    assert other.status == "imported"
    assert Article.objects.get(pk=other.article_id).replaces_id is None
    assert first.article.pk != other.article_id
