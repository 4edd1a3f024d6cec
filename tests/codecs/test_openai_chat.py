"""The OpenAI Chat Completions codec: real recordings, encoders, streams, and the openai SDK's own
stream helpers reading what the encoders write."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from helpers_openai import (
    decode_stream,
    fold,
    json_events,
    recorded,
    reencode,
    sdk_client,
    specs,
    sse_events,
    stream_problems,
)
from openai import LengthFinishReasonError
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk

from gateway.canonical import (
    ArgumentsDelta,
    Audio,
    BlockStart,
    BlockStop,
    Document,
    Image,
    Message,
    RedactedThinking,
    Request,
    Response,
    ResponseFormat,
    SignatureDelta,
    StopReason,
    StreamEnd,
    StreamError,
    StreamEvent,
    StreamStart,
    Text,
    TextDelta,
    Thinking,
    ThinkingConfig,
    ThinkingDelta,
    Tool,
    ToolCall,
    ToolChoice,
    ToolResult,
    Usage,
)
from gateway.codecs.openai_chat import CODEC
from gateway.errors import ErrorKind, GatewayError
from gateway.sse import SSEEvent

OPERATION = "openai.createChatCompletion"
PATH = "/v1/chat/completions"
FINISH = {"stop": StopReason.END_TURN, "length": StopReason.MAX_TOKENS, "tool_calls": StopReason.TOOL_USE}
WEATHER = Tool(
    "get_weather", "Weather in a city", {"type": "object", "properties": {"city": {"type": "string"}}}
)
PNG = "iVBORw0KGgo="
PDF = "JVBERi0xLjQK"


def user(text: str) -> Message:
    return Message("user", [Text(text)])


def request(*messages: Message, **fields: Any) -> Request:
    fields.setdefault("model", "gpt-test")
    return Request(messages=list(messages) or [user("hi")], **fields)


# --- real recordings -------------------------------------------------------------------------------


def recorded_parts(message: dict[str, Any]) -> list[tuple[str, Any]]:
    """What a recorded chat message carries, read straight from its JSON."""
    content = message.get("content")
    parts: list[tuple[str, Any]] = []
    if isinstance(content, str) and content:
        parts.append(("text", content))
    for part in content if isinstance(content, list) else []:
        kind = part["type"]
        if kind == "text":
            parts.append(("text", part["text"]))
        elif kind == "image_url":
            url = part["image_url"]["url"]
            parts.append(("image", url.split(",", 1)[1] if url.startswith("data:") else url))
        elif kind == "file":
            parts.append(("document", part["file"]["file_data"].split(",", 1)[1]))
        elif kind == "input_audio":
            parts.append(("audio", part["input_audio"]["data"]))
    parts.extend(("call", (c["id"], c["function"]["name"])) for c in message.get("tool_calls") or [])
    return parts


def canonical_parts(message: Message) -> list[tuple[str, Any]]:
    parts: list[tuple[str, Any]] = []
    for part in message.content:
        if isinstance(part, Text):
            parts.append(("text", part.text))
        elif isinstance(part, Image):
            parts.append(("image", part.data or part.url))
        elif isinstance(part, Document):
            parts.append(("document", part.data))
        elif isinstance(part, Audio):
            parts.append(("audio", part.data))
        elif isinstance(part, ToolCall):
            parts.append(("call", (part.id, part.name)))
    return parts


@pytest.mark.parametrize(("name", "interaction"), recorded("chat-*.yaml", PATH, ok_only=False))
def test_recorded_request_decodes_to_what_it_says(name: str, interaction: Any) -> None:
    body = interaction.request.json()
    decoded = CODEC.decode_request(body)
    expected = [m for m in body["messages"] if recorded_parts(m)]
    assert [m.role for m in decoded.messages] == [m["role"] for m in expected]
    assert [canonical_parts(m) for m in decoded.messages] == [recorded_parts(m) for m in expected]
    assert [tool.name for tool in decoded.tools] == [t["function"]["name"] for t in body.get("tools") or []]
    assert decoded.stream is bool(body.get("stream"))
    assert decoded.stream_usage is bool((body.get("stream_options") or {}).get("include_usage"))
    assert decoded.stop == (body.get("stop") or [])
    assert decoded.max_tokens == body.get("max_completion_tokens", body.get("max_tokens"))
    assert decoded.temperature == body.get("temperature")
    if body.get("response_format"):
        assert decoded.response_format == ResponseFormat(body["response_format"]["type"])
    # What the codec writes upstream says the same thing again.
    assert CODEC.decode_request(CODEC.encode_request(decoded, body["model"])).messages == decoded.messages


@pytest.mark.parametrize(
    ("name", "interaction"),
    [p for p in recorded("chat-*.yaml", PATH) if p.values[1] is None or not p.values[1].is_stream],
)
def test_recorded_response_decodes_every_field(name: str, interaction: Any) -> None:
    body = interaction.response.json()
    message, usage = body["choices"][0]["message"], body["usage"]
    decoded = CODEC.decode_response(body)
    assert "".join(p.text for p in decoded.content if isinstance(p, Text)) == (message.get("content") or "")
    calls = [
        (c["id"], c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls") or []
    ]
    assert [(p.id, p.name, p.arguments) for p in decoded.content if isinstance(p, ToolCall)] == calls
    assert decoded.stop_reason is FINISH[body["choices"][0]["finish_reason"]]
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens", 0)
    assert decoded.usage == Usage(
        usage["prompt_tokens"] - cached, usage["completion_tokens"], cached, 0, reasoning
    )
    assert decoded.usage.total_tokens == usage["total_tokens"]
    assert (decoded.id, decoded.model, decoded.created) == (body["id"], body["model"], body["created"])
    assert specs().validate_response_body(OPERATION, 200, CODEC.encode_response(decoded, request())) == []


def fold_raw_chunks(data: bytes) -> dict[str, Any]:
    """The final state of a recorded stream, read from its chunks without the codec."""
    text, calls, finish, usage = "", {}, [], None
    for event in sse_events(data):
        if event.data == "[DONE]":
            continue
        chunk = json.loads(event.data)
        usage = chunk.get("usage") or usage
        for choice in chunk["choices"]:
            text += choice["delta"].get("content") or ""
            for call in choice["delta"].get("tool_calls") or []:
                entry = calls.setdefault(call["index"], ["", "", ""])
                entry[0] = call.get("id") or entry[0]
                entry[1] = call.get("function", {}).get("name") or entry[1]
                entry[2] += call.get("function", {}).get("arguments") or ""
            if choice.get("finish_reason"):
                finish.append(choice["finish_reason"])
    return {"text": text, "calls": [tuple(calls[i]) for i in sorted(calls)], "finish": finish, "usage": usage}


STREAMS = [p for p in recorded("chat-*.yaml", PATH) if p.values[1] is None or p.values[1].is_stream]


@pytest.mark.parametrize(("name", "interaction"), STREAMS)
def test_recorded_stream_folds_to_the_recorded_final_state(name: str, interaction: Any) -> None:
    raw = fold_raw_chunks(interaction.response.body)
    folded = fold(decode_stream(CODEC, interaction.response.body))
    assert folded.error is None
    assert folded.text == raw["text"]
    assert folded.calls == raw["calls"]
    assert len(raw["finish"]) == 1 and folded.stop_reason is FINISH[raw["finish"][0]]
    expected = Usage() if raw["usage"] is None else CODEC.decode_response({"usage": raw["usage"]}).usage
    assert folded.usage == expected
    if raw["usage"]:
        assert folded.usage.prompt_tokens == raw["usage"]["prompt_tokens"]
        assert folded.usage.output_tokens == raw["usage"]["completion_tokens"]


@pytest.mark.parametrize(("name", "interaction"), STREAMS)
def test_recorded_stream_survives_reencoding(name: str, interaction: Any) -> None:
    events = decode_stream(CODEC, interaction.response.body)
    again = reencode(CODEC, events, request(stream=True, stream_usage=True))
    assert stream_problems(OPERATION, again) == []
    assert fold(decode_stream(CODEC, again)) == fold(events)
    final = sdk_final_completion(again)
    assert final.choices[0].message.content == (fold(events).text or "")
    assert [
        (c.id, c.function.name, c.function.arguments) for c in final.choices[0].message.tool_calls or []
    ] == (fold(events).calls)


# --- decoding requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n", 2),
        ("logprobs", True),
        ("top_logprobs", 3),
        ("logit_bias", {"50256": -100}),
        ("audio", {"voice": "alloy", "format": "wav"}),
        ("modalities", ["text", "audio"]),
        ("web_search_options", {}),
        ("tools", [{"type": "custom", "custom": {"name": "apply_patch"}}]),
        ("tool_choice", {"type": "custom", "custom": {"name": "apply_patch"}}),
    ],
)
def test_what_would_change_the_answer_is_refused(field: str, value: Any) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], field: value}
    with pytest.raises(GatewayError) as caught:
        CODEC.decode_request(body)
    assert caught.value.kind is ErrorKind.INVALID_REQUEST
    assert caught.value.param == field


def test_harmless_fields_are_dropped() -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "n": 1,
        "store": True,
        "service_tier": "flex",
        "prompt_cache_key": "k",
        "safety_identifier": "s",
        "verbosity": "low",
        "stream_options": {"include_obfuscation": False},
    }
    assert CODEC.decode_request(body) == request(model="m")


def test_request_fields_map_to_canonical() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 10,
        "max_completion_tokens": 20,
        "stop": "END",
        "temperature": 0.5,
        "top_p": 0.9,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "seed": 7,
        "reasoning_effort": "high",
        "stream": True,
        "stream_options": {"include_usage": True},
        "user": "u1",
        "metadata": {"k": "v"},
        "parallel_tool_calls": False,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": True},
        },
    }
    decoded = CODEC.decode_request(body)
    assert decoded.max_tokens == 20  # max_completion_tokens wins
    assert decoded.stop == ["END"]
    assert (decoded.temperature, decoded.top_p, decoded.presence_penalty, decoded.frequency_penalty) == (
        0.5,
        0.9,
        0.1,
        0.2,
    )
    assert decoded.seed == 7
    assert decoded.thinking == ThinkingConfig(effort="high")
    assert decoded.stream and decoded.stream_usage
    assert (decoded.user, decoded.metadata, decoded.parallel_tool_calls) == ("u1", {"k": "v"}, False)
    assert decoded.response_format == ResponseFormat("json_schema", {"type": "object"}, "out", True)
    assert CODEC.decode_request({**body, "reasoning_effort": "none"}).thinking == ThinkingConfig(
        enabled=False
    )


def test_messages_decode_with_their_parts() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "developer", "content": [{"type": "text", "text": "use tools"}]},
            {
                "role": "user",
                "name": "ann",
                "content": [
                    {"type": "text", "text": "look"},
                    {
                        "type": "image_url",
                        "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"},
                    },
                    {"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg"}},
                    {
                        "type": "file",
                        "file": {"file_data": f"data:application/pdf;base64,{PDF}", "filename": "a.pdf"},
                    },
                    {
                        "type": "file",
                        "file": {"data": PDF, "media_type": "application/pdf", "filename": "b.pdf"},
                    },
                    {"type": "file", "file": {"file_id": "file-1"}},
                    {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
                ],
            },
            {
                "role": "assistant",
                "content": "checking",
                "reasoning_content": "they want weather",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "system", "content": "mid-conversation rule"},
            {"role": "user", "content": ""},
        ],
    }
    assert CODEC.decode_request(body).messages == [
        Message("system", [Text("be brief")]),
        Message("developer", [Text("use tools")]),
        Message(
            "user",
            [
                Text("look"),
                Image(media_type="image/png", data=PNG, detail="low"),
                Image(url="https://x.test/cat.jpg"),
                Document(data=PDF, filename="a.pdf"),
                Document(data=PDF, filename="b.pdf"),
                Document(file_id="file-1"),
                Audio(data="UklG", format="wav"),
            ],
            name="ann",
        ),
        Message(
            "assistant",
            [
                Thinking("they want weather"),
                Text("checking"),
                ToolCall("call_1", "get_weather", '{"city":"Oslo"}'),
            ],
        ),
        Message("tool", [ToolResult("call_1", [Text("sunny")], name="get_weather")]),
        Message("system", [Text("mid-conversation rule")]),
    ]


def test_tool_choice_forms() -> None:
    tools = [
        {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}} for n in ("a", "b")
    ]
    base = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": tools}
    for wire, mode in [("auto", "auto"), ("none", "none"), ("required", "required")]:
        assert CODEC.decode_request({**base, "tool_choice": wire}).tool_choice == ToolChoice(mode)
    named = {"type": "function", "function": {"name": "b"}}
    assert CODEC.decode_request({**base, "tool_choice": named}).tool_choice == ToolChoice("tool", "b")
    allowed = {
        "type": "allowed_tools",
        "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "a"}}]},
    }
    narrowed = CODEC.decode_request({**base, "tool_choice": allowed})
    assert narrowed.tool_choice == ToolChoice("required")
    assert [tool.name for tool in narrowed.tools] == ["a"]


def test_legacy_functions_pair_calls_and_results() -> None:
    body = {
        "model": "m",
        "functions": [{"name": "lookup", "parameters": {"type": "object"}}],
        "function_call": {"name": "lookup"},
        "messages": [
            {"role": "user", "content": "find x"},
            {"role": "assistant", "content": None, "function_call": {"name": "lookup", "arguments": "{}"}},
            {"role": "function", "name": "lookup", "content": "found"},
        ],
    }
    decoded = CODEC.decode_request(body)
    call = decoded.messages[1].content[0]
    assert isinstance(call, ToolCall) and call.name == "lookup"
    assert decoded.messages[2] == Message("tool", [ToolResult(call.id, [Text("found")], name="lookup")])
    assert decoded.tools == [Tool("lookup", None, {"type": "object"})]
    assert decoded.tool_choice == ToolChoice("tool", "lookup")


# --- encoding requests -----------------------------------------------------------------------------


def upstream(req: Request) -> dict[str, Any]:
    body = CODEC.encode_request(req, "gpt-4o")
    assert specs().validate_request_body(OPERATION, body) == []
    return body


def test_plain_text() -> None:
    assert upstream(request(user("hi"))) == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
    }


def test_several_system_messages_keep_their_places() -> None:
    req = request(
        Message("system", [Text("one")]),
        Message("developer", [Text("two")]),
        user("hi"),
        Message("assistant", [Text("hello")]),
        Message("system", [Text("three")]),
        user("again"),
    )
    assert upstream(req)["messages"] == [
        {"role": "system", "content": "one"},
        {"role": "developer", "content": "two"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "system", "content": "three"},
        {"role": "user", "content": "again"},
    ]
    assert CODEC.decode_request(upstream(req)).messages == req.messages


def test_tool_round_trip_with_parallel_calls_pairs_ids() -> None:
    req = request(
        user("weather in Oslo and Rome?"),
        Message(
            "assistant",
            [
                Thinking("two cities", signature="sig"),
                Text("Checking both."),
                ToolCall("call_1", "get_weather", '{"city":"Oslo"}'),
                ToolCall("call_2", "get_weather", '{"city":"Rome"}'),
            ],
        ),
        Message(
            "user",
            [ToolResult("call_1", [Text("sunny")]), ToolResult("call_2", [Text("rain")], is_error=True)],
        ),
        tools=[WEATHER],
        tool_choice=ToolChoice("auto"),
        parallel_tool_calls=False,
    )
    body = upstream(req)
    assert body["messages"][1:] == [
        {
            "role": "assistant",
            "content": "Checking both.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_2", "content": "rain"},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather in a city",
                "parameters": WEATHER.parameters,
            },
        }
    ]
    assert (body["tool_choice"], body["parallel_tool_calls"]) == ("auto", False)


def test_tool_result_images_follow_as_a_user_message() -> None:
    result = ToolResult("call_1", [Text("screenshot:"), Image(media_type="image/png", data=PNG)])
    body = upstream(request(Message("tool", [result])))
    assert body["messages"] == [
        {"role": "tool", "tool_call_id": "call_1", "content": "screenshot:"},
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}],
        },
    ]


def test_images_pdf_and_audio() -> None:
    req = request(
        Message(
            "user",
            [
                Text("what is this?"),
                Image(media_type="image/png", data=PNG),
                Image(url="https://x.test/cat.jpg", detail="high"),
                Document(data=PDF, filename="report.pdf"),
                Document(file_id="file-9"),
                Document(text="plain notes"),
                Audio(data="UklG", format="wav"),
            ],
        )
    )
    assert upstream(req)["messages"][0]["content"] == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg", "detail": "high"}},
        {
            "type": "file",
            "file": {"filename": "report.pdf", "file_data": f"data:application/pdf;base64,{PDF}"},
        },
        {"type": "file", "file": {"file_id": "file-9"}},
        {"type": "text", "text": "plain notes"},
        {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
    ]


@pytest.mark.parametrize(
    ("part", "why"),
    [(Image(file_id="file-1"), "file id"), (Document(url="https://x.test/a.pdf"), "URL")],
)
def test_what_chat_cannot_take_upstream_is_refused(part: Any, why: str) -> None:
    with pytest.raises(GatewayError, match=why):
        CODEC.encode_request(request(Message("user", [part])), "gpt-4o")


def test_thinking_in_history_is_not_sent_upstream() -> None:
    req = request(
        user("hi"),
        Message("assistant", [RedactedThinking("opaque"), Thinking("hm", "sig")]),
        Message("assistant", [Thinking("hm", "sig"), Text("hello")]),
    )
    assert upstream(req)["messages"] == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        (ToolChoice("auto"), "auto"),
        (ToolChoice("none"), "none"),
        (ToolChoice("required"), "required"),
        (ToolChoice("tool", "get_weather"), {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
def test_each_tool_choice_mode(choice: ToolChoice, wire: Any) -> None:
    req = request(tools=[WEATHER], tool_choice=choice)
    assert upstream(req)["tool_choice"] == wire
    assert CODEC.decode_request(upstream(req)).tool_choice == choice


def test_sampling_limits_and_formats() -> None:
    req = request(
        max_tokens=50,
        temperature=0.2,
        top_p=0.5,
        top_k=40,
        presence_penalty=0.3,
        frequency_penalty=0.4,
        seed=1,
        stop=["a", "b"],
        response_format=ResponseFormat("json_schema", {"type": "object"}, "answer", True),
        thinking=ThinkingConfig(budget_tokens=10000),
        user="u",
        metadata={"trace": "1"},
    )
    body = upstream(req)
    assert body["max_completion_tokens"] == 50 and "max_tokens" not in body
    assert (body["temperature"], body["top_p"], body["presence_penalty"], body["frequency_penalty"]) == (
        0.2,
        0.5,
        0.3,
        0.4,
    )
    assert body["seed"] == 1 and body["stop"] == ["a", "b"] and body["user"] == "u"
    assert "top_k" not in body and "metadata" not in body
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
    }
    assert body["reasoning_effort"] == "medium"  # a 10k thinking budget
    assert "reasoning_effort" not in upstream(request(thinking=ThinkingConfig(enabled=False)))
    assert upstream(request(thinking=ThinkingConfig(effort="max")))["reasoning_effort"] == "xhigh"


def test_stop_sequences_over_the_limit_are_refused() -> None:
    with pytest.raises(GatewayError) as caught:
        CODEC.encode_request(request(stop=["1", "2", "3", "4", "5"]), "gpt-4o")
    assert caught.value.param == "stop"


def test_streams_always_ask_for_usage() -> None:
    body = upstream(request(stream=True))
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    "req",
    [
        request(user("hi")),
        request(
            Message("system", [Text("s")]),
            Message("user", [Text("a"), Text("b"), Image(url="https://x.test/i.png", detail="auto")]),
            Message(
                "assistant", [Thinking("plan"), Text("x"), Text("y"), ToolCall("c1", "get_weather", "{}")]
            ),
            Message("tool", [ToolResult("c1", [Text("ok")], name="get_weather")]),
            tools=[WEATHER],
            tool_choice=ToolChoice("required"),
            parallel_tool_calls=True,
            max_tokens=5,
            stop=["x"],
            response_format=ResponseFormat("json_object"),
            thinking=ThinkingConfig(effort="low"),
            stream=True,
        ),
    ],
)
def test_request_round_trip(req: Request) -> None:
    decoded = CODEC.decode_request(CODEC.encode_request(req, req.model))
    expected_messages = [
        Message(m.role, [p for p in m.content if not isinstance(p, Thinking)], m.name) for m in req.messages
    ]
    assert decoded.messages == expected_messages  # thinking is never sent upstream
    assert decoded.tools == req.tools and decoded.tool_choice == req.tool_choice
    assert (decoded.max_tokens, decoded.stop, decoded.response_format) == (
        req.max_tokens,
        req.stop,
        req.response_format,
    )
    assert decoded.thinking == req.thinking and decoded.stream == req.stream


# --- whole responses -------------------------------------------------------------------------------


def response(*content: Any, stop: StopReason = StopReason.END_TURN, usage: Usage | None = None) -> Response:
    usage = usage or Usage(
        input_tokens=10, output_tokens=5, cache_read_tokens=3, cache_write_tokens=2, reasoning_tokens=1
    )
    return Response("chatcmpl-1", "gpt-4o", list(content), stop, usage=usage, created=1700000000)


def client_body(resp: Response) -> dict[str, Any]:
    body = CODEC.encode_response(resp, request())
    assert specs().validate_response_body(OPERATION, 200, body) == []
    return body


def test_response_text_and_usage_arithmetic() -> None:
    body = client_body(response(Text("Hello")))
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    assert body["usage"] == {
        "prompt_tokens": 15,  # input + cache read + cache write
        "completion_tokens": 5,
        "total_tokens": 20,
        "prompt_tokens_details": {"cached_tokens": 3, "cache_write_tokens": 2},
        "completion_tokens_details": {"reasoning_tokens": 1},
    }
    assert (body["id"], body["object"], body["created"], body["model"]) == (
        "chatcmpl-1",
        "chat.completion",
        1700000000,
        "gpt-4o",
    )


def test_response_tool_calls_beside_text_and_thinking() -> None:
    resp = response(
        Thinking("plan", "sig"),
        RedactedThinking("opaque"),
        Text("Let me check."),
        ToolCall("call_1", "get_weather", '{"city":"Oslo"}'),
        ToolCall("call_2", "get_weather", '{"city":"Rome"}'),
        stop=StopReason.TOOL_USE,
    )
    message = client_body(resp)["choices"][0]["message"]
    assert message["content"] == "Let me check."
    assert message["reasoning_content"] == "plan"
    assert [c["id"] for c in message["tool_calls"]] == ["call_1", "call_2"]
    assert client_body(resp)["choices"][0]["finish_reason"] == "tool_calls"
    only_calls = client_body(response(ToolCall("call_1", "get_weather", "{}"), stop=StopReason.TOOL_USE))
    assert only_calls["choices"][0]["message"]["content"] is None


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        (StopReason.END_TURN, "stop"),
        (StopReason.STOP_SEQUENCE, "stop"),
        (StopReason.PAUSE_TURN, "stop"),
        (StopReason.MAX_TOKENS, "length"),
        (StopReason.TOOL_USE, "tool_calls"),
        (StopReason.CONTENT_FILTER, "content_filter"),
    ],
)
def test_each_stop_reason(stop: StopReason, finish: str) -> None:
    assert client_body(response(Text("x"), stop=stop))["choices"][0]["finish_reason"] == finish


@pytest.mark.parametrize(
    "resp",
    [
        response(Text("Hello")),
        response(
            Thinking("plan"),
            Text("a"),
            ToolCall("c1", "f", '{"x":1}'),
            ToolCall("c2", "g", "{}"),
            stop=StopReason.TOOL_USE,
        ),
        response(stop=StopReason.MAX_TOKENS),
    ],
)
def test_response_round_trip(resp: Response) -> None:
    assert CODEC.decode_response(CODEC.encode_response(resp, request())) == resp


def test_refusal_reads_as_content_filter() -> None:
    body = {
        "id": "x",
        "model": "m",
        "choices": [
            {
                "message": {"role": "assistant", "content": None, "refusal": "I can't."},
                "finish_reason": "stop",
            }
        ],
    }
    decoded = CODEC.decode_response(body)
    assert decoded.content == [Text("I can't.")] and decoded.stop_reason is StopReason.CONTENT_FILTER


def test_the_sdk_parses_a_whole_response() -> None:
    resp = response(
        Text("Hi"), ToolCall("call_1", "get_weather", '{"city":"Oslo"}'), stop=StopReason.TOOL_USE
    )
    client = sdk_client(json.dumps(CODEC.encode_response(resp, request())).encode(), "application/json")
    completion = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.tool_calls[0].function.arguments == '{"city":"Oslo"}'
    assert completion.usage.prompt_tokens_details.cached_tokens == 3


# --- stream encoding -------------------------------------------------------------------------------

START = StreamStart("chatcmpl-9", "gpt-4o", 1700000000)
USAGE = Usage(input_tokens=10, output_tokens=20, cache_read_tokens=4, reasoning_tokens=6)
TEXT = [
    START,
    BlockStart(0, Text("")),
    TextDelta(0, "Hel"),
    TextDelta(0, "lo"),
    BlockStop(0),
    StreamEnd(StopReason.END_TURN, USAGE),
]
TWO_CALLS = [
    START,
    BlockStart(0, ToolCall("call_a", "get_weather")),
    ArgumentsDelta(0, '{"city":'),
    ArgumentsDelta(0, '"Oslo"}'),
    BlockStop(0),
    BlockStart(1, ToolCall("call_b", "get_weather")),
    ArgumentsDelta(1, '{"city":"Rome"}'),
    BlockStop(1),
    StreamEnd(StopReason.TOOL_USE, USAGE),
]
THINKING = [
    START,
    BlockStart(0, Thinking()),
    ThinkingDelta(0, "Let me "),
    ThinkingDelta(0, "think."),
    SignatureDelta(0, "c2ln"),
    BlockStop(0),
    BlockStart(1, Text("")),
    TextDelta(1, "Answer."),
    BlockStop(1),
    StreamEnd(StopReason.END_TURN, USAGE),
]
TRUNCATED = [
    START,
    BlockStart(0, Text("")),
    TextDelta(0, "1. Alabama 2."),
    BlockStop(0),
    StreamEnd(StopReason.MAX_TOKENS, USAGE),
]
FAILED = [
    START,
    BlockStart(0, Text("")),
    TextDelta(0, "partial"),
    StreamError(GatewayError(ErrorKind.OVERLOADED, "upstream overloaded")),
]


def encode(events: list[StreamEvent], *, include_usage: bool = True) -> bytes:
    data = reencode(CODEC, events, request(stream=True, stream_usage=include_usage))
    assert stream_problems(OPERATION, data) == []
    return data


def check_chunk_grammar(data: bytes, *, include_usage: bool) -> list[dict[str, Any]]:
    """The chat stream grammar; returns the chunks (without [DONE])."""
    events = json_events(data)
    assert events[-1] == (None, "[DONE]")
    chunks = [payload for _, payload in events[:-1]]
    assert all(name is None for name, _ in events)
    assert {(c["id"], c["created"], c["model"], c["object"]) for c in chunks} == {
        ("chatcmpl-9", 1700000000, "gpt-4o", "chat.completion.chunk")
    }
    with_choices = [c for c in chunks if c["choices"]]
    assert with_choices[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in with_choices[1:])
    finished = [c for c in with_choices if c["choices"][0]["finish_reason"] is not None]
    assert len(finished) == 1 and finished[0] is with_choices[-1]
    usage_chunks = [c for c in chunks if not c["choices"]]
    assert usage_chunks == ([chunks[-1]] if include_usage else [])
    seen: set[int] = set()
    for chunk in with_choices:
        for call in chunk["choices"][0]["delta"].get("tool_calls") or []:
            first = call["index"] not in seen
            assert ("id" in call, "type" in call, "name" in call.get("function", {})) == (first, first, first)
            seen.add(call["index"])
    return chunks


@pytest.mark.parametrize(
    "events", [TEXT, TWO_CALLS, THINKING, TRUNCATED], ids=["text", "two-calls", "thinking", "max-tokens"]
)
@pytest.mark.parametrize("include_usage", [True, False])
def test_stream_grammar(events: list[StreamEvent], include_usage: bool) -> None:
    chunks = check_chunk_grammar(encode(events, include_usage=include_usage), include_usage=include_usage)
    if include_usage:
        assert chunks[-1]["usage"]["prompt_tokens"] == 14 and chunks[-1]["usage"]["completion_tokens"] == 20


def test_stream_tool_calls_have_stable_indices() -> None:
    chunks = check_chunk_grammar(encode(TWO_CALLS), include_usage=True)
    deltas = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if c["choices"] and "tool_calls" in c["choices"][0]["delta"]
    ]
    assert [d["index"] for d in deltas] == [0, 0, 0, 1, 1]
    assert [d.get("id") for d in deltas] == ["call_a", None, None, "call_b", None]


def test_stream_error_ends_without_done() -> None:
    payloads = [payload for _, payload in json_events(reencode(CODEC, FAILED, request(stream=True)))]
    *chunks, error = payloads
    assert error["error"]["message"] == "upstream overloaded" and error["error"]["type"] == "server_error"
    assert "[DONE]" not in payloads
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None]
    with pytest.raises(openai.APIError, match="upstream overloaded"):
        sdk_final_completion(reencode(CODEC, FAILED, request(stream=True)))


def sdk_final_completion(data: bytes) -> Any:
    """What the SDK's stream helper accumulates (a truncated answer comes with its error)."""
    messages = [{"role": "user", "content": "hi"}]
    with sdk_client(data).chat.completions.stream(model="gpt-4o", messages=messages) as stream:
        for _ in stream:
            pass
        try:
            return stream.get_final_completion()
        except LengthFinishReasonError as truncated:
            return truncated.completion


@pytest.mark.parametrize(
    "events", [TEXT, TWO_CALLS, THINKING, TRUNCATED], ids=["text", "two-calls", "thinking", "max-tokens"]
)
def test_the_sdk_stream_helper_accumulates_our_stream(events: list[StreamEvent]) -> None:
    folded = fold(events)
    final = sdk_final_completion(encode(events))
    message = final.choices[0].message
    assert (message.content or "") == folded.text
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []] == folded.calls
    assert (
        final.choices[0].finish_reason
        == {StopReason.END_TURN: "stop", StopReason.TOOL_USE: "tool_calls", StopReason.MAX_TOKENS: "length"}[
            folded.stop_reason
        ]
    )
    assert (final.usage.prompt_tokens, final.usage.completion_tokens, final.usage.total_tokens) == (
        14,
        20,
        34,
    )
    assert final.usage.prompt_tokens_details.cached_tokens == 4
    assert final.usage.completion_tokens_details.reasoning_tokens == 6


def test_the_sdk_stream_state_reads_thinking_as_reasoning_content() -> None:
    state = ChatCompletionStreamState()
    for _, payload in json_events(encode(THINKING))[:-1]:
        state.handle_chunk(ChatCompletionChunk.model_validate(payload))
    message = state.get_final_completion().choices[0].message
    assert message.content == "Answer."
    assert message.model_extra["reasoning_content"] == "Let me think."


@pytest.mark.parametrize("events", [TEXT, TWO_CALLS, TRUNCATED], ids=["text", "two-calls", "max-tokens"])
def test_stream_round_trip(events: list[StreamEvent]) -> None:
    assert fold(decode_stream(CODEC, encode(events))) == fold(events)


# --- stream decoding -------------------------------------------------------------------------------


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> SSEEvent:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return SSEEvent(
        json.dumps(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": choices,
                **extra,
            }
        )
    )


USAGE_CHUNK = chunk(usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7})


def test_stream_end_waits_for_the_usage_chunk() -> None:
    decoder = CODEC.stream_decoder()
    assert [type(e) for e in decoder.feed(chunk({"role": "assistant", "content": "Hi"}))] == [
        StreamStart,
        BlockStart,
        TextDelta,
    ]
    assert decoder.feed(chunk({}, "stop")) == [BlockStop(0)]
    assert decoder.feed(USAGE_CHUNK) == [StreamEnd(StopReason.END_TURN, Usage(5, 2))]
    assert decoder.feed(SSEEvent("[DONE]")) == [] and decoder.close() == []


def test_done_without_usage_still_ends() -> None:
    events = decode_stream(CODEC, [chunk({"content": "Hi"}), chunk({}, "length"), SSEEvent("[DONE]")])
    assert events[-1] == StreamEnd(StopReason.MAX_TOKENS, Usage())


@pytest.mark.parametrize(
    ("events", "kind"),
    [
        ([chunk({"content": "Hi"})], ErrorKind.BAD_GATEWAY),  # cut short
        ([chunk({"content": "Hi"}), SSEEvent("{not json")], ErrorKind.BAD_GATEWAY),
        (
            [chunk({"content": "Hi"}), SSEEvent('{"error": {"message": "boom", "code": "server_error"}}')],
            ErrorKind.API_ERROR,
        ),
        (
            [
                chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": ""}}]}),
                chunk({"tool_calls": [{"index": 1, "id": "b", "function": {"name": "g", "arguments": ""}}]}),
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}),
                chunk({}, "tool_calls"),
            ],
            ErrorKind.BAD_GATEWAY,
        ),
        ([SSEEvent("[DONE]")], ErrorKind.BAD_GATEWAY),
    ],
    ids=["cut-short", "malformed", "error-event", "interleaved-calls", "empty"],
)
def test_stream_failures_end_in_one_error(events: list[SSEEvent], kind: ErrorKind) -> None:
    decoded = decode_stream(CODEC, events)
    assert isinstance(decoded[-1], StreamError) and decoded[-1].error.kind is kind
    assert sum(isinstance(e, StreamError) for e in decoded) == 1
    fold(decoded)


def test_refusal_and_reasoning_content_deltas() -> None:
    events = decode_stream(
        CODEC,
        [chunk({"reasoning_content": "hm"}), chunk({"refusal": "No."}), chunk({}, "stop"), USAGE_CHUNK],
    )
    folded = fold(events)
    assert folded.content == [Thinking("hm"), Text("No.")]
    assert folded.stop_reason is StopReason.CONTENT_FILTER


# --- passthrough -----------------------------------------------------------------------------------


def test_passthrough_asks_for_usage_and_hides_it_from_a_client_that_did_not() -> None:
    body = {"model": "alias", "messages": [], "stream": True}
    assert CODEC.passthrough_body(body, "gpt-4o") == {
        **body,
        "model": "gpt-4o",
        "stream_options": {"include_usage": True},
    }
    assert "stream_options" not in CODEC.passthrough_body({**body, "stream": False}, "gpt-4o")
    assert not CODEC.passthrough_visible(USAGE_CHUNK, body)
    assert CODEC.passthrough_visible(chunk({"content": "Hi"}), body)
    assert CODEC.passthrough_visible(SSEEvent("[DONE]"), body)
    assert CODEC.passthrough_visible(USAGE_CHUNK, {**body, "stream_options": {"include_usage": True}})


def test_audio_is_refused_in_history_but_read_in_a_passthrough_reply() -> None:
    history = {"role": "assistant", "audio": {"id": "audio_1"}}
    with pytest.raises(GatewayError):
        CODEC.decode_request({"model": "m", "messages": [{"role": "user", "content": "hi"}, history]})
    reply = {
        "id": "c",
        "model": "m",
        "choices": [
            {"message": {"role": "assistant", "content": None, "audio": {"id": "a"}}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 9, "total_tokens": 12},
    }
    assert CODEC.decode_response(reply).usage == Usage(3, 9)


def test_tool_choice_goes_upstream_only_with_tools() -> None:
    body = upstream(request(tool_choice=ToolChoice("none"), parallel_tool_calls=False))
    assert "tool_choice" not in body and "parallel_tool_calls" not in body
