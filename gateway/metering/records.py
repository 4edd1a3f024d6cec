"""The values the ledger hands out. They are immutable snapshots: nothing here writes back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from gateway.canonical import Usage


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    balance: int
    created_ms: int


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An authenticated, unrevoked key: what the request path needs, and no secret.

    ``caps`` maps a model id to the most one call to it may cost, in micros.
    """

    id: int
    account_id: int
    name: str
    caps: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key as an administrator lists it: ``hint`` is the last characters of the secret only."""

    id: int
    account_id: int
    name: str
    hint: str
    caps: Mapping[str, int]
    created_ms: int
    revoked_ms: int | None


class NewKey(NamedTuple):
    """``(key_id, secret)``: the one moment the secret exists outside its owner's hands.

    Its repr hides the secret so that logging the result of ``create_key`` cannot leak it.
    """

    key_id: int
    secret: str

    def __repr__(self) -> str:
        return f"NewKey(key_id={self.key_id}, secret=<hidden>)"


@dataclass(frozen=True, slots=True)
class Reservation:
    """Money held for one request until it is settled or released."""

    id: int
    request_id: str
    key_id: int
    account_id: int
    model_id: str
    amount: int
    created_ms: int


@dataclass(frozen=True, slots=True)
class UsageEntry:
    """One request in the usage log. ``state`` is ``open`` while its reservation is held, then
    ``settled`` or ``released``; ``cost`` is what was charged."""

    id: int
    request_id: str
    key_id: int
    account_id: int
    model_id: str
    protocol: str | None
    state: str
    status: str | None
    reserved: int
    cost: int
    usage: Usage
    latency_ms: int | None
    created_ms: int
    settled_ms: int | None
