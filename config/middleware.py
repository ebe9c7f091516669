"""Middleware for what happens around the app: the reverse proxy in front, the database behind."""

import ipaddress
import logging
import re
from contextlib import contextmanager
from functools import cache

import psycopg
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger("django.request")

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")
# Seconds a client is asked to wait before trying again while the database is down.
RETRY_AFTER = 5
# SQLSTATE classes of a database that cannot be reached, as opposed to one refusing a statement:
# 08 connection exceptions, 57P01-57P03 a server shutting down, crashed or starting up. A
# failure before the server said anything has no SQLSTATE at all.
OUTAGE_SQLSTATES = re.compile(r"08...|57P0[123]")
# Requests under this path are the JSON API's: they are answered in JSON, refusals included.
API_PATH = "/api/v1/"
WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


@cache
def networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks(tuple(settings.TRUSTED_PROXIES)))


class TrustedProxyMiddleware:
    """Believe X-Forwarded-* headers only from the reverse proxy (settings.TRUSTED_PROXIES).

    From the proxy, REMOTE_ADDR becomes the client it names, so the login throttle and the logs
    see the client; from anyone else the headers are dropped, so a client can neither pose as
    another address nor claim HTTPS it did not use (SECURE_PROXY_SSL_HEADER reads them).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if is_trusted_proxy(meta.get("REMOTE_ADDR", "")):
            # Each proxy appends the address it saw, so the last entry not itself a proxy is the
            # client; whatever the client wrote in the header stands before it.
            hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
            while hops and is_trusted_proxy(hops[-1]):
                hops.pop()
            if hops:
                meta["REMOTE_ADDR"] = hops[-1]
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)


def client_address(request) -> str | None:
    """The client's address for the login throttle (REMOTE_ADDR, set by TrustedProxyMiddleware)."""
    return request.META.get("REMOTE_ADDR")


class WriteTracker:
    """Note whether a request's change reached the database for good.

    A statement that changes rows counts once it succeeded outside a transaction, or once the
    transaction it ran in committed (a rolled-back one drops its on_commit callback). Rows
    written with COPY are not seen; such a request is told its change may not have been saved.
    """

    def __init__(self):
        self.committed = False
        self.paused = False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.paused and WRITE_STATEMENT.match(sql):
            connection = context["connection"]
            if connection.in_atomic_block:
                connection.on_commit(self.note_commit)
            else:
                self.note_commit()
        return result

    def note_commit(self):
        self.committed = True


@contextmanager
def bookkeeping(request):
    """Writes made inside are the app's own records (when a token was last used), not the change
    the request asks for: an outage right after them is not reported as a saved change."""
    writes = getattr(request, "database_writes", None)
    if writes is None:
        yield
        return
    paused, writes.paused = writes.paused, True
    try:
        yield
    finally:
        writes.paused = paused


def is_database_outage(error: BaseException) -> bool:
    """Tell a database that cannot be reached from one that refused a statement (a timeout, a deadlock)."""
    if not isinstance(error, OperationalError | InterfaceError | psycopg.OperationalError | psycopg.InterfaceError):
        return False
    cause = error.__cause__ if isinstance(error.__cause__, psycopg.Error) else error
    if isinstance(cause, psycopg.InterfaceError):
        return True  # the connection was already closed
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or bool(OUTAGE_SQLSTATES.fullmatch(sqlstate))


class DatabaseOutageMiddleware:
    """Answer 503 with Retry-After while the database cannot be reached, instead of a 500.

    The connection is checked before each request reuses it (CONN_HEALTH_CHECKS) and
    connect_timeout bounds each attempt, so requests fail fast while the database is down and
    the first request after it is back connects again. A change the database committed before
    the failure is reported as saved, whatever went wrong while the page was drawn afterwards.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        request.database_writes = WriteTracker()
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(request.database_writes):
            return self.get_response(request)

    def process_exception(self, request, exception):
        return failure_response(request, exception)


def failure_response(request, exception) -> HttpResponse | None:
    """The answer to `exception` when it is an outage or came after a committed change, else None."""
    if isinstance(exception, Http404 | PermissionDenied | BadRequest | SuspiciousOperation):
        return None  # a refusal with its own status, not a failure
    writes = getattr(request, "database_writes", None)
    if writes is not None and writes.committed:
        logger.error(
            "Change saved, page not drawn: %s %s",
            request.method,
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return outage_response(request, status=200, saved=True, outage=is_database_outage(exception))
    if not is_database_outage(exception):
        return None
    logger.warning("Database unavailable: %s %s: %s", request.method, request.path, exception)
    response = outage_response(request, status=503, saved=False, outage=True, change=writes is not None)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def outage_response(request, *, status: int, saved: bool, outage: bool, change: bool = True) -> HttpResponse:
    """Render templates/503.html, which needs neither the database nor the session nor the user.

    htmx requests get the message alone, placed in the page's message area; the API's clients
    get it in the API's error shape (apps/api/errors.py).
    """
    if request.path_info.startswith(API_PATH):
        from apps.api.errors import error_body  # the API's modules read the database's models

        response = JsonResponse(
            error_body(api_outage_message(saved=saved, outage=outage, change=change)), status=status
        )
        response["Cache-Control"] = "no-store"
        return response
    htmx = request.headers.get("HX-Request") == "true"
    context = {"saved": saved, "outage": outage, "change": change, "retry_after": RETRY_AFTER}
    template = "503.html#outage-message" if htmx else "503.html"
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = "no-store"
    if htmx:
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    return response


def api_outage_message(*, saved: bool, outage: bool, change: bool) -> str:
    """templates/503.html's message, for a client of the API."""
    if saved:
        cause = " because the database became unavailable" if outage else ""
        when = " once the database is back" if outage else ""
        return f"Your change was saved, but the answer could not be made{cause}. Read it again{when} to see it."
    if change:
        return (
            "The database is unavailable, so your change may not have been saved. Once the database is back "
            f"(try again in {RETRY_AFTER} seconds), read it again and check it before repeating the change."
        )
    return f"The database is unavailable for the moment; try again in {RETRY_AFTER} seconds."
