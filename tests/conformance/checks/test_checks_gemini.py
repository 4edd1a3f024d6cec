"""Each Gemini stream rule fires on a real stream broken in exactly that way, in both forms.

SSE is a real gemini-2.5-flash ``alt=sse`` stream (a text chunk, then text with finishReason
STOP and the final usage); ARRAY is a real non-SSE stream (a thought chunk, then a function call
with STOP), the JSON-array form.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import check_gemini_json_array, check_stream

from .support import Ev, assert_fires, load_stream, to_sse

SSE = "gemini/stream-sse__mirascope"
ARRAY = "gemini/stream-tools-json-array__simonw"
RULE = "gemini.stream."
Mutation = Callable[[list[Ev], dict[str, Any]], None]


def _candidate(event: Ev) -> dict[str, Any]:
    return event.data["candidates"][0]


def named_event(stream: list[Ev], request: dict) -> None:
    stream[0].name = "chunk"


def done_sentinel(stream: list[Ev], request: dict) -> None:
    stream.append(Ev("[DONE]"))


def foreign_chunk(stream: list[Ev], request: dict) -> None:
    stream.insert(1, Ev({"responseId": "x"}))


def finish_twice(stream: list[Ev], request: dict) -> None:
    again = copy.deepcopy(stream[-1])
    _candidate(again)["content"]["parts"] = []
    stream.append(again)


def content_after_finish(stream: list[Ev], request: dict) -> None:
    late = copy.deepcopy(stream[-1])
    del _candidate(late)["finishReason"]
    stream.append(late)


def finish_dropped(stream: list[Ev], request: dict) -> None:
    del _candidate(stream[-1])["finishReason"]


def usage_dropped_from_last(stream: list[Ev], request: dict) -> None:
    del stream[-1].data["usageMetadata"]


def usage_falls(stream: list[Ev], request: dict) -> None:
    stream[-1].data["usageMetadata"]["totalTokenCount"] = 1


def error_at_end(stream: list[Ev], request: dict) -> None:
    stream.append(Ev({"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}}))


def tool_not_offered(stream: list[Ev], request: dict) -> None:
    request["tools"][0]["functionDeclarations"][0]["name"] = "heron_name_generator"


CASES: list[tuple[str, Mutation]] = [
    ("data_is_json_object", done_sentinel),
    ("chunk_shape", foreign_chunk),
    ("finish_reason_once", finish_twice),
    ("nothing_after_finish", content_after_finish),
    ("terminal_present", finish_dropped),
    ("usage_on_last", usage_dropped_from_last),
    ("usage_monotonic", usage_falls),
    ("error_event", error_at_end),
]


@pytest.mark.parametrize(
    ("rule", "mutation"), [*CASES, ("data_only", named_event)], ids=lambda v: getattr(v, "__name__", v)
)
def test_rule_fires_on_broken_sse_stream(rule: str, mutation: Mutation) -> None:
    stream, request = load_stream(SSE)
    mutation(stream, request)
    assert_fires(check_stream("gemini", to_sse(stream), request), RULE + rule)


@pytest.mark.parametrize(
    ("rule", "mutation"),
    [(rule, m) for rule, m in CASES if m is not done_sentinel] + [("tool_offered", tool_not_offered)],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_rule_fires_on_broken_json_array_stream(rule: str, mutation: Mutation) -> None:
    stream, request = load_stream(ARRAY)
    mutation(stream, request)
    body = json.dumps([event.data for event in stream])
    assert_fires(check_gemini_json_array(body, request), RULE + rule)


@pytest.mark.parametrize("body", ['{"candidates": []}', "[{", ""])
def test_json_array_fires_on_a_body_that_is_no_array(body: str) -> None:
    assert_fires(check_gemini_json_array(body), RULE + "json_array")


def test_a_blocked_prompt_ends_the_stream() -> None:
    """A prompt refused outright has no candidate at all: its promptFeedback.blockReason is the end."""
    stream, request = load_stream(SSE)
    stream[-1].data = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 13}}
    del stream[:-1]
    assert check_stream("gemini", to_sse(stream), request) == []
