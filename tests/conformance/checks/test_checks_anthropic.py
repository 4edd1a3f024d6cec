"""Each Anthropic stream rule fires on a real stream broken in exactly that way.

Two real streams: TOOLS (claude-sonnet-4-6: a text block, then two tool_use blocks) and THINKING
(claude-sonnet-4-5: a thinking block ending in its signature_delta, then a text block).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import check_stream, errors_only

from .support import Ev, assert_fires, describe, load_stream, of_type, to_sse, where

TOOLS = "anthropic/msg-stream-parallel-tools__arize"
THINKING = "anthropic/thinking-stream__simonw"
RULE = "anthropic.stream."
Mutation = Callable[[list[Ev], dict[str, Any]], None]
ERROR = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def _event(data: dict[str, Any]) -> Ev:
    return Ev(data, data["type"])


def _of_block(stream: list[Ev], index: int) -> list[int]:
    return where(stream, lambda d: d.get("type", "").startswith("content_block") and d.get("index") == index)


def _last(stream: list[Ev], kind: str) -> int:
    return of_type(stream, kind)[-1]


def name_differs(stream: list[Ev], request: dict) -> None:
    stream[3].name = "content_block_start"


def ping_first(stream: list[Ev], request: dict) -> None:
    stream.insert(0, stream.pop(of_type(stream, "ping")[0]))


def start_with_content(stream: list[Ev], request: dict) -> None:
    stream[0].data["message"]["content"] = [{"type": "text", "text": "Hi"}]


def start_without_input_tokens(stream: list[Ev], request: dict) -> None:
    del stream[0].data["message"]["usage"]["input_tokens"]


def block_index_skipped(stream: list[Ev], request: dict) -> None:
    for position in _of_block(stream, 2):
        stream[position].data["index"] = 3


def delta_for_unstarted_block(stream: list[Ev], request: dict) -> None:
    late = copy.deepcopy(stream[_of_block(stream, 0)[1]])
    late.data["index"] = 7
    stream.insert(_of_block(stream, 0)[2], late)


def delta_after_stop(stream: list[Ev], request: dict) -> None:
    stream.insert(_of_block(stream, 0)[-1] + 1, copy.deepcopy(stream[_of_block(stream, 0)[1]]))


def block_started_twice(stream: list[Ev], request: dict) -> None:
    first = _of_block(stream, 1)[0]
    stream.insert(first + 1, copy.deepcopy(stream[first]))


def block_never_stopped(stream: list[Ev], request: dict) -> None:
    del stream[_of_block(stream, 2)[-1]]


def two_blocks_open(stream: list[Ev], request: dict) -> None:
    stop = _of_block(stream, 1)[-1]
    stream.insert(_of_block(stream, 2)[0], stream.pop(stop))


def json_delta_in_text_block(stream: list[Ev], request: dict) -> None:
    stream[_of_block(stream, 0)[1]].data["delta"] = {"type": "input_json_delta", "partial_json": "{}"}


def unknown_delta(stream: list[Ev], request: dict) -> None:
    stream[_of_block(stream, 0)[1]].data["delta"] = {"type": "mystery_delta"}


def tool_input_broken(stream: list[Ev], request: dict) -> None:
    stream[_of_block(stream, 1)[-2]].data["delta"]["partial_json"] = "ork"


def message_delta_missing(stream: list[Ev], request: dict) -> None:
    del stream[_last(stream, "message_delta")]


def message_delta_twice(stream: list[Ev], request: dict) -> None:
    position = _last(stream, "message_delta")
    stream.insert(position, copy.deepcopy(stream[position]))


def message_delta_before_last_stop(stream: list[Ev], request: dict) -> None:
    stream.insert(_last(stream, "content_block_stop"), stream.pop(_last(stream, "message_delta")))


def stop_reason_null(stream: list[Ev], request: dict) -> None:
    stream[_last(stream, "message_delta")].data["delta"]["stop_reason"] = None


def output_tokens_fall(stream: list[Ev], request: dict) -> None:
    stream[_last(stream, "message_delta")].data["usage"]["output_tokens"] = 1


def output_tokens_missing(stream: list[Ev], request: dict) -> None:
    del stream[_last(stream, "message_delta")].data["usage"]["output_tokens"]


def message_stop_dropped(stream: list[Ev], request: dict) -> None:
    stream.pop()


def error_then_message_stop(stream: list[Ev], request: dict) -> None:
    stream.insert(len(stream) - 1, _event(ERROR))


def ping_after_message_stop(stream: list[Ev], request: dict) -> None:
    stream.append(_event({"type": "ping"}))


def error_mid_stream(stream: list[Ev], request: dict) -> None:
    stream.insert(5, _event(ERROR))


def done_sentinel(stream: list[Ev], request: dict) -> None:
    stream.append(Ev("[DONE]"))


def tool_not_offered(stream: list[Ev], request: dict) -> None:
    request["tools"][1]["name"] = "get_clock"


def over_max_tokens(stream: list[Ev], request: dict) -> None:
    request["max_tokens"] = 64


TOOLS_CASES: list[tuple[str, Mutation]] = [
    ("event_name_is_type", name_differs),
    ("message_start_first", ping_first),
    ("message_start_shape", start_with_content),
    ("message_start_shape", start_without_input_tokens),
    ("block_index_dense", block_index_skipped),
    ("block_open_when_used", delta_for_unstarted_block),
    ("block_open_when_used", delta_after_stop),
    ("block_opened_once", block_started_twice),
    ("block_closed", block_never_stopped),
    ("one_block_open", two_blocks_open),
    ("delta_matches_block", json_delta_in_text_block),
    ("tool_input_json", tool_input_broken),
    ("message_delta_once", message_delta_missing),
    ("message_delta_once", message_delta_twice),
    ("message_delta_after_blocks", message_delta_before_last_stop),
    ("stop_reason_present", stop_reason_null),
    ("output_tokens_cumulative", output_tokens_fall),
    ("output_tokens_cumulative", output_tokens_missing),
    ("terminal_present", message_stop_dropped),
    ("terminal_once", error_then_message_stop),
    ("terminal_last", ping_after_message_stop),
    ("error_event", error_mid_stream),
    ("data_is_json_object", done_sentinel),
    ("tool_offered", tool_not_offered),
    ("usage_within_max_tokens", over_max_tokens),
]


def signature_in_text_block(stream: list[Ev], request: dict) -> None:
    signature = copy.deepcopy(stream[_of_block(stream, 0)[-2]])
    signature.data["index"] = 1
    stream.insert(_of_block(stream, 1)[-1], signature)


def signature_not_last(stream: list[Ev], request: dict) -> None:
    signature = _of_block(stream, 0)[-2]
    stream.insert(signature - 1, stream.pop(signature))


THINKING_CASES: list[tuple[str, Mutation]] = [
    ("delta_matches_block", signature_in_text_block),
    ("signature_last_in_block", signature_not_last),
]


@pytest.mark.parametrize(
    ("base", "rule", "mutation"),
    [(TOOLS, *case) for case in TOOLS_CASES] + [(THINKING, *case) for case in THINKING_CASES],
    ids=[m.__name__ for _, m in TOOLS_CASES + THINKING_CASES],
)
def test_rule_fires_on_broken_stream(base: str, rule: str, mutation: Mutation) -> None:
    stream, request = load_stream(base)
    mutation(stream, request)
    assert_fires(check_stream("anthropic", to_sse(stream), request), RULE + rule)


def test_unknown_delta_type_only_warns() -> None:
    """New delta types appear with new features; a checker must not fail a gateway for passing one on."""
    stream, request = load_stream(TOOLS)
    unknown_delta(stream, request)
    findings = check_stream("anthropic", to_sse(stream), request)
    assert_fires(findings, RULE + "delta_type_known", "warning")
    assert errors_only(findings) == [], describe(findings)


def test_empty_tool_input_means_an_empty_object() -> None:
    stream, request = load_stream(TOOLS)
    for position in reversed(_of_block(stream, 2)[1:-1]):
        del stream[position]
    assert check_stream("anthropic", to_sse(stream), request) == []
