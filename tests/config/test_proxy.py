"""Slow clients against the deployed stack: gunicorn's sync workers alone are held by them, Caddy
in front (deploy/Caddyfile) reads whole requests first and cuts off those too slow."""

import socket
import time

import pytest

from tests.config.servers import collect_static, production_env, start_caddy, start_gunicorn, stop

SLOW_CLIENTS = 6
# Generous waits for a loaded machine: what is asserted is that an answer (or a cut-off) comes
# at all, and while what it depends on still holds, never how soon.
DEADLINE = 60


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One gunicorn worker, as a worst case, behind Caddy twice: with a short header timeout,
    and with timeouts far longer than any wait of these tests."""
    folder = tmp_path_factory.mktemp("stack")
    collect_static(folder / "static")
    env = production_env(
        "postgres://unused/unused",  # the login page needs no database
        STATIC_ROOT=str(folder / "static"),
        SECURE_SSL_REDIRECT="0",
        TRUSTED_PROXIES="127.0.0.1",
    )
    gunicorn, app_port = start_gunicorn(env, folder / "gunicorn.log")
    caddy, site_port, _ = start_caddy(app_port, folder, tls=False, PROXY_HEADER_TIMEOUT="2s", PROXY_BODY_TIMEOUT="4s")
    patient_folder = folder / "patient"
    patient_folder.mkdir()
    patient, patient_port, _ = start_caddy(
        app_port, patient_folder, tls=False, PROXY_HEADER_TIMEOUT="300s", PROXY_BODY_TIMEOUT="300s"
    )
    yield app_port, site_port, patient_port
    stop(patient)
    stop(caddy)
    stop(gunicorn)


def slow_client(port: int, request: bytes) -> socket.socket:
    """A client that has sent only the start of its request, and will send the rest very slowly."""
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(request)
    return client


def login_page_within(port: int, seconds: float) -> int | None:
    """The status of a normal request, or None when no answer came in time."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=seconds) as client:
            client.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return int(client.recv(64).split()[1])
    except TimeoutError:
        return None


def still_connected(client: socket.socket) -> bool:
    """Whether the other end has neither closed nor answered this connection yet."""
    client.setblocking(False)
    try:
        client.recv(1, socket.MSG_PEEK)  # an answer (a refusal) or the end: not held any more
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        client.setblocking(True)


def slow_headers() -> bytes:
    return b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n"


def slow_body() -> bytes:
    return (
        b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 100000\r\n\r\nusername=ana&"
    )


@pytest.mark.parametrize("request_start", [slow_headers, slow_body], ids=["headers", "body"])
def test_slow_clients_hold_gunicorn_alone_but_not_behind_the_proxy(stack, request_start):
    app_port, _, patient_port = stack

    # Straight to gunicorn, the first slow client holds its only worker: nobody else is served.
    held = [slow_client(app_port, request_start()) for _ in range(SLOW_CLIENTS)]
    try:
        assert login_page_within(app_port, 2) is None
    finally:
        for client in held:
            client.close()

    # Through the proxy the same clients cost nothing: a normal request is answered while they
    # are all still connected, half-way through their requests (the proxy's timeouts are far
    # longer than the wait), so it is not their being cut off that let it through.
    held = [slow_client(patient_port, request_start()) for _ in range(SLOW_CLIENTS)]
    try:
        assert login_page_within(patient_port, DEADLINE) == 200
        assert all(still_connected(client) for client in held)
    finally:
        for client in held:
            client.close()


def test_the_proxy_cuts_off_a_client_that_sends_its_headers_too_slowly(stack):
    """A header line every half second, never the end: without its 2 s header timeout the proxy
    would read them for an hour before its header size limit, so a cut-off within the
    generous deadline is the timeout's."""
    _, site_port, _ = stack
    client = slow_client(site_port, slow_headers())
    client.settimeout(0.5)
    deadline = time.monotonic() + DEADLINE
    try:
        while time.monotonic() < deadline:
            client.sendall(b"X-More: 1\r\n")
            try:
                if client.recv(1024) == b"":
                    break  # closed by the proxy
            except TimeoutError:
                pass
        else:
            pytest.fail(f"the proxy kept reading headers for {DEADLINE} s")
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed by the proxy, noticed while sending
    finally:
        client.close()
