"""Several gateway instances on one ledger: the schema created once, however many start together;
forked workers with connections of their own; table prefixes that keep ledgers apart."""

from __future__ import annotations

import os
import threading

import pytest

from gateway.canonical import Usage
from gateway.metering import Ledger


def test_instances_starting_together_create_the_schema_once(ledger_url, ledger_prefix):
    ledgers = [Ledger(ledger_url, prefix=ledger_prefix) for _ in range(4)]
    start = threading.Barrier(len(ledgers))
    errors: list[Exception] = []

    def create(ledger: Ledger) -> None:
        start.wait()
        try:
            ledger.create_schema()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert ledgers[0].balance(ledgers[1].create_account("acme", 5)) == 5
    finally:
        ledgers[0].drop_schema()
        for ledger in ledgers:
            ledger.close()


@pytest.mark.parametrize("prefix", ["", "Upper_", "1abc_", "a" * 31, "semi;colon_"])
def test_table_prefixes_are_plain_identifiers(prefix):
    with pytest.raises(ValueError):
        Ledger("sqlite:///unused.sqlite3", prefix=prefix)


def test_forked_workers_each_open_their_own_connections(ledger):
    """Two workers forked from a process whose pool already holds a connection (gunicorn
    ``--preload``) meter requests at the same time without sharing it."""
    account = ledger.create_account("acme", balance=100_000)
    key = ledger.authenticate(ledger.create_key(account, "k").secret)
    workers: list[int] = []
    for worker in range(2):
        pid = os.fork()
        if pid == 0:
            exit_code = 1
            try:
                for n in range(50):
                    reservation = ledger.reserve(key, "m", 400, f"worker-{worker}-{n}")
                    ledger.settle(
                        reservation, 300, Usage(1, 1), protocol="openai_chat", status="ok", latency_ms=1
                    )
                exit_code = 0
            finally:
                os._exit(exit_code)
        workers.append(pid)
    exit_codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in workers]
    assert exit_codes == [0, 0]
    assert ledger.balance(account) == 100_000 - 2 * 50 * 300
