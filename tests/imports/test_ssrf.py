"""A URL import never reaches inside: a canary server on a private address counts every request
that arrives, and each spelling of an internal address, direct or through a redirect, is
refused with a message while the canary stays untouched."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.imports.fetch import read_url


class Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        Canary.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"internal secrets of the server, long enough to be an article " * 3)

    def log_message(self, *args):
        pass


class Redirector(BaseHTTPRequestHandler):
    """A public-looking page that sends the fetch on to wherever its path says."""

    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.path[len("/to/") :])
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(address, handler):
    server = ThreadingHTTPServer((address, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def canary():
    server = serve("127.0.0.2", Canary)
    yield server.server_port
    server.shutdown()


@pytest.fixture(scope="module")
def redirector():
    server = serve("127.0.0.1", Redirector)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def only_the_redirector_is_allowed(settings):
    # The redirector stands for the public internet; nothing else local is reachable.
    settings.IMPORT_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    settings.IMPORT_URL_TIMEOUT = 2


def internal_addresses(port):
    return [
        f"http://127.0.0.2:{port}/",
        f"http://127.2:{port}/",  # short dotted form
        f"http://2130706434:{port}/",  # one decimal number
        f"http://0x7f000002:{port}/",  # hexadecimal
        f"http://0177.0.0.2:{port}/",  # octal
        f"http://[::ffff:127.0.0.2]:{port}/",  # IPv4 inside IPv6
        f"http://localhost:{port}/",
        f"http://LOCALHOST.:{port}/",
        f"http://[::1]:{port}/",
        f"http://0.0.0.0:{port}/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://[fe80::1]/",
        "http://100.64.0.1/",  # carrier-grade NAT
    ]


def test_internal_addresses_are_refused_and_never_reached(canary, only_the_redirector_is_allowed):
    Canary.hits.clear()
    for url in internal_addresses(canary):
        [item] = read_url(url)
        assert item.draft is None, url
        assert item.error, url
    assert Canary.hits == []


def test_redirects_to_internal_addresses_are_refused_and_never_reached(
    canary, redirector, only_the_redirector_is_allowed
):
    Canary.hits.clear()
    for url in internal_addresses(canary):
        [item] = read_url(f"{redirector}/to/{url}")
        assert item.draft is None, url
        assert "private or local network" in item.error or "could not be" in item.error, (url, item.error)
    assert Canary.hits == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.2/", "gopher://127.0.0.2:70/", "dict://127.0.0.2:11211/", "jar:http://x/"],
)
def test_other_schemes_are_refused(url, only_the_redirector_is_allowed):
    [item] = read_url(url)
    assert item.draft is None
    assert "Only http:// and https://" in item.error


def test_the_canary_does_answer_when_allowed(canary, settings):
    """The canary is reachable at all, so its silence above means the fetch was refused."""
    settings.IMPORT_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    Canary.hits.clear()
    [item] = read_url(f"http://127.0.0.2:{canary}/page")
    assert item.draft is not None
    assert Canary.hits == ["/page"]
