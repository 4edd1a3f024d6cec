"""A gateway in replay mode, built once per module, whose cassettes each case swaps in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from gateway.app import create_app
from gateway.cassettes.replay import ReplayTransport, install_transport
from gateway.settings import settings_from_env
from gateway.specs import SpecSet, load_specs

REPO = Path(__file__).resolve().parents[2]
RECORDINGS = REPO.parent / "shared" / "upstream-recordings"
CASSETTES = REPO / "cassettes"
FIXTURES = REPO / "fixtures"


@pytest.fixture(scope="session")
def specs() -> SpecSet:
    return load_specs(REPO / "specs")


def replay_app(tmp: Path, catalog: Path | None, cassette: Path) -> Flask:
    """A gateway answering from ``cassette`` with a private ledger and a well-funded demo key."""
    settings = settings_from_env(
        {},
        ledger_url=f"sqlite:///{tmp / 'ledger.sqlite3'}",
        upstream="replay",
        replay_dir=cassette,
        catalog_path=catalog,
        demo_balance_micros=10**15,
    )
    return create_app(settings)


@pytest.fixture(scope="module")
def replay_on(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    """``replay_on(cassette, catalog=None)`` -> a Flask test client whose upstream is that cassette
    (one app per catalog per module; each call installs a fresh transport, so play order restarts)."""
    apps: dict[Path | None, Flask] = {}

    def client(cassette: Path, catalog: Path | None = None) -> Any:
        if catalog not in apps:
            apps[catalog] = replay_app(tmp_path_factory.mktemp("replay"), catalog, cassette)
        app = apps[catalog]
        install_transport(app, ReplayTransport([cassette], app.extensions["gateway"].catalog))
        return app.test_client()

    yield client


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
