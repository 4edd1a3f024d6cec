from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from gateway.canonical import (
    Message,
    Request,
    ResponseFormat,
    StopReason,
    Text,
    Thinking,
    ThinkingConfig,
    Tool,
    ToolCall,
    ToolChoice,
    ToolResult,
)
from gateway.catalog import ModelEntry
from gateway.providers.mock import MockProvider
from gateway.providers.mock.text import QUOTE_LIMIT
from gateway.tokens import count_part, count_text, estimate_request

Ask = Callable[..., Request]

WEATHER = Tool(
    "get_weather",
    "Get the current weather in a given location",
    {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location", "unit"],
    },
)
TIME = Tool(
    "get_time",
    parameters={
        "type": "object",
        "properties": {"zone": {"type": "string", "format": "uuid"}},
        "required": ["zone"],
    },
)


def only_text(response_content: list) -> str:
    (part,) = response_content
    assert isinstance(part, Text)
    return part.text


def test_same_request_gives_an_equal_response(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    assert provider.complete(ask("Hi"), model) == provider.complete(ask("Hi"), model)
    assert provider.complete(ask("Hi"), model) == MockProvider().complete(ask("Hi"), model)


def test_different_requests_get_different_ids_and_text(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    first, second = provider.complete(ask("Hi"), model), provider.complete(ask("Hi", temperature=0.5), model)
    assert first.id != second.id
    assert first.content != second.content
    assert first.id.startswith("mock-") and len(first.id) == len("mock-") + 24
    assert 1_700_000_000 <= first.created < 1_700_000_000 + 366 * 86400


def test_streaming_flags_do_not_change_the_answer(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    assert provider.complete(ask("Hi"), model) == provider.complete(
        ask("Hi", stream=True, stream_usage=True), model
    )


def test_text_quotes_the_last_user_text(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    text = only_text(provider.complete(ask("Write a one-sentence bedtime story."), model).content)
    assert text.startswith('Mock answer to "Write a one-sentence bedtime story.". ')
    assert provider.complete(ask("Hi"), model).stop_reason is StopReason.END_TURN


def test_a_long_prompt_is_quoted_shortened(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    text = only_text(provider.complete(ask("word " * 100), model).content)
    quoted = text.split('"')[1]
    assert len(quoted) == QUOTE_LIMIT and quoted.endswith("…")


def test_the_prompt_is_the_last_text_part(provider: MockProvider, model: ModelEntry) -> None:
    message = Message("user", [Text("<system-reminder>context</system-reminder>"), Text("the question")])
    text = only_text(provider.complete(Request("mock/echo", [message]), model).content)
    assert text.startswith('Mock answer to "the question".')


def test_usage_is_counted_with_the_estimator(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    request = ask("Count me")
    response = provider.complete(request, model)
    assert response.usage.input_tokens == estimate_request(request) == provider.count_tokens(request, model)
    assert response.usage.output_tokens == count_text(only_text(response.content))
    assert response.usage.reasoning_tokens == 0


def test_required_calls_the_first_tool_with_valid_arguments(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    response = provider.complete(
        ask("Weather?", tools=[WEATHER, TIME], tool_choice=ToolChoice("required")), model
    )
    (call,) = response.content
    assert isinstance(call, ToolCall) and call.name == "get_weather" and call.id.startswith("call_")
    jsonschema.validate(json.loads(call.arguments), WEATHER.parameters)
    assert response.stop_reason is StopReason.TOOL_USE
    assert response.usage.output_tokens == count_part(call)


def test_a_named_tool_is_called(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = provider.complete(
        ask("Time?", tools=[WEATHER, TIME], tool_choice=ToolChoice("tool", "get_time")), model
    )
    (call,) = response.content
    assert call.name == "get_time"
    jsonschema.validate(
        json.loads(call.arguments), TIME.parameters, format_checker=jsonschema.FormatChecker()
    )


@pytest.mark.parametrize(
    "prompt",
    ["Please use get_time now", "call the get_time tool", "Invoke `get_time`.", "USE get_time"],
)
def test_auto_calls_a_tool_the_user_asks_for(
    provider: MockProvider, model: ModelEntry, ask: Ask, prompt: str
) -> None:
    (call,) = provider.complete(ask(prompt, tools=[WEATHER, TIME]), model).content
    assert isinstance(call, ToolCall) and call.name == "get_time"


@pytest.mark.parametrize(("prompt", "name"), [("use files.read", "files.read"), ("use files", "files")])
def test_a_longer_name_is_not_shadowed(
    provider: MockProvider, model: ModelEntry, ask: Ask, prompt: str, name: str
) -> None:
    (call,) = provider.complete(ask(prompt, tools=[Tool("files"), Tool("files.read")]), model).content
    assert call.name == name


@pytest.mark.parametrize(
    ("prompt", "choice"),
    [
        ("What time is it?", None),
        ("Use get_times", None),
        ("get_time please", ToolChoice("auto")),
        ("Please use get_time now", ToolChoice("none")),
    ],
)
def test_auto_answers_in_text_otherwise(
    provider: MockProvider, model: ModelEntry, ask: Ask, prompt: str, choice: ToolChoice | None
) -> None:
    response = provider.complete(ask(prompt, tools=[WEATHER, TIME], tool_choice=choice), model)
    assert only_text(response.content)
    assert response.stop_reason is StopReason.END_TURN


TOOL_SEARCH = Tool("ToolSearch", "Fetch the schemas of deferred tools.")
REMINDER = "<system-reminder>\nDeferred tools are available. Use ToolSearch to load them.\n</system-reminder>"


@pytest.mark.parametrize(
    "parts",
    [
        [REMINDER, "What time is it?"],  # a part of its own, as Claude Code sends it
        [f"What time is it?\n{REMINDER}"],  # inside the user's part
        [REMINDER],
    ],
)
def test_a_system_reminder_is_not_the_user_asking_for_a_tool(
    provider: MockProvider, model: ModelEntry, parts: list[str]
) -> None:
    request = Request(
        "mock/echo", [Message("user", [Text(part) for part in parts])], tools=[TOOL_SEARCH, TIME]
    )
    response = provider.complete(request, model)
    assert only_text(response.content) and response.stop_reason is StopReason.END_TURN


def test_the_user_asking_for_a_tool_beside_a_system_reminder_still_gets_it(
    provider: MockProvider, model: ModelEntry
) -> None:
    parts = [Text(REMINDER), Text("Please use get_time now")]
    request = Request("mock/echo", [Message("user", parts)], tools=[TOOL_SEARCH, TIME])
    (call,) = provider.complete(request, model).content
    assert isinstance(call, ToolCall) and call.name == "get_time"


def tool_loop(provider: MockProvider, model: ModelEntry, first: Request, result_text: str) -> Request:
    (call,) = provider.complete(first, model).content
    result = ToolResult(call.id, [Text(result_text)])
    history = [*first.messages, Message("assistant", [call]), Message("tool", [result])]
    return dataclasses.replace(first, messages=history)


def test_a_tool_result_gets_a_final_answer_even_when_a_tool_is_forced(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    follow_up = tool_loop(
        provider, model, ask("Weather?", tools=[WEATHER], tool_choice=ToolChoice("required")), "Sunny, 21 °C"
    )
    response = provider.complete(follow_up, model)
    assert only_text(response.content).startswith('The get_weather tool returned: "Sunny, 21 °C". ')
    assert response.stop_reason is StopReason.END_TURN


def test_every_result_of_a_parallel_call_is_mentioned(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    calls = [ToolCall("call_a", "get_weather", "{}"), ToolCall("call_b", "get_time", "{}")]
    results = [ToolResult("call_a", [Text("rain")]), ToolResult("call_b", [Text("noon")])]
    request = Request(
        "mock/echo", [*ask("both").messages, Message("assistant", calls), Message("user", results)]
    )
    text = only_text(provider.complete(request, model).content)
    assert 'The get_weather tool returned: "rain". The get_time tool returned: "noon".' in text


def test_json_schema_format_gets_schema_valid_json(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    schema = {
        "type": "object",
        "properties": {
            "joke": {"type": "string"},
            "rating": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        "required": ["joke", "rating"],
        "additionalProperties": False,
    }
    response_format = ResponseFormat("json_schema", schema, "joke", strict=True)
    text = only_text(provider.complete(ask("A joke", response_format=response_format), model).content)
    jsonschema.validate(json.loads(text), schema)


def test_json_object_format_gets_an_object(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    text = only_text(
        provider.complete(ask("Reply in JSON", response_format=ResponseFormat("json_object")), model).content
    )
    assert json.loads(text)["answer"].startswith('Mock answer to "Reply in JSON".')


def test_a_final_answer_respects_the_json_format(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    first = ask(
        "Weather?",
        tools=[WEATHER],
        tool_choice=ToolChoice("required"),
        response_format=ResponseFormat("json_object"),
    )
    text = only_text(provider.complete(tool_loop(provider, model, first, "fog"), model).content)
    assert "fog" in json.loads(text)["answer"]


@pytest.mark.parametrize("max_tokens", [1, 5, 16, 40])
def test_max_tokens_truncates_to_exactly_that_many(
    provider: MockProvider, model: ModelEntry, ask: Ask, max_tokens: int
) -> None:
    full = only_text(provider.complete(ask("Tell me everything"), model).content)
    response = provider.complete(ask("Tell me everything", max_tokens=max_tokens), model)
    text = only_text(response.content)
    assert full.startswith(text)
    assert count_text(text) == response.usage.output_tokens == max_tokens
    assert response.stop_reason is StopReason.MAX_TOKENS


def test_max_tokens_above_the_answer_changes_nothing(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    full = provider.complete(ask("Short"), model)
    limited = provider.complete(ask("Short", max_tokens=full.usage.output_tokens), model)
    assert limited.content == full.content and limited.stop_reason is StopReason.END_TURN


def test_a_tool_call_that_does_not_fit_is_dropped(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    response = provider.complete(
        ask("W", tools=[WEATHER], tool_choice=ToolChoice("required"), max_tokens=3), model
    )
    assert response.content == []
    assert response.stop_reason is StopReason.MAX_TOKENS


def test_a_stop_sequence_cuts_before_it(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = provider.complete(ask("Say red then blue", stop=["then", "Say"]), model)
    assert only_text(response.content) == 'Mock answer to "'
    assert response.stop_reason is StopReason.STOP_SEQUENCE
    assert response.stop_sequence == "Say"


def test_a_stop_sequence_absent_from_the_text_changes_nothing(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    full = provider.complete(ask("Hi"), model)
    response = provider.complete(ask("Hi", stop=["@@@"]), model)
    assert response.content == full.content and response.stop_reason is StopReason.END_TURN


def test_max_tokens_before_the_stop_sequence_wins(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    response = provider.complete(ask("Say red then blue", stop=["blue"], max_tokens=2), model)
    assert response.stop_reason is StopReason.MAX_TOKENS and response.stop_sequence is None


def test_thinking_comes_first_and_is_counted_as_reasoning(
    provider: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    response = provider.complete(ask("Think first", thinking=ThinkingConfig(budget_tokens=1024)), model)
    thinking, text = response.content
    assert isinstance(thinking, Thinking) and '"Think first"' in thinking.text
    assert (
        thinking.signature
        and thinking.signature
        == provider.complete(ask("Think first", thinking=ThinkingConfig(budget_tokens=1024)), model)
        .content[0]
        .signature
    )
    assert response.usage.reasoning_tokens == count_text(thinking.text)
    assert response.usage.output_tokens == count_text(thinking.text) + count_text(text.text)


def test_disabled_thinking_gives_none(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = provider.complete(ask("No thinking", thinking=ThinkingConfig(enabled=False)), model)
    assert not any(isinstance(part, Thinking) for part in response.content)


def test_max_tokens_counts_thinking_too(provider: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = provider.complete(ask("Think", thinking=ThinkingConfig(), max_tokens=4), model)
    (thinking,) = response.content
    assert isinstance(thinking, Thinking) and count_text(thinking.text) == 4
    assert response.stop_reason is StopReason.MAX_TOKENS


def test_no_user_text_still_answers(provider: MockProvider, model: ModelEntry) -> None:
    response = provider.complete(Request("mock/echo", [Message("system", [Text("Be terse.")])]), model)
    assert only_text(response.content).startswith("Mock answer. ")


def test_answers_are_identical_across_processes() -> None:
    """Nothing may depend on hash() randomisation, the clock or a random source."""
    script = textwrap.dedent(
        """
        from gateway.canonical import Message, Request, Text, ThinkingConfig, Tool, ToolChoice
        from gateway.catalog import ModelEntry
        from gateway.providers.mock import MockProvider

        schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
        request = Request(
            "mock/echo",
            [Message("user", [Text("hi")])],
            tools=[Tool("f", parameters=schema)],
            tool_choice=ToolChoice("required"),
            thinking=ThinkingConfig(),
            metadata={"b": 1, "a": 2},
        )
        model = ModelEntry("mock/echo", "mock", "echo")
        print(repr(MockProvider().complete(request, model)), list(MockProvider().stream(request, model)))
        """
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(Path(__file__).parents[3])},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and "call_" in outputs.pop()
