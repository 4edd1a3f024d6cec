"""The statements every metered request runs, built once per ledger.

Building them once lets SQLAlchemy find their compiled form in its cache without rebuilding the
expression tree on every request. Parameters are named bind parameters; the ``close`` statement
takes the columns it sets by name (SQLAlchemy's UPDATE-from-parameters form).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from gateway.metering.schema import OPEN, LedgerTables


@dataclass(frozen=True, slots=True)
class HotStatements:
    key_by_hash: sa.Select
    debit: sa.Update
    open_usage: sa.Insert
    close_usage: sa.Update
    credit: sa.Update
    refusal_facts: sa.Select


def build_statements(tables: LedgerTables) -> HotStatements:
    accounts, keys, caps, usage = tables.accounts, tables.keys, tables.caps, tables.usage
    param = sa.bindparam
    return HotStatements(
        key_by_hash=sa.select(keys.c.id, keys.c.account_id, keys.c.name, caps.c.model_id, caps.c.max_micros)
        .select_from(keys.outerjoin(caps, caps.c.key_id == keys.c.id))
        .where(keys.c.secret_sha256 == param("digest"), keys.c.revoked_ms.is_(None)),
        debit=_debit(tables),
        open_usage=sa.insert(usage),
        close_usage=sa.update(usage)
        .where(usage.c.id == param("reservation_id"), usage.c.state == OPEN)
        .returning(usage.c.account_id, usage.c.reserved_micros),
        credit=sa.update(accounts)
        .where(accounts.c.id == param("account_id"))
        .values(balance_micros=accounts.c.balance_micros + param("delta")),
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
