from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import gateway.providers.mock
from gateway.canonical import (
    Message,
    Request,
    StopReason,
    Text,
    Thinking,
    Tool,
    ToolCall,
    ToolResult,
)
from gateway.catalog import ModelEntry
from gateway.errors import ErrorKind, GatewayError
from gateway.providers.mock import MockProvider, ScenarioError, load_scenarios, scenarios_from_data

READ = Tool("Read", parameters={"type": "object", "properties": {"file_path": {"type": "string"}}})
WEATHER = Tool(
    "get_weather",
    parameters={"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
)

Ask = Callable[..., Request]


def test_coding_cli_tool_loop_reads_the_file_in_the_prompt(model: ModelEntry, scenario_dir: Path) -> None:
    provider = MockProvider(load_scenarios(scenario_dir / "coding_cli.yaml"))
    prompt = Message(
        "user",
        [Text("<system-reminder>be brief</system-reminder>"), Text("Show the contents of /tmp/x/notes.txt")],
    )
    first = provider.complete(Request("mock/echo", [prompt], tools=[READ]), model)

    assert first.stop_reason is StopReason.TOOL_USE
    text, call = first.content
    assert text == Text("I will read /tmp/x/notes.txt.")
    assert isinstance(call, ToolCall) and call.name == "Read"
    assert json.loads(call.arguments) == {"file_path": "/tmp/x/notes.txt"}

    result = ToolResult(call.id, [Text("line one\nline two")])
    follow_up = Request(
        "mock/echo", [prompt, Message("assistant", first.content), Message("user", [result])], tools=[READ]
    )
    final = provider.complete(follow_up, model)
    assert final.content == [Text("/tmp/x/notes.txt holds: line one\nline two")]
    assert final.stop_reason is StopReason.END_TURN


def test_no_script_is_the_same_as_an_empty_one(model: ModelEntry, ask: Ask) -> None:
    assert MockProvider(None).complete(ask(), model) == MockProvider(()).complete(ask(), model)


def test_a_request_no_scenario_matches_gets_the_default_answer(
    scripted: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    request = ask("Nothing scripted here")
    assert scripted.complete(request, model) == MockProvider().complete(request, model)


@pytest.mark.parametrize("name", ["mock/special-one", "special-two"])
def test_model_glob_matches_the_requested_name_or_the_catalog_id(scripted: MockProvider, name: str) -> None:
    model = ModelEntry(
        id=name if name.startswith("mock/") else "mock/special-two", provider="mock", upstream_model="x"
    )
    request = Request(name, [Message("user", [Text("hi")])])
    assert scripted.complete(request, model).content == [Text("A special model answers.")]


def test_turn_counts_assistant_messages(scripted: MockProvider, model: ModelEntry) -> None:
    history = [Message("user", [Text("one")]), Message("assistant", [Text("a")])] * 2
    third = scripted.complete(Request("mock/echo", [*history, Message("user", [Text("three")])]), model)
    second = scripted.complete(Request("mock/echo", [*history[2:], Message("user", [Text("two")])]), model)
    assert third.content == [Text("This is the third turn.")]
    assert second.content != third.content


def test_several_tool_calls_with_thinking(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = scripted.complete(ask("What is the weather in two cities?", tools=[WEATHER]), model)
    thinking, paris, rome = response.content
    assert isinstance(thinking, Thinking) and thinking.text == "Two cities, two calls." and thinking.signature
    assert json.loads(paris.arguments) == {"location": "Paris", "days": [1, 2]}
    assert json.loads(rome.arguments) == {"location": "Rome"}
    assert paris.id != rome.id
    assert response.stop_reason is StopReason.TOOL_USE
    assert response.usage.reasoning_tokens > 0


def test_tools_offered_must_all_be_offered(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = scripted.complete(ask("What is the weather in two cities?"), model)
    assert not any(isinstance(part, ToolCall) for part in response.content)


def test_omitted_arguments_are_generated_from_the_schema(
    scripted: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    (call,) = scripted.complete(ask("call it with any arguments", tools=[WEATHER]), model).content
    assert json.loads(call.arguments) == {"location": "mock"}


def test_raw_arguments_are_kept_as_written(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    (call,) = scripted.complete(ask("make a broken call for Oslo"), model).content
    assert call.arguments == '{"location": "Oslo"'


def test_double_braces_are_literal(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = scripted.complete(ask("echo me"), model)
    assert response.content == [Text("{user_text} is echo me")]


def test_stop_reason_and_usage_overrides(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = scripted.complete(ask("this should be blocked"), model)
    assert response.stop_reason is StopReason.CONTENT_FILTER
    assert response.usage.input_tokens == 1000
    assert response.usage.cache_read_tokens == 200
    assert response.usage.output_tokens == 6  # counted, not overridden


def test_scripted_limits_still_apply(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    response = scripted.complete(ask("this should be blocked", max_tokens=2), model)
    assert response.content == [Text("I cannot")]
    assert response.usage.output_tokens == 2


def test_scripted_error_with_retry_after(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    with pytest.raises(GatewayError) as raised:
        scripted.complete(ask("you are going too fast"), model)
    assert raised.value.kind is ErrorKind.RATE_LIMIT
    assert raised.value.status == 429
    assert raised.value.message == "Slow down."
    assert raised.value.headers == {"retry-after": "7"}


def test_error_kind_follows_the_status(scripted: MockProvider, model: ModelEntry, ask: Ask) -> None:
    with pytest.raises(GatewayError) as raised:
        next(scripted.stream(ask("overloaded"), model))
    assert (raised.value.kind, raised.value.status) == (ErrorKind.OVERLOADED, 529)


def test_a_mid_stream_error_is_raised_by_complete(
    scripted: MockProvider, model: ModelEntry, ask: Ask
) -> None:
    with pytest.raises(GatewayError, match="Upstream went away"):
        scripted.complete(ask("break the stream"), model)


BAD_FILES = [
    ("not_yaml.yaml", "not valid YAML"),
    ("empty.yaml", "expected a mapping with keys scenarios, got nothing"),
    ("unknown_top_key.yaml", "unknown key scenario; allowed: scenarios"),
    ("unknown_match_key.yaml", "scenarios[0] (typo).match: unknown key user_text; allowed: model, user_regex"),
    ("bad_regex.yaml", "scenarios[0].match.user_regex: invalid regular expression 'read ('"),
    ("unknown_placeholder.yaml", "reply.tool_calls[0].arguments.file_path: unknown placeholder {pth}; known: path, tool_result, user_text"),
    ("shadowed_variable.yaml", "match.user_regex: group name tool_result is a built-in variable"),
    ("bad_status.yaml", "reply.error.status: must be an HTTP error status (400-599), got 200"),
    ("bad_stop_reason.yaml", "reply.stop_reason: expected one of end_turn, stop_sequence, max_tokens"),
    ("missing_reply.yaml", "scenarios[0].reply: is required"),
    ("tool_call_without_name.yaml", "reply.tool_calls[0].name: is required"),
    ("bad_chunk.yaml", "reply.stream.chunk: expected 'word' or a number of characters (1 or more), got 0"),
    ("turn_as_text.yaml", "match.turn: expected an integer, got str"),
    ("bool_as_number.yaml", "reply.error.after_events: expected an integer, got bool"),
    ("unknown_usage_key.yaml", "reply.usage: unknown key prompt_tokens; allowed: input_tokens"),
    ("scenario_not_a_mapping.yaml", "scenarios[0]: expected a mapping with keys name, match, reply, got str"),
    ("does_not_exist.yaml", "cannot read the scenario file"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "message"), BAD_FILES, ids=[file for file, _ in BAD_FILES])
def test_bad_scenario_files_are_rejected_with_a_clear_message(
    scenario_dir: Path, file: str, message: str
) -> None:
    path = scenario_dir / "bad" / file
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_the_readme_example_loads() -> None:
    readme = (Path(gateway.providers.mock.__file__).parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    names = [scenario.name for scenario in scenarios_from_data(yaml.safe_load(example), "README.md")]
    assert names == [
        "read the file named in the prompt",
        "answer with what the file holds",
        "rate limited",
        "a slow stream that breaks",
    ]
