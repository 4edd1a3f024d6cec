"""Real recordings as test material: which protocol each one speaks, its events, and editable copies.

Broken streams are built by editing real ones, so every rule is shown to fire on a stream that is
otherwise exactly what a provider sent. ``Ev`` is one event with its data parsed, so an edit is a
dict change rather than string surgery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import Finding
from conformance.checks.stream_gemini import events_from_json_array
from gateway.cassettes.loader import Interaction, iter_recordings, load_recording
from gateway.sse import SSEDecoder, SSEEvent
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSES

RECORDINGS = Path(__file__).resolve().parents[3].parent / "shared" / "upstream-recordings"
PATH_PROTOCOLS = {
    "/v1/chat/completions": OPENAI_CHAT,
    "/v1/responses": OPENAI_RESPONSES,
    "/v1/messages": ANTHROPIC,
}
HOST_PROTOCOLS = {"openai": OPENAI_CHAT, "anthropic": ANTHROPIC, "googleapis": GEMINI}


def protocol_of(interaction: Interaction) -> str | None:
    """The protocol a recorded call spoke, by URL path (``None`` for embeddings, files, ...)."""
    if interaction.path in PATH_PROTOCOLS:
        return PATH_PROTOCOLS[interaction.path]
    if interaction.path.endswith((":generateContent", ":streamGenerateContent")):
        return GEMINI
    return None


def error_protocol_of(interaction: Interaction) -> str:
    """The error shape a recorded failure must have: by path, else by provider host (same envelope)."""
    protocol = protocol_of(interaction)
    if protocol is not None:
        return protocol
    return next(p for host, p in HOST_PROTOCOLS.items() if host in interaction.host)


def request_of(interaction: Interaction) -> dict[str, Any] | None:
    try:
        body = interaction.request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def is_json_array_stream(interaction: Interaction) -> bool:
    return interaction.path.endswith(":streamGenerateContent") and "alt=sse" not in interaction.query


def is_sse_stream(interaction: Interaction) -> bool:
    """Asked for as a stream (some recordings kept no content-type, so the request decides)."""
    if interaction.path.endswith(":streamGenerateContent"):
        return "alt=sse" in interaction.query
    return protocol_of(interaction) is not None and (request_of(interaction) or {}).get("stream") is True


def sse_events(body: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return decoder.feed(body) + decoder.close()


def stream_events(interaction: Interaction) -> list[SSEEvent]:
    """A recorded stream as events, whichever form (SSE or Gemini's JSON array) it came in."""
    if is_json_array_stream(interaction):
        return events_from_json_array(interaction.response.body)
    return sse_events(interaction.response.body)


def is_stream_answer(interaction: Interaction) -> bool:
    return interaction.status == 200 and (is_sse_stream(interaction) or is_json_array_stream(interaction))


@cache
def _all_interactions() -> tuple[tuple[str, Interaction], ...]:
    return tuple(
        (f"{path.parent.name}/{path.stem}#{number}", interaction)
        for path, interactions in iter_recordings(RECORDINGS)
        for number, interaction in enumerate(interactions)
    )


def recorded(select: Any) -> list[Any]:
    """``pytest.param`` per recorded interaction that ``select`` accepts, or one skip without recordings."""
    if not RECORDINGS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no recordings at {RECORDINGS}"))]
    return [pytest.param(it, id=name) for name, it in _all_interactions() if select(it)]


def needs_recordings() -> None:
    if not RECORDINGS.is_dir():
        pytest.skip(f"no recordings at {RECORDINGS}")


@dataclass
class Ev:
    """One editable event: ``data`` is the parsed JSON, or a raw string (``[DONE]``, junk)."""

    data: Any
    name: str | None = None

    def sse(self) -> SSEEvent:
        text = self.data if isinstance(self.data, str) else json.dumps(self.data)
        return SSEEvent(text, self.name)


def editable(events: list[SSEEvent]) -> list[Ev]:
    items = []
    for event in events:
        try:
            data = json.loads(event.data)
        except ValueError:
            data = event.data
        items.append(Ev(data, event.event))
    return items


def to_sse(stream: list[Ev]) -> list[SSEEvent]:
    return [item.sse() for item in stream]


def load_stream(name: str, number: int = 0) -> tuple[list[Ev], dict[str, Any] | None]:
    """A recorded stream (``provider/file-stem``) as editable events, with its request body."""
    needs_recordings()
    interaction = load_recording(RECORDINGS / f"{name}.yaml")[number]
    if is_json_array_stream(interaction):
        stream = [Ev(chunk) for chunk in json.loads(interaction.response.body)]
    else:
        stream = editable(sse_events(interaction.response.body))
    return stream, request_of(interaction)


def load_body(name: str, number: int = 0) -> tuple[int, dict[str, Any], dict[str, list[str]]]:
    """A recorded whole response: status, parsed body, headers."""
    needs_recordings()
    interaction = load_recording(RECORDINGS / f"{name}.yaml")[number]
    return interaction.status, interaction.response.json(), interaction.response.headers


def where(stream: list[Ev], predicate: Any) -> list[int]:
    """Positions of the events whose data satisfies ``predicate`` (raw strings never do)."""
    return [i for i, item in enumerate(stream) if isinstance(item.data, dict) and predicate(item.data)]


def of_type(stream: list[Ev], kind: str) -> list[int]:
    return where(stream, lambda data: data.get("type") == kind)


def rules(findings: list[Finding], severity: str = "error") -> set[str]:
    return {finding.rule for finding in findings if finding.severity == severity}


def assert_fires(findings: list[Finding], rule: str, severity: str = "error") -> None:
    fired = [f for f in findings if f.rule == rule and f.severity == severity]
    assert fired, f"expected {severity} {rule}; got:\n" + "\n".join(map(str, findings))
    # Every finding must explain itself: a message and a place.
    assert all(f.message and f.where for f in fired if f.rule.split(".")[1] == "stream"), fired


def describe(findings: list[Finding]) -> str:
    return "\n".join(map(str, findings))
