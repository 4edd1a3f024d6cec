"""The statements every metered request runs, built once per ledger.

The four that move money on every request (debit, open, close, credit) are compiled once for the
ledger's dialect into driver SQL and run on a raw DBAPI cursor: SQLAlchemy's per-execution work
costs about 20 µs a statement, as much as SQLite's own, and the request path runs four of them.
The others keep SQLAlchemy's statement cache. Parameters are named bind parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement as its driver runs it: the SQL text, the constants the statement itself binds
    (such as ``state = 'open'``), and, for positional paramstyles, the order in which named values
    fill its placeholders."""

    sql: str
    constants: Mapping[str, Any]
    positions: tuple[str, ...] | None

    @classmethod
    def compile(cls, statement: sa.Executable, dialect: sa.Dialect) -> DriverStatement:
        compiled = statement.compile(dialect=dialect)
        constants = {name: value for name, value in compiled.params.items() if value is not None}
        return cls(str(compiled), constants, tuple(compiled.positiontup) if compiled.positional else None)

    def bind(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.constants, **values} if self.constants else values
        return merged if self.positions is None else tuple(merged[name] for name in self.positions)


@dataclass(frozen=True, slots=True)
class MoneyStatements:
    debit: DriverStatement
    open_usage: DriverStatement
    close_usage: DriverStatement
    credit: DriverStatement


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
    accounts, usage = tables.accounts, tables.usage
    param = sa.bindparam
    opened = [c.name for c in usage.columns if c.name not in _UNKNOWN_AT_OPEN]
    return MoneyStatements(
        *(
            DriverStatement.compile(statement, dialect)
            for statement in (
                _debit(tables),
                sa.insert(usage).values({name: param(name) for name in opened}).returning(usage.c.id),
                sa.update(usage)
                .where(usage.c.id == param("reservation_id"), usage.c.state == OPEN)
                .values({name: param(name) for name in CLOSE_COLUMNS})
                .returning(usage.c.account_id, usage.c.reserved_micros),
                sa.update(accounts)
                .where(accounts.c.id == param("account_id"))
                .values(balance_micros=accounts.c.balance_micros + param("delta")),
            )
        )
    )


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
    )
