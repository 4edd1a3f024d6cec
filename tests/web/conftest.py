"""One gateway for the web tests: embedded defaults, a small body limit, and a revoked key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from gateway.app import create_app
from gateway.metering import Ledger
from gateway.serving import start_server
from gateway.settings import settings_from_env

MAX_BODY_BYTES = 4096


@dataclass(frozen=True)
class WebGateway:
    url: str
    revoked_key: str
    client: httpx.Client


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGateway]:
    ledger_url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'ledger.sqlite3'}"
    app = create_app(settings_from_env({}, ledger_url=ledger_url, max_body_bytes=MAX_BODY_BYTES))
    with Ledger(ledger_url) as ledger:
        account = ledger.create_account("revoked", balance=10_000_000)
        key_id, secret = ledger.create_key(account, "old laptop")
        ledger.revoke_key(key_id)
    with start_server(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield WebGateway(server.url, secret, client)
