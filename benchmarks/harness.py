"""What the benchmarks share: servers started as separate processes, and a load generator.

Every server runs in its own process under the production recipe (gunicorn, threaded workers), and
load comes from other processes over keep-alive connections, so the figures include real sockets
and real WSGI and no process competes with itself for the GIL.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
GUNICORN = [
    sys.executable,
    "-m",
    "gunicorn",
    "-k",
    "gthread",
    "--threads",
    "8",
    "-w",
    "2",
    "--log-level",
    "warning",
]
KEY = "gw-bench-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port} after {timeout}s")


@contextmanager
def process(args: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    proc = subprocess.Popen(args, cwd=REPO, env={**os.environ, **(env or {})})
    try:
        wait_for_port(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def fake_upstream(stream_events: int = 50, stream_delay_ms: float = 0.0) -> Iterator[int]:
    port = free_port()
    args = [sys.executable, "-m", "benchmarks.upstream", str(port), str(stream_events), str(stream_delay_ms)]
    with process(args, port):
        yield port


@contextmanager
def gateway(upstream_port: int) -> Iterator[int]:
    """The gateway under gunicorn, metering on (SQLite ledger), models routed to the fake upstream:
    ``bench/openai`` over OpenAI chat (so OpenAI clients get passthrough, others translation)."""
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp, "catalog.yaml")
        catalog.write_text(
            yaml.safe_dump(
                {
                    "providers": {
                        "fake": {
                            "kind": "openai_chat",
                            "base_url": f"http://127.0.0.1:{upstream_port}/v1",
                            "api_key_env": "BENCH_UPSTREAM_KEY",
                        }
                    },
                    "models": [
                        {
                            "id": "bench/openai",
                            "provider": "fake",
                            "upstream_model": "gpt-4o",
                            "prices": {"input": "2.50", "output": "10.00"},
                        }
                    ],
                }
            )
        )
        env = {
            "GATEWAY_CATALOG": str(catalog),
            "GATEWAY_UPSTREAM": "live",
            "GATEWAY_LEDGER_URL": f"sqlite:///{tmp}/ledger.sqlite3",
            "GATEWAY_DEMO_KEY": KEY,
            "BENCH_UPSTREAM_KEY": "upstream-secret",
        }
        port = free_port()
        with process([*GUNICORN, "-b", f"127.0.0.1:{port}", "gateway.app:create_app()"], port, env):
            yield port


@contextmanager
def bare_proxy(upstream_port: int) -> Iterator[int]:
    port = free_port()
    env = {"BARE_PROXY_UPSTREAM": f"http://127.0.0.1:{upstream_port}"}
    with process([*GUNICORN, "-b", f"127.0.0.1:{port}", "benchmarks.bare_proxy:app"], port, env):
        yield port


@dataclass(frozen=True)
class Call:
    """One request to send: where, what, with which headers."""

    port: int
    path: str
    body: bytes
    headers: tuple[tuple[str, str], ...]


def chat_call(
    port: int, path: str = "/v1/chat/completions", model: str = "gpt-4o", stream: bool = False
) -> Call:
    body = {"model": model, "messages": [{"role": "user", "content": "Say hello."}], "stream": stream}
    headers = (("content-type", "application/json"), ("authorization", f"Bearer {KEY}"))
    return Call(port, path, json.dumps(body).encode(), headers)


def messages_call(port: int, model: str = "bench/openai", stream: bool = False) -> Call:
    body = {
        "model": model,
        "max_tokens": 256,
        "messages": [{"role": "user", "content": "Say hello."}],
        "stream": stream,
    }
    headers = (("content-type", "application/json"), ("x-api-key", KEY), ("anthropic-version", "2023-06-01"))
    return Call(port, "/v1/messages", json.dumps(body).encode(), headers)


def _timed_requests(call: Call, count: int) -> list[float]:
    """``count`` sequential requests on one keep-alive connection; seconds per request."""
    conn = http.client.HTTPConnection("127.0.0.1", call.port)
    headers = dict(call.headers)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        conn.request("POST", call.path, call.body, headers)
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        if response.status != 200:
            raise RuntimeError(f"{call.path} answered {response.status}")
    conn.close()
    return times


@dataclass(frozen=True)
class Figures:
    p50_ms: float
    p99_ms: float
    rps: float


def measure(call: Call, concurrency: int, requests: int, warmup: int = 50) -> Figures:
    """Latency percentiles and throughput with ``concurrency`` client processes."""
    _timed_requests(call, warmup)
    per_worker = max(1, requests // concurrency)
    with ProcessPoolExecutor(concurrency) as pool:
        list(pool.map(_timed_requests, [call] * concurrency, [5] * concurrency))
        start = time.perf_counter()
        batches = list(pool.map(_timed_requests, [call] * concurrency, [per_worker] * concurrency))
        elapsed = time.perf_counter() - start
    times = sorted(t for batch in batches for t in batch)
    return Figures(
        p50_ms=statistics.median(times) * 1000,
        p99_ms=times[int(len(times) * 0.99) - 1] * 1000,
        rps=len(times) / elapsed,
    )
