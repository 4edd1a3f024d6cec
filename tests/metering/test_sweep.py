"""The sweeper: reservations a crashed process left open are given back, once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.canonical import Usage
from gateway.metering import Ledger, ReservationClosed
from gateway.metering import ledger as ledger_module

HOUR_MS = 3_600_000


@pytest.fixture
def key(ledger: Ledger):
    account = ledger.create_account("acme", balance=10_000)
    return ledger.authenticate(ledger.create_key(account, "k").secret)


def test_only_reservations_older_than_the_limit_are_released(ledger, key, monkeypatch):
    now_ms = ledger_module._now_ms
    with monkeypatch.context() as an_hour_ago:
        an_hour_ago.setattr(ledger_module, "_now_ms", lambda: now_ms() - HOUR_MS)
        abandoned = ledger.reserve(key, "m", 3_000, "crashed")
        settled = ledger.reserve(key, "m", 1_000, "done")
    ledger.settle(settled, 500, Usage(1, 1), protocol="openai_chat", status="ok", latency_ms=1)
    ledger.reserve(key, "m", 2_000, "in-flight")

    assert ledger.release_stale(older_than_seconds=2 * 3600) == 0
    assert ledger.release_stale(older_than_seconds=600) == 1
    assert ledger.release_stale(older_than_seconds=600) == 0

    assert ledger.balance(key.account_id) == 10_000 - 500 - 2_000
    entries = {e.request_id: e for e in ledger.usage_log(key_id=key.id)}
    assert (entries["crashed"].state, entries["crashed"].status, entries["crashed"].cost) == (
        "released",
        "expired",
        0,
    )
    assert entries["in-flight"].state == "open"
    assert entries["done"].cost == 500
    with pytest.raises(ReservationClosed):
        ledger.settle(abandoned, 100, Usage(1, 1), protocol="openai_chat", status="ok", latency_ms=1)


def test_sweepers_running_at_once_release_each_reservation_once(
    ledger, key, ledger_url, ledger_prefix, monkeypatch
):
    now_ms = ledger_module._now_ms
    with monkeypatch.context() as an_hour_ago:
        an_hour_ago.setattr(ledger_module, "_now_ms", lambda: now_ms() - HOUR_MS)
        for n in range(20):
            ledger.reserve(key, "m", 500, f"crashed-{n}")
    instances = [Ledger(ledger_url, prefix=ledger_prefix) for _ in range(4)]
    start = threading.Barrier(len(instances))

    def sweep(instance: Ledger) -> int:
        start.wait()
        return instance.release_stale(600)

    try:
        with ThreadPoolExecutor(len(instances)) as pool:
            released = sum(pool.map(sweep, instances))
    finally:
        for instance in instances:
            instance.close()
    assert released == 20
    assert ledger.balance(key.account_id) == 10_000
