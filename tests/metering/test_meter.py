"""The request path's metering: reservations sized from the catalog, refusals as GatewayErrors,
settlement on reported usage, and the gateway's ledger built from its settings."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gateway.canonical import Message, Request, Text, Usage
from gateway.catalog import catalog_from_dict
from gateway.errors import ErrorKind, GatewayError
from gateway.metering import Ledger
from gateway.metering import ledger as ledger_module
from gateway.metering.engine import file_backed
from gateway.metering.meter import Meter
from gateway.metering.pricing import cost, max_cost
from gateway.settings import Settings
from gateway.tokens import estimate_request

CATALOG = catalog_from_dict(
    {
        "providers": {"mock": {"kind": "mock"}},
        "models": [
            {
                "id": "mock/chat",
                "provider": "mock",
                "prices": {"input": "2.50", "output": "10.00", "cache_read": "1.25", "cache_write": "3.75"},
                "context_window": 1000,
                "max_output_tokens": 500,
            },
            {"id": "mock/image", "provider": "mock", "kind": "image", "prices": {"image": "0.04"}},
        ],
    }
)
CHAT, IMAGE = CATALOG.resolve("mock/chat"), CATALOG.resolve("mock/image")


@dataclass
class FakeCall:
    key: object
    request_id: str
    protocol: str = "anthropic"
    started: float = field(default_factory=time.perf_counter)

    def latency_ms(self) -> int:
        return 25


@pytest.fixture
def meter(ledger: Ledger) -> Meter:
    return Meter(ledger, CATALOG)


@pytest.fixture
def key(ledger: Ledger):
    account = ledger.create_account("acme", balance=10_000_000)
    return ledger.authenticate(ledger.create_key(account, "k", caps={"mock/image": 100_000}).secret)


def _request(max_tokens: int | None) -> Request:
    return Request(
        model="mock/chat", messages=[Message("user", [Text("hello " * 50)])], max_tokens=max_tokens
    )


def test_a_reservation_holds_the_estimated_input_and_the_requested_output_limit(meter, key):
    request = _request(max_tokens=100)
    reservation = meter.reserve(FakeCall(key, "r1"), CHAT, request)
    assert reservation.amount == max_cost(estimate_request(request), 100, CHAT.prices)
    assert reservation.model_id == "mock/chat" and reservation.request_id == "r1"


@pytest.mark.parametrize("max_tokens", [None, 0, 10 * CHAT.max_output_tokens])
def test_without_a_limit_or_above_it_the_models_output_limit_is_reserved(meter, key, max_tokens):
    request = _request(max_tokens=max_tokens)
    reservation = meter.reserve(FakeCall(key, "r1"), CHAT, request)
    assert reservation.amount == max_cost(estimate_request(request), CHAT.max_output_tokens, CHAT.prices)


def test_an_undecodable_body_is_sized_at_the_whole_context_window(meter, key):
    reservation = meter.reserve(FakeCall(key, "r1"), CHAT, None)
    assert reservation.amount == max_cost(CHAT.context_window, CHAT.max_output_tokens, CHAT.prices)


def test_images_are_reserved_per_image(meter, key):
    assert meter.reserve(FakeCall(key, "r1"), IMAGE, None, images=2).amount == 80_000


def test_settle_charges_the_reported_usage_at_catalog_prices(meter, ledger, key):
    call = FakeCall(key, "r1")
    reservation = meter.reserve(call, CHAT, _request(max_tokens=100))
    usage = Usage(input_tokens=60, output_tokens=40, cache_read_tokens=10, reasoning_tokens=15)
    charged = meter.settle(reservation, call, usage)
    assert charged == cost(usage, CHAT.prices) == 150 + 400 + 13
    assert ledger.balance(key.account_id) == 10_000_000 - charged
    [entry] = ledger.usage_log(key_id=key.id)
    assert (entry.state, entry.status, entry.protocol, entry.latency_ms) == ("settled", "ok", "anthropic", 25)


def test_a_stream_cut_short_is_charged_on_what_was_reported_with_the_failure_as_status(meter, ledger, key):
    call = FakeCall(key, "r1")
    reservation = meter.reserve(call, CHAT, _request(max_tokens=100))
    failure = GatewayError(ErrorKind.BAD_GATEWAY, "upstream hung up")
    charged = meter.settle(reservation, call, Usage(input_tokens=60, output_tokens=7), failure)
    [entry] = ledger.usage_log(key_id=key.id)
    assert (entry.state, entry.status, entry.cost) == ("settled", "bad_gateway", charged)


@pytest.mark.parametrize(
    ("error", "status"),
    [(GatewayError(ErrorKind.TIMEOUT, "slow"), "timeout"), (None, "abandoned")],
)
def test_a_call_that_fails_before_any_usage_costs_nothing(meter, ledger, key, error, status):
    call = FakeCall(key, "r1")
    meter.release(meter.reserve(call, CHAT, _request(max_tokens=100)), call, error)
    assert ledger.balance(key.account_id) == 10_000_000
    [entry] = ledger.usage_log(key_id=key.id)
    assert (entry.state, entry.status, entry.cost) == ("released", status, 0)


def test_refusals_become_gateway_errors(meter, ledger, key):
    with pytest.raises(GatewayError) as over_cap:
        meter.reserve(FakeCall(key, "r1"), IMAGE, None, images=3)
    assert over_cap.value.kind is ErrorKind.INVALID_REQUEST
    poor = ledger.authenticate(ledger.create_key(ledger.create_account("poor", 10), "p").secret)
    with pytest.raises(GatewayError) as unpayable:
        meter.reserve(FakeCall(poor, "r2"), CHAT, _request(max_tokens=100))
    assert unpayable.value.kind is ErrorKind.BILLING
    ledger.revoke_key(poor.id)
    with pytest.raises(GatewayError) as revoked:
        meter.reserve(FakeCall(poor, "r3"), CHAT, _request(max_tokens=100))
    assert revoked.value.kind is ErrorKind.AUTHENTICATION


def test_an_unknown_key_is_a_401(meter):
    with pytest.raises(GatewayError) as refused:
        meter.authenticate("gw-unknown")
    assert refused.value.kind is ErrorKind.AUTHENTICATION


def test_a_call_settled_after_the_sweeper_released_it_is_not_charged(meter, ledger, key, monkeypatch):
    call = FakeCall(key, "r1")
    now_ms = ledger_module._now_ms
    with monkeypatch.context() as an_hour_ago:
        an_hour_ago.setattr(ledger_module, "_now_ms", lambda: now_ms() - 3_600_000)
        reservation = meter.reserve(call, CHAT, _request(max_tokens=100))
    assert ledger.release_stale(600) == 1
    assert meter.settle(reservation, call, Usage(10, 10)) == 0
    assert ledger.balance(key.account_id) == 10_000_000


def test_from_settings_registers_the_demo_key_once_with_its_balance(tmp_path):
    settings = Settings(
        ledger_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}", demo_key="gw-demo", admin_token="t"
    )
    first = Meter.from_settings(settings, CATALOG)
    second = Meter.from_settings(settings, CATALOG)
    try:
        demo = second.authenticate("gw-demo")
        assert second.ledger.balance(demo.account_id) == settings.demo_balance_micros
        assert len(second.ledger.list_keys()) == 1
        assert [b.name for b in first.blueprints(settings)] == ["metering_account", "metering_admin"]
        assert [b.name for b in first.blueprints(settings.with_(admin_token=None))] == ["metering_account"]
    finally:
        first.ledger.close()
        second.ledger.close()


def test_an_in_memory_ledger_url_is_one_ledger_shared_by_every_thread():
    meter = Meter.from_settings(Settings(ledger_url="sqlite://"), CATALOG)
    try:
        demo = meter.authenticate(Settings().demo_key)
        with ThreadPoolExecutor(4) as pool:
            balances = set(pool.map(lambda _: meter.ledger.balance(demo.account_id), range(8)))
        assert balances == {Settings().demo_balance_micros}
    finally:
        meter.ledger.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_url_becomes_a_throwaway_file(url):
    file_url, scratch = file_backed(url)
    assert file_url.startswith(f"sqlite:///{scratch.name}/")
    scratch.cleanup()
    assert not Path(scratch.name).exists()


def test_other_urls_are_kept():
    assert file_backed("sqlite:///ledger.sqlite3") == ("sqlite:///ledger.sqlite3", None)
    assert file_backed("postgresql+psycopg://u@h/db") == ("postgresql+psycopg://u@h/db", None)
