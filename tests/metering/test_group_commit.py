"""Group commit: pieces written together commit together, and one failing piece fails alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from gateway.metering.group_commit import GroupCommit


@pytest.fixture
def table(tmp_path):
    engine = sa.create_engine(
        f"sqlite:///{tmp_path / 'g.sqlite3'}", connect_args={"isolation_level": "IMMEDIATE"}
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    yield engine
    engine.dispose()


def _insert(value: int):
    def work(cursor) -> int:
        cursor.execute("INSERT INTO t (id) VALUES (?)", (value,))
        return value

    return work


def _ids(engine) -> list[int]:
    with engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT id FROM t ORDER BY id")]


def test_a_lone_piece_commits_and_returns_its_result(table):
    assert GroupCommit(table).run(_insert(1)) == 1
    assert _ids(table) == [1]


def test_a_lone_failing_piece_raises_and_leaves_nothing(table):
    def fails(cursor) -> None:
        cursor.execute("INSERT INTO t (id) VALUES (7)")
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        GroupCommit(table).run(fails)
    assert _ids(table) == []


def test_pieces_queued_behind_a_write_commit_together_and_a_failure_undoes_only_its_own(table):
    writes = GroupCommit(table)
    holding, release = threading.Event(), threading.Event()

    def first(cursor) -> int:
        holding.set()
        release.wait(5)
        cursor.execute("INSERT INTO t (id) VALUES (1)")
        return 1

    def duplicate(cursor) -> int:
        cursor.execute("INSERT INTO t (id) VALUES (2)")
        cursor.execute("INSERT INTO t (id) VALUES (2)")  # violates the primary key
        return 2

    with ThreadPoolExecutor(5) as pool:
        leader = pool.submit(writes.run, first)
        holding.wait(5)
        queued = [pool.submit(writes.run, work) for work in (_insert(3), duplicate, _insert(4), _insert(5))]
        while len(writes._pending) < 4:  # all four wait behind the leader's transaction
            threading.Event().wait(0.001)
        release.set()
        assert leader.result() == 1
        outcomes = []
        for future in queued:
            try:
                outcomes.append(future.result())
            except Exception as error:
                outcomes.append(type(error).__name__)
    assert outcomes == [3, "IntegrityError", 4, 5]
    assert _ids(table) == [1, 3, 4, 5]  # the failed piece's first insert was undone with it
