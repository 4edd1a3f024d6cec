"""Identifiers and timestamps derived from a stable digest of the request, never from a clock.

The mock promises byte-identical answers to identical requests, so everything that a real provider
makes random or time-based (response ids, tool call ids, ``created``, thinking signatures) is a
function of a SHA-256 digest of the request's canonical fields. The stream flags are left out of
the digest: a streamed request and its non-streamed twin get the same ids. The content of an
answer is drawn from a second digest that also leaves out the output limits (``max_tokens``,
``stop``), so that a cut answer is a prefix of the uncut one, as it would be from a real model.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
from typing import Any

from gateway.canonical import ImageRequest, Request

_EPOCH = 1_700_000_000
_YEAR = 365 * 24 * 3600
_STREAM_FLAGS = ("stream", "stream_usage")
_OUTPUT_LIMITS = ("max_tokens", "stop")


def request_digests(request: Request) -> tuple[bytes, bytes]:
    """The digest that ids and ``created`` come from (every field but the stream flags), and the
    seed that the answer's content comes from (also without the output limits)."""
    fields = _fields(request)
    for flag in _STREAM_FLAGS:
        del fields[flag]
    limits = {name: fields.pop(name) for name in _OUTPUT_LIMITS}
    seed = _sha256(fields)
    return _sha256({"seed": seed.hex(), "limits": limits}), seed


def image_digest(request: ImageRequest) -> bytes:
    return _sha256(_fields(request))


def response_id(digest: bytes) -> str:
    return f"mock-{digest[:12].hex()}"


def tool_call_id(digest: bytes, index: int) -> str:
    return f"call_{_derive(digest, b'tool-call', str(index).encode())[:12].hex()}"


def created_at(digest: bytes) -> int:
    """A plausible Unix time within a year after November 2023, fixed per request."""
    return _EPOCH + int.from_bytes(digest[:4], "big") % _YEAR


def thinking_signature(digest: bytes, thinking: str) -> str:
    """An opaque base64 signature for a thinking block, as Anthropic sends one."""
    mac = _derive(digest, b"signature", thinking.encode("utf-8", "surrogatepass"))
    return base64.b64encode(mac).decode("ascii")


def derived_bytes(digest: bytes, purpose: str, size: int) -> bytes:
    """``size`` deterministic bytes for one purpose (filler words, image colours)."""
    return hashlib.shake_256(purpose.encode() + b"\0" + digest).digest(size)


def _derive(digest: bytes, purpose: bytes, data: bytes) -> bytes:
    return hashlib.sha256(purpose + b"\0" + digest + b"\0" + data).digest()


def _sha256(value: Any) -> bytes:
    """SHA-256 of a value as sorted, ASCII-escaped JSON, canonical dataclasses included."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=_fields)
    return hashlib.sha256(text.encode("ascii")).digest()


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass as its type name and fields (one level: the JSON encoder does the rest)."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return {"repr": repr(value)}
    return {
        "@type": type(value).__name__,
        **{name: getattr(value, name) for name in _field_names(type(value))},
    }


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))
