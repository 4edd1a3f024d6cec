"""Replay: the gateway's upstream calls answered from cassettes, never from the network.

``ReplayTransport`` is an httpx transport, so replay is a transport like any other (see httpx's
``MockTransport``): the providers, codecs and pipeline run exactly as they do live, and only the
bytes on the wire come from a file. The cassettes are vcrpy ``Cassette`` objects in record mode
``none``, matched by ``gateway.cassettes.matching`` (the meaning of the request, not its bytes).

How a request finds its answer across a directory: every ``*.yaml`` under it is loaded, in sorted
path order. The first interaction (in that order) that matches and has not been played answers;
so a cassette recorded as 429, then 529, then 200 for one request replays in that order. Once
every matching interaction has been played, the last one keeps answering, so a long CI run that
repeats a request still gets the final (usually successful) answer. A request no cassette holds
is an error naming the request and the nearest recorded one, with what differs.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from vcr.cassette import Cassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.request import Request as VcrRequest

from gateway.cassettes.matching import differences, make_matcher, meaning_of, model_names
from gateway.cassettes.vcr_format import load_cassette
from gateway.catalog import Catalog
from gateway.errors import ErrorKind, GatewayError
from gateway.providers.http import HttpProvider
from gateway.sse import encode_event

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["CassetteMiss", "ReplayTransport", "cassette_paths", "install_transport", "replay_transport"]

log = logging.getLogger("gateway.replay")


class CassetteMiss(GatewayError):
    """A replayed request that no cassette holds. The client sees a 502 in its own protocol whose
    message names the request and the nearest recorded one."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.BAD_GATEWAY, message, code="cassette_miss")


def cassette_paths(source: str | Path) -> list[Path]:
    """One cassette file, or every ``*.yaml`` under a directory in sorted order."""
    source = Path(source)
    if source.is_file():
        return [source]
    paths = sorted(source.rglob("*.yaml"))
    if not paths:
        raise FileNotFoundError(f"no cassettes (*.yaml) under {source}")
    return paths


class ReplayTransport(httpx.BaseTransport):
    """Answers every request from the loaded cassettes (thread-safe; one lock for play order)."""

    def __init__(self, paths: Iterable[Path], catalog: Catalog | None = None) -> None:
        matcher = make_matcher(catalog)
        self._same_model = model_names(catalog)
        self.cassettes: list[Cassette] = [load_cassette(path, matcher) for path in paths]
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        wanted = VcrRequest(request.method, str(request.url), body, dict(request.headers))
        with self._lock:
            recorded = self._play(wanted)
        return _response(recorded, _asks_for_sse(request.url), request)

    def rewind(self) -> None:
        """Forget what was played: every sequence starts again from its first answer."""
        with self._lock:
            for cassette in self.cassettes:
                cassette.rewind()

    def _play(self, wanted: VcrRequest) -> dict[str, Any]:
        for cassette in self.cassettes:
            if wanted in cassette:
                return cassette.play_response(wanted)
        for cassette in reversed(self.cassettes):
            try:
                return cassette.responses_of(wanted)[-1]
            except UnhandledHTTPRequestError:
                continue
        raise self._miss(wanted)

    def _miss(self, wanted: VcrRequest) -> CassetteMiss:
        """The error for a request no cassette holds. The nearest recorded request is the one
        that differs least: first in endpoint, model and form, then in the body."""
        ours = meaning_of(wanted.method, wanted.uri, bytes(wanted.body or b""))
        nearest: tuple[tuple[int, int], str, list[str]] | None = None
        for cassette in self.cassettes:
            for number, stored in enumerate(cassette.requests):
                theirs = meaning_of(stored.method, stored.uri, bytes(stored.body or b""))
                found = differences(ours, theirs, self._same_model)
                score = (sum(not line.startswith("body") for line in found), len(found))
                if nearest is None or score < nearest[0]:
                    nearest = (score, f"{cassette.path}#{number}", found)
        message = f"replay: no cassette holds this request: {ours.describe()}"
        if nearest is not None:
            message += f"; nearest recorded is {nearest[1]}, which differs in " + "; ".join(nearest[2][:4])
        log.error("%s", message)
        return CassetteMiss(message)


def _asks_for_sse(url: httpx.URL) -> bool:
    return url.path.endswith(":streamGenerateContent") and url.params.get("alt") == "sse"


def _response(recorded: dict[str, Any], want_sse: bool, request: httpx.Request) -> httpx.Response:
    headers = [(name, value) for name, values in recorded["headers"].items() for value in values]
    body = (recorded.get("body") or {}).get("string") or b""
    if isinstance(body, str):
        body = body.encode()
    if want_sse and _is_json_array(headers, body):
        headers, body = _as_sse(headers, body)
    status = recorded["status"]
    message = status.get("message")
    return httpx.Response(
        status["code"],
        headers=headers,
        stream=httpx.ByteStream(body),
        extensions={"reason_phrase": message.encode("ascii")} if message else {},
        request=request,
    )


def _is_json_array(headers: list[tuple[str, str]], body: bytes) -> bool:
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
    return "text/event-stream" not in ctype and bool(_decoded(headers, body).lstrip().startswith(b"["))


def _decoded(headers: list[tuple[str, str]], body: bytes) -> bytes:
    if any(k.lower() == "content-encoding" and "gzip" in v for k, v in headers):
        return gzip.decompress(body)
    return body


def _as_sse(headers: list[tuple[str, str]], body: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """Gemini's stream recorded as one JSON array, served to a gateway that asked for ``alt=sse``:
    the same chunks, one data-only event each."""
    chunks = json.loads(_decoded(headers, body))
    sse = b"".join(encode_event(json.dumps(chunk, separators=(",", ":"))) for chunk in chunks)
    dropped = {"content-type", "content-encoding", "content-length"}
    kept = [(k, v) for k, v in headers if k.lower() not in dropped]
    return [*kept, ("content-type", "text/event-stream")], sse


def replay_transport(source: str | Path, catalog: Catalog | None = None) -> ReplayTransport:
    """The transport for ``upstream = replay``: every cassette in ``source`` (a file or directory)."""
    return ReplayTransport(cassette_paths(source), catalog)


def install_transport(app: Flask, transport: httpx.BaseTransport) -> None:
    """Route every HTTP provider of a built gateway through ``transport``: how ``gateway record``
    puts its recorder between the gateway and the real upstream, and how a test swaps cassettes
    without building a new app."""
    for provider in app.extensions["gateway"].providers.values():
        if isinstance(provider, HttpProvider):
            provider.client = httpx.Client(
                transport=transport, timeout=provider.client.timeout, follow_redirects=False
            )
