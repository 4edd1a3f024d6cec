from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import pytest

from gateway.canonical import (
    ArgumentsDelta,
    BlockStart,
    BlockStop,
    Message,
    Request,
    Response,
    ResponseFormat,
    SignatureDelta,
    StreamEnd,
    StreamError,
    StreamEvent,
    StreamStart,
    Text,
    TextDelta,
    ThinkingConfig,
    ThinkingDelta,
    Tool,
    ToolCall,
    ToolChoice,
    ToolResult,
)
from gateway.catalog import ModelEntry
from gateway.errors import ErrorKind, GatewayError
from gateway.providers.mock import MockProvider, scenarios_from_data
from gateway.providers.mock.streaming import pieces

Ask = Callable[..., Request]

WEATHER = Tool(
    "get_weather",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
EMPTY = Tool("ping")
# delta type -> (the delta's field, the block field it extends)
DELTAS = {
    TextDelta: ("text", "text"),
    ThinkingDelta: ("text", "text"),
    SignatureDelta: ("signature", "signature"),
    ArgumentsDelta: ("json", "arguments"),
}


def fold(events: Iterable[StreamEvent]) -> Response:
    """What a client reassembles from a stream, checking the grammar in canonical.py as it goes."""
    start, *middle, end = list(events)
    assert isinstance(start, StreamStart) and isinstance(end, StreamEnd)
    blocks: list = []
    open_index = None
    for event in middle:
        if isinstance(event, BlockStart):
            assert open_index is None and event.index == len(blocks), "blocks are dense and never interleave"
            blocks.append(copy.copy(event.block))
            open_index = event.index
        elif isinstance(event, BlockStop):
            assert event.index == open_index
            open_index = None
        else:
            assert event.index == open_index, "a delta belongs to the open block"
            source, target = DELTAS[type(event)]
            setattr(blocks[-1], target, (getattr(blocks[-1], target) or "") + getattr(event, source))
    assert open_index is None
    return Response(
        start.id, start.model, blocks, end.stop_reason, end.stop_sequence, end.usage, start.created
    )


def tool_result_request(ask: Ask) -> Request:
    call = ToolCall("call_1", "get_weather", '{"city": "Oslo"}')
    history = [*ask("Weather in Oslo?").messages, Message("assistant", [call])]
    return Request("mock/echo", [*history, Message("tool", [ToolResult("call_1", [Text("snow")])])])


REQUESTS: dict[str, Callable[[Ask], Request]] = {
    "plain": lambda ask: ask("Hello, world!"),
    "max_tokens": lambda ask: ask("Hello", max_tokens=7),
    "stop sequence": lambda ask: ask("Hello", stop=["answer"]),
    "thinking": lambda ask: ask("Ponder", thinking=ThinkingConfig(budget_tokens=2048)),
    "forced tool": lambda ask: ask("Weather?", tools=[WEATHER], tool_choice=ToolChoice("required")),
    "tool with no arguments": lambda ask: ask("Ping", tools=[EMPTY], tool_choice=ToolChoice("tool", "ping")),
    "tool result": tool_result_request,
    "json schema": lambda ask: ask("JSON", response_format=ResponseFormat("json_schema", WEATHER.parameters)),
    "scripted calls": lambda ask: ask("weather in two cities", tools=[Tool("get_weather")]),
    "scripted chunks": lambda ask: ask("echo me"),
}


@pytest.mark.parametrize("build", REQUESTS.values(), ids=REQUESTS.keys())
def test_the_stream_folds_to_the_complete_response(
    scripted: MockProvider, model: ModelEntry, ask: Ask, build: Callable[[Ask], Request]
) -> None:
    request = build(ask)
    assert fold(scripted.stream(request, model)) == scripted.complete(request, model)


def test_the_stream_is_deterministic(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    request = ask("Twice", thinking=ThinkingConfig())
    assert list(provider.stream(request, model)) == list(provider.stream(request, model))


def test_stream_start_knows_the_input_tokens(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    start = next(provider.stream(ask("Hi"), model))
    assert start.usage.input_tokens == provider.count_tokens(ask("Hi"), model)
    assert start.usage.output_tokens == 0


def test_text_arrives_word_by_word(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    deltas = [event.text for event in provider.stream(ask("Hi"), model) if isinstance(event, TextDelta)]
    assert deltas[:4] == ["Mock", " answer", " to", ' "Hi".']


def test_arguments_arrive_in_two_or_more_fragments(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    for tool in (WEATHER, EMPTY):
        request = ask("Go", tools=[tool], tool_choice=ToolChoice("required"))
        fragments = [
            event.json for event in provider.stream(request, model) if isinstance(event, ArgumentsDelta)
        ]
        assert len(fragments) >= 2, tool.name


def test_thinking_ends_with_one_signature(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    events = list(provider.stream(ask("Ponder", thinking=ThinkingConfig()), model))
    first_stop = next(position for position, event in enumerate(events) if isinstance(event, BlockStop))
    assert isinstance(events[first_stop - 1], SignatureDelta)
    assert sum(isinstance(event, SignatureDelta) for event in events) == 1


@pytest.mark.parametrize(
    ("text", "chunk", "expected"),
    [
        ("one two  three ", None, ["one", " two", "  three", " "]),
        ("  lead", None, ["  lead"]),
        ("abcdefg", 3, ["abc", "def", "g"]),
        ("", None, []),
    ],
)
def test_pieces_rejoin_to_the_text(text: str, chunk: int | None, expected: list[str]) -> None:
    assert pieces(text, chunk) == expected


def test_scripted_chunk_size(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    events = list(scripted.stream(ask("break the stream"), model))
    assert [event.text for event in events if isinstance(event, TextDelta)] == ["Thi", "s s"]


def test_a_scripted_error_ends_the_stream_after_n_events(
    scripted: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    events = list(scripted.stream(ask("break the stream"), model))
    assert len(events) == 5
    error = events[-1]
    assert isinstance(error, StreamError)
    assert (error.error.kind, error.error.status, error.error.message) == (
        ErrorKind.API_ERROR,
        500,
        "Upstream went away.",
    )


def test_an_error_after_the_last_event_replaces_stream_end(model: ModelEntry, ask: Ask) -> None:
    provider = MockProvider(
        scenarios_from_data(
            {"scenarios": [{"reply": {"text": "ok", "error": {"status": 503, "after_events": 99}}}]}
        )
    )
    *events, last = list(provider.stream(ask(), model))
    assert isinstance(last, StreamError) and last.error.kind is ErrorKind.OVERLOADED
    assert not any(isinstance(event, StreamEnd) for event in events)


def test_an_immediate_error_is_raised_before_any_event(
    scripted: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    with pytest.raises(GatewayError):
        next(scripted.stream(ask("you are going too fast"), model))


def test_scripted_pacing_sleeps_between_events(
    scripted: MockProvider, model: ModelEntry, ask: Ask, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr("gateway.providers.mock.streaming.time.sleep", pauses.append)
    request = ask("answer slowly", stream=True)
    events = list(scripted.stream(request, model))
    assert pauses == [0.025] * (len(events) - 1)
    assert fold(events) == MockProvider().complete(request, model)


def test_no_pacing_no_sleep(
    provider: MockProvider, model: ModelEntry, ask: Ask, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr("gateway.providers.mock.streaming.time.sleep", pauses.append)
    list(provider.stream(ask("quick"), model))
    assert pauses == []
