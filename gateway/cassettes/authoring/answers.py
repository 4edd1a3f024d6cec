"""What an authored upstream says, before any provider's spelling: the answer or the failure.

Writers take these and a ``Stamp`` (the deterministic ids and clock of one scenario) and produce
``Wire`` bytes. Keeping the content provider-neutral is what lets one scenario list serve five APIs.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

from gateway.canonical import StopReason, Usage

__all__ = ["Answer", "Call", "Failure", "Stamp", "Text", "Thought", "Wire", "pieces"]


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Thought:
    text: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    arguments: dict[str, Any]

    @property
    def json(self) -> str:
        return json.dumps(self.arguments, separators=(",", ":"))


Block = Text | Thought | Call


@dataclass(frozen=True, slots=True)
class Answer:
    blocks: tuple[Block, ...]
    stop: StopReason
    usage: Usage

    @property
    def text(self) -> str:
        return "".join(b.text for b in self.blocks if isinstance(b, Text))

    @property
    def calls(self) -> list[Call]:
        return [b for b in self.blocks if isinstance(b, Call)]


@dataclass(frozen=True, slots=True)
class Failure:
    """An error reply. ``kind`` picks each provider's type/status spelling (see the writers);
    ``retry_after`` (seconds) adds the provider's retry headers where it sends them."""

    status: int
    kind: str
    message: str
    retry_after: int | None = None
    code: str | None = None
    param: str | None = None


@dataclass(slots=True)
class Wire:
    """An HTTP reply as the provider sent it: headers in order, body as on the wire."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def of(cls, status: int, headers: list[tuple[str, str]], body: bytes, *, gzipped: bool) -> Wire:
        if gzipped:
            body = gzip.compress(body, mtime=0)
            headers = [*headers, ("content-encoding", "gzip")]
        return cls(status, headers, body)


_BASE62 = string.digits + string.ascii_letters


@dataclass(frozen=True, slots=True)
class Stamp:
    """The deterministic identity of one scenario: ids derived from its name, its own clock."""

    seed: str
    epoch: int

    def token(self, purpose: str, size: int, alphabet: str = _BASE62) -> str:
        digest = hashlib.sha256(f"{self.seed}/{purpose}".encode()).digest()
        number = int.from_bytes(digest * 2, "big")
        out = []
        for _ in range(size):
            number, rest = divmod(number, len(alphabet))
            out.append(alphabet[rest])
        return "".join(out)

    def hex(self, purpose: str, size: int) -> str:
        return self.token(purpose, size, "0123456789abcdef")

    def signature(self, purpose: str, size: int = 240) -> str:
        """Opaque base64, the shape of a provider's thinking signature or encrypted reasoning."""
        digest = b"".join(hashlib.sha256(f"{self.seed}/{purpose}/{n}".encode()).digest() for n in range(size))
        return base64.b64encode(digest[: size * 3 // 4]).decode()

    @property
    def date(self) -> str:
        return formatdate(self.epoch, usegmt=True)

    def iso(self, offset: int = 0) -> str:
        return datetime.fromtimestamp(self.epoch + offset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pieces(text: str, size: int = 12) -> list[str]:
    """Text cut the way providers stream it: short runs, split at spaces when one is near."""
    out, rest = [], text
    while rest:
        cut = rest.rfind(" ", 1, size + 1)
        cut = cut if cut > 0 else size
        out.append(rest[:cut])
        rest = rest[cut:]
    return out or [""]
