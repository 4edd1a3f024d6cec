"""Fake providers on loopback: one pytest-httpserver stands in for all four upstream protocols.

Each protocol's fake answers from a queue of replies (the last one repeats): a real recorded reply
(its status, headers and wire bytes, gzip kept as the provider sent it), a canned body, or a
generator that writes a stream piece by piece (and may block, fail or watch for a closed socket).
Every request body it receives is kept, so a test asserts what the provider was asked.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gateway import tables
from gateway.cassettes.loader import Interaction, load_recording

RECORDINGS = Path(__file__).resolve().parents[3] / "shared" / "upstream-recordings"

# Which protocol a request path belongs to (the catalog below points each provider here).
PATHS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/v1/chat/completions$"), tables.OPENAI_CHAT),
    (re.compile(r"^/v1/responses$"), tables.OPENAI_RESPONSES),
    (re.compile(r"^/v1/messages$"), tables.ANTHROPIC),
    (re.compile(r"^/v1beta/models/[^/]+:(stream)?[gG]enerateContent$"), tables.GEMINI),
)

# Recorded response headers a provider's client relies on; the rest (dates, cookies) is noise.
KEPT_HEADERS = ("content-type", "content-encoding", "retry-after", "retry-after-ms", "request-id")

Chunks = Callable[["Received"], Iterator[bytes]]


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer of a fake provider: a whole body, or ``chunks`` written one by one."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    chunks: Chunks | None = None

    @classmethod
    def json(cls, body: Any, status: int = 200, **headers: str) -> Reply:
        return cls(
            status, json.dumps(body).encode(), (("content-type", "application/json"), *headers.items())
        )

    @classmethod
    def sse(cls, body: bytes, content_type: str = "text/event-stream") -> Reply:
        return cls(200, body, (("content-type", content_type),))

    @classmethod
    def streamed(cls, chunks: Chunks, content_type: str = "text/event-stream") -> Reply:
        return cls(200, b"", (("content-type", content_type),), chunks)


def recording(name: str, index: int = 0) -> Interaction:
    """One interaction of a real recording, ``name`` as ``provider/file-stem``."""
    return _recording(name)[index]


@cache
def _recording(name: str) -> tuple[Interaction, ...]:
    if not RECORDINGS.is_dir():
        pytest.skip(f"real recordings not present at {RECORDINGS}")
    return tuple(load_recording(RECORDINGS / f"{name}.yaml"))


def recorded(name: str, index: int = 0) -> Reply:
    """The provider's reply exactly as recorded: status, the headers clients read, wire bytes."""
    interaction = recording(name, index)
    wire = interaction.response.wire
    headers = []
    for header in KEPT_HEADERS:
        value = interaction.response.header(header)
        if value is None or (header == "content-encoding" and wire[:2] != b"\x1f\x8b"):
            continue
        headers.append((header, value))
    return Reply(interaction.status, wire, tuple(headers))


def recorded_json(name: str, index: int = 0) -> dict[str, Any]:
    """The decoded body of a recorded reply."""
    return recording(name, index).response.json()


@dataclass(slots=True)
class Received:
    """One request a fake provider got."""

    path: str
    query: str
    headers: dict[str, str]
    body: dict[str, Any]
    # Set when the server stopped writing the reply: it ended, or the client closed the socket.
    ended: threading.Event = field(default_factory=threading.Event)
    ended_at: float | None = None


@dataclass
class Fake:
    """The fake provider of one protocol: its reply queue and the requests it received."""

    protocol: str
    replies: list[Reply] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def answer(self, *replies: Reply) -> Fake:
        self.replies[:] = replies
        return self

    @property
    def body(self) -> dict[str, Any]:
        """The body of the last request received."""
        assert self.received, f"the {self.protocol} upstream received no request"
        return self.received[-1].body

    def next_reply(self) -> Reply:
        assert self.replies, f"the {self.protocol} upstream has no reply queued"
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


class FakeUpstreams:
    """The four fake providers behind one loopback server (a fresh set for every test)."""

    def __init__(self, server: HTTPServer) -> None:
        self.fakes = {protocol: Fake(protocol) for protocol in tables.PROTOCOLS}
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def __getitem__(self, protocol: str) -> Fake:
        return self.fakes[protocol]

    def _handle(self, request: Request) -> Response:
        protocol = next((p for pattern, p in PATHS if pattern.match(request.path)), None)
        if protocol is None:
            return Response(f"no fake provider serves {request.path}", status=404)
        fake = self.fakes[protocol]
        received = Received(
            request.path,
            request.query_string.decode(),
            {k.lower(): v for k, v in request.headers.items()},
            json.loads(request.get_data() or b"{}"),
        )
        fake.received.append(received)
        reply = fake.next_reply()
        if reply.chunks is None:
            return Response(reply.body, status=reply.status, headers=list(reply.headers))
        return Response(_watched(reply.chunks(received), received), reply.status, list(reply.headers))


def _watched(chunks: Iterator[bytes], received: Received) -> Iterator[bytes]:
    """The reply's chunks, noting when the server stopped writing them (a write to a closed
    socket fails, and the server closes this generator)."""
    try:
        yield from chunks
    finally:
        received.ended_at = time.monotonic()
        received.ended.set()
