"""Read a vcrpy cassette in every form real recordings take, into plain decoded interactions.

Recordings made by other projects differ in detail: bodies as plain strings, as ``!!binary`` gzip
bytes with ``Content-Encoding: gzip`` kept, or as pydantic-ai's ``parsed_body`` mapping; methods in
lower case; header names in any case. Everything that reads a recording (codec tests, the
conformance validators, replay) goes through this one reader so those differences live in one place.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway.cassettes.vcr_format import SERIALIZER

__all__ = ["Interaction", "Recorded", "iter_recordings", "load_recording"]


@dataclass(slots=True)
class Recorded:
    """One side of an exchange. ``body`` is the decoded payload (gzip undone); ``wire`` as sent."""

    headers: dict[str, list[str]]
    body: bytes
    wire: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(slots=True)
class Interaction:
    method: str
    uri: str
    request: Recorded
    status: int
    response: Recorded
    source: Path | None = field(default=None, compare=False)

    @property
    def path(self) -> str:
        """The URL path without query, e.g. ``/v1/messages``."""
        return urlsplit(self.uri).path

    @property
    def query(self) -> str:
        return urlsplit(self.uri).query

    @property
    def host(self) -> str:
        return urlsplit(self.uri).hostname or ""

    @property
    def is_stream(self) -> bool:
        """True when the response is an event stream (or Gemini's streamed JSON array)."""
        ctype = self.response.header("content-type") or ""
        return "text/event-stream" in ctype or ":streamGenerateContent" in self.path


def _headers(raw: dict[str, Any] | None) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, values in (raw or {}).items():
        items = values if isinstance(values, list) else [values]
        headers.setdefault(name.lower(), []).extend(str(v) for v in items)
    return headers


def _body(side: dict[str, Any]) -> bytes:
    body = side.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode()


def _decoded(headers: dict[str, list[str]], wire: bytes) -> bytes:
    encoding = ",".join(headers.get("content-encoding", [])).lower()
    if "gzip" in encoding or wire[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(wire)
        except (OSError, EOFError):
            return wire
    return wire


def _recorded(side: dict[str, Any]) -> Recorded:
    headers = _headers(side.get("headers"))
    wire = _body(side)
    return Recorded(headers, _decoded(headers, wire), wire)


def load_recording(path: str | Path) -> list[Interaction]:
    """All interactions of one cassette file, in recorded order. The text is read by the same
    serializer vcrpy replays with (``vcr_format``), which undoes ``parsed_body`` and method case."""
    path = Path(path)
    document = SERIALIZER.deserialize(path.read_text(encoding="utf-8")) or {}
    interactions = []
    for item in document.get("interactions", []):
        request, response = item["request"], item["response"]
        status = response.get("status", {})
        interactions.append(
            Interaction(
                method=request["method"],
                uri=request["uri"],
                request=_recorded(request),
                status=int(status.get("code", 200) if isinstance(status, dict) else status),
                response=_recorded(response),
                source=path,
            )
        )
    return interactions


def iter_recordings(root: str | Path) -> Iterator[tuple[Path, list[Interaction]]]:
    """Every ``*.yaml`` cassette under ``root``, sorted, with its interactions."""
    for path in sorted(Path(root).rglob("*.yaml")):
        yield path, load_recording(path)
