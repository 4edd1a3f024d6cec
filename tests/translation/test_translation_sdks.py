"""The official SDKs complete a tool round trip through translated cells: the provider calls a
tool, the SDK's own objects go back as history with the result, the provider gets its call and
the result paired in its own terms, and the SDK reads the final answer."""

from __future__ import annotations

import json

from google.genai import types
from translation.answers import (
    ANTHROPIC_THINKING,
    gemini_3_signature,
    gemini_3_turn,
    signatures_sent_with_calls,
)
from translation.dialects import ANTHROPIC, CHAT, GEMINI, LOCATION
from translation.fake_upstreams import Reply, recorded, recorded_json
from translation.fixtures import model_for
from translation.sdk_clients import anthropic_client, genai_client, openai_client

CHAT_CALL, CHAT_FINAL = "openai/chat-tools__traceloop", "openai/chat-plain__crewai-gpt41"
ANTHROPIC_CALL, ANTHROPIC_FINAL = "anthropic/msg-tools__datadog", "anthropic/msg-plain__datadog"
WEATHER = {"name": "get_current_weather", "description": "Get the current weather", "parameters": LOCATION}
GET_WEATHER = {**WEATHER, "name": "get_weather"}
MULTIPLY = {
    "name": "multiply",
    "description": "Multiply two numbers.",
    "parameters": {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
        "required": ["x", "y"],
    },
}


def _final_text(name: str) -> str:
    body = recorded_json(name)
    if "choices" in body:
        return body["choices"][0]["message"]["content"]
    return "".join(block["text"] for block in body["content"] if block["type"] == "text")


def test_the_anthropic_sdk_against_an_openai_upstream(gateway, upstreams):
    client = anthropic_client(gateway)
    upstreams[CHAT].answer(recorded(CHAT_CALL), recorded(CHAT_FINAL))
    tools = [{"name": WEATHER["name"], "description": WEATHER["description"], "input_schema": LOCATION}]
    question = {"role": "user", "content": "What is the weather in San Francisco?"}
    first = client.messages.create(model=model_for(CHAT), max_tokens=1024, tools=tools, messages=[question])
    (call,) = [block for block in first.content if block.type == "tool_use"]
    assert (call.id, call.name, call.input) == (
        "call_NnblzAO7oa78mQTzjUYLcouN",
        "get_current_weather",
        {"location": "San Francisco"},
    )
    assert first.stop_reason == "tool_use"

    result = {"type": "tool_result", "tool_use_id": call.id, "content": "18C and sunny"}
    history = [
        question,
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": [result]},
    ]
    final = client.messages.create(model=model_for(CHAT), max_tokens=1024, tools=tools, messages=history)
    assert final.content[0].text == _final_text(CHAT_FINAL)
    messages = upstreams[CHAT].body["messages"]
    assert messages[1]["tool_calls"][0]["id"] == call.id
    assert messages[2] == {"role": "tool", "tool_call_id": call.id, "content": "18C and sunny"}


def test_the_openai_sdk_against_an_anthropic_upstream(gateway, upstreams):
    client = openai_client(gateway)
    upstreams[ANTHROPIC].answer(recorded(ANTHROPIC_CALL), recorded(ANTHROPIC_FINAL))
    tools = [{"type": "function", "function": GET_WEATHER}]
    question = {"role": "user", "content": "What is the weather in San Francisco?"}
    first = client.chat.completions.create(model=model_for(ANTHROPIC), tools=tools, messages=[question])
    message = first.choices[0].message
    (call,) = message.tool_calls
    assert call.id == "toolu_01DYJo37oETVsCdLTTcCWcdq" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "San Francisco, CA"}
    assert first.choices[0].finish_reason == "tool_calls"
    assert message.content.startswith("<thinking>")  # the text Anthropic wrote beside its call

    result = {"role": "tool", "tool_call_id": call.id, "content": "18C and sunny"}
    history = [question, message.model_dump(exclude_none=True), result]
    final = client.chat.completions.create(model=model_for(ANTHROPIC), tools=tools, messages=history)
    assert final.choices[0].message.content == _final_text(ANTHROPIC_FINAL)
    sent = upstreams[ANTHROPIC].body["messages"]
    assert [b["type"] for b in sent[1]["content"]] == ["text", "tool_use"]
    assert sent[1]["content"][1]["id"] == call.id
    assert sent[2]["content"] == [
        {
            "type": "tool_result",
            "tool_use_id": call.id,
            "content": [{"type": "text", "text": "18C and sunny"}],
        }
    ]


def test_the_openai_responses_sdk_keeps_a_gemini_3_signature_round_trip(gateway, upstreams):
    client = openai_client(gateway)
    upstreams[GEMINI].answer(Reply.json(gemini_3_turn(0)), Reply.json(gemini_3_turn(1)))
    tools = [{"type": "function", **MULTIPLY}]
    question = [{"role": "user", "content": "What is 5 times 3?"}]
    first = client.responses.create(model=model_for(GEMINI), tools=tools, input=question)
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert (call.name, json.loads(call.arguments)) == ("multiply", {"x": 5, "y": 3})

    history = question + [item.model_dump(exclude_none=True) for item in first.output]
    history.append({"type": "function_call_output", "call_id": call.call_id, "output": "15"})
    final = client.responses.create(model=model_for(GEMINI), tools=tools, input=history)
    assert final.output_text == "5 times 3 is 15."
    assert signatures_sent_with_calls(upstreams[GEMINI].body) == [gemini_3_signature()]


def test_the_anthropic_sdk_keeps_a_gemini_3_signature_round_trip(gateway, upstreams):
    client = anthropic_client(gateway)
    upstreams[GEMINI].answer(Reply.json(gemini_3_turn(0)), Reply.json(gemini_3_turn(1)))
    tools = [
        {"name": "multiply", "description": MULTIPLY["description"], "input_schema": MULTIPLY["parameters"]}
    ]
    question = {"role": "user", "content": "What is 5 times 3?"}
    first = client.messages.create(model=model_for(GEMINI), max_tokens=1024, tools=tools, messages=[question])
    (call,) = [block for block in first.content if block.type == "tool_use"]
    result = {"type": "tool_result", "tool_use_id": call.id, "content": "15"}
    history = [
        question,
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": [result]},
    ]
    final = client.messages.create(model=model_for(GEMINI), max_tokens=1024, tools=tools, messages=history)
    assert final.content[0].text == "5 times 3 is 15."
    assert signatures_sent_with_calls(upstreams[GEMINI].body) == [gemini_3_signature()]
    assert upstreams[GEMINI].body["contents"][2]["parts"][0]["functionResponse"]["name"] == "multiply"


def test_the_google_genai_sdk_against_an_openai_upstream(gateway, upstreams):
    client = genai_client(gateway)
    upstreams[CHAT].answer(recorded(CHAT_CALL), recorded(CHAT_FINAL))
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[types.FunctionDeclaration(**WEATHER)])]
    )
    question = types.Content(role="user", parts=[types.Part(text="What is the weather in San Francisco?")])
    first = client.models.generate_content(model=model_for(CHAT), contents=[question], config=config)
    (call,) = first.function_calls
    assert (call.name, call.args) == ("get_current_weather", {"location": "San Francisco"})

    answer = types.Part.from_function_response(name=call.name, response={"output": "18C and sunny"})
    history = [question, first.candidates[0].content, types.Content(role="user", parts=[answer])]
    final = client.models.generate_content(model=model_for(CHAT), contents=history, config=config)
    assert final.text == _final_text(CHAT_FINAL)
    messages = upstreams[CHAT].body["messages"]
    assert (
        messages[2]["tool_call_id"] == messages[1]["tool_calls"][0]["id"] == "call_NnblzAO7oa78mQTzjUYLcouN"
    )


def test_the_google_genai_sdk_carries_anthropic_thinking_back_to_anthropic(gateway, upstreams):
    """google-genai decodes thoughtSignature to bytes and re-encodes it: the tagged signature
    survives, and Anthropic gets its own signature back byte-identical."""
    client = genai_client(gateway)
    upstreams[ANTHROPIC].answer(recorded(ANTHROPIC_THINKING), recorded(ANTHROPIC_FINAL))
    question = types.Content(role="user", parts=[types.Part(text="Weather in Paris?")])
    config = types.GenerateContentConfig(max_output_tokens=4096)
    first = client.models.generate_content(model=model_for(ANTHROPIC), contents=[question], config=config)
    assert any(part.thought_signature for part in first.candidates[0].content.parts)
    follow = types.Content(role="user", parts=[types.Part(text="And tomorrow?")])
    client.models.generate_content(
        model=model_for(ANTHROPIC), contents=[question, first.candidates[0].content, follow], config=config
    )
    sent = upstreams[ANTHROPIC].body["messages"][1]["content"]
    recorded_thinking = [b for b in recorded_json(ANTHROPIC_THINKING)["content"] if b["type"] == "thinking"]
    assert [(b["thinking"], b["signature"]) for b in sent if b["type"] == "thinking"] == [
        (b["thinking"], b["signature"]) for b in recorded_thinking
    ]
