"""The kept connection's health check reads its socket instead of sending SELECT 1."""

import time

from django.db import connection, connections


def test_a_live_connection_is_usable_and_one_the_server_ended_is_not(transactional_db):
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        assert other.is_usable()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [other.connection.info.backend_pid])
        deadline = time.monotonic() + 5
        while other.is_usable() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not other.is_usable()
    finally:
        other.close()


def test_a_connection_in_a_failed_transaction_is_not_usable(transactional_db):
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        other.connection.autocommit = False
        try:
            other.connection.execute("SELECT 1 / 0")
        except Exception:  # noqa: BLE001 - the failure is the point
            pass
        assert not other.is_usable()
    finally:
        other.close()
