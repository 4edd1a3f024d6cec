"""Talking to the target: a request as the suite means it, the reply as the target sent it.

A reply is read whole (a stream too: the grammar checks need every event) and kept as bytes, so
a check can judge what was really on the wire, and the evidence can show it. A transport failure
(refused, reset, timed out) is a reply with status 0 and the error, never an exception: that a
target hung up is a finding like any other.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.profile import Profile
from gateway.sse import SSEDecoder, SSEEvent

__all__ = ["DEFAULT", "Reply", "Request", "Target", "credentials"]

DEFAULT = "default"  # the profile's preferred auth style for the surface's family
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass(frozen=True)
class Request:
    """``body`` is a JSON value, or bytes sent as they are (malformed JSON, a huge body)."""

    method: str
    path: str
    body: Any = None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def with_body(self, body: Any) -> Request:
        return Request(self.method, self.path, body, self.query, self.headers)

    def content(self) -> bytes | None:
        if self.body is None or isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class Reply:
    """What the target answered; ``status`` 0 means no HTTP answer at all (see ``error``)."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: int = 0
    error: str | None = None

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def events(self) -> list[SSEEvent]:
        decoder = SSEDecoder()
        return decoder.feed(self.body) + decoder.close()


def credentials(style: str | None, key: str) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query parameters that present ``key`` in one of the four documented styles."""
    if style is None:
        return {}, {}
    if style == "bearer":
        return {"authorization": f"Bearer {key}"}, {}
    if style in ("x-api-key", "x-goog-api-key"):
        return {style: key}, {}
    if style == "query":
        return {}, {"key": key}
    raise ValueError(f"unknown auth style {style!r}")


class Target:
    """The gateway under test: its base URL, the key it was given, and what its profile claims."""

    def __init__(self, url: str, key: str, profile: Profile, in_process: bool = False) -> None:
        self.url = url.rstrip("/")
        self.key = key
        self.profile = profile
        self.in_process = in_process  # this project's gateway, served by the suite itself
        self._client = httpx.Client(base_url=self.url, timeout=TIMEOUT, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def prepare(
        self, request: Request, family: str, style: str | None = DEFAULT, key: str | None = None
    ) -> Request:
        """The request with credentials added: the family's default style, a given one, or none."""
        if style == DEFAULT:
            style = self.profile.auth_style(family)
        headers, query = credentials(style, self.key if key is None else key)
        return Request(
            request.method,
            request.path,
            request.body,
            {**request.query, **query},
            {**_json_type(request), **request.headers, **headers},
        )

    def send(self, request: Request) -> Reply:
        """Send a prepared request and read the whole reply."""
        started = time.perf_counter()
        try:
            response = self._client.request(
                request.method,
                request.path,
                params=dict(request.query),
                headers=dict(request.headers),
                content=request.content(),
            )
        except httpx.HTTPError as exc:
            elapsed = int((time.perf_counter() - started) * 1000)
            return Reply(0, {}, b"", elapsed, f"{type(exc).__name__}: {exc}")
        elapsed = int((time.perf_counter() - started) * 1000)
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Reply(response.status_code, headers, response.content, elapsed)


def _json_type(request: Request) -> dict[str, str]:
    return {"content-type": "application/json"} if request.body is not None else {}
