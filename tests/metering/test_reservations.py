"""Reserve, settle, release: the balance always equals what was put in minus what was charged."""

from __future__ import annotations

import dataclasses

import pytest

from gateway.canonical import Usage
from gateway.metering import (
    CapExceeded,
    DuplicateRequest,
    InsufficientBalance,
    KeyRevoked,
    Ledger,
    ReservationClosed,
    UnknownAccount,
)

MODEL = "openai/gpt-4o"


@pytest.fixture
def account(ledger: Ledger) -> int:
    return ledger.create_account("acme", balance=10_000)


@pytest.fixture
def key(ledger: Ledger, account: int):
    new_key = ledger.create_key(account, "laptop", caps={MODEL: 3_000})
    return ledger.authenticate(new_key.secret)


def settle(ledger, reservation, actual, usage=None):
    ledger.settle(
        reservation, actual, usage or Usage(10, 20), protocol="openai_chat", status="ok", latency_ms=42
    )


def test_a_reservation_holds_its_amount(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 2_500, "req-1")
    assert (reservation.amount, reservation.account_id, reservation.key_id) == (2_500, account, key.id)
    assert ledger.balance(account) == 7_500
    [entry] = ledger.usage_log(key_id=key.id)
    assert (entry.state, entry.reserved, entry.cost) == ("open", 2_500, 0)


def test_settle_charges_the_actual_cost_and_returns_the_rest(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 2_500, "req-1")
    usage = Usage(
        input_tokens=100, output_tokens=50, cache_read_tokens=7, cache_write_tokens=3, reasoning_tokens=20
    )
    settle(ledger, reservation, 1_234, usage)
    assert ledger.balance(account) == 10_000 - 1_234
    [entry] = ledger.usage_log(key_id=key.id)
    assert entry.request_id == "req-1"
    assert (entry.state, entry.status, entry.protocol, entry.model_id) == (
        "settled",
        "ok",
        "openai_chat",
        MODEL,
    )
    assert (entry.reserved, entry.cost, entry.latency_ms) == (2_500, 1_234, 42)
    assert entry.usage == usage
    assert entry.settled_ms >= entry.created_ms


def test_release_costs_nothing_and_logs_the_failure(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 2_500, "req-1")
    ledger.release(reservation, protocol="anthropic", status="upstream_error", latency_ms=7)
    assert ledger.balance(account) == 10_000
    [entry] = ledger.usage_log(account_id=account)
    assert (entry.state, entry.status, entry.cost, entry.protocol) == (
        "released",
        "upstream_error",
        0,
        "anthropic",
    )
    assert entry.usage == Usage()


def test_a_second_settle_is_refused_and_charges_nothing(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 2_500, "req-1")
    settle(ledger, reservation, 1_000)
    with pytest.raises(ReservationClosed):
        settle(ledger, reservation, 1_000)
    with pytest.raises(ReservationClosed):
        ledger.release(reservation, protocol="openai_chat", status="error", latency_ms=1)
    assert ledger.balance(account) == 9_000
    assert [e.cost for e in ledger.usage_log(key_id=key.id)] == [1_000]


def test_settling_returns_what_the_row_holds_whatever_the_caller_claims(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 2_500, "req-1")
    settle(ledger, dataclasses.replace(reservation, amount=1_000_000), 1_000)
    assert ledger.balance(account) == 10_000 - 1_000
    [entry] = ledger.usage_log(key_id=key.id)
    assert (entry.reserved, entry.cost) == (2_500, 1_000)


def test_a_released_reservation_cannot_be_settled(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 2_500, "req-1")
    ledger.release(reservation, protocol="openai_chat", status="error", latency_ms=1)
    with pytest.raises(ReservationClosed):
        settle(ledger, reservation, 1_000)
    assert ledger.balance(account) == 10_000


def test_an_over_run_is_charged_and_only_it_takes_the_balance_below_zero(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 3_000, "req-1")
    ledger.reserve(key, MODEL, 3_000, "req-2")
    ledger.reserve(key, MODEL, 3_000, "req-3")
    settle(ledger, reservation, 4_500)
    assert ledger.balance(account) == 10_000 - 4_500 - 6_000
    with pytest.raises(InsufficientBalance):
        ledger.reserve(key, MODEL, 0, "req-4")


def test_a_request_above_the_cap_is_refused_with_the_cap(ledger, account, key):
    with pytest.raises(CapExceeded) as refused:
        ledger.reserve(key, MODEL, 3_001, "req-1")
    assert (refused.value.cap, refused.value.amount, refused.value.model) == (3_000, 3_001, MODEL)
    assert ledger.balance(account) == 10_000
    assert ledger.usage_log(key_id=key.id) == []


def test_the_cap_itself_is_allowed_and_other_models_are_uncapped(ledger, account, key):
    ledger.reserve(key, MODEL, 3_000, "req-1")
    ledger.reserve(key, "anthropic/claude-sonnet-4-5", 7_000, "req-2")
    assert ledger.balance(account) == 0


def test_a_cap_refusal_comes_before_a_balance_refusal(ledger, key):
    with pytest.raises(CapExceeded):
        ledger.reserve(key, MODEL, 50_000, "req-1")


def test_a_request_the_balance_cannot_cover_is_refused_with_both_amounts(ledger, account, key):
    ledger.reserve(key, "other/model", 9_000, "req-1")
    with pytest.raises(InsufficientBalance) as refused:
        ledger.reserve(key, MODEL, 1_001, "req-2")
    assert (refused.value.balance, refused.value.amount) == (1_000, 1_001)
    assert ledger.balance(account) == 1_000
    ledger.reserve(key, MODEL, 1_000, "req-3")
    assert ledger.balance(account) == 0


def test_a_reused_request_id_is_refused_without_moving_money(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 1_000, "req-1")
    settle(ledger, reservation, 500)
    with pytest.raises(DuplicateRequest):
        ledger.reserve(key, MODEL, 1_000, "req-1")
    assert ledger.balance(account) == 9_500


def test_a_key_revoked_after_authenticating_cannot_reserve(ledger, account, key):
    ledger.revoke_key(key.id)
    with pytest.raises(KeyRevoked):
        ledger.reserve(key, MODEL, 1, "req-1")
    assert ledger.balance(account) == 10_000


def test_money_arrives_as_int_micros_only(ledger, key):
    with pytest.raises(TypeError):
        ledger.reserve(key, MODEL, 1.5, "req-1")
    with pytest.raises(ValueError):
        ledger.reserve(key, MODEL, -1, "req-1")
    reservation = ledger.reserve(key, MODEL, 10, "req-2")
    with pytest.raises(TypeError):
        settle(ledger, reservation, 5.0)


def test_top_up_adds_to_the_balance(ledger, account):
    assert ledger.top_up(account, 2_500) == 12_500
    assert ledger.balance(account) == 12_500
    with pytest.raises(ValueError):
        ledger.top_up(account, 0)
    with pytest.raises(UnknownAccount):
        ledger.top_up(account + 1, 1)
    with pytest.raises(UnknownAccount):
        ledger.balance(account + 1)


def test_usage_log_pages_newest_first(ledger, account, key):
    second_key = ledger.authenticate(ledger.create_key(account, "ci").secret)
    for n in range(5):
        settle(ledger, ledger.reserve(key, MODEL, 100, f"a-{n}"), 10)
        settle(ledger, ledger.reserve(second_key, MODEL, 100, f"b-{n}"), 10)
    first_page = ledger.usage_log(key_id=key.id, limit=3)
    assert [e.request_id for e in first_page] == ["a-4", "a-3", "a-2"]
    next_page = ledger.usage_log(key_id=key.id, limit=3, before=first_page[-1].id)
    assert [e.request_id for e in next_page] == ["a-1", "a-0"]
    assert len(ledger.usage_log(account_id=account, limit=100)) == 10
    with pytest.raises(ValueError):
        ledger.usage_log(key_id=key.id, account_id=account)


def test_usage_with_a_fractional_count_is_refused_before_it_is_logged(ledger, account, key):
    reservation = ledger.reserve(key, MODEL, 1_000, "req-1")
    with pytest.raises(TypeError):
        settle(ledger, reservation, 500, Usage(input_tokens=1.5))
    settle(ledger, reservation, 500)
    assert ledger.balance(account) == 9_500
