"""A refused reservation as the client sees it: a ``GatewayError`` the inbound codec renders in
its own protocol's shape (402 for an unpayable call, 400 for a call above the key's cap)."""

from __future__ import annotations

from gateway.errors import ErrorKind, GatewayError
from gateway.metering.errors import CapExceeded, InsufficientBalance, KeyRevoked, LedgerError
from gateway.money import format_usd


def refusal_error(refusal: LedgerError) -> GatewayError:
    """What to answer when ``Ledger.reserve`` refuses; anything else it raises is a server bug."""
    match refusal:
        case InsufficientBalance(balance=balance, amount=amount):
            return GatewayError(
                ErrorKind.BILLING,
                f"Insufficient balance: this request may cost up to ${format_usd(amount)} and the "
                f"balance is ${format_usd(balance)}. Top up, or lower the output token limit.",
            )
        case CapExceeded(cap=cap, amount=amount, model=model):
            return GatewayError(
                ErrorKind.INVALID_REQUEST,
                f"This request may cost up to ${format_usd(amount)}, above this key's per-call cap of "
                f"${format_usd(cap)} for {model}. Lower the output token limit or raise the cap.",
                code="per_call_cap_exceeded",
            )
        case KeyRevoked():
            return GatewayError(ErrorKind.AUTHENTICATION, "This API key has been revoked.")
    return GatewayError(ErrorKind.API_ERROR, "The request could not be metered.")
