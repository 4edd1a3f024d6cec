"""Test helpers for the Anthropic and Gemini codec tests: recordings, folding, grammar, specs.

The recordings are read in place from ``../shared/upstream-recordings``; tests that need them are
skipped, with the reason, when that directory is absent. ``fold`` is written here independently of
the codecs (it is the reference the codecs' own event streams are checked against).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gateway.canonical import (
    ArgumentsDelta,
    BlockStart,
    BlockStop,
    Part,
    SignatureDelta,
    StreamEnd,
    StreamError,
    StreamEvent,
    StreamStart,
    Text,
    TextDelta,
    Thinking,
    ThinkingDelta,
    ToolCall,
)
from gateway.cassettes.loader import Interaction, load_recording
from gateway.codecs.base import StreamDecoder
from gateway.specs import SpecSet, load_specs
from gateway.sse import SSEDecoder, SSEEvent

REPO = Path(__file__).resolve().parents[2]
RECORDINGS = REPO.parent / "shared" / "upstream-recordings"
SPECS_DIR = REPO / "specs"


@dataclass(frozen=True)
class Recorded:
    """One recorded interaction, named ``provider/file#index`` in test ids."""

    name: str
    interaction: Interaction

    def request(self) -> Any:
        return self.interaction.request.json()

    def response(self) -> Any:
        return json.loads(self.interaction.response.body)


def recordings(provider: str, keep: Any) -> list[Any]:
    """pytest params for the interactions of one provider's recordings that ``keep`` accepts."""
    directory = RECORDINGS / provider
    if not directory.is_dir():
        return [
            pytest.param(
                None, marks=pytest.mark.skip(reason=f"{directory} is absent (shared data not mounted)")
            )
        ]
    params = []
    for path in sorted(directory.glob("*.yaml")):
        for index, interaction in enumerate(load_recording(path)):
            recorded = Recorded(f"{provider}/{path.stem}#{index}", interaction)
            if keep(recorded):
                params.append(pytest.param(recorded, id=recorded.name))
    return params


def specs() -> SpecSet:
    return load_specs(SPECS_DIR)


def sse_events(body: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return decoder.feed(body) + decoder.close()


def decode_stream(decoder: StreamDecoder, events: Iterable[SSEEvent]) -> list[StreamEvent]:
    out: list[StreamEvent] = []
    for event in events:
        out += decoder.feed(event)
    return out + decoder.close()


@dataclass
class Folded:
    """The whole-message view of a canonical event stream."""

    start: StreamStart | None = None
    content: list[Part] = field(default_factory=list)
    end: StreamEnd | None = None
    error: StreamError | None = None


def fold(events: list[StreamEvent]) -> Folded:
    """Fold canonical stream events, asserting the canonical grammar on the way: StreamStart
    first, blocks with dense indices that never interleave, StreamEnd or StreamError last."""
    folded = Folded()
    open_index: int | None = None
    for position, event in enumerate(events):
        last = position == len(events) - 1
        match event:
            case StreamStart():
                assert position == 0, "StreamStart must come first"
                folded.start = event
            case BlockStart():
                assert open_index is None, f"block {event.index} starts while {open_index} is open"
                assert event.index == len(folded.content), "block indices must be dense"
                open_index = event.index
                folded.content.append(_copy(event.block))
            case TextDelta() | ThinkingDelta() | ArgumentsDelta() | SignatureDelta():
                assert event.index == open_index, f"delta for {event.index} while {open_index} is open"
                _apply(folded.content[-1], event)
            case BlockStop():
                assert event.index == open_index
                open_index = None
            case StreamEnd():
                assert last and open_index is None, "StreamEnd must be last, after every block stopped"
                folded.end = event
            case StreamError():
                assert last, "nothing may follow a StreamError"
                folded.error = event
    return folded


def _copy(block: Part) -> Part:
    match block:
        case Text():
            return Text(block.text)
        case Thinking():
            return Thinking(block.text, block.signature)
        case ToolCall():
            return ToolCall(block.id, block.name, block.arguments, block.signature)
    return block


def _apply(block: Any, event: StreamEvent) -> None:
    match event:
        case TextDelta() | ThinkingDelta():
            block.text += event.text
        case ArgumentsDelta():
            block.arguments += event.json
        case SignatureDelta():
            block.signature = (block.signature or "") + event.signature


def normalized(content: list[Part]) -> list[Any]:
    """Content compared by meaning: tool arguments as parsed JSON, other parts as they are."""
    out: list[Any] = []
    for part in content:
        if isinstance(part, ToolCall):
            out.append(("call", part.id, part.name, json.loads(part.arguments or "{}"), part.signature))
        else:
            out.append(part)
    return out
