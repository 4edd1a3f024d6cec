"""The steps that move money as the driver runs them: one statement each where the dialect has
data-modifying CTEs, else a chain of statements, each fed the row the one before returned."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from gateway.metering.schema import build_tables
from gateway.metering.statements import DriverStatement, MoneyStep, build_statements


def test_on_postgresql_reserve_and_close_are_one_statement_each():
    money = build_statements(build_tables(), postgresql.psycopg.dialect()).money
    assert money.one_statement
    for step in (money.reserve, money.close):
        [statement] = step.statements
        assert statement.sql.lstrip().upper().startswith("WITH ")


def test_on_sqlite_reserve_and_close_are_two_statements_each():
    money = build_statements(build_tables(), sqlite.dialect()).money
    assert not money.one_statement
    assert [len(step.statements) for step in (money.reserve, money.close)] == [2, 2]


def test_a_step_feeds_each_statement_the_row_the_one_before_returned_and_stops_at_a_refusal():
    db = sqlite3.connect(":memory:")
    db.executescript(
        "CREATE TABLE pots (id INTEGER PRIMARY KEY, left INT); INSERT INTO pots VALUES (1, 10);"
        "CREATE TABLE takes (pot_id INT, left_after INT, note TEXT);"
    )
    step = MoneyStep(
        (
            DriverStatement(
                "UPDATE pots SET left = left - ? WHERE id = ? AND left >= ? RETURNING id AS pot_id, left",
                {},
                ("take", "pot", "take"),
                ("pot_id", "left"),
            ),
            DriverStatement(
                "INSERT INTO takes VALUES (?, ?, ?) RETURNING rowid",
                {},
                ("pot_id", "left", "note"),
                ("rowid",),
            ),
        )
    )
    assert step.run(db.cursor(), {"pot": 1, "take": 4, "note": "first"}) == (1,)
    assert step.run(db.cursor(), {"pot": 1, "take": 7, "note": "refused"}) is None
    assert db.execute("SELECT * FROM takes").fetchall() == [(1, 6, "first")]


def test_a_statement_after_the_first_that_matches_no_row_fails_the_step_instead_of_refusing_it():
    db = sqlite3.connect(":memory:")
    db.executescript("CREATE TABLE pots (id INTEGER PRIMARY KEY, left INT); INSERT INTO pots VALUES (1, 10);")
    step = MoneyStep(
        (
            DriverStatement(
                "UPDATE pots SET left = 0 WHERE id = ? RETURNING id AS gone", {}, ("pot",), ("gone",)
            ),
            DriverStatement("UPDATE pots SET left = 1 WHERE id = ? + 1 RETURNING id", {}, ("gone",), ("id",)),
        )
    )
    with pytest.raises(ValueError):
        step.run(db.cursor(), {"pot": 1})
