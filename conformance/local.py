"""This project's own gateway as a target: served in-process on loopback, on the mock provider.

``conformance run`` with no ``--target`` certifies the current build exactly as a user would run
it (the app factory, a real HTTP server, the embedded catalog and demo key), with a throwaway
ledger so that a certification never touches anyone's balance.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.app import create_app
from gateway.serving import start_server
from gateway.settings import DEMO_KEY, settings_from_env

__all__ = ["serve_gateway"]


@contextmanager
def serve_gateway() -> Iterator[tuple[str, str]]:
    """Yield (base URL, key) of the gateway on the mock upstream, stopped on exit."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request is noise here
    with tempfile.TemporaryDirectory(prefix="conformance-gateway-") as scratch:
        ledger = Path(scratch) / "ledger.sqlite3"
        # Embedded defaults only: a GATEWAY_* variable of the caller's must not change what is certified.
        settings = settings_from_env({}, upstream="mock", ledger_url=f"sqlite:///{ledger}", demo_key=DEMO_KEY)
        with start_server(create_app(settings)) as server:
            yield server.url, DEMO_KEY
