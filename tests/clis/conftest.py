"""Fixtures for driving the real coding CLIs: the installed programs, a trap for outbound traffic,
and gateways on loopback — answering from the scripted mock, or translating to a second gateway
that stands in for the provider.

These tests install npm packages (once, into a cache outside the repo), so they run only when
asked: ``tox -e clis``, or ``GATEWAY_TEST_CLIS=1 pytest tests/clis``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clis.install import install
from clis.traffic import GatewayLog, LoggedGateway, OutboundTrap
from gateway.app import create_app
from gateway.serving import RunningServer, start_server
from gateway.settings import DEMO_KEY, Settings, settings_from_env

SCENARIOS = Path(__file__).with_name("scenarios.yaml")
UPSTREAM_KEY_VARIABLE = "CLIS_UPSTREAM_KEY"
ENABLED = os.environ.get("GATEWAY_TEST_CLIS") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ENABLED:
        return
    skip = pytest.mark.skip(
        reason="drives the real coding CLIs: run `tox -e clis` (or set GATEWAY_TEST_CLIS=1)"
    )
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def programs() -> dict[str, Path]:
    """The pinned CLIs, installed now if the cache lacks them."""
    return install()


@pytest.fixture
def trap() -> Iterator[OutboundTrap]:
    proxy = OutboundTrap()
    yield proxy
    proxy.stop()


@pytest.fixture
def logged_gateway() -> Iterator[Callable[[Settings], LoggedGateway]]:
    """Start a gateway on loopback whose every request is logged: ``logged_gateway(settings)``."""
    running: list[RunningServer] = []

    def start(settings: Settings) -> LoggedGateway:
        app = create_app(settings)
        log = GatewayLog(app.wsgi_app)
        app.wsgi_app = log  # type: ignore[method-assign]
        server = start_server(app)
        running.append(server)
        return LoggedGateway(server.url, log)

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def scripted_settings(tmp_path: Path) -> Callable[[str], Settings]:
    """Settings for a gateway answering from the CLI scenarios (a private ledger each)."""

    def make(name: str, **overrides: Any) -> Settings:
        ledger = f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return settings_from_env({}, ledger_url=ledger, scenario_path=SCENARIOS, **overrides)

    return make


@pytest.fixture
def upstream_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The front gateway's key for the upstream gateway (its demo key), read from the environment
    as a real provider key is."""
    monkeypatch.setenv(UPSTREAM_KEY_VARIABLE, DEMO_KEY)
    return UPSTREAM_KEY_VARIABLE
