"""Fixtures shared by the whole test suite: the real recordings, catalogs, and a gateway on loopback."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.app import create_app
from gateway.serving import RunningServer, start_server
from gateway.settings import Settings, settings_from_env

REPO = Path(__file__).resolve().parent.parent
RECORDINGS = REPO.parent / "shared" / "upstream-recordings"
DEMO_KEY = "gw-demo-key"


def recordings_dir() -> Path:
    """The real upstream recordings (other projects' data, read in place), or skip."""
    if not RECORDINGS.is_dir():
        pytest.skip(f"real recordings not present at {RECORDINGS}")
    return RECORDINGS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults (mock upstream) with a private SQLite ledger."""
    return settings_from_env({}, ledger_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}")


@pytest.fixture
def catalog_file(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a catalog mapping to a YAML file and return its path."""

    def write(catalog: dict[str, Any]) -> Path:
        path = tmp_path / f"catalog-{len(list(tmp_path.glob('catalog-*')))}.yaml"
        path.write_text(yaml.safe_dump(catalog), encoding="utf-8")
        return path

    return write


@pytest.fixture
def serve() -> Iterator[Callable[[Settings], RunningServer]]:
    """Start gateways on loopback ports (stopped at teardown): ``serve(settings).url``."""
    running: list[RunningServer] = []

    def start(settings: Settings) -> RunningServer:
        server = start_server(create_app(settings))
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def gateway_url(serve: Callable[[Settings], RunningServer], settings: Settings) -> str:
    """A gateway on its embedded defaults (mock upstream), served on loopback."""
    return serve(settings).url


@pytest.fixture(scope="session")
def postgres_url() -> str | None:
    return os.environ.get("GATEWAY_TEST_POSTGRES_URL")
