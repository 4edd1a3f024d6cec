"""Upstream providers: the HTTP ones (one class, four protocols) and the built-in mock."""

from __future__ import annotations

import httpx

from gateway.catalog import Catalog, ProviderConfig
from gateway.providers.base import Provider
from gateway.providers.http import HttpProvider
from gateway.providers.mock import MockProvider, load_scenarios
from gateway.settings import Settings


def build_providers(catalog: Catalog, settings: Settings) -> dict[str, Provider]:
    """One provider object per catalog provider, as ``settings.upstream`` asks: with ``mock``,
    the mock answers for every provider so the catalog's model ids all work offline; with
    ``replay``, the real providers' code path runs over one transport serving the cassettes."""
    scenarios = load_scenarios(settings.scenario_path) if settings.scenario_path else None
    mock = MockProvider(scenarios)
    if settings.upstream == "mock":
        return dict.fromkeys(catalog.providers, mock)
    transport = None
    if settings.upstream == "replay":
        from gateway.cassettes.replay import replay_transport  # vcrpy is only needed to replay

        transport = replay_transport(settings.replay_dir, catalog)
    return {
        name: mock if config.kind == "mock" else HttpProvider(config, _client(config, transport))
        for name, config in catalog.providers.items()
    }


def _client(config: ProviderConfig, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """A pooled client per provider: connections are reused across requests and threads. With a
    transport (replay), the bytes come from it instead of the network."""
    return httpx.Client(
        timeout=httpx.Timeout(config.timeout, connect=10.0),
        limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
        follow_redirects=False,
        transport=transport,
    )
