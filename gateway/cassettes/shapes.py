"""The shape of recorded traffic, without its content: what kind of call, which keys, which headers.

A project cassette is authored, not recorded, so it can drift into fiction: a field no provider sends,
a header with the wrong name, events in an order no stream has. These functions reduce any
interaction (ours or a real provider's) to comparable facts: its *kind* (endpoint protocol and form),
the JSON key paths of each body or event type, and its header names. Comparing those facts between
our cassettes and real recordings of the same kind is what keeps ours honest; the values (the text,
ids, dates) are deliberately left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gateway import tables
from gateway.cassettes.loader import Interaction
from gateway.sse import SSEDecoder, SSEEvent

__all__ = [
    "PROVIDER_HOSTS",
    "Kind",
    "ShapeReference",
    "body_shapes",
    "endpoint_of",
    "header_names",
    "key_paths",
    "kind_of",
    "provider_of",
    "stream_events",
]

PROVIDER_HOSTS = {
    "api.openai.com": "openai",
    "api.anthropic.com": "anthropic",
    "generativelanguage.googleapis.com": "gemini",
}

# Subtrees whose keys are the caller's, not the provider's: tool arguments the model wrote, JSON
# schemas and metadata echoed back, free-form error metadata. Their keys say nothing about the API.
OPAQUE: dict[str, frozenset[str]] = {
    tables.ANTHROPIC: frozenset({"content[].input", "content_block.input", "message.content[].input"}),
    tables.GEMINI: frozenset(
        {
            "candidates[].content.parts[].functionCall.args",
            "error.details[].metadata",
            "[].error.details[].metadata",
        }
    ),
    tables.OPENAI_RESPONSES: frozenset(
        {
            "tools[].parameters",
            "response.tools[].parameters",
            "text.format.schema",
            "response.text.format.schema",
            "metadata",
            "response.metadata",
        }
    ),
}


@dataclass(frozen=True, slots=True, order=True)
class Kind:
    """What an interaction is, for comparison: endpoint protocol (or path) and form."""

    endpoint: str
    form: str  # json | stream | error

    def __str__(self) -> str:
        return f"{self.endpoint}/{self.form}"


def provider_of(interaction: Interaction) -> str | None:
    return PROVIDER_HOSTS.get(interaction.host)


def endpoint_of(interaction: Interaction) -> str:
    """The protocol a call spoke (``gateway.tables`` names), or ``other:<path>`` for the rest."""
    path = interaction.path
    if path.endswith((":generateContent", ":streamGenerateContent")):
        return tables.GEMINI
    for suffix, protocol in (
        ("/chat/completions", tables.OPENAI_CHAT),
        ("/responses", tables.OPENAI_RESPONSES),
        ("/images/generations", tables.OPENAI_IMAGES),
        ("/v1/messages", tables.ANTHROPIC),
    ):
        if path.endswith(suffix):
            return protocol
    return f"other:{path.split(':')[-1] if ':' in path else path}"


def is_json_array_stream(interaction: Interaction) -> bool:
    """Gemini's ``streamGenerateContent`` without ``alt=sse``: one JSON array of chunks."""
    return interaction.path.endswith(":streamGenerateContent") and "alt=sse" not in interaction.query


def is_stream(interaction: Interaction) -> bool:
    """Asked for as a stream. Some recordings kept no content-type, so the request decides."""
    if interaction.path.endswith(":streamGenerateContent"):
        return True
    try:
        body = interaction.request.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("stream") is True


def kind_of(interaction: Interaction) -> Kind:
    form = "error" if interaction.status >= 400 else "stream" if is_stream(interaction) else "json"
    return Kind(endpoint_of(interaction), form)


def stream_events(interaction: Interaction) -> list[SSEEvent]:
    """A recorded stream as events, whichever form (SSE or Gemini's JSON array) it came in."""
    if is_json_array_stream(interaction):
        chunks = _parse(interaction.response.body)
        return [SSEEvent(json.dumps(chunk)) for chunk in chunks] if isinstance(chunks, list) else []
    decoder = SSEDecoder()
    return decoder.feed(interaction.response.body) + decoder.close()


def key_paths(value: Any, opaque: Iterable[str] = (), prefix: str = "") -> set[str]:
    """Every key path in a JSON value (``choices[].message.content``); arrays collapse to ``[]``
    and an opaque path is kept but not descended into."""
    opaque = frozenset(opaque)
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            if path not in opaque:
                paths |= key_paths(item, opaque, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, opaque, prefix + "[]")
    return paths


def _parse(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def _body_type(endpoint: str, body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("object") or body.get("type") or endpoint)
    return "array" if isinstance(body, list) else "text"


def _event_type(event: SSEEvent, data: Any) -> str:
    """An event's name, refined by the type of the block, delta, item or part it carries, so a
    text block and a tool-use block are compared with their own kind."""
    if not isinstance(data, dict):
        return event.event or "text"
    name = event.event or data.get("type") or data.get("object") or "chunk"
    for key in ("content_block", "delta", "item", "part"):
        inner = data.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("type"), str):
            return f"{name}/{inner['type']}"
    return str(name)


def body_shapes(interaction: Interaction) -> dict[str, list[set[str]]]:
    """Body or event type -> the key paths of each occurrence, in order.

    A whole body is one occurrence of its type (``chat.completion``, ``message``, ``error``...); a
    stream is one occurrence per event, typed by ``_event_type``. A body that is not JSON (a proxy's
    text page) is the type ``text`` with no keys.
    """
    kind = kind_of(interaction)
    opaque = OPAQUE.get(kind.endpoint, frozenset())
    shapes: dict[str, list[set[str]]] = {}
    if kind.form == "stream":
        for event in stream_events(interaction):
            data = _parse(event.data)
            if event.data.strip() == "[DONE]":
                shapes.setdefault("[DONE]", []).append(set())
                continue
            shapes.setdefault(_event_type(event, data), []).append(key_paths(data, opaque))
        return shapes
    body = _parse(interaction.response.body)
    kind_name = "error" if kind.form == "error" and body is not None else _body_type(kind.endpoint, body)
    shapes[kind_name] = [key_paths(body, opaque)]
    return shapes


def header_names(interaction: Interaction) -> set[str]:
    return set(interaction.response.headers)


@dataclass(slots=True)
class _Seen:
    """What the real recordings of one kind show: per body/event type the key paths of every
    occurrence; the header names of each interaction; content types and how often each is gzipped."""

    types: dict[str, list[set[str]]]
    headers: list[set[str]]
    full_headers: list[set[str]]
    content_types: dict[str | None, list[bool]]


class ShapeReference:
    """The shapes of real recordings, to hold an authored interaction against.

    An authored interaction differs from the real ones of its provider and kind when it has a body
    or event type they never have, a key path none of them has, lacks a key path all of them have,
    has a header name none of them has or lacks one every complete header set has, uses another
    content type, or is gzipped where they are not (or the reverse; the majority decides, a tie
    allows either). ``allowed`` maps ``<kind>:<type>[:<key path>]`` or ``<kind>:header:<name>`` to
    why the real set is too small to show it.
    """

    def __init__(self, interactions: Iterable[Interaction], allowed: dict[str, str] | None = None) -> None:
        self.allowed = allowed or {}
        self.kinds: dict[tuple[str | None, Kind], _Seen] = {}
        for interaction in interactions:
            seen = self.kinds.setdefault(
                (provider_of(interaction), kind_of(interaction)), _Seen({}, [], [], {})
            )
            for name, occurrences in body_shapes(interaction).items():
                seen.types.setdefault(name, []).extend(occurrences)
            names = header_names(interaction)
            seen.headers.append(names)
            if "date" in names:  # recorded with its headers (some projects strip them)
                seen.full_headers.append(names)
            ctype = interaction.response.header("content-type")
            gzipped = "gzip" in (interaction.response.header("content-encoding") or "")
            seen.content_types.setdefault(ctype, []).append(gzipped)

    def differences(self, interaction: Interaction) -> list[str]:
        kind = kind_of(interaction)
        seen = self.kinds.get((provider_of(interaction), kind))
        if seen is None:
            return [f"no real recording of {provider_of(interaction)} {kind} to compare with"]
        found = self._body_differences(kind, seen, interaction)
        found += self._header_differences(kind, seen, interaction)
        return found

    def _allowed(self, kind: Kind, name: str, path: str = "") -> bool:
        return f"{kind}:{name}:{path}".rstrip(":") in self.allowed

    def _body_differences(self, kind: Kind, seen: _Seen, interaction: Interaction) -> list[str]:
        found = []
        for name, occurrences in body_shapes(interaction).items():
            real = seen.types.get(name)
            if real is None:
                if not self._allowed(kind, name):
                    found.append(f"{name}: no real {kind} recording has this body or event type")
                continue
            union, required = set().union(*real), set.intersection(*real)
            for paths in occurrences:
                found += [
                    f"{name}: key {path!r} is in no real {kind} recording"
                    for path in sorted(paths - union)
                    if not self._allowed(kind, name, path)
                ]
                found += [
                    f"{name}: key {path!r}, in every real {kind} recording, is missing"
                    for path in sorted(required - paths)
                    if not self._allowed(kind, name, path)
                ]
        return sorted(set(found))

    def _header_differences(self, kind: Kind, seen: _Seen, interaction: Interaction) -> list[str]:
        names = header_names(interaction)
        union = set().union(*seen.headers)
        found = [
            f"header {name!r} is in no real recording of this kind"
            for name in sorted(names - union)
            if not self._allowed(kind, "header", name)
        ]
        if seen.full_headers:
            required = set.intersection(*seen.full_headers)
            found += [
                f"header {name!r}, sent in every real recording of this kind, is missing"
                for name in sorted(required - names)
            ]
        ctype = interaction.response.header("content-type")
        if ctype not in seen.content_types:
            found.append(
                f"content-type {ctype!r} is not one real recordings of this kind use: {sorted(map(str, seen.content_types))}"
            )
        else:
            gzips = seen.content_types[ctype]
            gzipped = "gzip" in (interaction.response.header("content-encoding") or "")
            share = sum(gzips) / len(gzips)
            if (gzipped and share < 0.5) or (not gzipped and share > 0.5):  # a tie allows either
                found.append(
                    f"content-encoding: {'gzip' if gzipped else 'none'}, where {sum(gzips)} of {len(gzips)} real "
                    f"{ctype} replies of this kind are gzipped"
                )
        return found
