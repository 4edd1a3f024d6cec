"""Providers reached over HTTP, each speaking its own wire protocol through its codec.

One class serves all four protocols: what differs between them (paths, auth header, the headers a
passthrough forwards) is data in ``ENDPOINTS``; how to speak is the codec's business. Calls go
through one pooled synchronous ``httpx.Client`` per provider, so vcrpy can record and replay them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from gateway import tables
from gateway.canonical import (
    ImageRequest,
    ImageResponse,
    Request,
    Response,
    StreamError,
    StreamEvent,
)
from gateway.catalog import ModelEntry, ProviderConfig
from gateway.codecs import Codec, codec_for, openai_images
from gateway.codecs.errors import parse_upstream_error
from gateway.errors import ErrorKind, GatewayError
from gateway.sse import SSEDecoder
from gateway.tokens import estimate_request


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where a protocol's operations live under a provider's base URL, and how it authenticates."""

    generate: str
    stream: str
    count_tokens: str | None
    auth_header: str
    auth_prefix: str = ""
    fixed_headers: tuple[tuple[str, str], ...] = ()
    forwarded_headers: tuple[str, ...] = ()


ENDPOINTS: dict[str, Endpoints] = {
    tables.OPENAI_CHAT: Endpoints("/chat/completions", "/chat/completions", None, "authorization", "Bearer "),
    tables.OPENAI_RESPONSES: Endpoints(
        "/responses",
        "/responses",
        None,
        "authorization",
        "Bearer ",
        forwarded_headers=("openai-beta",),
    ),
    tables.OPENAI_IMAGES: Endpoints("/images/generations", "", None, "authorization", "Bearer "),
    tables.ANTHROPIC: Endpoints(
        "/v1/messages",
        "/v1/messages",
        "/v1/messages/count_tokens",
        "x-api-key",
        fixed_headers=(("anthropic-version", "2023-06-01"),),
        forwarded_headers=("anthropic-version", "anthropic-beta"),
    ),
    tables.GEMINI: Endpoints(
        "/v1beta/models/{model}:generateContent",
        "/v1beta/models/{model}:streamGenerateContent?alt=sse",
        "/v1beta/models/{model}:countTokens",
        "x-goog-api-key",
    ),
}


class HttpReply:
    """A passthrough reply over an open httpx response; ``close`` releases the connection."""

    __slots__ = ("_response", "headers", "status")

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status = response.status_code
        self.headers = response.headers

    def iter_bytes(self) -> Iterator[bytes]:
        return _guarded(self._response.iter_bytes())

    def read(self) -> bytes:
        try:
            return self._response.read()
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc
        finally:
            self._response.close()

    def close(self) -> None:
        self._response.close()


def _guarded(chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    except httpx.HTTPError as exc:
        raise transport_error(exc) from exc


def transport_error(exc: httpx.HTTPError) -> GatewayError:
    """What a failed upstream connection means to the client: never its own fault."""
    if isinstance(exc, httpx.TimeoutException):
        return GatewayError(ErrorKind.TIMEOUT, "the upstream provider did not answer in time")
    if isinstance(exc, httpx.ConnectError):
        return GatewayError(ErrorKind.BAD_GATEWAY, "could not connect to the upstream provider")
    return GatewayError(ErrorKind.BAD_GATEWAY, "the connection to the upstream provider failed")


class HttpProvider:
    """An upstream API in its own protocol: canonical calls via its codec, or raw passthrough."""

    def __init__(self, config: ProviderConfig, client: httpx.Client) -> None:
        self.name = config.name
        self.protocol = config.kind
        self.config = config
        self.codec: Codec | None = codec_for(config.kind) if config.kind in tables.PROTOCOLS else None
        self.endpoints = ENDPOINTS[config.kind]
        self.client = client
        self._urls: dict[str, httpx.URL] = {}

    # --- canonical ------------------------------------------------------------------------------

    def complete(self, request: Request, model: ModelEntry) -> Response:
        codec = self._codec()
        body = codec.encode_request(request, model.upstream_model)
        reply = self.forward(body, model, stream=False)
        return codec.decode_response(upstream_json(reply.read()))

    def stream(self, request: Request, model: ModelEntry) -> Iterator[StreamEvent]:
        codec = self._codec()
        body = codec.encode_request(request, model.upstream_model)
        reply = self.forward(body, model, stream=True)
        decoder, sse = codec.stream_decoder(), SSEDecoder()
        try:
            for chunk in reply.iter_bytes():
                for event in sse.feed(chunk):
                    yield from decoder.feed(event)
            for event in sse.close():
                yield from decoder.feed(event)
            yield from decoder.close()
        except GatewayError as error:
            yield StreamError(error)
        finally:
            reply.close()

    def count_tokens(self, request: Request, model: ModelEntry) -> int:
        """The provider's own count where its protocol has a count endpoint; else the estimate."""
        codec = self._codec()
        body = codec.encode_count_request(request, model.upstream_model)
        if body is None or self.endpoints.count_tokens is None:
            return estimate_request(request)
        path = self.endpoints.count_tokens.format(model=model.upstream_model)
        reply = self._send("POST", path, body)
        if reply.status >= 400:
            raise parse_upstream_error(self.protocol, reply.status, reply.read(), reply.headers)
        return codec.decode_count(upstream_json(reply.read()))

    def generate_images(self, request: ImageRequest, model: ModelEntry) -> ImageResponse:
        body = openai_images.encode_request(request, model.upstream_model)
        reply = self.forward(body, model, stream=False)
        return openai_images.decode_response(upstream_json(reply.read()))

    # --- wire -----------------------------------------------------------------------------------

    def forward(
        self,
        body: dict[str, Any],
        model: ModelEntry,
        *,
        stream: bool,
        client_headers: dict[str, str] | None = None,
    ) -> HttpReply:
        """Send a body to this provider; raise the upstream's error (parsed) on a non-2xx reply."""
        template = self.endpoints.stream if stream else self.endpoints.generate
        path = template.format(model=model.upstream_model)
        reply = self._send("POST", path, body, client_headers=client_headers)
        if reply.status >= 400:
            raise parse_upstream_error(self.protocol, reply.status, reply.read(), reply.headers)
        return reply

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        *,
        client_headers: dict[str, str] | None = None,
    ) -> HttpReply:
        headers = self._headers(client_headers or {})
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        request = self.client.build_request(method, self._url(path), content=content, headers=headers)
        try:
            response = self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc
        return HttpReply(response)

    def _url(self, path: str) -> httpx.URL:
        """Parsed once per path: parsing a URL costs more than building the rest of the request."""
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = httpx.URL(self.config.base_url + path)
        return url

    def _headers(self, client_headers: dict[str, str]) -> dict[str, str]:
        headers = {"content-type": "application/json", **dict(self.endpoints.fixed_headers)}
        for name in self.endpoints.forwarded_headers:
            value = client_headers.get(name)
            if value:
                headers[name] = value
        headers.update(self.config.headers)
        key = self.config.api_key()
        if key:
            headers[self.endpoints.auth_header] = self.endpoints.auth_prefix + key
        return headers

    def _codec(self) -> Codec:
        if self.codec is None:
            raise GatewayError(
                ErrorKind.INVALID_REQUEST, f"provider {self.name!r} does not serve chat models"
            )
        return self.codec


def upstream_json(body: bytes) -> dict[str, Any]:
    """An upstream reply body as a JSON object; a 502 when it is anything else."""
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise GatewayError(
            ErrorKind.BAD_GATEWAY, "the upstream provider sent a body that is not JSON"
        ) from exc
    if not isinstance(parsed, dict):
        raise GatewayError(ErrorKind.BAD_GATEWAY, "the upstream provider sent an unexpected body")
    return parsed
