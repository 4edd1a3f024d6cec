"""The production recipe works: gunicorn, threaded workers, configuration from ``GATEWAY_*`` variables.

    gunicorn -k gthread --threads 8 -w 2 'gateway.app:create_app()'

Two worker processes build the app from the environment and share one SQLite ledger; a chat
request and a stream go through, and the server stops cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.settings import DEMO_KEY

AUTH = {"authorization": f"Bearer {DEMO_KEY}"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello from gunicorn"}]}
START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited with {server.returncode}: {server.stderr.read().decode()}")
        try:
            if httpx.get(f"{url}/v1/models", headers=AUTH, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not serve {url} within {START_TIMEOUT_S} s")


@pytest.fixture
def gunicorn_url(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "GATEWAY_LEDGER_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "GATEWAY_DEMO_KEY": DEMO_KEY,
        "GATEWAY_UPSTREAM": "mock",
    }
    command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "8", "-w", "2"]
    command += ["-b", f"127.0.0.1:{port}", "gateway.app:create_app()"]
    server = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, server)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.returncode == 0, server.stderr.read().decode()


def test_gunicorn_with_threads_serves_a_chat_and_a_stream(gunicorn_url: str) -> None:
    with httpx.Client(base_url=gunicorn_url, headers=AUTH, timeout=30) as client:
        whole = client.post("/v1/chat/completions", json=CHAT)
        assert whole.status_code == 200, whole.text
        text = whole.json()["choices"][0]["message"]["content"]
        assert text.startswith('Mock answer to "Hello from gunicorn".')
        assert int(whole.headers["x-gateway-cost-micros"]) > 0

        with client.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = [line for line in stream.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == text
