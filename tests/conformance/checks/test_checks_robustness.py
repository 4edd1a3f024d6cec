"""No input crashes a check: every value of a real stream or error, replaced by one of the wrong type.

A certificate run must report a gateway that sends ``"index": []`` or ``"delta": "x"``, not stop
with a traceback; the schema family says what the right type was.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.checks import (
    answer_of_body,
    check_error_body,
    check_stream,
    check_stream_error,
    equivalence,
    fold,
)

from .support import load_body, load_stream, to_sse

STREAMS = {
    "openai_chat": "openai/chat-stream-parallel-tools__otel",
    "openai_responses": "openai/resp-stream-tools__llm-openai-plugin",
    "anthropic": "anthropic/msg-stream-parallel-tools__arize",
    "gemini": "gemini/stream-parallel-tools__crewai",
}
WHOLE = {
    "openai_chat": "openai/chat-tools__traceloop",
    "openai_responses": "openai/resp-tools__simonw-llm",
    "anthropic": "anthropic/msg-tools__datadog",
    "gemini": "gemini/tools__arize",
}
ERRORS = {
    "openai_chat": "openai/chat-err401__mirascope",
    "anthropic": "anthropic/err404-model__mirascope",
    "gemini": "gemini/err404-model__mirascope",
}
WRONG = (None, [], {}, "x", 1.5)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path into a JSON value (the first two entries of each list)."""
    entries = (
        value.items() if isinstance(value, dict) else enumerate(value[:2]) if isinstance(value, list) else []
    )
    for key, child in entries:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _replaced(value: Any, path: tuple[Any, ...], wrong: Any) -> Any:
    broken = copy.deepcopy(value)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = wrong
    return broken


@pytest.mark.parametrize("protocol", STREAMS)
def test_no_wrongly_typed_stream_value_crashes_a_check(protocol: str) -> None:
    stream, request = load_stream(STREAMS[protocol])
    for position, event in enumerate(stream):
        for path in _paths(event.data):
            for wrong in WRONG:
                broken = copy.copy(stream)
                broken[position] = copy.copy(event)
                broken[position].data = _replaced(event.data, path, wrong)
                events = to_sse(broken)
                check_stream(protocol, events, request)
                check_stream_error(protocol, events)
                fold(protocol, events)


@pytest.mark.parametrize("protocol", WHOLE)
def test_no_wrongly_typed_whole_body_value_crashes_equivalence(protocol: str) -> None:
    _, body, _ = load_body(WHOLE[protocol])
    answer = answer_of_body(protocol, body)
    for path in _paths(body):
        for wrong in WRONG:
            equivalence(protocol, answer, _replaced(body, path, wrong))


@pytest.mark.parametrize("protocol", ERRORS)
def test_no_wrongly_typed_error_value_crashes_a_check(protocol: str) -> None:
    status, body, headers = load_body(ERRORS[protocol])
    for path in _paths(body):
        for wrong in WRONG:
            check_error_body(protocol, status, _replaced(body, path, wrong), headers)
