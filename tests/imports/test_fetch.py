"""URL import against a real HTTP server on this machine."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.imports.fetch import read_url
from apps.imports.store import import_items

PAGE = """<!doctype html><html lang="en"><head><title>Council approves budget</title>
<meta name="author" content="Jane Roe"><meta property="og:site_name" content="Town Gazette"></head>
<body><nav>Home | Sports</nav><article><h1>Council approves budget</h1>
<p>The town council approved the 2026 budget on Tuesday after a debate that lasted four hours.</p>
<p>“We kept every school open,” said the mayor, Anna Berg, after the vote of 9 to 4.</p></article>
<script>alert(1)</script></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        routes = {
            "/article": lambda: self.reply(200, PAGE.encode(), "text/html; charset=utf-8"),
            "/plain": lambda: self.reply(200, b"A plain text note about the harbour, long enough.", "text/plain"),
            "/moved": lambda: self.redirect("/article"),
            "/loop": lambda: self.redirect("/loop"),
            "/to-metadata": lambda: self.redirect("http://169.254.169.254/latest/meta-data/"),
            "/missing": lambda: self.reply(404, b"no", "text/plain"),
            "/huge": lambda: self.reply(200, b"word " * 400_000, "text/plain"),
            "/slow": self.trickle,
            "/binary": lambda: self.reply(200, b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8, "text/plain"),
        }
        routes.get(self.path, lambda: self.reply(404, b"", "text/plain"))()

    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.end_headers()

    def trickle(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        for _ in range(30):
            self.wfile.write(b"slow words ")
            self.wfile.flush()
            time.sleep(0.1)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def local_allowed(settings):
    settings.IMPORT_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    settings.IMPORT_MAX_BYTES = 1_000_000
    settings.IMPORT_URL_TIMEOUT = 1


def refusal(url):
    [item] = read_url(url)
    assert item.draft is None
    return item.error


def test_page_is_imported_with_its_metadata_and_without_markup(project, site, local_allowed):
    [outcome] = import_items(project=project, items=read_url(f"{site}/moved"))
    article = outcome.article
    assert outcome.status == "imported"
    assert article.url == f"{site}/article"  # where the redirect led
    assert (article.title, article.author, str(article.publisher), article.language) == (
        "Council approves budget",
        "Jane Roe",
        "Town Gazette",
        "en",
    )
    assert "alert" not in article.text and "Sports" not in article.text
    assert "said the mayor, Anna Berg" in article.text


def test_plain_text_pages_are_imported_as_text(project, site, local_allowed):
    [outcome] = import_items(project=project, items=read_url(f"{site}/plain"))
    assert outcome.article.text == "A plain text note about the harbour, long enough."


def test_local_addresses_are_refused_by_default(site):
    assert "private or local network" in refusal(f"{site}/article")
    assert "private or local network" in refusal("http://[::1]/")
    assert "private or local network" in refusal("http://169.254.169.254/latest/meta-data/")


def test_every_redirect_hop_is_checked(site, local_allowed):
    assert "private or local network" in refusal(f"{site}/to-metadata")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/loop", "redirected more than 3 times"),
        ("/missing", "answered 404"),
        ("/huge", "larger than 976.6\xa0KB"),
        ("/slow", "took too long"),
        ("/binary", "binary file"),
    ],
)
def test_bad_pages_are_refused_with_a_reason(site, local_allowed, path, message):
    assert message in refusal(f"{site}{path}")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x", "javascript:alert(1)"])
def test_other_schemes_are_refused(url):
    assert "Only http:// and https://" in refusal(url)


def test_unknown_host_is_refused():
    assert "could not be found" in refusal("http://no-such-host.invalid/")


def test_the_connection_goes_to_the_address_that_was_checked(project, site, local_allowed, monkeypatch):
    """The name is resolved once: a second, different DNS answer can never be what is connected to."""
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def one_answer_then_internal(host, *args, **kwargs):
        if host != "news.test":
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        answer = "127.0.0.1" if len(lookups) == 1 else "10.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, int(site.rsplit(":", 1)[1])))]

    monkeypatch.setattr(socket, "getaddrinfo", one_answer_then_internal)
    port = site.rsplit(":", 1)[1]
    [outcome] = import_items(project=project, items=read_url(f"http://news.test:{port}/article"))
    assert outcome.status == "imported" and lookups == ["news.test"]
