"""The translation tests' fixtures (shared with tests/streaming): see ``translation.fixtures``."""

from translation.fixtures import gateway, gateway_server, upstream_server, upstreams

__all__ = ["gateway", "gateway_server", "upstream_server", "upstreams"]
