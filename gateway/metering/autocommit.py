"""Money-moving work that is one statement, run with no transaction around it.

On PostgreSQL each step that moves money is one statement (see ``statements``), which the server
runs as its own transaction, atomic on its own: sent in autocommit mode it is one round trip,
where BEGIN, statement, COMMIT would be three. Concurrent requests' steps run on separate pooled
connections, and PostgreSQL's WAL flush already serves every commit waiting at that moment.
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa

from gateway.metering.group_commit import Work

T = TypeVar("T")


class Autocommit:
    """Runs ``work(cursor)`` alone, in autocommit mode, on a raw DBAPI connection from the pool."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def run(self, work: Work[T]) -> T:
        """``work``'s result, committed; its exception if it raised. ``work`` must be one
        statement: several would each commit on its own."""
        connection = self._engine.raw_connection()
        dbapi_connection = connection.dbapi_connection
        dialect = self._engine.dialect
        try:
            dialect.set_isolation_level(dbapi_connection, "AUTOCOMMIT")
            return work(connection.cursor())
        finally:
            try:
                dialect.reset_isolation_level(dbapi_connection)
            except Exception:  # a broken connection: the pool must never hand it out again
                connection.invalidate()
            connection.close()
