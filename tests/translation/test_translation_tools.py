"""Tools across the 16 cells: a full round trip, tool choice, parallel calls, schemas, and the
assistant text that stands beside a call; and a Responses client's freeform (custom) tool."""

from __future__ import annotations

import json
from typing import Any

import pytest
from translation.answers import PLAIN
from translation.checks import client_answer, exchange, upstream_request
from translation.dialects import (
    ANTHROPIC,
    CELLS,
    CHAT,
    GEMINI,
    LOCATION,
    PROTOCOLS,
    RESPONSES,
    Ask,
    Call,
    Result,
    SeenCall,
    Tool,
    UpstreamView,
    assistant,
    send,
    tool,
    user,
)
from translation.expectations import assert_same_answer, expected_answer
from translation.fake_upstreams import Reply, recorded, recorded_json
from translation.fixtures import model_for
from translation.synthetic_streams import stream_of
from translation.whole_bodies import sse_events

NUMBERS = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
}
# Per provider: a recorded answer that calls tools, the tools it was offered, and a recorded
# final answer for the turn after the results.
TOOL_CALLS: dict[str, tuple[str, list[Tool]]] = {
    CHAT: (
        "openai/chat-tools__traceloop",
        [Tool("get_current_weather", "Get the current weather", LOCATION)],
    ),
    RESPONSES: ("openai/resp-tools__simonw-llm", [Tool("multiply", "Multiply two numbers.", NUMBERS)]),
    ANTHROPIC: ("anthropic/msg-tools__datadog", [Tool("get_weather", "Get the weather", LOCATION)]),
    GEMINI: ("gemini/tools__arize", [Tool("get_weather", "Get the weather", LOCATION)]),
}
FINAL = {
    CHAT: ("openai/chat-plain__crewai-gpt41", 0),
    RESPONSES: ("openai/resp-tools__simonw-llm", 1),
    ANTHROPIC: ("anthropic/msg-plain__datadog", 0),
    GEMINI: ("gemini/parallel-tools__crewai", 1),
}


def calls_in(inbound: str, body: dict[str, Any]) -> list[Call]:
    """The tool calls of a client's whole response, with the ids the client will send back."""
    if inbound == CHAT:
        return [
            Call(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in body["choices"][0]["message"].get("tool_calls") or []
        ]
    if inbound == RESPONSES:
        return [
            Call(i["call_id"], i["name"], json.loads(i["arguments"]))
            for i in body["output"]
            if i["type"] == "function_call"
        ]
    if inbound == ANTHROPIC:
        return [Call(b["id"], b["name"], b["input"]) for b in body["content"] if b["type"] == "tool_use"]
    parts = body["candidates"][0]["content"]["parts"]
    return [
        Call(p["functionCall"].get("id", ""), p["functionCall"]["name"], p["functionCall"]["args"])
        for p in parts
        if "functionCall" in p
    ]


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_a_tool_round_trip(gateway, upstreams, inbound, upstream):
    """The provider calls a tool; the client runs it and sends the result back with the call:
    the provider gets its call and the result paired in its own terms."""
    name, tools = TOOL_CALLS[upstream]
    first = Ask([user("What is the weather in San Francisco?")], tools=tools)
    response, _ = exchange(gateway, upstreams, inbound, upstream, first, recorded(name))
    assert_same_answer(
        client_answer(inbound, response), expected_answer(upstream, recorded_json(name), inbound)
    )
    calls = calls_in(inbound, response.json())
    assert calls

    results = [Result(call.id, call.name, f"result of {call.name}") for call in calls]
    second = Ask([*first.turns, assistant(*calls), tool(*results)], tools=tools)
    final = FINAL[upstream]
    response, seen = exchange(gateway, upstreams, inbound, upstream, second, recorded(*final))
    assert_same_answer(
        client_answer(inbound, response), expected_answer(upstream, recorded_json(*final), inbound)
    )

    recorded_calls = [c for c in _recorded_calls(upstream, name)]
    assert [(c.name, c.arguments) for c in seen.calls] == [(c.name, c.arguments) for c in recorded_calls]
    assert [r.text for r in seen.results] == [r.text for r in results]
    if upstream == GEMINI:  # Gemini pairs a response with its call by function name
        assert [r.name for r in seen.results] == [c.name for c in seen.calls]
    else:
        assert [r.id for r in seen.results] == [c.id for c in seen.calls]
        if inbound != GEMINI:  # the provider's own ids came back to it, through any client
            assert [c.id for c in seen.calls] == [c.id for c in recorded_calls]
    assert all(c.id for c in seen.calls) or upstream == GEMINI


def _recorded_calls(upstream: str, name: str) -> list[SeenCall]:
    from conformance.checks import answer_of_body

    return [
        SeenCall(c.id, c.name, c.arguments) for c in answer_of_body(upstream, recorded_json(name)).tool_calls
    ]


TWO_TOOLS = [
    Tool("get_weather", "Get the weather", LOCATION),
    Tool(
        "get_time", "Get the local time", {"type": "object", "properties": {"timezone": {"type": "string"}}}
    ),
]


@pytest.mark.parametrize("choice", ["auto", "none", "required", "get_time"])
@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_tool_choice(gateway, upstreams, inbound, upstream, choice):
    question = Ask([user("What time is it in Paris?")], tools=TWO_TOOLS, tool_choice=choice)
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    assert seen.tool_choice == choice
    assert list(seen.tool_schemas) == ["get_weather", "get_time"]


@pytest.mark.parametrize(("inbound", "upstream"), [(i, u) for i, u in CELLS if i != GEMINI])
def test_parallel_tool_calls_false(gateway, upstreams, inbound, upstream):
    """``parallel_tool_calls: false`` <-> ``disable_parallel_tool_use``; Gemini has no such switch
    (a documented drop)."""
    question = Ask([user("Weather and time in Paris?")], tools=TWO_TOOLS, parallel_tool_calls=False)
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    assert seen.parallel_tool_calls is (None if upstream == GEMINI else False)


# A schema with everything strict JSON Schema users write: $schema, $defs/$ref, anyOf, const,
# additionalProperties, defaults and patterns.
RICH_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "$defs": {"unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "properties": {
        "location": {"type": "string", "pattern": "^[A-Z]", "description": "City name"},
        "unit": {"$ref": "#/$defs/unit", "default": "celsius"},
        "when": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
        "kind": {"const": "forecast"},
    },
    "required": ["location", "when", "kind"],
}
# What Gemini documents for parametersJsonSchema: the same, without what it does not take.
GEMINI_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "$defs": {"unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "properties": {
        "location": {"type": "string", "description": "City name"},
        "unit": {"$ref": "#/$defs/unit"},
        "when": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
        "kind": {"enum": ["forecast"]},
    },
    "required": ["location", "when", "kind"],
}


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_tool_schemas_reach_openai_and_anthropic_unchanged_and_gemini_as_its_subset(
    gateway, upstreams, inbound, upstream
):
    question = Ask([user("Forecast for Paris?")], tools=[Tool("forecast", "Weather forecast", RICH_SCHEMA)])
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    expected = RICH_SCHEMA if upstream != GEMINI or inbound == GEMINI else GEMINI_SCHEMA
    assert seen.tool_schemas == {"forecast": expected}


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_assistant_text_beside_tool_calls_is_kept_in_order(gateway, upstreams, inbound, upstream):
    call = Call("call_weather_1", "get_weather", {"location": "Paris"})
    question = Ask(
        [
            user("Weather in Paris?"),
            assistant("Let me look that up.", call),
            tool(Result(call.id, call.name, "18C and sunny")),
        ],
        tools=TWO_TOOLS,
    )
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    assert _assistant_sequence(seen) == [("text", "Let me look that up."), ("call", "get_weather")]


def _assistant_sequence(seen) -> list[tuple[str, str]]:
    """The assistant's text and calls in the order the provider got them."""
    sequence: list[tuple[str, str]] = []
    for message in seen.messages:
        role = message.get("role") or message.get("type")
        if seen.protocol == CHAT and role == "assistant":
            if message.get("content"):
                sequence.append(("text", message["content"]))
            sequence += [("call", c["function"]["name"]) for c in message.get("tool_calls") or []]
        elif seen.protocol == RESPONSES and role == "assistant":
            content = message["content"]
            sequence.append(("text", content if isinstance(content, str) else content[0]["text"]))
        elif seen.protocol == RESPONSES and role == "function_call":
            sequence.append(("call", message["name"]))
        elif seen.protocol == ANTHROPIC and role == "assistant":
            sequence += [
                ("text", b["text"]) if b["type"] == "text" else ("call", b["name"])
                for b in message["content"]
            ]
        elif seen.protocol == GEMINI and role == "model":
            sequence += [
                ("text", p["text"]) if "text" in p else ("call", p["functionCall"]["name"])
                for p in message["parts"]
            ]
    return sequence


@pytest.mark.parametrize("upstream", PROTOCOLS)
def test_an_empty_assistant_text_beside_a_call_is_not_sent_as_an_empty_block(gateway, upstreams, upstream):
    """OpenAI clients send ``content: ""`` beside tool calls; Anthropic refuses empty text blocks
    (``exchange`` checks every body sent to Anthropic for them)."""
    call = Call("call_1", "get_weather", {"location": "Paris"})
    question = Ask(
        [user("Weather?"), assistant("", call), tool(Result(call.id, call.name, "sunny"))], tools=TWO_TOOLS
    )
    response, seen = exchange(gateway, upstreams, CHAT, upstream, question, recorded(PLAIN[upstream]))
    client_answer(CHAT, response)
    assert _assistant_sequence(seen) == [("call", "get_weather")]


# --- a Responses client's freeform (custom) tool, as Codex CLI offers its apply_patch --------------

PATCH = '*** Begin Patch\n*** Update File: notes.txt\n@@\n-old "line"\n+new line\n*** End Patch\n'
APPLY_PATCH = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Use the `apply_patch` tool to edit files.",
    "format": {"type": "grammar", "syntax": "lark", "definition": 'start: "*** Begin Patch" LF'},
}
TOOL_SEARCH = {"type": "tool_search", "execution": "client", "description": "Search deferred tools."}
# A call to the translated tool as each provider writes it: a function whose `input` is the patch.
PATCH_CALLS = {
    ANTHROPIC: {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "apply_patch", "input": {"input": PATCH}}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 20, "output_tokens": 12},
    },
    CHAT: {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "apply_patch", "arguments": json.dumps({"input": PATCH})},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 12, "total_tokens": 32},
    },
}


def freeform_body(model: str, stream: bool, *history: dict[str, Any]) -> dict[str, Any]:
    question = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "Fix notes.txt"}],
    }
    return {
        "model": model,
        "input": [question, *history],
        "tools": [APPLY_PATCH, TOOL_SEARCH],
        "stream": stream,
        "store": False,
    }


def custom_calls(response: Any, stream: bool) -> list[dict[str, Any]]:
    """The custom_tool_call items a Responses client got (from response.completed if streamed)."""
    assert response.status_code == 200, response.text
    if stream:
        events = [json.loads(e.data) for e in sse_events(response.content)]
        assert "response.custom_tool_call_input.done" in [e["type"] for e in events]
        output = next(e for e in events if e["type"] == "response.completed")["response"]["output"]
    else:
        client_answer(RESPONSES, response)  # valid against the spec
        output = response.json()["output"]
    return [item for item in output if item["type"] == "custom_tool_call"]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("upstream", [ANTHROPIC, CHAT])
def test_a_freeform_tool_is_a_function_upstream_and_its_call_comes_back_freeform(
    gateway, upstreams, upstream, stream
):
    reply = (
        Reply.sse(stream_of(upstream, PATCH_CALLS[upstream])) if stream else Reply.json(PATCH_CALLS[upstream])
    )
    upstreams[upstream].answer(reply)
    model = model_for(upstream)
    response = send(gateway, RESPONSES, model, freeform_body(model, stream))
    ((call,),) = [custom_calls(response, stream)]
    assert (call["name"], call["input"]) == ("apply_patch", PATCH)
    sent = upstream_request(upstream, upstreams[upstream].received[-1])
    names = [tool.get("name") or tool["function"]["name"] for tool in sent["tools"]]
    assert names == ["apply_patch"]  # tool_search is left out

    upstreams[upstream].answer(recorded(PLAIN[upstream]))
    history = [
        {"type": "custom_tool_call", "call_id": call["call_id"], "name": "apply_patch", "input": PATCH},
        {"type": "custom_tool_call_output", "call_id": call["call_id"], "output": "Done."},
    ]
    client_answer(RESPONSES, send(gateway, RESPONSES, model, freeform_body(model, False, *history)))
    seen = UpstreamView(upstream, upstream_request(upstream, upstreams[upstream].received[-1]))
    assert [(c.name, c.arguments) for c in seen.calls] == [("apply_patch", {"input": PATCH})]
    assert [r.text for r in seen.results] == ["Done."]


def test_a_freeform_tool_passes_through_to_openai_responses_untouched(gateway, upstreams):
    upstreams[RESPONSES].answer(recorded(PLAIN[RESPONSES]))
    model = model_for(RESPONSES)
    history = [
        {"type": "custom_tool_call", "call_id": "call_1", "name": "apply_patch", "input": PATCH},
        {"type": "custom_tool_call_output", "call_id": "call_1", "output": "Done."},
    ]
    body = freeform_body(model, False, *history)
    assert send(gateway, RESPONSES, model, body).status_code == 200
    sent = upstreams[RESPONSES].body
    assert (sent["tools"], sent["input"]) == (body["tools"], body["input"])
