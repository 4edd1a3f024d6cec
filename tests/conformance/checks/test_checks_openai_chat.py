"""Each OpenAI chat stream rule fires on a real stream broken in exactly that way.

The base is a real gpt-4o-mini stream with two parallel tool calls and include_usage: a role
chunk, the deltas of call 0 then of call 1, the finish_reason chunk, the usage chunk, [DONE].
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import check_stream, errors_only

from .support import Ev, assert_fires, describe, load_stream, to_sse, where

TOOLS = "openai/chat-stream-parallel-tools__otel"
RULE = "openai_chat.stream."
Mutation = Callable[[list[Ev], dict[str, Any]], None]


def _delta(event: Ev) -> dict[str, Any]:
    return event.data["choices"][0]["delta"]


def _call(event: Ev) -> dict[str, Any]:
    return _delta(event)["tool_calls"][0]


def _deltas_of_call(stream: list[Ev], index: int) -> list[int]:
    return where(stream, lambda d: any(c.get("index") == index for c in _choice_calls(d)))


def _choice_calls(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [call for choice in data["choices"] for call in choice["delta"].get("tool_calls") or []]


def _finish(stream: list[Ev]) -> int:
    return where(stream, lambda d: any(c.get("finish_reason") for c in d["choices"]))[0]


def _usage(stream: list[Ev]) -> int:
    return where(stream, lambda d: d["choices"] == [])[0]


def done_dropped(stream: list[Ev], request: dict) -> None:
    stream.pop()


def done_twice(stream: list[Ev], request: dict) -> None:
    stream.append(Ev("[DONE]"))


def chunk_after_done(stream: list[Ev], request: dict) -> None:
    stream.append(copy.deepcopy(stream[2]))


def not_json(stream: list[Ev], request: dict) -> None:
    stream.insert(3, Ev("{truncated"))


def named_event(stream: list[Ev], request: dict) -> None:
    stream[2].name = "chunk"


def wrong_object(stream: list[Ev], request: dict) -> None:
    stream[3].data["object"] = "chat.completion"


def id_changed(stream: list[Ev], request: dict) -> None:
    stream[5].data["id"] = "chatcmpl-another"


def role_repeated(stream: list[Ev], request: dict) -> None:
    _delta(stream[2])["role"] = "assistant"


def call_without_index(stream: list[Ev], request: dict) -> None:
    del _call(stream[_deltas_of_call(stream, 0)[2]])["index"]


def call_index_skipped(stream: list[Ev], request: dict) -> None:
    for position in _deltas_of_call(stream, 1):
        _call(stream[position])["index"] = 2


def call_without_id(stream: list[Ev], request: dict) -> None:
    del _call(stream[_deltas_of_call(stream, 0)[0]])["id"]


def call_id_repeated(stream: list[Ev], request: dict) -> None:
    first, *later = _deltas_of_call(stream, 0)
    _call(stream[later[1]])["id"] = _call(stream[first])["id"]


def call_index_reused(stream: list[Ev], request: dict) -> None:
    for position in _deltas_of_call(stream, 1):
        _call(stream[position])["index"] = 0


def arguments_truncated(stream: list[Ev], request: dict) -> None:
    _call(stream[_deltas_of_call(stream, 1)[-1]])["function"]["arguments"] = ""


def finish_twice(stream: list[Ev], request: dict) -> None:
    stream.insert(_finish(stream) + 1, copy.deepcopy(stream[_finish(stream)]))


def finish_missing(stream: list[Ev], request: dict) -> None:
    stream[_finish(stream)].data["choices"][0]["finish_reason"] = None


def delta_after_finish(stream: list[Ev], request: dict) -> None:
    late = copy.deepcopy(stream[_finish(stream)])
    late.data["choices"][0].update(delta={"content": "late"}, finish_reason=None)
    stream.insert(_finish(stream) + 1, late)


def usage_chunk_missing(stream: list[Ev], request: dict) -> None:
    del stream[_usage(stream)]


def usage_chunk_twice(stream: list[Ev], request: dict) -> None:
    stream.insert(_usage(stream) + 1, copy.deepcopy(stream[_usage(stream)]))


def usage_chunk_early(stream: list[Ev], request: dict) -> None:
    stream.insert(_finish(stream), stream.pop(_usage(stream)))


def usage_on_a_delta(stream: list[Ev], request: dict) -> None:
    stream[2].data["usage"] = stream[_usage(stream)].data["usage"]


def usage_unrequested(stream: list[Ev], request: dict) -> None:
    del request["stream_options"]


def error_mid_stream(stream: list[Ev], request: dict) -> None:
    stream.insert(
        5, Ev({"error": {"message": "overloaded", "type": "server_error", "param": None, "code": None}})
    )


def tool_not_offered(stream: list[Ev], request: dict) -> None:
    request["tools"][0]["function"]["name"] = "get_forecast"


def over_max_tokens(stream: list[Ev], request: dict) -> None:
    request["max_tokens"] = 20


CASES: list[tuple[str, Mutation]] = [
    ("terminal_present", done_dropped),
    ("terminal_once", done_twice),
    ("terminal_last", chunk_after_done),
    ("data_is_json_object", not_json),
    ("data_only", named_event),
    ("chunk_object", wrong_object),
    ("identity_stable", id_changed),
    ("role_first_delta_only", role_repeated),
    ("tool_call_index", call_without_index),
    ("tool_call_index_dense", call_index_skipped),
    ("tool_call_starts_with_id_and_name", call_without_id),
    ("tool_call_id_and_name_once", call_id_repeated),
    ("tool_call_id_and_name_once", call_index_reused),
    ("tool_arguments_json", arguments_truncated),
    ("finish_reason_once", finish_twice),
    ("finish_reason_present", finish_missing),
    ("nothing_after_finish", delta_after_finish),
    ("usage_chunk_once", usage_chunk_missing),
    ("usage_chunk_once", usage_chunk_twice),
    ("usage_chunk_after_finish", usage_chunk_early),
    ("usage_only_in_usage_chunk", usage_on_a_delta),
    ("error_event", error_mid_stream),
    ("tool_offered", tool_not_offered),
    ("usage_within_max_tokens", over_max_tokens),
]


@pytest.mark.parametrize(("rule", "mutation"), CASES, ids=[m.__name__ for _, m in CASES])
def test_rule_fires_on_broken_stream(rule: str, mutation: Mutation) -> None:
    stream, request = load_stream(TOOLS)
    mutation(stream, request)
    assert_fires(check_stream("openai_chat", to_sse(stream), request), RULE + rule)


def test_unrequested_usage_chunk_only_warns() -> None:
    stream, request = load_stream(TOOLS)
    usage_unrequested(stream, request)
    findings = check_stream("openai_chat", to_sse(stream), request)
    assert_fires(findings, RULE + "usage_chunk_unrequested", "warning")
    assert errors_only(findings) == [], describe(findings)


def test_event_message_is_data_only() -> None:
    """``event: message`` is the SSE default type, so naming it explicitly changes nothing."""
    stream, request = load_stream(TOOLS)
    for event in stream:
        event.name = "message"
    assert check_stream("openai_chat", to_sse(stream), request) == []


def test_without_request_the_request_rules_are_skipped() -> None:
    stream, _ = load_stream(TOOLS)
    usage_chunk_missing(stream, {})
    assert check_stream("openai_chat", to_sse(stream)) == []
