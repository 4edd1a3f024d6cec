"""Fixtures that run every ledger test on SQLite and on PostgreSQL.

PostgreSQL is the shared ``test`` database (override with ``GATEWAY_TEST_POSTGRES_URL``); each
test gets its own table prefix under one random prefix per session, drops its tables when it
ends, and the session drops anything left under its prefix. It is skipped, with the reason, only
when the server cannot be reached.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from gateway.metering import Ledger

POSTGRES_URL = os.environ.get(
    "GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SESSION_PREFIX = f"t{uuid.uuid4().hex[:8]}_"
_test_numbers = itertools.count()


def _postgres_unreachable() -> str | None:
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL at {engine.url.render_as_string(hide_password=True)} is unreachable: {exc}"
    finally:
        engine.dispose()
    return None


def _drop_session_tables() -> None:
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.begin() as conn:
            pattern = SESSION_PREFIX.replace("_", r"\_") + "%"
            names = conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE tablename LIKE :p"), {"p": pattern}
            )
            for (name,) in names.all():
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    reason = _postgres_unreachable()
    if reason:
        pytest.skip(reason)
    yield POSTGRES_URL
    _drop_session_tables()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def ledger_prefix() -> str:
    return f"{SESSION_PREFIX}{next(_test_numbers)}_"


@pytest.fixture
def ledger(ledger_url: str, ledger_prefix: str) -> Iterator[Ledger]:
    with Ledger(ledger_url, prefix=ledger_prefix) as ledger:
        ledger.create_schema()
        try:
            yield ledger
        finally:
            ledger.drop_schema()
