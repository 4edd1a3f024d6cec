"""Each OpenAI Responses stream rule fires on a real stream broken in exactly that way.

Two real gpt-5 streams: TOOL (a reasoning item, then a function call streamed as argument
deltas) and TEXT (one message item with one output_text content part).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import check_stream, errors_only

from .support import Ev, assert_fires, describe, load_stream, of_type, to_sse

TOOL = "openai/resp-stream-tools__llm-openai-plugin"
TEXT = "openai/resp-stream__simonw-llm"
RULE = "openai_responses.stream."
Mutation = Callable[[list[Ev], dict[str, Any]], None]


def _one(stream: list[Ev], kind: str, which: int = 0) -> Ev:
    return stream[of_type(stream, kind)[which]]


def _completed(stream: list[Ev]) -> dict[str, Any]:
    return _one(stream, "response.completed").data["response"]


def _renumber(stream: list[Ev]) -> None:
    """Keep sequence numbers right after an edit, so only the intended rule breaks."""
    for number, event in enumerate(e for e in stream if isinstance(e.data, dict)):
        event.data["sequence_number"] = number


def _insert(stream: list[Ev], position: int, event: Ev) -> None:
    stream.insert(position, event)
    _renumber(stream)


def _remove(stream: list[Ev], kind: str, which: int = 0) -> None:
    del stream[of_type(stream, kind)[which]]
    _renumber(stream)


def name_differs(stream: list[Ev], request: dict) -> None:
    stream[3].name = "response.output_text.delta"


def name_missing(stream: list[Ev], request: dict) -> None:
    stream[3].name = None


def sequence_gap(stream: list[Ev], request: dict) -> None:
    for event in stream[5:]:
        event.data["sequence_number"] += 1


def sequence_number_dropped(stream: list[Ev], request: dict) -> None:
    del stream[4].data["sequence_number"]


def created_not_first(stream: list[Ev], request: dict) -> None:
    stream[0], stream[1] = stream[1], stream[0]
    _renumber(stream)


def in_progress_dropped(stream: list[Ev], request: dict) -> None:
    _remove(stream, "response.in_progress")


def completed_dropped(stream: list[Ev], request: dict) -> None:
    _remove(stream, "response.completed")


def completed_twice(stream: list[Ev], request: dict) -> None:
    _insert(stream, len(stream), copy.deepcopy(stream[-1]))


def delta_after_completed(stream: list[Ev], request: dict) -> None:
    _insert(stream, len(stream), copy.deepcopy(_one(stream, "response.function_call_arguments.delta")))


def done_before_completed(stream: list[Ev], request: dict) -> None:
    stream.insert(len(stream) - 1, Ev("[DONE]"))


def output_index_skipped(stream: list[Ev], request: dict) -> None:
    for event in stream:
        if event.data.get("output_index") == 1:
            event.data["output_index"] = 2


def item_never_added(stream: list[Ev], request: dict) -> None:
    _remove(stream, "response.output_item.added", 1)


def item_added_twice(stream: list[Ev], request: dict) -> None:
    position = of_type(stream, "response.output_item.added")[1]
    _insert(stream, position + 1, copy.deepcopy(stream[position]))


def item_never_done(stream: list[Ev], request: dict) -> None:
    _remove(stream, "response.output_item.done", 1)


def item_id_changed(stream: list[Ev], request: dict) -> None:
    _one(stream, "response.function_call_arguments.delta", 2).data["item_id"] = "fc_other"


def arguments_done_differs(stream: list[Ev], request: dict) -> None:
    _one(stream, "response.function_call_arguments.done").data["arguments"] = '{"number":"6"}'


def item_done_without_call_id(stream: list[Ev], request: dict) -> None:
    del _one(stream, "response.output_item.done", 1).data["item"]["call_id"]


def final_output_differs(stream: list[Ev], request: dict) -> None:
    _completed(stream)["output"][1]["arguments"] = '{"number":"6"}'


def usage_missing(stream: list[Ev], request: dict) -> None:
    _completed(stream)["usage"] = None


def status_contradicts(stream: list[Ev], request: dict) -> None:
    _completed(stream)["status"] = "incomplete"


def response_id_changed(stream: list[Ev], request: dict) -> None:
    _completed(stream)["id"] = "resp_other"


def error_instead_of_completed(stream: list[Ev], request: dict) -> None:
    stream[-1] = Ev({"type": "error", "code": "server_error", "message": "boom", "param": None}, "error")
    _renumber(stream)


def tool_not_offered(stream: list[Ev], request: dict) -> None:
    request["tools"][0]["name"] = "other_tool"


def over_max_output_tokens(stream: list[Ev], request: dict) -> None:
    request["max_output_tokens"] = 100


def not_json(stream: list[Ev], request: dict) -> None:
    stream.insert(3, Ev("{truncated", "response.output_item.added"))


TOOL_CASES: list[tuple[str, Mutation]] = [
    ("event_name_is_type", name_differs),
    ("event_name_is_type", name_missing),
    ("sequence_number_consecutive", sequence_gap),
    ("sequence_number_present", sequence_number_dropped),
    ("created_first", created_not_first),
    ("in_progress_second", in_progress_dropped),
    ("terminal_present", completed_dropped),
    ("terminal_once", completed_twice),
    ("terminal_last", delta_after_completed),
    ("done_last", done_before_completed),
    ("output_index_dense", output_index_skipped),
    ("item_open_when_used", item_never_added),
    ("item_opened_once", item_added_twice),
    ("item_closed", item_never_done),
    ("item_id_matches", item_id_changed),
    ("arguments_done_matches_deltas", arguments_done_differs),
    ("item_done_complete", item_done_without_call_id),
    ("output_matches_items", final_output_differs),
    ("usage_on_completed", usage_missing),
    ("terminal_status_matches", status_contradicts),
    ("same_response_id", response_id_changed),
    ("error_event", error_instead_of_completed),
    ("tool_offered", tool_not_offered),
    ("usage_within_max_tokens", over_max_output_tokens),
    ("data_is_json_object", not_json),
]


def part_never_added(stream: list[Ev], request: dict) -> None:
    _remove(stream, "response.content_part.added")


def part_added_twice(stream: list[Ev], request: dict) -> None:
    position = of_type(stream, "response.content_part.added")[0]
    _insert(stream, position + 1, copy.deepcopy(stream[position]))


def part_never_done(stream: list[Ev], request: dict) -> None:
    _remove(stream, "response.content_part.done")


def text_done_differs(stream: list[Ev], request: dict) -> None:
    _one(stream, "response.output_text.done").data["text"] = "ping"


def item_done_text_differs(stream: list[Ev], request: dict) -> None:
    _one(stream, "response.output_item.done").data["item"]["content"][0]["text"] = "ping"


TEXT_CASES: list[tuple[str, Mutation]] = [
    ("content_part_open_when_used", part_never_added),
    ("content_part_opened_once", part_added_twice),
    ("content_part_closed", part_never_done),
    ("text_done_matches_deltas", text_done_differs),
    ("item_done_complete", item_done_text_differs),
]


@pytest.mark.parametrize(
    ("base", "rule", "mutation"),
    [(TOOL, *case) for case in TOOL_CASES] + [(TEXT, *case) for case in TEXT_CASES],
    ids=[m.__name__ for _, m in TOOL_CASES + TEXT_CASES],
)
def test_rule_fires_on_broken_stream(base: str, rule: str, mutation: Mutation) -> None:
    stream, request = load_stream(base)
    mutation(stream, request)
    assert_fires(check_stream("openai_responses", to_sse(stream), request), RULE + rule)


def test_trailing_done_is_allowed() -> None:
    """Open Responses ends every stream with [DONE]; OpenAI sends none. Both are right."""
    stream, request = load_stream(TOOL)
    stream.append(Ev("[DONE]"))
    assert check_stream("openai_responses", to_sse(stream), request) == []


def test_a_stream_without_any_sequence_number_only_warns() -> None:
    """OpenAI's early Responses streams (a real recording from March 2025) carried none."""
    stream, request = load_stream(TOOL)
    for event in stream:
        del event.data["sequence_number"]
    findings = check_stream("openai_responses", to_sse(stream), request)
    assert_fires(findings, RULE + "sequence_number_present", "warning")
    assert errors_only(findings) == [], describe(findings)
