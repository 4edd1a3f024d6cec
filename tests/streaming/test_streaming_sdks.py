"""The official SDKs' stream helpers consume every translated cell: openai chat ``.stream()`` and
``responses.stream()``, anthropic ``messages.stream()``, google-genai
``generate_content_stream``. Each must finish without error and hold the provider's final text
and tool calls; a Gemini 3 tool loop run through the helpers keeps its thought signature."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from google.genai import types
from streaming.sources import PARALLEL_TOOLS, TEXT, Source
from translation.answers import gemini_3_signature, gemini_3_turn, signatures_sent_with_calls
from translation.dialects import ANTHROPIC, CHAT, GEMINI, LOCATION, RESPONSES, TRANSLATED
from translation.fake_upstreams import Reply
from translation.fixtures import model_for
from translation.sdk_clients import anthropic_client, genai_client, openai_client
from translation.synthetic_streams import stream_of
from translation.whole_bodies import sse_events

from conformance.checks import fold

Final = tuple[str, list[tuple[str, Any]]]  # (text, [(tool name, arguments)])


def _chat(gateway: str, model: str, prompt: str, tools: list[str]) -> Final:
    functions = [
        {
            "type": "function",
            "function": {
                "name": n,
                "description": n,
                "parameters": {**LOCATION, "additionalProperties": False},
                "strict": True,
            },
        }
        for n in tools
    ]
    extra = {"tools": functions} if functions else {}
    with openai_client(gateway).chat.completions.stream(
        model=model, messages=[{"role": "user", "content": prompt}], **extra
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    message = final.choices[0].message
    calls = [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []]
    return message.content or "", calls


def _responses(gateway: str, model: str, prompt: str, tools: list[str]) -> Final:
    functions = [
        {"type": "function", "name": n, "description": n, "parameters": LOCATION, "strict": False}
        for n in tools
    ]
    extra = {"tools": functions} if functions else {}
    with openai_client(gateway).responses.stream(model=model, input=prompt, **extra) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    calls = [(i.name, json.loads(i.arguments)) for i in final.output if i.type == "function_call"]
    return final.output_text, calls


def _anthropic(gateway: str, model: str, prompt: str, tools: list[str]) -> Final:
    extra = (
        {"tools": [{"name": n, "description": n, "input_schema": LOCATION} for n in tools]} if tools else {}
    )
    with anthropic_client(gateway).messages.stream(
        model=model, max_tokens=4096, messages=[{"role": "user", "content": prompt}], **extra
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_message()
    text = "".join(b.text for b in final.content if b.type == "text")
    return text, [(b.name, b.input) for b in final.content if b.type == "tool_use"]


def _genai(gateway: str, model: str, prompt: str, tools: list[str]) -> Final:
    declarations = [
        types.FunctionDeclaration(name=n, description=n, parameters_json_schema=LOCATION) for n in tools
    ]
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=declarations)] if tools else None
    )
    client = genai_client(gateway)  # held: a collected client closes its connections
    text, calls = [], []
    for chunk in client.models.generate_content_stream(model=model, contents=prompt, config=config):
        for part in chunk.candidates[0].content.parts or []:
            if part.text and not part.thought:
                text.append(part.text)
            if part.function_call:
                calls.append((part.function_call.name, part.function_call.args))
    return "".join(text), calls


HELPERS: dict[str, Callable[[str, str, str, list[str]], Final]] = {
    CHAT: _chat,
    RESPONSES: _responses,
    ANTHROPIC: _anthropic,
    GEMINI: _genai,
}


def _expected(source: Source) -> Final:
    answer = fold(source.protocol, sse_events(source.raw))
    return answer.text, [(c.name, c.arguments) for c in answer.tool_calls]


@pytest.mark.parametrize("scenario", ["text", "parallel_tools"])
@pytest.mark.parametrize(("inbound", "upstream"), TRANSLATED)
def test_each_sdk_stream_helper_consumes_every_translated_cell(
    gateway, upstreams, inbound, upstream, scenario
):
    source = (TEXT if scenario == "text" else PARALLEL_TOOLS)[upstream]()
    upstreams[upstream].answer(source.reply)
    tools = sorted({tool.name for tool in source.tools})
    got = HELPERS[inbound](gateway, model_for(upstream), "Go on.", tools)
    assert got == _expected(source)


def _g3_stream(index: int) -> Reply:
    return Reply.sse(stream_of(GEMINI, gemini_3_turn(index)))


MULTIPLY = {
    "type": "object",
    "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
    "required": ["x", "y"],
}


def test_a_gemini_3_tool_loop_streamed_through_the_anthropic_helper_keeps_its_signature(gateway, upstreams):
    client = anthropic_client(gateway)
    upstreams[GEMINI].answer(_g3_stream(0), _g3_stream(1))
    tools = [{"name": "multiply", "description": "Multiply two numbers.", "input_schema": MULTIPLY}]
    question = {"role": "user", "content": "What is 5 times 3?"}
    with client.messages.stream(
        model=model_for(GEMINI), max_tokens=1024, tools=tools, messages=[question]
    ) as stream:
        first = stream.get_final_message()
    (call,) = [b for b in first.content if b.type == "tool_use"]
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "15"}]}
    history = [question, {"role": "assistant", "content": first.content}, result]
    with client.messages.stream(
        model=model_for(GEMINI), max_tokens=1024, tools=tools, messages=history
    ) as stream:
        assert stream.get_final_text() == "5 times 3 is 15."
    assert signatures_sent_with_calls(upstreams[GEMINI].body) == [gemini_3_signature()]


def test_a_gemini_3_tool_loop_streamed_through_the_responses_helper_keeps_its_signature(gateway, upstreams):
    client = openai_client(gateway)
    upstreams[GEMINI].answer(_g3_stream(0), _g3_stream(1))
    tools = [
        {
            "type": "function",
            "name": "multiply",
            "description": "Multiply.",
            "parameters": MULTIPLY,
            "strict": False,
        }
    ]
    question = [{"role": "user", "content": "What is 5 times 3?"}]
    with client.responses.stream(model=model_for(GEMINI), tools=tools, input=question) as stream:
        first = stream.get_final_response()
    (call,) = [i for i in first.output if i.type == "function_call"]
    history = question + [i.model_dump(exclude_none=True) for i in first.output]
    history.append({"type": "function_call_output", "call_id": call.call_id, "output": "15"})
    with client.responses.stream(model=model_for(GEMINI), tools=tools, input=history) as stream:
        assert stream.get_final_response().output_text == "5 times 3 is 15."
    assert signatures_sent_with_calls(upstreams[GEMINI].body) == [gemini_3_signature()]


def test_a_gemini_3_tool_loop_streamed_through_the_openai_chat_helper_keeps_its_signature(gateway, upstreams):
    client = openai_client(gateway)
    upstreams[GEMINI].answer(_g3_stream(0), _g3_stream(1))
    tools = [
        {
            "type": "function",
            "function": {
                "name": "multiply",
                "description": "Multiply.",
                "parameters": {**MULTIPLY, "additionalProperties": False},
                "strict": True,
            },
        }
    ]
    question = {"role": "user", "content": "What is 5 times 3?"}
    with client.chat.completions.stream(model=model_for(GEMINI), tools=tools, messages=[question]) as stream:
        message = stream.get_final_completion().choices[0].message
    (call,) = message.tool_calls
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.function.name, "arguments": call.function.arguments},
            }
        ],
    }
    history = [question, assistant, {"role": "tool", "tool_call_id": call.id, "content": "15"}]
    with client.chat.completions.stream(model=model_for(GEMINI), tools=tools, messages=history) as stream:
        assert stream.get_final_completion().choices[0].message.content == "5 times 3 is 15."
    assert signatures_sent_with_calls(upstreams[GEMINI].body) == [gemini_3_signature()]
