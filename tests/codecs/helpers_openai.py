"""Shared test helpers for the two OpenAI codecs: real recordings, canonical stream folding and
grammar, spec validation, and an offline openai SDK client that reads given bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from gateway.canonical import (
    ArgumentsDelta,
    BlockStart,
    BlockStop,
    Part,
    RedactedThinking,
    SignatureDelta,
    StopReason,
    StreamEnd,
    StreamError,
    StreamEvent,
    StreamStart,
    Text,
    TextDelta,
    Thinking,
    ThinkingDelta,
    ToolCall,
    Usage,
)
from gateway.cassettes.loader import load_recording
from gateway.codecs.base import Codec
from gateway.sse import SSEDecoder, SSEEvent

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "upstream-recordings" / "openai"
MISSING = f"real recordings not found at {RECORDINGS} (they live beside the repository, not in it)"


def recorded(pattern: str, path: str, *, ok_only: bool = True) -> list[Any]:
    """pytest params ``(name, interaction)`` for every recorded call to ``path`` in files matching
    ``pattern``; one skipped param when the recordings are absent."""
    if not RECORDINGS.is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=MISSING))]
    params = []
    for file in sorted(RECORDINGS.glob(pattern)):
        for position, interaction in enumerate(load_recording(file)):
            if interaction.path == path and (interaction.status == 200 or not ok_only):
                params.append(pytest.param(file.stem, interaction, id=f"{file.stem}#{position}"))
    return params


def sse_events(data: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return decoder.feed(data) + decoder.close()


def decode_stream(codec: Codec, data: bytes | Iterable[SSEEvent]) -> list[StreamEvent]:
    decoder = codec.stream_decoder()
    events: list[StreamEvent] = []
    for event in sse_events(data) if isinstance(data, bytes) else data:
        events.extend(decoder.feed(event))
    return events + decoder.close()


def reencode(codec: Codec, events: list[StreamEvent], request: Any) -> bytes:
    encoder = codec.stream_encoder(request)
    return b"".join(encoder.encode(event) for event in events)


def json_events(data: bytes) -> list[tuple[str | None, Any]]:
    """(event name, parsed data) of every SSE event; ``[DONE]`` stays a string."""
    return [(e.event, e.data if e.data == "[DONE]" else json.loads(e.data)) for e in sse_events(data)]


@dataclass
class Folded:
    """A canonical stream folded into what a whole response would hold."""

    start: StreamStart | None = None
    content: list[Part] = field(default_factory=list)
    stop_reason: StopReason | None = None
    usage: Usage | None = None
    error: StreamError | None = None

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.content if isinstance(part, Text))

    @property
    def calls(self) -> list[tuple[str, str, str]]:
        return [(p.id, p.name, p.arguments) for p in self.content if isinstance(p, ToolCall)]


def fold(events: list[StreamEvent]) -> Folded:
    """Fold canonical events, checking the grammar on the way: StreamStart first, blocks with
    dense indices that never interleave, deltas only into the open block, one terminal event
    last (StreamEnd with no block open, or StreamError)."""
    folded = Folded()
    assert events and isinstance(events[0], StreamStart | StreamError), events[:1]
    open_index: int | None = None
    for position, event in enumerate(events):
        last = position == len(events) - 1
        match event:
            case StreamStart():
                assert position == 0
                folded.start = event
            case BlockStart():
                assert open_index is None, f"block {event.index} starts inside block {open_index}"
                assert event.index == len(folded.content), "block indices must be dense"
                open_index = event.index
                folded.content.append(_copy(event.block))
            case TextDelta() | ThinkingDelta() | ArgumentsDelta() | SignatureDelta():
                assert event.index == open_index, f"{event} outside its block"
                _apply(folded.content[event.index], event)
            case BlockStop():
                assert event.index == open_index
                open_index = None
            case StreamEnd():
                assert last and open_index is None
                folded.stop_reason, folded.usage = event.stop_reason, event.usage
            case StreamError():
                assert last
                folded.error = event
    return folded


def _copy(block: Part) -> Part:
    if isinstance(block, Text):
        return Text(block.text)
    if isinstance(block, Thinking):
        return Thinking(block.text, block.signature)
    if isinstance(block, ToolCall):
        return ToolCall(block.id, block.name, block.arguments, block.signature)
    assert isinstance(block, RedactedThinking), block
    return RedactedThinking(block.data)


def _apply(block: Part, delta: StreamEvent) -> None:
    if isinstance(delta, TextDelta):
        assert isinstance(block, Text)
        block.text += delta.text
    elif isinstance(delta, ThinkingDelta):
        assert isinstance(block, Thinking)
        block.text += delta.text
    elif isinstance(delta, SignatureDelta):
        assert isinstance(block, Thinking)
        block.signature = (block.signature or "") + delta.signature
    elif isinstance(delta, ArgumentsDelta):
        assert isinstance(block, ToolCall)
        block.arguments += delta.json


def specs() -> Any:
    """The project's specs, or a skip when they are not generated yet."""
    module = pytest.importorskip("gateway.specs", reason="gateway.specs is not there yet")
    try:
        return module.load_specs()
    except FileNotFoundError as exc:  # pragma: no cover - specs/ not generated
        pytest.skip(f"specs not generated: {exc}")


def stream_problems(operation_id: str, data: bytes) -> list[str]:
    spec = specs()
    return [
        f"{event.event}: {problem}"
        for event in sse_events(data)
        for problem in spec.validate_stream_event(operation_id, event.event, event.data)
    ]


def sdk_client(body: bytes, content_type: str = "text/event-stream") -> openai.OpenAI:
    """An openai client whose every call is answered, offline, with ``body``."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type}, content=body)

    http_client = httpx.Client(transport=httpx.MockTransport(answer))
    return openai.OpenAI(
        api_key="test", base_url="http://gateway.test/v1", http_client=http_client, max_retries=0
    )
