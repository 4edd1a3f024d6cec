"""A refused reservation becomes a GatewayError of the right kind, amounts in dollars."""

from __future__ import annotations

from gateway.errors import ErrorKind
from gateway.metering import CapExceeded, DuplicateRequest, InsufficientBalance, KeyRevoked
from gateway.metering.refusals import refusal_error


def test_an_unpayable_call_is_a_billing_error_naming_both_amounts():
    error = refusal_error(InsufficientBalance(balance=1_500_000, amount=2_000_000))
    assert error.kind is ErrorKind.BILLING
    assert "$2.00" in error.message and "$1.50" in error.message


def test_a_call_above_the_cap_is_an_invalid_request_naming_the_cap():
    error = refusal_error(CapExceeded(cap=250_000, amount=300_000, model="openai/gpt-4o"))
    assert (error.kind, error.code) == (ErrorKind.INVALID_REQUEST, "per_call_cap_exceeded")
    assert "$0.25" in error.message and "openai/gpt-4o" in error.message


def test_a_revoked_key_is_an_authentication_error():
    assert refusal_error(KeyRevoked(3)).kind is ErrorKind.AUTHENTICATION


def test_anything_else_is_a_server_error_that_says_nothing_internal():
    error = refusal_error(DuplicateRequest("req-1"))
    assert error.kind is ErrorKind.API_ERROR and "req-1" not in error.message
