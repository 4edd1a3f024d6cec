"""An answer as canonical stream events, following the grammar in ``gateway.canonical``.

Text and thinking arrive in word-sized deltas (or N-character ones when scripted), a thinking
block ends with one signature delta, and tool call arguments always arrive in two or more
fragments so that clients are exercised on partial JSON. A scripted pause separates events, and
a scripted failure replaces the rest of the stream with a StreamError after N events.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator

from gateway.canonical import (
    ArgumentsDelta,
    BlockStart,
    BlockStop,
    Part,
    Response,
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
    Usage,
)
from gateway.errors import GatewayError
from gateway.providers.mock.answer import Answer

_WORD = re.compile(r"\s*\S+|\s+")


def stream_events(answer: Answer) -> Iterator[StreamEvent]:
    events = response_events(answer.response, answer.pacing.chunk)
    failure = answer.failure
    if failure is not None and failure.after_events is not None:
        events = _cut_short(events, failure.after_events, failure.exception())
    return _paced(events, answer.pacing.delay_ms)


def response_events(response: Response, chunk: int | None = None) -> Iterator[StreamEvent]:
    """The events that fold back into ``response``; ``chunk`` is N characters, or None for words."""
    usage = response.usage
    known = Usage(
        input_tokens=usage.input_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
    )
    yield StreamStart(id=response.id, model=response.model, created=response.created, usage=known)
    for index, block in enumerate(response.content):
        yield from _block_events(index, block, chunk)
    yield StreamEnd(
        stop_reason=response.stop_reason,
        usage=dataclasses.replace(usage),
        stop_sequence=response.stop_sequence,
    )


def pieces(text: str, chunk: int | None) -> list[str]:
    """``text`` split into words (each with the whitespace before it) or ``chunk``-character pieces."""
    if chunk is None:
        return _WORD.findall(text)
    return [text[start : start + chunk] for start in range(0, len(text), chunk)]


def fragments(arguments: str, chunk: int | None) -> list[str]:
    """Arguments text in pieces, never fewer than two when it has two characters or more."""
    split = pieces(arguments, chunk)
    if len(split) < 2 <= len(arguments):
        middle = len(arguments) // 2
        return [arguments[:middle], arguments[middle:]]
    return split


def _block_events(index: int, block: Part, chunk: int | None) -> Iterator[StreamEvent]:
    if isinstance(block, Text):
        yield BlockStart(index, Text("", block.cache_control))
        yield from (TextDelta(index, piece) for piece in pieces(block.text, chunk))
    elif isinstance(block, Thinking):
        yield BlockStart(index, Thinking())
        yield from (ThinkingDelta(index, piece) for piece in pieces(block.text, chunk))
        if block.signature is not None:
            yield SignatureDelta(index, block.signature)
    elif isinstance(block, ToolCall):
        yield BlockStart(index, ToolCall(id=block.id, name=block.name, signature=block.signature))
        yield from (ArgumentsDelta(index, piece) for piece in fragments(block.arguments, chunk))
    yield BlockStop(index)


def _cut_short(events: Iterator[StreamEvent], after: int, error: GatewayError) -> Iterator[StreamEvent]:
    """The first ``after`` events, then the error in place of the rest (StreamEnd included)."""
    for position, event in enumerate(events):
        if position == after or isinstance(event, StreamEnd):
            yield StreamError(error)
            return
        yield event


def _paced(events: Iterator[StreamEvent], delay_ms: float) -> Iterator[StreamEvent]:
    for position, event in enumerate(events):
        if position and delay_ms:
            time.sleep(delay_ms / 1000)
        yield event
