"""The ledger's tables, named with a prefix so that one database can hold several ledgers
(and test runs can share a database without touching each other's rows).

Money columns end in ``_micros`` and are 64-bit integers; times are Unix epoch milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

DEFAULT_PREFIX = "gw_"
OPEN, SETTLED, RELEASED = "open", "settled", "released"

_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,29}")
# SQLite makes only an INTEGER PRIMARY KEY an auto-assigned rowid; PostgreSQL gets 64 bits.
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@dataclass(frozen=True, slots=True)
class LedgerTables:
    metadata: sa.MetaData
    accounts: sa.Table
    keys: sa.Table
    caps: sa.Table
    usage: sa.Table


def build_tables(prefix: str = DEFAULT_PREFIX) -> LedgerTables:
    """The four tables under ``prefix``, which must be a short lowercase identifier."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"table prefix must match {_PREFIX.pattern}: {prefix!r}")
    metadata = sa.MetaData()
    accounts = sa.Table(
        f"{prefix}accounts",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("balance_micros", sa.BigInteger, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
    )
    keys = sa.Table(
        f"{prefix}api_keys",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.ForeignKey(accounts.c.id), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_sha256", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("revoked_ms", sa.BigInteger),
    )
    caps = sa.Table(
        f"{prefix}key_caps",
        metadata,
        sa.Column("key_id", sa.ForeignKey(keys.c.id), primary_key=True),
        sa.Column("model_id", sa.String(200), primary_key=True),
        sa.Column("max_micros", sa.BigInteger, nullable=False),
    )
    usage = sa.Table(
        f"{prefix}usage_log",
        metadata,
        sa.Column("id", _BIG_ID, primary_key=True),
        sa.Column("request_id", sa.String(200), nullable=False, unique=True),
        sa.Column("key_id", sa.ForeignKey(keys.c.id), nullable=False),
        sa.Column("account_id", sa.ForeignKey(accounts.c.id), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("protocol", sa.String(32)),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("status", sa.String(32)),
        sa.Column("reserved_micros", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cache_read_tokens", sa.BigInteger, nullable=False),
        sa.Column("cache_write_tokens", sa.BigInteger, nullable=False),
        sa.Column("reasoning_tokens", sa.BigInteger, nullable=False),
        sa.Column("images", sa.BigInteger, nullable=False),
        sa.Column("latency_ms", sa.BigInteger),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("settled_ms", sa.BigInteger),
        sa.Index(f"{prefix}usage_log_by_key", "key_id", "id"),
        sa.Index(f"{prefix}usage_log_by_account", "account_id", "id"),
        sa.Index(f"{prefix}usage_log_by_state_age", "state", "created_ms"),
    )
    return LedgerTables(metadata, accounts, keys, caps, usage)
