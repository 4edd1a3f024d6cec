"""The statements every metered request runs, built once per ledger.

The two steps that move money on every request, reserve and close (settle or release), are
compiled once for the ledger's dialect into driver SQL and run on a raw DBAPI cursor: SQLAlchemy's
per-execution work costs about 20 µs a statement, as much as SQLite's own. Each step is two
writes, the second built on what the first returned: reserve debits the account, then opens the
usage row; close closes the usage row, then credits back what it held beyond the cost. Where the
dialect has data-modifying CTEs (PostgreSQL) the two are one statement, the first a CTE that the
second reads, so the step is one round trip and, run alone, its own transaction; elsewhere
(SQLite) they are two statements in one transaction. The others keep SQLAlchemy's statement
cache. Parameters are named bind parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from gateway.metering.schema import OPEN, LedgerTables

# The usage-log columns a settle or release writes.
CLOSE_COLUMNS = (
    "state",
    "cost_micros",
    "protocol",
    "status",
    "latency_ms",
    "settled_ms",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "images",
)

# Usage-log columns a reservation leaves empty (the id is the database's).
_UNKNOWN_AT_OPEN = ("id", "protocol", "status", "latency_ms", "settled_ms")

# A write whose RETURNING columns the next write of its step reads, by name.
_Returning = sa.Update | sa.Insert
# Builds a step's second write from the first's returned columns (attributes named as returned).
_Then = Callable[[Any], _Returning]


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement as its driver runs it: the SQL text, the constants the statement itself binds
    (such as ``state = 'open'``), for positional paramstyles the order in which named values fill
    its placeholders, and the names of the columns it returns."""

    sql: str
    constants: Mapping[str, Any]
    positions: tuple[str, ...] | None
    returns: tuple[str, ...]

    @classmethod
    def compile(cls, statement: _Returning, dialect: sa.Dialect) -> DriverStatement:
        compiled = statement.compile(dialect=dialect)
        constants = {name: value for name, value in compiled.params.items() if value is not None}
        positions = tuple(compiled.positiontup) if compiled.positional else None
        return cls(str(compiled), constants, positions, tuple(statement.exported_columns.keys()))

    def bind(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.constants, **values} if self.constants else values
        return merged if self.positions is None else tuple(merged[name] for name in self.positions)


@dataclass(frozen=True, slots=True)
class MoneyStep:
    """One step that moves money, as the statements that make it up, run in order in one
    transaction: the first holds the step's guard, and each after it takes the row the one before
    returned as its parameters of the same names."""

    statements: tuple[DriverStatement, ...]

    def run(self, cursor: Any, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The row the last statement returned, or None if the first matched no row: its guard
        refused the step, and nothing was written."""
        first, *rest = self.statements
        cursor.execute(first.sql, first.bind(values))
        rows = cursor.fetchall()
        if not rows:
            return None
        (row,), returned = rows, first.returns
        for statement in rest:
            values = {**values, **dict(zip(returned, row, strict=True))}
            cursor.execute(statement.sql, statement.bind(values))
            # Exactly one row, or the step raises and its transaction undoes the writes before.
            (row,), returned = cursor.fetchall(), statement.returns
        return row


@dataclass(frozen=True, slots=True)
class MoneyStatements:
    """``reserve`` returns the new usage row's id; ``close`` the credited account's id.

    ``one_statement``: each step is a single statement, so it needs no transaction of its own.
    """

    reserve: MoneyStep
    close: MoneyStep
    one_statement: bool


@dataclass(frozen=True, slots=True)
class HotStatements:
    key_by_hash: sa.Select
    refusal_facts: sa.Select
    money: MoneyStatements


def build_statements(tables: LedgerTables, dialect: sa.Dialect) -> HotStatements:
    keys, caps, accounts = tables.keys, tables.caps, tables.accounts
    param = sa.bindparam
    return HotStatements(
        key_by_hash=sa.select(keys.c.id, keys.c.account_id, keys.c.name, caps.c.model_id, caps.c.max_micros)
        .select_from(keys.outerjoin(caps, caps.c.key_id == keys.c.id))
        .where(keys.c.secret_sha256 == param("digest"), keys.c.revoked_ms.is_(None)),
        money=_money(tables, dialect),
        refusal_facts=sa.select(
            keys.c.account_id, keys.c.revoked_ms, accounts.c.balance_micros, caps.c.max_micros
        )
        .select_from(
            keys.join(accounts, accounts.c.id == keys.c.account_id).outerjoin(
                caps, sa.and_(caps.c.key_id == keys.c.id, caps.c.model_id == param("model_id"))
            )
        )
        .where(keys.c.id == param("key_id")),
    )


def _money(tables: LedgerTables, dialect: sa.Dialect) -> MoneyStatements:
    """The one place that decides per dialect: PostgreSQL has data-modifying CTEs, SQLite none."""
    one_statement = dialect.name == "postgresql"

    def step(first: _Returning, then: _Then) -> MoneyStep:
        statements = _one_statement(first, then) if one_statement else _statement_each(first, then)
        return MoneyStep(tuple(DriverStatement.compile(statement, dialect) for statement in statements))

    return MoneyStatements(
        reserve=step(_debit(tables), lambda debited: _open_usage(tables.usage, debited)),
        close=step(_close_usage(tables.usage), lambda closed: _credit(tables.accounts, closed)),
        one_statement=one_statement,
    )


def _one_statement(first: _Returning, then: _Then) -> tuple[_Returning]:
    """``first`` as a data-modifying CTE that ``then`` reads: if ``first`` matches no row, ``then``
    has nothing to read and writes nothing; if ``then`` fails, ``first`` is undone with it."""
    prior = first.cte("prior")
    return (then(prior.c).add_cte(prior),)


def _statement_each(first: _Returning, then: _Then) -> tuple[_Returning, _Returning]:
    """``first``, then ``then`` reading its returned columns from parameters of the same names."""
    returned = {column.key: sa.bindparam(column.key, type_=column.type) for column in first.exported_columns}
    return first, then(SimpleNamespace(**returned))


def _debit(tables: LedgerTables) -> sa.Update:
    """Takes ``amount`` from the account only if the balance covers it, the key is still live and
    the amount is within the key's cap for the model: one statement, so the check and the debit
    cannot be separated by a concurrent request on either backend."""
    accounts, keys, caps = tables.accounts, tables.keys, tables.caps
    param = sa.bindparam
    key_is_live = sa.exists().where(
        keys.c.id == param("key_id"), keys.c.account_id == param("account_id"), keys.c.revoked_ms.is_(None)
    )
    over_cap = sa.exists().where(
        caps.c.key_id == param("key_id"),
        caps.c.model_id == param("model_id"),
        caps.c.max_micros < param("amount"),
    )
    return (
        sa.update(accounts)
        .where(
            accounts.c.id == param("account_id"),
            accounts.c.balance_micros >= param("amount"),
            key_is_live,
            ~over_cap,
        )
        .values(balance_micros=accounts.c.balance_micros - param("amount"))
        .returning(accounts.c.id.label("debited_account_id"))
    )


def _open_usage(usage: sa.Table, debited: Any) -> sa.Insert:
    """The open usage row of a reservation, for the account the debit returned. A request id used
    before violates the unique index, which fails the step and so undoes the debit."""
    values = {
        column.name: sa.bindparam(column.name, type_=column.type)
        for column in usage.columns
        if column.name not in _UNKNOWN_AT_OPEN
    }
    values["account_id"] = debited.debited_account_id
    row = sa.select(*(value.label(name) for name, value in values.items()))
    return sa.insert(usage).from_select(list(values), row).returning(usage.c.id)


def _close_usage(usage: sa.Table) -> sa.Update:
    """Closes the reservation if it is still open, returning what the row says it holds (never
    what the caller says): of two closes, the second finds nothing open."""
    return (
        sa.update(usage)
        .where(usage.c.id == sa.bindparam("reservation_id"), usage.c.state == OPEN)
        .values({name: sa.bindparam(name) for name in CLOSE_COLUMNS})
        .returning(usage.c.account_id, usage.c.reserved_micros)
    )


def _credit(accounts: sa.Table, closed: Any) -> sa.Update:
    """Credits back what the closed reservation held beyond its cost."""
    return (
        sa.update(accounts)
        .where(accounts.c.id == closed.account_id)
        .values(
            balance_micros=accounts.c.balance_micros + closed.reserved_micros - sa.bindparam("cost_micros")
        )
        .returning(accounts.c.id)
    )
