"""Fixtures shared by the translation and streaming tests: fake providers and a gateway routed to them.

The catalog gives each upstream protocol one model, ``via-<protocol>``, served by the fake
provider of that protocol with ``upstream: live`` (the real HttpProvider, over loopback HTTP); an
impatient twin, ``slow-<protocol>``, whose provider times out after ``SLOW_TIMEOUT`` seconds; and
``dead-<protocol>``, whose provider is a loopback port nobody listens on.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer
from translation.fake_upstreams import RECORDINGS, FakeUpstreams

from gateway import tables
from gateway.app import create_app
from gateway.serving import start_server
from gateway.settings import settings_from_env

UPSTREAM_KEY_ENV = "GW_TEST_UPSTREAM_KEY"
UPSTREAM_KEY = "sk-upstream-test-key"
SLOW_TIMEOUT = 0.3

# Each upstream's model: its provider's own model name and the catalog's output limit.
UPSTREAM_MODELS = {
    tables.OPENAI_CHAT: ("gpt-4o", 16384),
    tables.OPENAI_RESPONSES: ("gpt-5", 128000),
    tables.ANTHROPIC: ("claude-sonnet-4-5-20250929", 64000),
    tables.GEMINI: ("gemini-2.5-flash", 65536),
}
# Where each protocol's API lives under a provider's base URL.
BASE_PATHS = {
    tables.OPENAI_CHAT: "/v1",
    tables.OPENAI_RESPONSES: "/v1",
    tables.ANTHROPIC: "",
    tables.GEMINI: "",
}


def model_for(upstream: str, prefix: str = "via") -> str:
    """The name a client uses for the model served by ``upstream`` (prefix via, slow or dead)."""
    return f"{prefix}-{upstream}"


def closed_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def catalog(base_url: str, dead_url: str) -> dict[str, Any]:
    providers: dict[str, Any] = {}
    models: list[dict[str, Any]] = []
    for protocol, (upstream_model, limit) in UPSTREAM_MODELS.items():
        for prefix, url, timeout in (
            ("via", base_url, 30.0),
            ("slow", base_url, SLOW_TIMEOUT),
            ("dead", dead_url, 5.0),
        ):
            provider = f"{prefix}-{protocol}".replace("_", "-")
            providers[provider] = {
                "kind": protocol,
                "base_url": url + BASE_PATHS[protocol],
                "api_key_env": UPSTREAM_KEY_ENV,
                "timeout": timeout,
            }
            models.append(
                {
                    "id": f"{provider}/{upstream_model}",
                    "provider": provider,
                    "upstream_model": upstream_model,
                    "aliases": [f"{prefix}-{protocol}"],
                    "max_output_tokens": limit,
                    "prices": {"input": "1.00", "output": "2.00"},
                }
            )
    return {"providers": providers, "models": models}


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[HTTPServer]:
    """One threaded loopback server for every fake provider of the session."""
    if not RECORDINGS.is_dir():
        pytest.skip(f"real recordings not present at {RECORDINGS}")
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def upstreams(upstream_server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeUpstreams:
    """The four fake providers, fresh for this test, with the gateway's upstream key set."""
    monkeypatch.setenv(UPSTREAM_KEY_ENV, UPSTREAM_KEY)
    upstream_server.clear()
    return FakeUpstreams(upstream_server)


@pytest.fixture(scope="session")
def gateway_server(upstream_server: HTTPServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One gateway for the session (a server costs half a second to stop, so not one per test)."""
    directory = tmp_path_factory.mktemp("translation-gateway")
    path = directory / "catalog.yaml"
    base_url = upstream_server.url_for("").rstrip("/")
    dead_url = f"http://127.0.0.1:{closed_port()}"
    path.write_text(yaml.safe_dump(catalog(base_url, dead_url)), encoding="utf-8")
    settings = settings_from_env(
        {}, ledger_url=f"sqlite:///{directory / 'ledger.sqlite3'}", catalog_path=path, upstream="live"
    )
    with start_server(create_app(settings)) as server:
        yield server.url


@pytest.fixture
def gateway(gateway_server: str, upstreams: FakeUpstreams) -> str:
    """The base URL of a gateway whose ``via-*``/``slow-*`` models go to this test's fake providers."""
    return gateway_server
