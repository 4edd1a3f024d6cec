"""One SQLAlchemy engine per ledger, tuned per backend.

SQLite: WAL lets readers run beside the single writer, and ``synchronous=NORMAL`` in WAL mode
syncs at checkpoints instead of at every commit (a power cut may lose the last commits, never
corrupt the file). sqlite3 opens every write transaction itself, as ``BEGIN IMMEDIATE``, just
before the first INSERT/UPDATE/DELETE: the write lock is taken up front, so concurrent writers
queue on the busy timeout instead of failing on a lock upgrade, and reads (single statements
throughout the ledger) run without any BEGIN. Letting the driver emit it costs nothing; emitting it
through SQLAlchemy would cost a whole statement execution per transaction. The commit that takes
the WAL past SQLite's checkpoint threshold (1000 pages, about every hundred metered requests)
copies it back and syncs the file: that one request pays a few milliseconds, which is the p99.

PostgreSQL: the default READ COMMITTED isolation is enough, because every balance check is part
of the UPDATE that moves the money; reads, and the money-moving steps (one statement each), run in
autocommit mode; psycopg prepares statements it sees repeatedly by itself.
"""

from __future__ import annotations

import os
import sqlite3
import time
import weakref
from pathlib import Path
from tempfile import TemporaryDirectory

import sqlalchemy as sa

SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLITE_PRAGMAS = ("synchronous=NORMAL", "foreign_keys=ON")
_WAL_RETRY_SECONDS = 0.005
# PostgreSQL advisory lock held while creating the schema.
_SCHEMA_LOCK_ID = 0x6C6564676572


def file_backed(url: str) -> tuple[str, TemporaryDirectory[str] | None]:
    """``url``, except that an in-memory SQLite URL (``sqlite://``) becomes a file in a new private
    temporary directory, returned too so that its owner can delete it.

    An in-memory database belongs to one connection, so a pool of them would be as many separate
    ledgers; a throwaway file gives the same single ledger, locks and WAL as a configured one.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database not in (None, "", ":memory:"):
        return url, None
    scratch = TemporaryDirectory(prefix="gateway-ledger-")
    database = str(Path(scratch.name) / "ledger.sqlite3")
    return parsed.set(database=database).render_as_string(hide_password=False), scratch


def create_ledger_engine(url: str) -> sa.Engine:
    """An engine for ``url``, a SQLite file or PostgreSQL (see ``file_backed`` for memory URLs)."""
    if sa.make_url(url).get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "isolation_level": "IMMEDIATE"}
        )
        sa.event.listen(engine, "connect", _set_pragmas)
    else:
        engine = sa.create_engine(url)
    _forget_connections_after_fork(engine)
    return engine


def _forget_connections_after_fork(engine: sa.Engine) -> None:
    """A worker forked from the process that built the ledger (gunicorn ``--preload``) must open
    its own connections: a connection used by two processes corrupts both sessions."""
    engine_ref = weakref.ref(engine)

    def forget() -> None:
        forked = engine_ref()
        if forked is not None:
            forked.dispose(close=False)

    os.register_at_fork(after_in_child=forget)


def reader(engine: sa.Engine) -> sa.Engine:
    """The engine for the ledger's reads, every one of which is a single statement.

    On PostgreSQL they run in autocommit mode: one round trip instead of BEGIN, SELECT, ROLLBACK.
    SQLite reads already run without a BEGIN (and changing the isolation level there would undo
    ``BEGIN IMMEDIATE`` when the connection went back to the pool).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _set_pragmas(dbapi_connection: sqlite3.Connection, _connection_record: object) -> None:
    _use_wal(dbapi_connection)
    for pragma in SQLITE_PRAGMAS:
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _use_wal(dbapi_connection: sqlite3.Connection) -> None:
    """Puts the file in WAL mode, which SQLite stores in the file: a no-op but for a new file.

    Connections opening a new file together race to convert it, and SQLite tells the losers
    "database is locked" at once instead of waiting on the busy timeout, so they try again.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


def take_schema_lock(conn: sa.Connection) -> None:
    """Makes concurrent ``create_schema`` calls from several processes run one after the other."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK_ID)))
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
