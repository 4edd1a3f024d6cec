"""What an upstream provider is, to the rest of the gateway: canonical requests in, canonical out.

Every provider answers canonical requests, so the request path never asks which one it holds. A
provider that speaks a wire protocol (``protocol`` set) can also forward a client's body untouched
when the client speaks that same protocol: that is the lossless passthrough. The mock provider
speaks no wire protocol; it builds canonical answers itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from gateway.canonical import ImageRequest, ImageResponse, Request, Response, StreamEvent
from gateway.catalog import ModelEntry


class Provider(Protocol):
    name: str
    protocol: str | None

    def complete(self, request: Request, model: ModelEntry) -> Response:
        """One whole answer; raises GatewayError for upstream failures."""
        ...

    def stream(self, request: Request, model: ModelEntry) -> Iterator[StreamEvent]:
        """Canonical stream events as they arrive. Closing the iterator closes the upstream."""
        ...

    def count_tokens(self, request: Request, model: ModelEntry) -> int: ...

    def generate_images(self, request: ImageRequest, model: ModelEntry) -> ImageResponse: ...


class UpstreamReply(Protocol):
    """A passthrough reply: status, headers, and the body as it arrives."""

    status: int
    headers: dict[str, str]

    def iter_bytes(self) -> Iterator[bytes]: ...

    def read(self) -> bytes: ...

    def close(self) -> None: ...


class WireProvider(Provider, Protocol):
    def forward(self, body: dict[str, Any], model: ModelEntry, *, stream: bool) -> UpstreamReply:
        """Send a client's body (already rewritten for the upstream) and return the raw reply."""
        ...
