"""Recording: fixtures sent through the gateway to the real upstream, written as one cassette.

The gateway runs exactly as it does live (``upstream = live``, the user's keys from the
environment, as the catalog names them); a ``RecordingTransport`` sits between its providers and
the network, keeps a scrubbed copy of every exchange and hands the response on untouched. The
cassette therefore holds what *this gateway* sends for the fixture (so replay matches it) and what
the provider answered, byte for byte but for the scrubbed secrets.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from vcr.request import Request as VcrRequest

from gateway.app import create_app
from gateway.cassettes.fixtures import Fixture, auth_headers
from gateway.cassettes.replay import install_transport
from gateway.cassettes.scrub import Scrubber
from gateway.cassettes.vcr_format import write_cassette
from gateway.catalog import Catalog, load_catalog
from gateway.errors import GatewayError
from gateway.settings import Settings

__all__ = ["FixtureOutcome", "RecordingTransport", "cassette_path_for", "missing_keys", "record"]


class RecordingTransport(httpx.BaseTransport):
    """Sends through ``inner`` and keeps each exchange, scrubbed, as a vcrpy interaction."""

    def __init__(self, inner: httpx.BaseTransport, scrubber: Scrubber) -> None:
        self.inner = inner
        self.scrubber = scrubber
        self.interactions: list[tuple[VcrRequest, dict[str, Any]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        try:
            wire = b"".join(response.stream)  # as sent: still gzip when the provider gzipped
        finally:
            response.close()
        headers: dict[str, list[str]] = {}
        for name, value in response.headers.multi_items():
            headers.setdefault(name, []).append(value)
        self.interactions.append(
            (
                self.scrubber.request(
                    VcrRequest(request.method, str(request.url), body, dict(request.headers))
                ),
                self.scrubber.response(
                    {
                        "status": {"code": response.status_code, "message": response.reason_phrase},
                        "headers": headers,
                        "body": {"string": wire},
                    }
                ),
            )
        )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(wire),
            extensions=response.extensions,
            request=request,
        )


@dataclass(frozen=True, slots=True)
class FixtureOutcome:
    """What one fixture got from the gateway while recording."""

    fixture: Fixture
    status: int


def missing_keys(fixtures: Iterable[Fixture], catalog: Catalog) -> list[str]:
    """The environment variables the fixtures' providers read their keys from that are unset."""
    needed = set()
    for fixture in fixtures:
        try:
            entry = catalog.resolve(_model_of(fixture))
        except GatewayError:
            continue  # the gateway will answer 404 itself; nothing is sent upstream
        config = catalog.provider_of(entry)
        if config.api_key_env and not config.api_key():
            needed.add(config.api_key_env)
    return sorted(needed)


def cassette_path_for(fixture: Path) -> Path | None:
    """Where a fixture's cassette goes by convention: ``fixtures/<provider>/<scenario>/<protocol>.json``
    records into ``cassettes/<provider>/<scenario>.yaml`` beside the ``fixtures`` tree."""
    parts = fixture.resolve().parts
    if len(parts) < 4 or parts[-4] != "fixtures":
        return None
    return Path(*parts[:-4]) / "cassettes" / parts[-3] / f"{parts[-2]}.yaml"


def _model_of(fixture: Fixture) -> str:
    if "/models/" in fixture.path:
        return fixture.path.split("/models/", 1)[1].rsplit(":", 1)[0]
    return str(fixture.body.get("model", ""))


def record(
    fixtures: list[Fixture],
    out: Path,
    settings: Settings,
    transport: httpx.BaseTransport | None = None,
) -> list[FixtureOutcome]:
    """Send ``fixtures`` in order through a live gateway, then write what went upstream to ``out``.

    ``transport`` defaults to the network; tests and the cassette generator pass their own
    upstream. The demo key authenticates the fixtures to the gateway and never leaves it.
    """
    catalog = load_catalog(settings.catalog_path)
    secrets = [config.api_key() for config in catalog.providers.values()]
    recorder = RecordingTransport(transport or httpx.HTTPTransport(), Scrubber(secrets))
    with tempfile.TemporaryDirectory(prefix="gateway-record-") as scratch:
        settings = settings.with_(
            upstream="live", ledger_url=f"sqlite:///{Path(scratch) / 'ledger.sqlite3'}", replay_dir=None
        )
        app = create_app(settings)
        install_transport(app, recorder)
        client = app.test_client()
        results = []
        for fixture in fixtures:
            headers = {**auth_headers(fixture.protocol, settings.demo_key or ""), **fixture.headers}
            response = client.post(fixture.path, json=fixture.body, headers=headers)
            response.get_data()  # a stream is recorded once it has been read to its end
            results.append(FixtureOutcome(fixture, response.status_code))
        app.extensions["gateway"].meter.ledger.close()
    write_cassette(out, recorder.interactions)
    return results
