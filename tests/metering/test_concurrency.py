"""Parallel requests on one key: the balance is exact and never negative, nothing is charged twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.canonical import Usage
from gateway.metering import DuplicateRequest, InsufficientBalance, Ledger, Reservation, ReservationClosed

THREADS = 32
PRICE = 1_000


@pytest.fixture
def funded(ledger: Ledger):
    """An account whose balance covers exactly ten reservations, and its key."""
    account = ledger.create_account("acme", balance=10 * PRICE)
    return account, ledger.authenticate(ledger.create_key(account, "shared").secret)


class BalanceWatcher:
    """Reads the balance in a loop while the race runs, to catch it below zero at any moment."""

    def __init__(self, ledger: Ledger, account: int) -> None:
        self.seen: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(ledger, account))

    def _watch(self, ledger: Ledger, account: int) -> None:
        while not self._stop.is_set():
            self.seen.append(ledger.balance(account))

    def __enter__(self) -> BalanceWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _race(task, count: int = THREADS) -> list[object]:
    """Runs ``task(n)`` on ``count`` threads released together; returns results or exceptions."""
    start = threading.Barrier(count)

    def run(n: int) -> object:
        start.wait()
        try:
            return task(n)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_parallel_reservations_against_ten_calls_worth_admit_exactly_ten(ledger, funded):
    account, key = funded
    with BalanceWatcher(ledger, account) as watcher:
        outcomes = _race(lambda n: ledger.reserve(key, "m", PRICE, f"req-{n}"))
    refused = [o for o in outcomes if isinstance(o, InsufficientBalance)]
    assert len(refused) == THREADS - 10, [o for o in outcomes if isinstance(o, Exception)]
    assert ledger.balance(account) == 0
    assert min(watcher.seen) >= 0
    assert len(ledger.usage_log(account_id=account, limit=100)) == 10


def test_parallel_calls_that_settle_charge_exactly_what_they_cost(ledger, funded):
    account, key = funded

    def call(n: int) -> int:
        reservation = ledger.reserve(key, "m", PRICE, f"req-{n}")
        ledger.settle(reservation, 400, Usage(4, 4), protocol="openai_chat", status="ok", latency_ms=1)
        return 400

    with BalanceWatcher(ledger, account) as watcher:
        outcomes = _race(call)
    charged = [o for o in outcomes if o == 400]
    assert len(charged) >= 10
    assert all(o == 400 or isinstance(o, InsufficientBalance) for o in outcomes)
    assert ledger.balance(account) == 10 * PRICE - 400 * len(charged)
    assert sum(e.cost for e in ledger.usage_log(account_id=account, limit=100)) == 400 * len(charged)
    assert min(watcher.seen) >= 0


def test_parallel_settles_of_one_reservation_charge_it_once(ledger, funded):
    account, key = funded
    reservation = ledger.reserve(key, "m", PRICE, "req-1")
    outcomes = _race(
        lambda n: ledger.settle(reservation, 600, Usage(), protocol="openai_chat", status="ok", latency_ms=1),
        8,
    )
    assert outcomes.count(None) == 1
    assert all(isinstance(o, ReservationClosed) for o in outcomes if o is not None)
    assert ledger.balance(account) == 10 * PRICE - 600


def test_parallel_reservations_under_one_request_id_hold_money_once(ledger, funded):
    account, key = funded
    outcomes = _race(lambda n: ledger.reserve(key, "m", PRICE, "req-1"))
    held = [o for o in outcomes if isinstance(o, Reservation)]
    assert len(held) == 1
    assert all(isinstance(o, DuplicateRequest) for o in outcomes if o is not held[0])
    assert ledger.balance(account) == 9 * PRICE
    [entry] = ledger.usage_log(account_id=account)
    assert (entry.id, entry.reserved) == (held[0].id, PRICE)
