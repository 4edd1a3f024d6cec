"""What metering adds to one request: authenticate + reserve + settle, on SQLite and PostgreSQL.

The steps are the request path's own (``gateway.metering.meter.Meter``): authenticate the key;
size the reservation from the request and the catalog's prices, and reserve it; price the reported
usage and settle. Prints p50 and p99 in microseconds for each step and for the whole, with the
authentication cache on (the default, 1 s) and off; asserts nothing. The target is 0.3 ms per
request on SQLite.

    PYTHONPATH=. python benchmarks/metering_bench.py [--requests 5000] [--postgres-url URL]

SQLite runs on a file in a temporary directory (WAL, synchronous=NORMAL, as the ledger sets it up);
PostgreSQL runs on its own table prefix, dropped at the end. One thread, so the figures are the
cost of the metering itself, not of waiting for other requests' locks.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gateway.canonical import Message, Request, Text, Usage
from gateway.catalog import catalog_from_dict
from gateway.metering import Ledger
from gateway.metering.meter import Meter

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WARMUP = 300
STEPS = ("authenticate", "reserve", "settle", "total")
CATALOG = catalog_from_dict(
    {
        "providers": {"bench": {"kind": "mock"}},
        "models": [
            {"id": "bench/model", "prices": {"input": "2.50", "output": "10.00", "cache_read": "1.25"}}
        ],
    }
)
REQUEST = Request(
    model="bench/model",
    messages=[
        Message("system", [Text("You are terse. " * 20)]),
        Message("user", [Text("Summarise: " + "lorem " * 300)]),
    ],
    max_tokens=1_024,
)


@dataclass
class BenchCall:
    key: Any
    request_id: str
    protocol: str = "openai_chat"

    def latency_ms(self) -> int:
        return 900


def measure(meter: Meter, requests: int) -> dict[str, list[int]]:
    """Nanoseconds per step for ``requests`` metered requests, after a warm-up."""
    account = meter.ledger.create_account("bench", balance=10**15)
    secret = meter.ledger.create_key(account, "bench", caps={"bench/model": 10**9}).secret
    entry = CATALOG.resolve("bench/model")
    usage = Usage(input_tokens=1_200, output_tokens=350, cache_read_tokens=800, reasoning_tokens=100)
    timings: dict[str, list[int]] = {step: [] for step in STEPS}
    clock = time.perf_counter_ns
    for n in range(WARMUP + requests):
        start = clock()
        call = BenchCall(meter.authenticate(secret), f"bench-{n}")
        authenticated = clock()
        reservation = meter.reserve(call, entry, REQUEST)
        reserved = clock()
        meter.settle(reservation, call, usage)
        settled = clock()
        if n >= WARMUP:
            steps = (authenticated - start, reserved - authenticated, settled - reserved, settled - start)
            for step, ns in zip(STEPS, steps, strict=True):
                timings[step].append(ns)
    return timings


def percentile(sorted_ns: list[int], fraction: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * fraction))] / 1000


def report(label: str, timings: dict[str, list[int]]) -> None:
    cells = []
    for step in STEPS:
        ns = sorted(timings[step])
        cells.append(f"{step} {percentile(ns, 0.5):7.1f} / {percentile(ns, 0.99):7.1f}")
    print(f"{label:<34}" + "   ".join(cells))


def run_backend(label: str, url: str, requests: int) -> None:
    prefix = f"bench{uuid.uuid4().hex[:8]}_"
    for ttl, cache in ((1.0, "auth cache 1 s"), (0, "no auth cache")):
        with Ledger(url, prefix=prefix, auth_cache_ttl=ttl) as ledger:
            ledger.create_schema()
            try:
                report(f"{label}, {cache}", measure(Meter(ledger, CATALOG), requests))
            finally:
                ledger.drop_schema()


def postgres_reachable(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    print(f"metering overhead per request, p50 / p99 in microseconds, {args.requests} requests")
    with tempfile.TemporaryDirectory() as directory:
        run_backend("SQLite file (WAL)", f"sqlite:///{Path(directory) / 'bench.sqlite3'}", args.requests)
    if postgres_reachable(args.postgres_url):
        run_backend("PostgreSQL", args.postgres_url, args.requests)
    else:
        print(
            f"PostgreSQL skipped: {sa.make_url(args.postgres_url).render_as_string(hide_password=True)} unreachable"
        )


if __name__ == "__main__":
    main()
