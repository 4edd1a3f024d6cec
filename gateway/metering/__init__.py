"""Metering: a ledger of accounts, API keys, per-call caps, reservations and usage.

``Ledger`` holds the money (authenticate, reserve, settle or release, and the administration);
``pricing`` turns a model's prices and an upstream's usage into micro-USD; ``meter.Meter`` is the
request path's view of both (sizing, pricing, refusals as ``GatewayError``); ``cli`` and
``admin_api`` / ``account_api`` are the administrator's and the key holder's ways in.
"""

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
from gateway.metering.ledger import Ledger
from gateway.metering.pricing import cost, max_cost
from gateway.metering.records import Account, KeyInfo, KeyRecord, NewKey, Reservation, UsageEntry

__all__ = [
    "Account",
    "CapExceeded",
    "DuplicateRequest",
    "InsufficientBalance",
    "KeyExists",
    "KeyInfo",
    "KeyRecord",
    "KeyRevoked",
    "Ledger",
    "LedgerError",
    "NewKey",
    "Reservation",
    "ReservationClosed",
    "UnknownAccount",
    "UnknownKey",
    "UsageEntry",
    "cost",
    "max_cost",
]
