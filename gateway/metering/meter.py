"""The request path's view of metering: keys in, reservations sized from the catalog, costs out.

``Gateway`` (``gateway.pipeline``) calls this and never the ledger: it authenticates the key,
reserves before the upstream call, then settles on the usage the upstream reported or releases.
Refusals leave as ``GatewayError``, so the inbound codec renders them in the client's protocol:
402 when the balance cannot cover the call, 400 when it is above the key's per-call cap.

Rules for the call's outcome:

- The reservation is the most the call can cost: the estimated input (``gateway.tokens``) at the
  dearest input rate, plus the output limit (the request's, at most the model's) at the output
  rate, plus images. A body the gateway could not decode is sized at the model's whole context window.
- A completed call is charged on its reported usage. A stream cut short is charged on the usage
  the upstream had reported when it stopped, with the failure as its status; a call that fails
  before reporting any usage costs nothing.
"""

from __future__ import annotations

import logging
from typing import Protocol

from flask import Blueprint

from gateway.canonical import Request, Usage
from gateway.catalog import Catalog, ModelEntry
from gateway.errors import GatewayError, invalid
from gateway.metering.account_api import account_blueprint
from gateway.metering.admin_api import admin_blueprint
from gateway.metering.errors import CapExceeded, InsufficientBalance, KeyExists, KeyRevoked, ReservationClosed
from gateway.metering.ledger import Ledger
from gateway.metering.pricing import cost, max_cost
from gateway.metering.records import KeyRecord, Reservation
from gateway.metering.refusals import refusal_error
from gateway.settings import Settings
from gateway.tokens import estimate_request
from gateway.web.auth import invalid_key

log = logging.getLogger("gateway.metering")

OK_STATUS = "ok"
# A call abandoned before the upstream reported anything (the client went away).
ABANDONED_STATUS = "abandoned"
DEMO_ACCOUNT = "demo"

__all__ = ["Meter", "Reservation"]


class MeteredCall(Protocol):
    """What the meter reads from ``gateway.pipeline.Call``."""

    protocol: str
    request_id: str
    key: KeyRecord

    def latency_ms(self) -> int: ...


class Meter:
    """Metering for one gateway: its ledger, and the catalog whose prices a settled call is
    charged at (the prices in force when it settles)."""

    def __init__(self, ledger: Ledger, catalog: Catalog) -> None:
        self.ledger = ledger
        self.catalog = catalog

    @classmethod
    def from_settings(cls, settings: Settings, catalog: Catalog) -> Meter:
        """The ledger at ``settings.ledger_url``, its schema created, and the demo key (with its
        own funded account) registered if the settings name one and it is not there yet."""
        ledger = Ledger(settings.ledger_url)
        ledger.create_schema()
        if settings.demo_key and ledger.authenticate(settings.demo_key) is None:
            _register_demo_key(ledger, settings.demo_key, settings.demo_balance_micros)
        return cls(ledger, catalog)

    def blueprints(self, settings: Settings) -> list[Blueprint]:
        """The key holder's ``/v1/balance`` and ``/v1/usage``, and ``/admin`` if an admin token is set."""
        found = [account_blueprint(self.ledger)]
        if settings.admin_token:
            found.append(admin_blueprint(self.ledger, settings.admin_token))
        return found

    def authenticate(self, secret: str) -> KeyRecord:
        """The live key with this secret; a 401 in the caller's protocol otherwise."""
        key = self.ledger.authenticate(secret)
        if key is None:
            raise invalid_key()
        return key

    def reserve(
        self, call: MeteredCall, entry: ModelEntry, request: Request | None, images: int = 0
    ) -> Reservation:
        """Holds the most this call can cost, or refuses it with a 402 or a 400 (over the cap)."""
        if request is None:
            input_tokens, max_output = (0, 0) if images else (entry.context_window, entry.max_output_tokens)
        else:
            if request.max_tokens is not None and request.max_tokens < 0:
                # Some schemas set no minimum; the providers refuse it, and it cannot size a hold.
                raise invalid(f"The output token limit cannot be negative (it is {request.max_tokens}).")
            max_output = min(request.max_tokens or entry.max_output_tokens, entry.max_output_tokens)
            input_tokens = estimate_request(request)
        amount = max_cost(input_tokens, max_output, entry.prices, images)
        try:
            return self.ledger.reserve(call.key, entry.id, amount, call.request_id)
        except (InsufficientBalance, CapExceeded, KeyRevoked) as refusal:
            raise refusal_error(refusal) from None

    def settle(
        self, reservation: Reservation, call: MeteredCall, usage: Usage, failure: GatewayError | None = None
    ) -> int:
        """Charges the call on ``usage`` and returns the cost in micros (0 if it was already closed:
        a sweeper released it after ``Ledger.release_stale``'s limit, so it cannot be charged now)."""
        charged = cost(usage, self.catalog.resolve(reservation.model_id).prices)
        status = OK_STATUS if failure is None else failure.kind.value
        try:
            self.ledger.settle(
                reservation,
                charged,
                usage,
                protocol=call.protocol,
                status=status,
                latency_ms=call.latency_ms(),
            )
        except ReservationClosed:
            log.warning("request %s was settled after its reservation closed; not charged", call.request_id)
            return 0
        return charged

    def release(self, reservation: Reservation, call: MeteredCall, error: GatewayError | None) -> None:
        """A call that failed before reporting usage costs nothing."""
        status = ABANDONED_STATUS if error is None else error.kind.value
        self.ledger.release(reservation, protocol=call.protocol, status=status, latency_ms=call.latency_ms())


def _register_demo_key(ledger: Ledger, secret: str, balance: int) -> None:
    """Another instance sharing the ledger may register it at the same moment: then theirs stands."""
    account = ledger.create_account(DEMO_ACCOUNT, balance)
    try:
        ledger.create_key(account, DEMO_ACCOUNT, secret=secret)
    except KeyExists:
        log.info("demo key already registered by another instance")
