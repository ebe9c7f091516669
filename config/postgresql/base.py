"""Django's PostgreSQL backend, with a health check that costs no round trip to the server."""

import select

from django.db.backends.postgresql import base
from psycopg import pq

USABLE_STATES = (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        """Whether the kept connection still works, told by its socket instead of by a SELECT 1.

        Django checks a connection before each request reuses it (CONN_HEALTH_CHECKS); with
        SELECT 1 that was a round trip of every request's few. A server that ends the
        connection (a restart, pg_terminate_backend, an idle timeout) sends its farewell and
        closes it, so the socket turns readable; between statements nothing else arrives
        unasked. A readable socket is taken as ended, and the connection is opened again. A
        server that vanished without closing it (its machine lost) is found by the request's
        first statement instead, which fails (the 503 page); the next request connects again.
        """
        connection = self.connection
        if connection is None or connection.closed:
            return False
        info = connection.info
        if info.status != pq.ConnStatus.OK or info.transaction_status not in USABLE_STATES:
            return False
        # poll, not select: select refuses descriptors above 1023, as a busy process may hold.
        poller = select.poll()
        try:
            poller.register(connection.fileno(), select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False
