"""Fetch an article from the web without letting a URL reach into the server's own network."""

import functools
import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from apps.imports.readers import ReadItem, read_upload

MAX_REDIRECTS = 3
USER_AGENT = "Sourcetrace/0.1 (+article import)"


class FetchRefused(ValueError):
    pass


def check_address(url: str) -> str:
    """Refuse schemes other than http(s) and hosts that resolve to internal addresses.

    Return the checked IP address: the request must connect to it and not resolve the name
    again, or a DNS answer that changes in between could lead it into the internal network.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchRefused("Only http:// and https:// addresses can be imported.")
    if not parts.hostname:
        raise FetchRefused("The address has no host name.")
    try:
        infos = socket.getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        raise FetchRefused(f"The host “{parts.hostname}” could not be found.") from None
    allowed = [ipaddress.ip_network(network) for network in settings.IMPORT_ALLOWED_PRIVATE_NETWORKS]
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if any(address in network for network in allowed):
            continue
        if not address.is_global or address.is_multicast:
            raise FetchRefused(f"“{parts.hostname}” points into a private or local network; it cannot be imported.")
    return infos[0][4][0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def connect(self):
        # The certificate is still checked against the host name.
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, request):
        return self.do_open(functools.partial(_PinnedHTTPConnection, address=self.address), request)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def https_open(self, request):
        return self.do_open(
            functools.partial(_PinnedHTTPSConnection, address=self.address), request, context=self._context
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # each hop is checked by fetch() before it is followed


def fetch(url: str) -> tuple[str, bytes, str]:
    """Return (final url, body, content type), checking the address of every redirect hop."""
    limit = settings.IMPORT_MAX_BYTES
    for _ in range(MAX_REDIRECTS + 1):
        address = check_address(url)
        # No proxy from the environment: the checked address is the one connected to.
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirects, _PinnedHTTPHandler(address), _PinnedHTTPSHandler(address)
        )
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            response = opener.open(request, timeout=settings.IMPORT_URL_TIMEOUT)
        except urllib.error.HTTPError as error:
            if error.code in {301, 302, 303, 307, 308} and error.headers.get("Location"):
                url = urljoin(url, error.headers["Location"])
                continue
            raise FetchRefused(f"The server answered {error.code} {error.reason}.") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise FetchRefused(f"The page could not be fetched: {reason}.") from None
        with response:
            body = read_limited(response, limit, deadline=time.monotonic() + settings.IMPORT_URL_TIMEOUT)
            return url, body, response.headers.get_content_type()
    raise FetchRefused(f"The address redirected more than {MAX_REDIRECTS} times.")


def read_limited(response, limit: int, deadline: float) -> bytes:
    """Read the body in chunks: a server trickling bytes must not hold the import for ever."""
    chunks, size = [], 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise FetchRefused(f"The page is larger than {filesizeformat(limit)}.")
        if time.monotonic() > deadline:
            raise FetchRefused("The page took too long to arrive.")
        chunks.append(chunk)
    return b"".join(chunks)


def read_url(url: str) -> Iterator[ReadItem]:
    try:
        final_url, body, content_type = fetch(url)
    except FetchRefused as refusal:
        yield ReadItem(url, error=str(refusal))
        return
    name = "page.html" if content_type in {"text/html", "application/xhtml+xml"} else "page.txt"
    for item in read_upload(name, body):
        item.label = url
        if item.draft:
            item.draft.url = item.draft.url or final_url
            item.draft.original_name = url
            item.draft.fetched = True
        yield item
