from __future__ import annotations

import dataclasses
import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.canonical import (
    Audio,
    Document,
    Image,
    Message,
    Part,
    RedactedThinking,
    Request,
    ResponseFormat,
    Text,
    Thinking,
    Tool,
    ToolCall,
    ToolResult,
)
from gateway.tokens import (
    AUDIO_TOKENS,
    DOCUMENT_TOKENS,
    IMAGE_TOKENS,
    MESSAGE_TOKENS,
    REQUEST_TOKENS,
    TOOL_CALL_TOKENS,
    TOOL_TOKENS,
    count_part,
    count_text,
    estimate_request,
    truncate_text,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", 0), ("a", 1), ("abcd", 1), ("hello", 2), ("é", 1), ("日本語", 3), ("🙂🙂", 2), ("\ud800", 1)],
)
def test_one_token_per_started_four_bytes(text: str, tokens: int) -> None:
    assert count_text(text) == tokens


PART_COSTS = [
    (Text("hello"), 2),
    (Thinking("hello", signature="not counted"), 2),
    (RedactedThinking("abcdefgh"), 2),
    (ToolCall("call_1", "get", '{"a":1}'), TOOL_CALL_TOKENS + 1 + 2),
    (
        ToolResult("call_1", [Text("sunny"), Image(url="https://x/y.png")], name="get"),
        TOOL_CALL_TOKENS + 1 + 2 + IMAGE_TOKENS,
    ),
    (Image(data="AAAA" * 1000, media_type="image/png"), IMAGE_TOKENS),
    (Document(data="JVBER" * 1000), DOCUMENT_TOKENS),
    (Document(text="plain text!!"), 3),
    (Audio(data="UklGR" * 1000, format="wav"), AUDIO_TOKENS),
]


def test_every_part_type_has_a_cost() -> None:
    assert {type(part) for part, _ in PART_COSTS} == set(typing.get_args(Part))


@pytest.mark.parametrize(("part", "tokens"), PART_COSTS)
def test_part_costs(part: object, tokens: int) -> None:
    assert count_part(part) == tokens


def test_a_whole_request() -> None:
    request = Request(
        model="mock/echo",
        messages=[Message("system", [Text("Be terse.")]), Message("user", [Text("hello")], name="ann")],
        tools=[Tool("f", "d", {"type": "object"})],
        response_format=ResponseFormat("json_schema", {"type": "object"}),
    )
    messages = (MESSAGE_TOKENS + 3) + (MESSAGE_TOKENS + 1 + 2)
    tool = TOOL_TOKENS + 1 + 1 + count_text('{"type":"object"}')
    assert estimate_request(request) == REQUEST_TOKENS + messages + tool + count_text('{"type":"object"}')


@given(st.text(), st.integers(min_value=0, max_value=200))
def test_truncation_is_a_prefix_of_exactly_the_budget(text: str, budget: int) -> None:
    cut = truncate_text(text, budget)
    assert text.startswith(cut)
    assert count_text(cut) == min(budget, count_text(text))


@given(st.text(), st.text())
def test_more_text_never_counts_fewer_tokens(text: str, more: str) -> None:
    assert count_text(text + more) >= count_text(text)


@given(st.lists(st.text(max_size=40), min_size=1, max_size=6), st.text(max_size=40))
def test_more_input_never_estimates_fewer_tokens(texts: list[str], extra: str) -> None:
    request = Request("mock/echo", [Message("user", [Text(text)]) for text in texts])
    baseline = estimate_request(request)
    longer_part = dataclasses.replace(
        request, messages=[*request.messages[:-1], Message("user", [Text(texts[-1] + extra)])]
    )
    more_parts = dataclasses.replace(
        request, messages=[*request.messages[:-1], Message("user", [Text(texts[-1]), Text(extra)])]
    )
    more_messages = dataclasses.replace(
        request, messages=[*request.messages, Message("assistant", [Text(extra)])]
    )
    with_tool = dataclasses.replace(request, tools=[Tool(extra or "t")])
    for larger in (longer_part, more_parts, more_messages, with_tool):
        assert estimate_request(larger) >= baseline
    assert estimate_request(more_messages) > baseline and estimate_request(with_tool) > baseline
