"""The ledger: accounts, API keys, per-call caps, reservations and the usage log.

A metered request is three calls: ``authenticate`` (the key), ``reserve`` (the most the call can
cost, before the upstream is called), then ``settle`` (the actual cost) or ``release`` (a failed
call costs nothing). Money moves only inside single transactions whose guards make the result
independent of how requests interleave, on SQLite and on PostgreSQL alike:

- ``reserve`` debits with one conditional UPDATE (balance covers it, key live, within cap), so
  parallel reservations can never take a balance below zero.
- ``settle`` and ``release`` close the reservation with an UPDATE guarded by ``state = 'open'``
  and return the difference to the balance in the same transaction: a second settle finds nothing
  open and raises ``ReservationClosed``, so no request is charged twice.
- An upstream that over-runs the reservation (reports more usage than the limits allowed) is still
  charged what it reported: the balance goes below zero by that over-run and no further, and a
  negative balance refuses every later reservation until it is topped up.
- A stream cut short is settled on the usage the upstream reported before it stopped; the caller
  decides that, the ledger records whatever usage and cost it is given.

Reservation and usage-log row are one row: ``reserve`` inserts it ``open``; settling fills in the
tokens, cost, status and latency. ``release_stale`` releases rows left open by a crashed process.

Each of reserve and close is two writes (``statements``). On PostgreSQL they are one statement,
run in autocommit mode (``autocommit``): one round trip, and atomic on its own, so a request id
used before fails the insert, which undoes the debit. On SQLite they run in one transaction, shared
with concurrent requests' (``group_commit``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.canonical import Usage
from gateway.metering.auth_cache import TtlCache
from gateway.metering.autocommit import Autocommit
from gateway.metering.engine import create_ledger_engine, file_backed, reader, take_schema_lock
from gateway.metering.errors import (
    CapExceeded,
    DuplicateRequest,
    InsufficientBalance,
    KeyExists,
    KeyRevoked,
    LedgerError,
    ReservationClosed,
    UnknownAccount,
    UnknownKey,
)
from gateway.metering.group_commit import GroupCommit
from gateway.metering.key_secrets import new_secret, secret_hash, secret_hint
from gateway.metering.pricing import require_counts
from gateway.metering.records import Account, KeyInfo, KeyRecord, NewKey, Reservation, UsageEntry
from gateway.metering.schema import DEFAULT_PREFIX, OPEN, RELEASED, SETTLED, build_tables
from gateway.metering.statements import build_statements

DEFAULT_AUTH_CACHE_TTL = 1.0
EXPIRED_STATUS = "expired"
# A reservation refused by the debit is explained by a second query; if a concurrent commit
# changed the facts in between, the reservation is simply tried again, this many times in all.
_RESERVE_ATTEMPTS = 3
_UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _require_micros(name: str, value: int, *, positive: bool = False) -> None:
    """Money arrives as int micros only: a float or a negative amount is a caller's bug."""
    if type(value) is not int:
        raise TypeError(f"{name} must be an int number of micro-USD, not {type(value).__name__}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'non-negative'}: {value}")


def _usage_columns(usage: Usage) -> dict[str, int]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "images": usage.images,
    }


class Ledger:
    """The ledger at ``url`` (a SQLite file or PostgreSQL), in the tables named ``prefix``*.

    ``sqlite://`` gives a throwaway ledger in a temporary file, deleted by ``close``.

    ``auth_cache_ttl`` seconds is how long a successful ``authenticate`` is remembered in this
    process; a revocation made elsewhere is seen within it, and never lets money move (see
    ``auth_cache``). 0 disables the cache.
    """

    def __init__(
        self, url: str, *, prefix: str = DEFAULT_PREFIX, auth_cache_ttl: float = DEFAULT_AUTH_CACHE_TTL
    ) -> None:
        self._tables = build_tables(prefix)
        url, self._scratch = file_backed(url)
        self._engine = create_ledger_engine(url)
        self._reader = reader(self._engine)
        self._sql = build_statements(self._tables, self._engine.dialect)
        self._money = self._sql.money
        self._integrity_error = self._engine.dialect.loaded_dbapi.IntegrityError
        self._writes = Autocommit(self._engine) if self._money.one_statement else GroupCommit(self._engine)
        self._auth_cache: TtlCache[KeyRecord] = TtlCache(auth_cache_ttl)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the pooled connections; a ledger given an in-memory URL is deleted."""
        self._engine.dispose()
        if self._scratch is not None:
            self._scratch.cleanup()

    # --- schema ----------------------------------------------------------------------------------

    def create_schema(self) -> None:
        """Creates the tables that do not exist yet; safe to run from several instances at once."""
        with self._engine.begin() as conn:
            take_schema_lock(conn)
            self._tables.metadata.create_all(conn)

    def drop_schema(self) -> None:
        """Drops this ledger's tables and everything in them."""
        with self._engine.begin() as conn:
            self._tables.metadata.drop_all(conn)

    # --- accounts --------------------------------------------------------------------------------

    def create_account(self, name: str, balance: int = 0) -> int:
        """A new account holding ``balance`` micros; returns its id."""
        _require_micros("balance", balance)
        accounts = self._tables.accounts
        row = {"name": name, "balance_micros": balance, "created_ms": _now_ms()}
        with self._engine.begin() as conn:
            return conn.execute(sa.insert(accounts).returning(accounts.c.id), row).scalar_one()

    def top_up(self, account_id: int, amount: int) -> int:
        """Adds ``amount`` micros to the balance; returns the new balance."""
        _require_micros("amount", amount, positive=True)
        accounts = self._tables.accounts
        add = (
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(balance_micros=accounts.c.balance_micros + amount)
            .returning(accounts.c.balance_micros)
        )
        with self._engine.begin() as conn:
            balance = conn.execute(add).scalar_one_or_none()
        if balance is None:
            raise UnknownAccount(account_id)
        return balance

    def account(self, account_id: int) -> Account:
        with self._reader.connect() as conn:
            row = conn.execute(
                sa.select(self._tables.accounts).where(self._tables.accounts.c.id == account_id)
            ).first()
        if row is None:
            raise UnknownAccount(account_id)
        return Account(row.id, row.name, row.balance_micros, row.created_ms)

    def list_accounts(self) -> list[Account]:
        accounts = self._tables.accounts
        with self._reader.connect() as conn:
            rows = conn.execute(sa.select(accounts).order_by(accounts.c.id)).all()
        return [Account(row.id, row.name, row.balance_micros, row.created_ms) for row in rows]

    def balance(self, account_id: int) -> int:
        """The account's balance in micros, open reservations already taken out."""
        return self.account(account_id).balance

    # --- keys ------------------------------------------------------------------------------------

    def create_key(
        self, account_id: int, name: str, caps: Mapping[str, int] | None = None, *, secret: str | None = None
    ) -> NewKey:
        """A new key for the account. The returned secret is the only copy: only its hash is stored.

        ``secret`` registers a secret chosen elsewhere (a demo key, a key carried over from another
        system) instead of drawing a random one; ``KeyExists`` if it is already registered.
        """
        caps = dict(caps or {})
        for model_id, micros in caps.items():
            _require_micros(f"cap for {model_id}", micros)
        secret = secret or new_secret()
        keys = self._tables.keys
        row = {
            "account_id": account_id,
            "name": name,
            "secret_sha256": secret_hash(secret),
            "hint": secret_hint(secret),
            "created_ms": _now_ms(),
        }
        try:
            with self._engine.begin() as conn:
                self._require_account(conn, account_id)
                key_id = conn.execute(sa.insert(keys).returning(keys.c.id), row).scalar_one()
                if caps:
                    cap_rows = [{"key_id": key_id, "model_id": m, "max_micros": v} for m, v in caps.items()]
                    conn.execute(sa.insert(self._tables.caps), cap_rows)
        except sa.exc.IntegrityError:
            raise KeyExists() from None
        return NewKey(key_id, secret)

    def revoke_key(self, key_id: int) -> None:
        """Revokes the key for good; revoking a revoked key changes nothing."""
        keys = self._tables.keys
        revoke = (
            sa.update(keys)
            .where(keys.c.id == key_id, keys.c.revoked_ms.is_(None))
            .values(revoked_ms=_now_ms())
        )
        with self._engine.begin() as conn:
            if conn.execute(revoke).rowcount == 0:
                self._require_key(conn, key_id)
        self._auth_cache.clear()

    def set_cap(self, key_id: int, model_id: str, micros: int | None) -> None:
        """Caps what one call to ``model_id`` may cost with this key; ``None`` removes the cap."""
        caps = self._tables.caps
        if micros is not None:
            _require_micros("cap", micros)
        try:
            with self._engine.begin() as conn:
                if micros is None:
                    conn.execute(sa.delete(caps).where(caps.c.key_id == key_id, caps.c.model_id == model_id))
                    self._require_key(conn, key_id)
                else:
                    conn.execute(_upsert_cap(conn, caps, key_id, model_id, micros))
        except sa.exc.IntegrityError:
            raise UnknownKey(key_id) from None
        self._auth_cache.clear()

    def list_keys(self, account_id: int | None = None) -> list[KeyInfo]:
        """Every key, or the account's, revoked ones included; secrets appear only as a hint."""
        return self._key_infos(None if account_id is None else self._tables.keys.c.account_id == account_id)

    def key(self, key_id: int) -> KeyInfo:
        """One key as ``list_keys`` shows it."""
        found = self._key_infos(self._tables.keys.c.id == key_id)
        if not found:
            raise UnknownKey(key_id)
        return found[0]

    def authenticate(self, secret: str) -> KeyRecord | None:
        """The live key with this secret, or None; one indexed lookup unless recently cached."""
        digest = secret_hash(secret)
        record = self._auth_cache.get(digest)
        if record is None:
            with self._reader.connect() as conn:
                rows = conn.execute(self._sql.key_by_hash, {"digest": digest}).all()
            if not rows:
                return None
            caps = {row.model_id: row.max_micros for row in rows if row.model_id is not None}
            record = KeyRecord(rows[0].id, rows[0].account_id, rows[0].name, MappingProxyType(caps))
            self._auth_cache.put(digest, record)
        return record

    # --- reservations ----------------------------------------------------------------------------

    def reserve(self, key: KeyRecord, model_id: str, amount: int, request_id: str) -> Reservation:
        """Holds ``amount`` micros for one request, or refuses without moving any money.

        Refusals: ``CapExceeded`` when the amount is above the key's cap for the model,
        ``InsufficientBalance`` when the balance cannot cover it, ``KeyRevoked`` when the key was
        revoked since it authenticated, ``DuplicateRequest`` when the request id was used before.
        """
        _require_micros("amount", amount)
        facts = {"account_id": key.account_id, "key_id": key.id, "model_id": model_id, "amount": amount}
        created_ms = _now_ms()
        values = {
            **facts,
            **_usage_columns(Usage()),
            "request_id": request_id,
            "state": OPEN,
            "reserved_micros": amount,
            "cost_micros": 0,
            "created_ms": created_ms,
        }
        reserve = self._money.reserve
        for _ in range(_RESERVE_ATTEMPTS):
            try:
                opened = self._writes.run(lambda cursor: reserve.run(cursor, values))
            except self._integrity_error:
                raise DuplicateRequest(request_id) from None
            if opened is not None:
                return Reservation(
                    opened[0], request_id, key.id, key.account_id, model_id, amount, created_ms
                )
            with self._reader.connect() as conn:
                refusal = self._refusal(conn, facts)
            if refusal is not None:
                raise refusal
        raise InsufficientBalance(self.balance(key.account_id), amount)

    def settle(
        self,
        reservation: Reservation,
        actual_cost: int,
        usage: Usage,
        *,
        protocol: str,
        status: str,
        latency_ms: int,
    ) -> None:
        """Charges ``actual_cost`` and returns the rest of the reservation, logging the usage.

        Raises ``ReservationClosed`` if it was already settled or released (nothing is charged).
        """
        _require_micros("actual_cost", actual_cost)
        require_counts(usage)
        closed = self._close(
            reservation.id,
            SETTLED,
            actual_cost,
            usage,
            protocol=protocol,
            status=status,
            latency_ms=latency_ms,
        )
        if not closed:
            raise ReservationClosed(reservation.request_id)

    def release(self, reservation: Reservation, *, protocol: str, status: str, latency_ms: int) -> None:
        """A failed call costs nothing: returns the whole reservation and logs the failure.

        Raises ``ReservationClosed`` if it was already settled or released.
        """
        closed = self._close(
            reservation.id, RELEASED, 0, Usage(), protocol=protocol, status=status, latency_ms=latency_ms
        )
        if not closed:
            raise ReservationClosed(reservation.request_id)

    def release_stale(self, older_than_seconds: float) -> int:
        """Releases reservations open for longer than any request may take, which only a crashed
        process leaves behind; returns how many. Run it from any instance, as often as wanted:
        two sweepers never release one reservation twice. ``older_than_seconds`` must exceed the
        longest upstream call, or a slow call would be released before it settles (and then go
        unbilled, since its settle finds the reservation closed)."""
        usage = self._tables.usage
        cutoff = _now_ms() - int(older_than_seconds * 1000)
        stale = sa.select(usage.c.id).where(usage.c.state == OPEN, usage.c.created_ms < cutoff)
        with self._reader.connect() as conn:
            reservation_ids = conn.execute(stale).scalars().all()
        return sum(
            self._close(rid, RELEASED, 0, Usage(), protocol=None, status=EXPIRED_STATUS, latency_ms=None)
            for rid in reservation_ids
        )

    # --- usage log -------------------------------------------------------------------------------

    def usage_log(
        self,
        *,
        key_id: int | None = None,
        account_id: int | None = None,
        limit: int = 50,
        before: int | None = None,
    ) -> list[UsageEntry]:
        """The newest ``limit`` entries of one key's or one account's log, newest first.

        ``before`` is an entry id: pass the last id of a page to get the next one.
        """
        if (key_id is None) == (account_id is None):
            raise ValueError("give exactly one of key_id and account_id")
        if limit < 1:
            raise ValueError(f"limit must be positive: {limit}")
        usage = self._tables.usage
        owner = usage.c.key_id == key_id if key_id is not None else usage.c.account_id == account_id
        query = sa.select(usage).where(owner).order_by(usage.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(usage.c.id < before)
        with self._reader.connect() as conn:
            return [_usage_entry(row) for row in conn.execute(query)]

    # --- helpers ---------------------------------------------------------------------------------

    def _refusal(self, conn: sa.Connection, facts: Mapping[str, Any]) -> LedgerError | None:
        """Why the debit matched no row, or None if a concurrent commit has since made it possible."""
        row = conn.execute(self._sql.refusal_facts, facts).first()
        amount = facts["amount"]
        if row is None or row.revoked_ms is not None or row.account_id != facts["account_id"]:
            return KeyRevoked(facts["key_id"])
        if row.max_micros is not None and amount > row.max_micros:
            return CapExceeded(row.max_micros, amount, facts["model_id"])
        if row.balance_micros < amount:
            return InsufficientBalance(row.balance_micros, amount)
        return None

    def _close(
        self,
        reservation_id: int,
        state: str,
        cost: int,
        usage: Usage,
        *,
        protocol: str | None,
        status: str,
        latency_ms: int | None,
    ) -> bool:
        """Closes an open reservation and credits back what it held beyond ``cost``; False if it
        was not open. The amount held is read from the row, never trusted from the caller."""
        row = {
            "reservation_id": reservation_id,
            "state": state,
            "cost_micros": cost,
            "protocol": protocol,
            "status": status,
            "latency_ms": latency_ms,
            "settled_ms": _now_ms(),
            **_usage_columns(usage),
        }
        close = self._money.close
        return self._writes.run(lambda cursor: close.run(cursor, row)) is not None

    def _key_infos(self, condition: sa.ColumnElement[bool] | None) -> list[KeyInfo]:
        """Keys with their caps, one row per cap joined back into one record per key."""
        keys, caps = self._tables.keys, self._tables.caps
        query = (
            sa.select(
                keys.c.id,
                keys.c.account_id,
                keys.c.name,
                keys.c.hint,
                keys.c.created_ms,
                keys.c.revoked_ms,
                caps.c.model_id,
                caps.c.max_micros,
            )
            .select_from(keys.outerjoin(caps, caps.c.key_id == keys.c.id))
            .order_by(keys.c.id, caps.c.model_id)
        )
        if condition is not None:
            query = query.where(condition)
        with self._reader.connect() as conn:
            rows = conn.execute(query).all()
        found: dict[int, tuple[Any, dict[str, int]]] = {}
        for row in rows:
            _, key_caps = found.setdefault(row.id, (row, {}))
            if row.model_id is not None:
                key_caps[row.model_id] = row.max_micros
        return [
            KeyInfo(r.id, r.account_id, r.name, r.hint, MappingProxyType(c), r.created_ms, r.revoked_ms)
            for r, c in found.values()
        ]

    def _require_account(self, conn: sa.Connection, account_id: int) -> None:
        accounts = self._tables.accounts
        if conn.execute(sa.select(accounts.c.id).where(accounts.c.id == account_id)).first() is None:
            raise UnknownAccount(account_id)

    def _require_key(self, conn: sa.Connection, key_id: int) -> None:
        keys = self._tables.keys
        if conn.execute(sa.select(keys.c.id).where(keys.c.id == key_id)).first() is None:
            raise UnknownKey(key_id)


def _upsert_cap(conn: sa.Connection, caps: sa.Table, key_id: int, model_id: str, micros: int) -> sa.Insert:
    """INSERT ... ON CONFLICT DO UPDATE, which both backends spell the same way in their dialect."""
    insert = _UPSERTS[conn.dialect.name](caps).values(key_id=key_id, model_id=model_id, max_micros=micros)
    return insert.on_conflict_do_update(
        index_elements=[caps.c.key_id, caps.c.model_id], set_={"max_micros": micros}
    )


def _usage_entry(row: sa.Row) -> UsageEntry:
    usage = Usage(
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cache_read_tokens=row.cache_read_tokens,
        cache_write_tokens=row.cache_write_tokens,
        reasoning_tokens=row.reasoning_tokens,
        images=row.images,
    )
    return UsageEntry(
        id=row.id,
        request_id=row.request_id,
        key_id=row.key_id,
        account_id=row.account_id,
        model_id=row.model_id,
        protocol=row.protocol,
        state=row.state,
        status=row.status,
        reserved=row.reserved_micros,
        cost=row.cost_micros,
        usage=usage,
        latency_ms=row.latency_ms,
        created_ms=row.created_ms,
        settled_ms=row.settled_ms,
    )
