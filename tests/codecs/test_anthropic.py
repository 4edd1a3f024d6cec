"""The Anthropic Messages codec against real recordings, the specs and the official SDK."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from typing import Any

import anthropic
import httpx2
import pytest
from helpers_anthropic_gemini import (
    Recorded,
    decode_stream,
    fold,
    normalized,
    recordings,
    specs,
    sse_events,
)

from gateway.canonical import (
    ArgumentsDelta,
    Audio,
    BlockStart,
    BlockStop,
    Document,
    Image,
    Message,
    Part,
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
from gateway.codecs.anthropic import CODEC
from gateway.errors import ErrorKind, GatewayError
from gateway.sse import SSEEvent

OP = "anthropic.createMessage"
COUNT_OP = "anthropic.countTokens"

# Spelled out here, independently of gateway.tables.
STOP = {
    "end_turn": StopReason.END_TURN,
    "stop_sequence": StopReason.STOP_SEQUENCE,
    "max_tokens": StopReason.MAX_TOKENS,
    "tool_use": StopReason.TOOL_USE,
    "refusal": StopReason.CONTENT_FILTER,
    "pause_turn": StopReason.PAUSE_TURN,
}
SERVER_TOOL_REQUESTS = {"anthropic/web-search-server-tool-stream__simonw#0"}
MALFORMED = {"anthropic/err400-invalid-shape__datadog#0"}  # Anthropic itself refused it


def _messages_call(r: Recorded) -> bool:
    return r.interaction.path == "/v1/messages" and r.interaction.status == 200


def _messages_request(r: Recorded) -> bool:
    """Every recorded messages request the provider accepted as well-formed (errors included)."""
    return r.interaction.path == "/v1/messages" and r.name not in SERVER_TOOL_REQUESTS | MALFORMED


def _is_stream(r: Recorded) -> bool:
    return bool(r.request().get("stream"))


# --- expectations computed from the recorded JSON ---------------------------------------------


def raw_part(block: dict[str, Any]) -> Any:
    """A recorded block as the canonical part it means (server tool blocks: None)."""
    kind = block["type"]
    if kind == "text":
        return Text(block["text"], block.get("cache_control"))
    if kind == "thinking":
        return Thinking(block["thinking"], block["signature"] or None)
    if kind == "redacted_thinking":
        return RedactedThinking(block["data"])
    if kind == "tool_use":
        return ("call", block["id"], block["name"], block["input"], None)
    if kind == "image":
        return ("image", block["source"].get("data"), block["source"].get("media_type"))
    if kind == "document":
        source = block["source"]
        return ("document", source.get("data"), source.get("url"), source.get("media_type"))
    if kind == "tool_result":
        content = block["content"]
        texts = [content] if isinstance(content, str) else [b["text"] for b in content]
        return ("result", block["tool_use_id"], texts, bool(block.get("is_error")))
    return None


def part_view(part: Part) -> Any:
    """A canonical part in the shape ``raw_part`` gives."""
    match part:
        case ToolCall():
            return ("call", part.id, part.name, json.loads(part.arguments or "{}"), None)
        case Image():
            return ("image", part.data, part.media_type)
        case Document():
            return ("document", part.data, part.url, part.media_type if part.data else None)
        case ToolResult():
            return ("result", part.tool_call_id, [p.text for p in part.content], part.is_error)
    return part


def raw_stream(events: list[Any]) -> tuple[list[Any], dict[str, Any], str]:
    """(parts, usage, stop_reason) accumulated straight from the recorded events."""
    blocks: dict[int, dict[str, Any]] = {}
    usage: dict[str, Any] = {}
    stop = ""
    for event in events:
        data = json.loads(event.data)
        kind = data["type"]
        if kind == "message_start":
            usage.update(data["message"]["usage"])
        elif kind == "content_block_start":
            blocks[data["index"]] = dict(data["content_block"], partial="")
        elif kind == "content_block_delta":
            block, delta = blocks[data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
            elif delta["type"] == "input_json_delta":
                block["partial"] += delta["partial_json"]
        elif kind == "message_delta":
            usage.update(data["usage"])
            stop = data["delta"]["stop_reason"]
    parts = []
    for index in sorted(blocks):
        block = blocks[index]
        if block["type"] == "tool_use":
            block["input"] = json.loads(block["partial"] or "{}")
        if block["type"] in ("text", "thinking", "redacted_thinking", "tool_use"):
            parts.append(raw_part(block))
    return parts, usage, stop


def raw_usage(usage: dict[str, Any]) -> Usage:
    return Usage(
        input_tokens=usage["input_tokens"],
        output_tokens=usage["output_tokens"],
        cache_read_tokens=usage.get("cache_read_input_tokens") or 0,
        cache_write_tokens=usage.get("cache_creation_input_tokens") or 0,
        reasoning_tokens=(usage.get("output_tokens_details") or {}).get("thinking_tokens", 0),
    )


# --- recorded requests --------------------------------------------------------------------------


@pytest.mark.parametrize("recorded", recordings("anthropic", _messages_request))
def test_recorded_request_decodes_to_its_meaning(recorded: Recorded) -> None:
    body = recorded.request()
    request = CODEC.decode_request(body)
    messages = request.messages
    if body.get("system"):
        assert messages[0].role == "system"
        messages = messages[1:]
    assert [m.role for m in messages] == [m["role"] for m in body["messages"]]
    for message, raw in zip(messages, body["messages"], strict=True):
        content = raw["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        assert [part_view(p) for p in message.content] == [raw_part(b) for b in blocks]
    assert request.max_tokens == body["max_tokens"]
    assert request.temperature == body.get("temperature")
    assert request.stop == body.get("stop_sequences", [])
    assert request.stream is bool(body.get("stream"))
    assert [(t.name, t.parameters) for t in request.tools] == [
        (t["name"], t["input_schema"]) for t in body.get("tools", [])
    ]
    thinking = body.get("thinking")
    if thinking is not None:
        assert request.thinking is not None
        assert request.thinking.budget_tokens == thinking.get("budget_tokens")


def _comparable_body(body: dict[str, Any]) -> dict[str, Any]:
    """A messages body by meaning: string content as a text block, no JSON nulls, without the
    fields the codec documents as dropped."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None and k != "display"}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    def text_blocks(content: Any) -> Any:
        return [{"type": "text", "text": content}] if isinstance(content, str) else content

    out = clean({k: v for k, v in body.items() if k not in ("stream", "model")})
    for message in out["messages"]:
        message["content"] = text_blocks(message["content"])
        for block in message["content"]:
            if block["type"] != "text":
                block.pop("cache_control", None)  # kept on text blocks only
            if block["type"] == "tool_result":
                block["content"] = text_blocks(block["content"])
    if "output_format" in out:  # the beta spelling, written the current way
        out.setdefault("output_config", {})["format"] = out.pop("output_format")
    if isinstance(out.get("system"), str):
        out["system"] = [{"type": "text", "text": out["system"]}]
    for tool in out.get("tools", []):
        if not tool.get("description"):
            tool.pop("description", None)
    return out


@pytest.mark.parametrize("recorded", recordings("anthropic", _messages_request))
def test_recorded_request_survives_a_round_trip(recorded: Recorded) -> None:
    body = recorded.request()
    encoded = CODEC.encode_request(CODEC.decode_request(body), body["model"])
    assert _comparable_body(encoded) == _comparable_body(body)
    assert encoded.get("stream", False) is bool(body.get("stream"))
    assert specs().validate_request_body(OP, encoded) == []


@pytest.mark.parametrize("recorded", recordings("anthropic", lambda r: r.name in SERVER_TOOL_REQUESTS))
def test_recorded_server_tool_request_is_refused(recorded: Recorded) -> None:
    with pytest.raises(GatewayError) as caught:
        CODEC.decode_request(recorded.request())
    assert caught.value.kind is ErrorKind.INVALID_REQUEST
    assert caught.value.param == "tools"
    assert "web_search" in caught.value.message


@pytest.mark.parametrize("recorded", recordings("anthropic", lambda r: "count_tokens" in r.interaction.path))
def test_recorded_count_tokens_body_decodes(recorded: Recorded) -> None:
    body = recorded.request()
    request = CODEC.decode_request(body)
    assert request.max_tokens is None
    assert request.model == body["model"]
    if recorded.interaction.status == 200:
        count = CODEC.decode_count(recorded.response())
        assert count == recorded.response()["input_tokens"]
        assert specs().validate_response_body(COUNT_OP, 200, CODEC.encode_count(count)) == []


# --- recorded responses and streams -------------------------------------------------------------


@pytest.mark.parametrize(
    "recorded", recordings("anthropic", lambda r: _messages_call(r) and not _is_stream(r))
)
def test_recorded_response_decodes_to_its_meaning(recorded: Recorded) -> None:
    body = recorded.response()
    response = CODEC.decode_response(body)
    assert response.id == body["id"]
    assert response.model == body["model"]
    assert normalized(response.content) == [raw_part(b) for b in body["content"]]
    assert response.stop_reason is STOP[body["stop_reason"]]
    assert response.usage == raw_usage(body["usage"])


@pytest.mark.parametrize(
    "recorded", recordings("anthropic", lambda r: _messages_call(r) and not _is_stream(r))
)
def test_recorded_response_reencodes_valid_and_equal(recorded: Recorded) -> None:
    response = CODEC.decode_response(recorded.response())
    body = CODEC.encode_response(response, CODEC.decode_request(recorded.request()))
    assert specs().validate_response_body(OP, 200, body) == []
    assert CODEC.decode_response(body) == response


@pytest.mark.parametrize("recorded", recordings("anthropic", lambda r: _messages_call(r) and _is_stream(r)))
def test_recorded_stream_decodes_to_its_meaning(recorded: Recorded) -> None:
    events = sse_events(recorded.interaction.response.body)
    folded = fold(decode_stream(CODEC.stream_decoder(), events))
    parts, usage, stop = raw_stream(events)
    start = json.loads(events[0].data)["message"]
    assert folded.start is not None and folded.end is not None
    assert (folded.start.id, folded.start.model) == (start["id"], start["model"])
    assert folded.start.usage.input_tokens == start["usage"]["input_tokens"]
    assert normalized(folded.content) == parts
    assert folded.end.stop_reason is STOP[stop]
    assert folded.end.usage == raw_usage(usage)


@pytest.mark.parametrize("recorded", recordings("anthropic", lambda r: _messages_call(r) and _is_stream(r)))
def test_recorded_stream_reencodes_to_the_same_meaning(recorded: Recorded) -> None:
    """decoder -> encoder -> decoder keeps the content, stop reason and usage; every event
    written validates against the spec and the SDK's accumulator agrees."""
    original = decode_stream(CODEC.stream_decoder(), sse_events(recorded.interaction.response.body))
    encoder = CODEC.stream_encoder(REQUEST)
    wire = b"".join(encoder.encode(e) for e in original)
    events = sse_events(wire)
    assert_valid_stream(events)
    again = fold(decode_stream(CODEC.stream_decoder(), events))
    first = fold(original)
    assert normalized(again.content) == normalized(first.content)
    assert again.end == first.end
    assert sdk_view(sdk_final_message(wire).content) == normalized(first.content)


@pytest.mark.parametrize("recorded", recordings("anthropic", lambda r: r.name in SERVER_TOOL_REQUESTS))
def test_server_tool_blocks_and_citations_are_dropped_with_dense_indices(recorded: Recorded) -> None:
    events = sse_events(recorded.interaction.response.body)
    folded = fold(decode_stream(CODEC.stream_decoder(), events))
    texts = [json.loads(e.data)["delta"]["text"] for e in events if '"text_delta"' in e.data]
    assert all(isinstance(p, Text) for p in folded.content)
    assert "".join(p.text for p in folded.content) == "".join(texts)
    assert folded.end is not None and folded.end.usage.input_tokens == 10423


# --- stream decoder failures --------------------------------------------------------------------


def _events(*payloads: dict[str, Any]) -> list[SSEEvent]:
    return [SSEEvent(json.dumps(p), p["type"]) for p in payloads]


START = {"type": "message_start", "message": {"id": "msg_1", "model": "claude", "usage": {"input_tokens": 3}}}


def test_upstream_error_event_ends_the_stream_in_an_error() -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    decoder = CODEC.stream_decoder()
    events = decode_stream(decoder, _events(START, overloaded, {"type": "message_stop"}))
    assert isinstance(events[-1], StreamError)
    assert events[-1].error.kind is ErrorKind.OVERLOADED
    assert events[-1].error.message == "Overloaded"


def test_stream_cut_before_message_stop_is_an_error() -> None:
    events = decode_stream(CODEC.stream_decoder(), _events(START))
    assert isinstance(events[-1], StreamError)
    assert events[-1].error.kind is ErrorKind.BAD_GATEWAY


def test_malformed_event_is_an_error_and_nothing_follows() -> None:
    decoder = CODEC.stream_decoder()
    events = decoder.feed(SSEEvent("{not json", "content_block_delta"))
    assert len(events) == 1 and isinstance(events[0], StreamError)
    assert decoder.feed(SSEEvent(json.dumps(START), "message_start")) == []
    assert decoder.close() == []


# --- encoding requests --------------------------------------------------------------------------

TOOL = Tool(
    "get_weather",
    "Weather for a city",
    {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"city": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/City"}]}},
        "required": ["city"],
        "additionalProperties": False,
        "$defs": {"City": {"type": "object", "properties": {"name": {"type": "string"}}}},
    },
)
SIGNATURE = "EqkECkYIBxgCKkA8AZ4noDfV5VcOJe/p3JTRB6Xz5297mrWhl3MbHSXDKTMfuB/Z52U2teiWWTN0gg4eQ4bGS9TP+=="


def request(*messages: Message, **fields: Any) -> Request:
    return Request(
        model="claude", messages=list(messages), max_tokens=fields.pop("max_tokens", 256), **fields
    )


def encode(req: Request) -> dict[str, Any]:
    body = CODEC.encode_request(req, "claude-sonnet-4-5")
    assert specs().validate_request_body(OP, body) == []
    return body


def test_plain_text_request() -> None:
    body = encode(request(Message("user", [Text("Hello")]), temperature=0.5, top_k=5))
    assert body == {
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
        "max_tokens": 256,
        "temperature": 0.5,
        "top_k": 5,
    }


def test_every_system_message_is_collected_in_order() -> None:
    body = encode(
        request(
            Message("system", [Text("one", {"type": "ephemeral"})]),
            Message("user", [Text("hi")]),
            Message("assistant", [Text("hello")]),
            Message("system", [Text("two")]),
            Message("developer", [Text("three")]),
            Message("user", [Text("again")]),
        )
    )
    assert body["system"] == [
        {"type": "text", "text": "one", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "two"},
        {"type": "text", "text": "three"},
    ]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_tool_round_trip_pairs_ids_and_merges_results_first() -> None:
    body = encode(
        request(
            Message("user", [Text("Weather in Paris and Rome?")]),
            Message(
                "assistant",
                [
                    Text("Checking both."),
                    ToolCall("toolu_1", "get_weather", '{"city": "Paris"}'),
                    ToolCall("toolu_2", "get_weather", '{"city": "Rome"}'),
                ],
            ),
            Message("tool", [ToolResult("toolu_1", [Text("18C")])]),
            Message("tool", [ToolResult("toolu_2", [Text("no data")], is_error=True)]),
            Message("user", [Text("Thanks")]),
            tools=[TOOL],
        )
    )
    assistant, results = body["messages"][1], body["messages"][2]
    assert assistant["content"] == [
        {"type": "text", "text": "Checking both."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Rome"}},
    ]
    assert results == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "18C"}]},
            {
                "type": "tool_result",
                "tool_use_id": "toolu_2",
                "content": [{"type": "text", "text": "no data"}],
                "is_error": True,
            },
            {"type": "text", "text": "Thanks"},
        ],
    }
    assert body["tools"] == [
        {"name": "get_weather", "input_schema": TOOL.parameters, "description": TOOL.description}
    ]


def test_tool_results_lead_their_turn() -> None:
    body = encode(
        request(
            Message("assistant", [ToolCall("toolu_1", "f", "{}")]),
            Message("user", [Text("and here is the result:")]),
            Message("tool", [ToolResult("toolu_1", [Text("ok")])]),
        )
    )
    assert [b["type"] for b in body["messages"][1]["content"]] == ["tool_result", "text"]


def test_empty_text_blocks_are_never_sent() -> None:
    body = encode(
        request(
            Message("user", [Text(""), Text("hi")]),
            Message("assistant", [Text(""), ToolCall("toolu_1", "f", "")]),
            Message("assistant", [Text("")]),
        )
    )
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}]},
    ]


def test_images_documents_and_their_sources() -> None:
    body = encode(
        request(
            Message(
                "user",
                [
                    Image(url="data:image/png;base64,iVBORw0KGgo="),
                    Image(url="https://example.com/cat.jpg"),
                    Image(data="R0lGODlh", media_type="image/gif"),
                    Document(data="JVBERi0xLjQ=", title="Invoice"),
                    Document(url="https://example.com/a.pdf"),
                    Document(text="plain words", media_type="text/plain"),
                    Document(data="aGVsbG8=", media_type="text/plain"),
                ],
            )
        )
    )
    assert [b["source"] for b in body["messages"][0]["content"]] == [
        {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        {"type": "url", "url": "https://example.com/cat.jpg"},
        {"type": "base64", "media_type": "image/gif", "data": "R0lGODlh"},
        {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQ="},
        {"type": "url", "url": "https://example.com/a.pdf"},
        {"type": "text", "media_type": "text/plain", "data": "plain words"},
        {"type": "text", "media_type": "text/plain", "data": "hello"},
    ]
    assert body["messages"][0]["content"][3]["title"] == "Invoice"


def test_thinking_keeps_its_signature_byte_identical_and_unsigned_thinking_is_not_sent() -> None:
    body = encode(
        request(
            Message("user", [Text("2+2?")]),
            Message(
                "assistant",
                [
                    Thinking("simple sum", SIGNATURE),
                    RedactedThinking("EmwKAhgBEgy3va3pzix/LafPsn4a"),
                    Thinking("a summary from another provider"),
                    Text("4"),
                ],
            ),
            Message("user", [Text("3+3?")]),
            thinking=ThinkingConfig(budget_tokens=2048),
        )
    )
    assert body["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "simple sum", "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
        {"type": "text", "text": "4"},
    ]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}


@pytest.mark.parametrize(
    ("thinking", "expected"),
    [
        (ThinkingConfig(budget_tokens=1024), {"thinking": {"type": "enabled", "budget_tokens": 1024}}),
        (ThinkingConfig(), {"thinking": {"type": "adaptive"}}),
        (
            ThinkingConfig(effort="high"),
            {"thinking": {"type": "adaptive"}, "output_config": {"effort": "high"}},
        ),
        (
            ThinkingConfig(effort="minimal"),
            {"thinking": {"type": "adaptive"}, "output_config": {"effort": "low"}},
        ),
        (ThinkingConfig(enabled=False), {"thinking": {"type": "disabled"}}),
    ],
)
def test_thinking_config(thinking: ThinkingConfig, expected: dict[str, Any]) -> None:
    body = encode(request(Message("user", [Text("hi")]), thinking=thinking))
    assert {k: body[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("choice", "parallel", "wire", "decoded"),
    [
        (ToolChoice("auto"), None, {"type": "auto"}, (ToolChoice("auto"), None)),
        (ToolChoice("none"), None, {"type": "none"}, (ToolChoice("none"), None)),
        (ToolChoice("required"), None, {"type": "any"}, (ToolChoice("required"), None)),
        (ToolChoice("tool", "f"), None, {"type": "tool", "name": "f"}, (ToolChoice("tool", "f"), None)),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}, (ToolChoice("auto"), False)),
        (
            ToolChoice("required"),
            False,
            {"type": "any", "disable_parallel_tool_use": True},
            (ToolChoice("required"), False),
        ),
        (ToolChoice("none"), False, {"type": "none"}, (ToolChoice("none"), None)),
    ],
)
def test_tool_choice_modes(
    choice: ToolChoice | None, parallel: bool | None, wire: dict[str, Any], decoded: tuple[Any, Any]
) -> None:
    tool = Tool("f", None, {"type": "object"})
    body = encode(
        request(Message("user", [Text("hi")]), tools=[tool], tool_choice=choice, parallel_tool_calls=parallel)
    )
    assert body["tool_choice"] == wire
    again = CODEC.decode_request(body)
    assert (again.tool_choice, again.parallel_tool_calls) == decoded


def test_missing_max_tokens_is_refused_not_invented() -> None:
    with pytest.raises(GatewayError) as caught:
        CODEC.encode_request(request(Message("user", [Text("hi")]), max_tokens=None), "claude")
    assert caught.value.kind is ErrorKind.INVALID_REQUEST and caught.value.param == "max_tokens"


def test_stop_sequences_over_the_limit_are_refused() -> None:
    body = encode(request(Message("user", [Text("hi")]), stop=["a", "b"]))
    assert body["stop_sequences"] == ["a", "b"]
    with pytest.raises(GatewayError):
        CODEC.encode_request(request(Message("user", [Text("hi")]), stop=["x"] * 8192), "claude")


def test_audio_is_refused() -> None:
    with pytest.raises(GatewayError) as caught:
        CODEC.encode_request(request(Message("user", [Audio("UklGRg==", "wav")])), "claude")
    assert "audio" in caught.value.message


def test_response_format_user_and_stream() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    body = encode(
        request(
            Message("user", [Text("hi")]),
            response_format=ResponseFormat("json_schema", schema, "answer"),
            user="user-42",
            stream=True,
        )
    )
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert body["metadata"] == {"user_id": "user-42"}
    assert body["stream"] is True


def test_count_request_is_the_messages_body_without_generation_fields() -> None:
    req = request(
        Message("system", [Text("be brief")]), Message("user", [Text("hi")]), tools=[TOOL], temperature=1.0
    )
    body = CODEC.encode_count_request(req, "claude-sonnet-4-5")
    assert set(body) == {"model", "messages", "system", "tools"}
    assert specs().validate_request_body(COUNT_OP, body) == []
    assert CODEC.encode_count(17) == {"input_tokens": 17}


ROUND_TRIP = [
    request(Message("user", [Text("Hello")])),
    request(
        Message("system", [Text("one"), Text("two", {"type": "ephemeral"})]),
        Message("user", [Text("look"), Image(data="iVBORw0KGgo=", media_type="image/png")]),
        Message(
            "assistant",
            [Thinking("hmm", SIGNATURE), Text("ok"), ToolCall("toolu_1", "get_weather", '{"city":"Paris"}')],
        ),
        Message(
            "user", [ToolResult("toolu_1", [Text("sunny")]), Document(url="https://x.test/a.pdf", title="A")]
        ),
        tools=[TOOL],
        tool_choice=ToolChoice("tool", "get_weather"),
        parallel_tool_calls=False,
        stop=["END"],
        top_p=0.9,
        thinking=ThinkingConfig(budget_tokens=4096, effort="medium"),
        user="u1",
        stream=True,
        stream_usage=True,
    ),
]


@pytest.mark.parametrize("req", ROUND_TRIP)
def test_request_round_trip(req: Request) -> None:
    assert CODEC.decode_request(encode(req)) == replace(req, model="claude-sonnet-4-5")


# --- decoding client requests ------------------------------------------------------------------


def test_system_string_and_blocks() -> None:
    base = {"model": "claude", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    assert CODEC.decode_request({**base, "system": "be brief"}).messages[0] == Message(
        "system", [Text("be brief")]
    )
    blocks = [
        {"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "b"},
    ]
    assert CODEC.decode_request({**base, "system": blocks}).messages[0] == Message(
        "system", [Text("a", {"type": "ephemeral"}), Text("b")]
    )


def test_decoding_refusals() -> None:
    base = {"model": "claude", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    bash = {**base, "tools": [{"type": "bash_20250124", "name": "bash"}]}
    mcp = {**base, "mcp_servers": [{"type": "url", "url": "https://mcp.test", "name": "m"}]}
    unknown = {**base, "messages": [{"role": "user", "content": [{"type": "search_result", "source": "x"}]}]}
    for body, param in ((bash, "tools"), (mcp, "mcp_servers"), (unknown, "messages")):
        with pytest.raises(GatewayError) as caught:
            CODEC.decode_request(body)
        assert caught.value.param == param


def test_server_tool_blocks_in_history_are_dropped() -> None:
    body = {
        "model": "claude",
        "max_tokens": 5,
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "server_tool_use",
                        "id": "srvtoolu_1",
                        "name": "web_search",
                        "input": {"query": "w"},
                    },
                    {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
                    {"type": "text", "text": "Sunny.", "citations": [{"type": "web_search_result_location"}]},
                ],
            },
        ],
    }
    assert CODEC.decode_request(body).messages[1] == Message("assistant", [Text("Sunny.")])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "enabled", "budget_tokens": 2000}, ThinkingConfig(budget_tokens=2000)),
        ({"type": "adaptive", "display": "summarized"}, ThinkingConfig()),
        ({"type": "disabled"}, ThinkingConfig(enabled=False)),
    ],
)
def test_thinking_decodes(raw: dict[str, Any], expected: ThinkingConfig) -> None:
    body = {"model": "c", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], "thinking": raw}
    assert CODEC.decode_request(body).thinking == expected


# --- encoding responses -------------------------------------------------------------------------

REQUEST = request(Message("user", [Text("hi")]))


@pytest.mark.parametrize(("stop", "wire"), [(s, w) for w, s in STOP.items()])
def test_response_stop_reasons(stop: StopReason, wire: str) -> None:
    response = Response(
        "msg_1", "claude", [Text("x")], stop, "END" if stop is StopReason.STOP_SEQUENCE else None
    )
    body = CODEC.encode_response(response, REQUEST)
    assert specs().validate_response_body(OP, 200, body) == []
    assert (body["stop_reason"], body["stop_sequence"]) == (wire, response.stop_sequence)


def test_response_usage_and_blocks() -> None:
    usage = Usage(
        input_tokens=10, output_tokens=50, cache_read_tokens=100, cache_write_tokens=20, reasoning_tokens=30
    )
    response = Response(
        "msg_1",
        "claude-shown-name",
        [
            Thinking("why", SIGNATURE),
            RedactedThinking("abc"),
            Text(""),
            Text("Answer"),
            ToolCall("toolu_9", "f", '{"a": [1, 2]}'),
        ],
        StopReason.TOOL_USE,
        usage=usage,
    )
    body = CODEC.encode_response(response, REQUEST)
    assert specs().validate_response_body(OP, 200, body) == []
    assert body["model"] == "claude-shown-name"
    assert body["content"] == [
        {"type": "thinking", "thinking": "why", "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": "abc"},
        {"type": "text", "text": "Answer"},
        {"type": "tool_use", "id": "toolu_9", "name": "f", "input": {"a": [1, 2]}},
    ]
    assert body["usage"] == {
        "input_tokens": 10,
        "cache_creation_input_tokens": 20,
        "cache_read_input_tokens": 100,
        "output_tokens": 50,
        "output_tokens_details": {"thinking_tokens": 30},
    }
    assert CODEC.decode_response(body).usage == usage


def test_invalid_tool_arguments_from_upstream_are_a_bad_gateway() -> None:
    response = Response("msg_1", "claude", [ToolCall("toolu_1", "f", '{"a": ')], StopReason.TOOL_USE)
    with pytest.raises(GatewayError) as caught:
        CODEC.encode_response(response, REQUEST)
    assert caught.value.kind is ErrorKind.BAD_GATEWAY


def test_sdk_parses_an_encoded_response() -> None:
    response = Response(
        "msg_1", "claude", [Text("Hi"), ToolCall("toolu_1", "f", '{"x": 1}')], StopReason.TOOL_USE
    )
    body = json.dumps(CODEC.encode_response(response, REQUEST)).encode()
    message = _client(body, "application/json").messages.create(
        model="claude", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
    )
    assert sdk_view(message.content) == normalized(response.content)
    assert message.stop_reason == "tool_use"


# --- stream encoder -----------------------------------------------------------------------------

START_EVENT = StreamStart("msg_1", "claude-shown", usage=Usage(input_tokens=12, cache_read_tokens=4))
END_USAGE = Usage(input_tokens=12, output_tokens=40, cache_read_tokens=4)

SEQUENCES: dict[str, list[StreamEvent]] = {
    "text": [
        START_EVENT,
        BlockStart(0, Text("")),
        TextDelta(0, "Hello"),
        TextDelta(0, ", world"),
        BlockStop(0),
        StreamEnd(StopReason.END_TURN, END_USAGE),
    ],
    "parallel_tools": [
        START_EVENT,
        BlockStart(0, Text("")),
        TextDelta(0, "Checking."),
        BlockStop(0),
        BlockStart(1, ToolCall("toolu_1", "get_weather")),
        ArgumentsDelta(1, '{"city": '),
        ArgumentsDelta(1, '"Paris"}'),
        BlockStop(1),
        BlockStart(2, ToolCall("toolu_2", "get_time")),
        ArgumentsDelta(2, '{"tz": "Europe/Paris"}'),
        BlockStop(2),
        StreamEnd(StopReason.TOOL_USE, END_USAGE),
    ],
    "thinking": [
        START_EVENT,
        BlockStart(0, Thinking("")),
        ThinkingDelta(0, "Let me "),
        SignatureDelta(0, SIGNATURE[:20]),
        ThinkingDelta(0, "think."),
        SignatureDelta(0, SIGNATURE[20:]),
        BlockStop(0),
        BlockStart(1, RedactedThinking("EmwKAhgB")),
        BlockStop(1),
        BlockStart(2, Text("")),
        TextDelta(2, "Done."),
        BlockStop(2),
        StreamEnd(StopReason.END_TURN, Usage(input_tokens=12, output_tokens=40, reasoning_tokens=25)),
    ],
    "max_tokens": [
        START_EVENT,
        BlockStart(0, Text("")),
        TextDelta(0, "1. Alabama\n2. Alas"),
        BlockStop(0),
        StreamEnd(StopReason.MAX_TOKENS, END_USAGE),
    ],
    "stop_sequence": [
        START_EVENT,
        BlockStart(0, Text("def f():")),
        BlockStop(0),
        StreamEnd(StopReason.STOP_SEQUENCE, END_USAGE, "```"),
    ],
}


def assert_valid_stream(events: list[Any]) -> None:
    """The Anthropic grammar: event name = data type, message_start first, dense blocks each
    started, deltas only inside their block, signature right before its block stops,
    message_delta then message_stop last; every event valid against the spec."""
    payloads = [json.loads(e.data) for e in events]
    assert all(e.event == p["type"] for e, p in zip(events, payloads, strict=True))
    problems = [p for e in events for p in specs().validate_stream_event(OP, e.event, e.data)]
    assert problems == []
    assert payloads[0]["type"] == "message_start" and payloads[0]["message"]["content"] == []
    assert [p["type"] for p in payloads[-2:]] == ["message_delta", "message_stop"]
    open_index, next_index = None, 0
    for previous, payload in itertools.pairwise(payloads):
        kind = payload["type"]
        if kind == "content_block_start":
            assert open_index is None and payload["index"] == next_index
            open_index, next_index = payload["index"], next_index + 1
        elif kind == "content_block_delta":
            assert payload["index"] == open_index
        elif kind == "content_block_stop":
            assert payload["index"] == open_index
            open_index = None
        if previous.get("delta", {}).get("type") == "signature_delta":
            assert kind == "content_block_stop"
    assert open_index is None


@pytest.mark.parametrize("name", SEQUENCES)
def test_stream_encoder_grammar_and_sdk(name: str) -> None:
    events = SEQUENCES[name]
    encoder = CODEC.stream_encoder(REQUEST)
    wire = b"".join(encoder.encode(e) for e in events)
    assert_valid_stream(sse_events(wire))
    expected = fold(events)
    message = sdk_final_message(wire)
    assert sdk_view(message.content) == normalized(expected.content)
    assert expected.end is not None
    assert message.stop_reason == {v: k for k, v in STOP.items()}[expected.end.stop_reason]
    assert message.stop_sequence == expected.end.stop_sequence
    assert message.usage.output_tokens == expected.end.usage.output_tokens
    assert message.usage.input_tokens == 12
    assert message.model == "claude-shown" and message.id == "msg_1"
    assert fold(decode_stream(CODEC.stream_decoder(), sse_events(wire))).end == expected.end


def test_stream_encoder_writes_each_event_at_once() -> None:
    encoder = CODEC.stream_encoder(REQUEST)
    assert encoder.encode(START_EVENT).startswith(b"event: message_start\n")
    assert encoder.encode(BlockStart(0, Text(""))).startswith(b"event: content_block_start\n")
    assert b'"text":"Hi"' in encoder.encode(TextDelta(0, "Hi"))


def test_stream_error_ends_with_an_error_event_and_no_terminator() -> None:
    encoder = CODEC.stream_encoder(REQUEST)
    events = [
        START_EVENT,
        BlockStart(0, Text("")),
        TextDelta(0, "partial"),
        StreamError(GatewayError(ErrorKind.OVERLOADED, "upstream overloaded")),
        BlockStop(0),
        StreamEnd(StopReason.END_TURN, END_USAGE),
    ]
    wire = b"".join(encoder.encode(e) for e in events)
    parsed = sse_events(wire)
    assert parsed[-1].event == "error"
    assert json.loads(parsed[-1].data) == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "upstream overloaded"},
    }
    assert not any(e.event in ("message_delta", "message_stop") for e in parsed)
    assert specs().validate_stream_event(OP, "error", parsed[-1].data) == []
    with pytest.raises(anthropic.APIStatusError):
        sdk_final_message(wire)


# --- the official SDK, offline ------------------------------------------------------------------


def _client(body: bytes, content_type: str) -> anthropic.Anthropic:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": content_type}, content=body)

    http = httpx2.Client(transport=httpx2.MockTransport(answer))
    return anthropic.Anthropic(
        api_key="test", base_url="http://gateway.test", http_client=http, max_retries=0
    )


def sdk_final_message(wire: bytes) -> Any:
    client = _client(wire, "text/event-stream")
    with client.messages.stream(
        model="claude", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
    ) as s:
        return s.get_final_message()


def sdk_view(blocks: list[Any]) -> list[Any]:
    """SDK content blocks in the shape ``normalized`` gives canonical content."""
    out: list[Any] = []
    for block in blocks:
        if block.type == "text":
            out.append(Text(block.text))
        elif block.type == "thinking":
            out.append(Thinking(block.thinking, block.signature or None))
        elif block.type == "redacted_thinking":
            out.append(RedactedThinking(block.data))
        elif block.type == "tool_use":
            out.append(("call", block.id, block.name, block.input, None))
    return out
