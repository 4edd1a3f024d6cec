"""Single statements run outside any transaction on PostgreSQL: committed at once, atomic alone,
and the pooled connection handed back ready for ordinary transactions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from gateway.metering.autocommit import Autocommit
from gateway.metering.engine import create_ledger_engine


@pytest.fixture
def table(postgres_url: str, ledger_prefix: str) -> Iterator[tuple[sa.Engine, str]]:
    engine = create_ledger_engine(postgres_url)
    name = f"{ledger_prefix}ids"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {name} (id INT PRIMARY KEY)")
    yield engine, name
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {name}")
    engine.dispose()


def _ids(postgres_url: str, name: str) -> list[int]:
    """The ids another connection sees: only what has been committed."""
    other = sa.create_engine(postgres_url)
    try:
        with other.connect() as conn:
            return list(conn.exec_driver_sql(f"SELECT id FROM {name} ORDER BY id").scalars())
    finally:
        other.dispose()


def _insert(name: str, *ids: int):
    def work(cursor) -> list[tuple[int]]:
        values = ", ".join(f"({i})" for i in ids)
        cursor.execute(f"INSERT INTO {name} VALUES {values} RETURNING id")
        return cursor.fetchall()

    return work


def test_a_statement_is_committed_when_run_returns(postgres_url, table):
    engine, name = table
    assert Autocommit(engine).run(_insert(name, 1, 2)) == [(1,), (2,)]
    assert _ids(postgres_url, name) == [1, 2]


def test_a_failing_statement_raises_and_leaves_nothing(postgres_url, table):
    engine, name = table
    with pytest.raises(engine.dialect.loaded_dbapi.IntegrityError):
        Autocommit(engine).run(_insert(name, 3, 4, 3))
    assert _ids(postgres_url, name) == []


def test_the_connection_goes_back_to_the_pool_in_transactions(postgres_url, table):
    engine, name = table
    Autocommit(engine).run(_insert(name, 1))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {name} VALUES (5)")
        conn.exec_driver_sql(f"INSERT INTO {name} VALUES (5)")
    assert _ids(postgres_url, name) == [1]


def test_a_connection_lost_mid_statement_raises_its_own_error_and_is_not_reused(postgres_url, table):
    engine, name = table
    writes = Autocommit(engine)

    def lose_the_connection(cursor) -> None:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    with pytest.raises(engine.dialect.loaded_dbapi.OperationalError, match="terminating connection"):
        writes.run(lose_the_connection)
    assert writes.run(_insert(name, 7)) == [(7,)]
