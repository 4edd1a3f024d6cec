"""The Gemini generateContent codec against real recordings, the specs and google-genai."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
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
from gateway.codecs.gemini import CODEC
from gateway.errors import ErrorKind, GatewayError
from gateway.sse import SSEEvent

OP = "v1beta.generateContent"
STREAM_OP = "v1beta.streamGenerateContent"
COUNT_OP = "v1beta.countTokens"

# Spelled out here, independently of gateway.tables.
FINISH = {
    "STOP": StopReason.END_TURN,
    "MAX_TOKENS": StopReason.MAX_TOKENS,
    "SAFETY": StopReason.CONTENT_FILTER,
    "RECITATION": StopReason.CONTENT_FILTER,
}
REFUSED = {
    "gemini/grounding-google-search__mirascope#0": "tools",
    "gemini/grounding-google-search__mirascope#1": "tools",
    "gemini/image-output__simonw#0": "generationConfig.responseModalities",
    "gemini/err429-resource-exhausted__crewai#0": "contents",  # a video
}


def _generate(r: Recorded) -> bool:
    return r.interaction.path.endswith((":generateContent", ":streamGenerateContent"))


def _ok(r: Recorded) -> bool:
    return _generate(r) and r.interaction.status == 200


def _streamed(r: Recorded) -> bool:
    return ":streamGenerateContent" in r.interaction.path


def _model(r: Recorded) -> str:
    return r.interaction.path.rsplit("/", 1)[1].split(":", 1)[0]


def chunks(r: Recorded) -> list[dict[str, Any]]:
    """A recorded stream's chunks, from alt=sse events or from the plain JSON array."""
    body = r.interaction.response.body
    if body.lstrip().startswith(b"["):
        return json.loads(body)
    return [json.loads(e.data) for e in sse_events(body)]


def as_events(items: list[dict[str, Any]]) -> list[SSEEvent]:
    return [SSEEvent(json.dumps(item)) for item in items]


# --- expectations computed from the recorded JSON ---------------------------------------------


def std_b64(value: str) -> str:
    return value.replace("-", "+").replace("_", "/")


def field(obj: dict[str, Any], camel: str, snake: str) -> Any:
    return obj.get(camel, obj.get(snake))


def raw_meaning(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """What a list of recorded parts says: text, thought text, calls and call signatures."""
    out: dict[str, Any] = {"text": "", "thoughts": "", "calls": [], "signatures": []}
    for part in parts:
        call = field(part, "functionCall", "function_call")
        if call is not None:
            out["calls"].append((call.get("id"), call["name"], call.get("args") or {}))
            signature = field(part, "thoughtSignature", "thought_signature")
            out["signatures"].append(std_b64(signature) if signature else None)
        elif part.get("thought"):
            out["thoughts"] += part.get("text", "")
        elif "text" in part:
            out["text"] += part["text"]
    return out


def meaning(content: list[Part]) -> dict[str, Any]:
    """The same view of canonical content (recorded ids compared only where one was sent)."""
    calls = [p for p in content if isinstance(p, ToolCall)]
    return {
        "text": "".join(p.text for p in content if isinstance(p, Text)),
        "thoughts": "".join(p.text for p in content if isinstance(p, Thinking)),
        "calls": [(c.id, c.name, json.loads(c.arguments)) for c in calls],
        "signatures": [c.signature for c in calls],
    }


def same_meaning(content: list[Part], parts: list[dict[str, Any]]) -> None:
    got, want = meaning(content), raw_meaning(parts)
    assert got["text"] == want["text"]
    assert got["thoughts"] == want["thoughts"]
    assert got["signatures"] == want["signatures"]
    assert len(got["calls"]) == len(want["calls"])
    for (got_id, name, args), (want_id, want_name, want_args) in zip(
        got["calls"], want["calls"], strict=True
    ):
        assert (name, args) == (want_name, want_args)
        assert got_id == want_id if want_id else got_id.startswith("call_")
    assert len({c[0] for c in got["calls"]}) == len(got["calls"]), "call ids must be unique"


def result_text(response: dict[str, Any]) -> str:
    """The documented rule: {"output": x} and {"error": x} give x, other objects their JSON."""
    if list(response) in (["output"], ["error"]) and isinstance(next(iter(response.values())), str):
        return next(iter(response.values()))
    return json.dumps(response, separators=(",", ":"), ensure_ascii=False)


def raw_usage(usage: dict[str, Any]) -> Usage:
    cached = usage.get("cachedContentTokenCount", 0)
    thoughts = usage.get("thoughtsTokenCount", 0)
    return Usage(
        input_tokens=usage.get("promptTokenCount", 0) - cached + usage.get("toolUsePromptTokenCount", 0),
        output_tokens=usage.get("candidatesTokenCount", 0) + thoughts,
        cache_read_tokens=cached,
        reasoning_tokens=thoughts,
    )


def raw_stop(finish: str | None, parts: list[dict[str, Any]], blocked: bool = False) -> StopReason:
    if finish is None:
        return StopReason.CONTENT_FILTER if blocked else StopReason.END_TURN
    called = any(field(p, "functionCall", "function_call") for p in parts)
    return StopReason.TOOL_USE if finish == "STOP" and called else FINISH[finish]


# --- recorded requests --------------------------------------------------------------------------


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: _generate(r) and r.name not in REFUSED))
def test_recorded_request_decodes_to_its_meaning(recorded: Recorded) -> None:
    body = recorded.request()
    request = CODEC.decode_request(body, model=_model(recorded))
    assert request.model == _model(recorded)
    system = field(body, "systemInstruction", "system_instruction")
    messages = request.messages
    if system:
        assert messages[0] == Message("system", [Text(p["text"]) for p in system["parts"]])
        messages = messages[1:]
    assert [m.role for m in messages] == [
        "assistant" if c.get("role") == "model" else "user" for c in body["contents"]
    ]
    calls: dict[str, list[str]] = {}
    for message, content in zip(messages, body["contents"], strict=True):
        same_meaning(message.content, content["parts"])
        for call in (p for p in message.content if isinstance(p, ToolCall)):
            calls.setdefault(call.name, []).append(call.id)
        responses = [field(p, "functionResponse", "function_response") for p in content["parts"]]
        results = [p for p in message.content if isinstance(p, ToolResult)]
        assert len(results) == len([r for r in responses if r])
        for result, raw in zip(results, [r for r in responses if r], strict=True):
            assert result.name == raw["name"]
            assert result.tool_call_id == (raw.get("id") or calls[raw["name"]].pop(0))
            assert result.content[0].text == result_text(raw["response"])
    config = field(body, "generationConfig", "generation_config") or {}
    assert request.max_tokens == config.get("maxOutputTokens")
    assert request.stop == config.get("stopSequences", [])
    declarations = [d for t in body.get("tools", []) for d in t["functionDeclarations"]]
    assert [t.name for t in request.tools] == [d["name"] for d in declarations]


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: _generate(r) and r.name not in REFUSED))
def test_recorded_request_round_trips_through_the_encoder(recorded: Recorded) -> None:
    """decode -> encode -> decode keeps the meaning: turns of one role merged, schemas reduced
    to Gemini's subset (and that reduction is stable)."""
    request = CODEC.decode_request(recorded.request(), model=_model(recorded))
    body = CODEC.encode_request(request, _model(recorded))
    assert specs().validate_request_body(OP, body) == []
    again = CODEC.decode_request(body, model=_model(recorded))
    expected = replace(request, messages=merged_turns(request.messages))
    assert again == replace(expected, tools=again.tools, response_format=again.response_format)
    assert [t.name for t in again.tools] == [t.name for t in request.tools]
    assert CODEC.encode_request(again, _model(recorded)) == body


def merged_turns(messages: list[Message]) -> list[Message]:
    out: list[Message] = []
    for message in messages:
        if out and out[-1].role == message.role != "system":
            out[-1] = Message(message.role, out[-1].content + message.content)
        else:
            out.append(message)
    return out


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: r.name in REFUSED))
def test_recorded_untranslatable_request_is_refused(recorded: Recorded) -> None:
    with pytest.raises(GatewayError) as caught:
        CODEC.decode_request(recorded.request(), model=_model(recorded))
    assert caught.value.kind is ErrorKind.INVALID_REQUEST
    assert caught.value.param == REFUSED[recorded.name]


def test_snake_case_tool_declarations_and_thinking_config_are_read() -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "system_instruction": {"parts": [{"text": "be brief"}]},
        "tools": [
            {
                "function_declarations": [
                    {"name": "f", "description": "d", "parameters_json_schema": {"type": "object"}},
                    {
                        "name": "g",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {"x": {"type": "STRING", "nullable": True}},
                            "property_ordering": ["x"],
                        },
                    },
                ]
            }
        ],
        "generation_config": {
            "max_output_tokens": 50,
            "stop_sequences": ["END"],
            "top_k": 40.0,
            "thinking_config": {"thinking_budget": 512, "include_thoughts": True},
            "response_mime_type": "application/json",
            "response_schema": {"type": "OBJECT", "properties": {"a": {"type": "INTEGER"}}},
        },
        "tool_config": {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["g"]}},
        "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    }
    request = CODEC.decode_request(body, model="models/gemini-2.5-flash")
    assert request.model == "gemini-2.5-flash"
    assert request.messages[0] == Message("system", [Text("be brief")])
    assert request.tools == [
        Tool("f", "d", {"type": "object"}),
        Tool("g", None, {"type": "object", "properties": {"x": {"type": ["string", "null"]}}}),
    ]
    assert request.tool_choice == ToolChoice("tool", "g")
    assert (request.max_tokens, request.stop, request.top_k) == (50, ["END"], 40)
    assert request.thinking == ThinkingConfig(budget_tokens=512)
    assert request.response_format == ResponseFormat(
        "json_schema", {"type": "object", "properties": {"a": {"type": "integer"}}}
    )


def test_function_calls_pair_with_responses_by_id_or_by_name_in_order() -> None:
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "weather?"}]},
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "weather", "args": {"city": "Paris"}}},
                    {"functionCall": {"name": "weather", "args": {"city": "Rome"}}},
                    {"functionCall": {"name": "time", "args": {}, "id": "given-id"}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "time", "id": "given-id", "response": {"output": "noon"}}},
                    {"functionResponse": {"name": "weather", "response": {"output": "sunny"}}},
                    {"functionResponse": {"name": "weather", "response": {"error": "no station"}}},
                ],
            },
        ]
    }
    request = CODEC.decode_request(body, model="gemini")
    calls = request.messages[1].content
    results = request.messages[2].content
    assert [c.id for c in calls][2] == "given-id"
    assert calls[0].id != calls[1].id
    assert [(r.tool_call_id, r.content, r.is_error) for r in results] == [
        ("given-id", [Text("noon")], False),
        (calls[0].id, [Text("sunny")], False),
        (calls[1].id, [Text("no station")], True),
    ]
    assert CODEC.decode_request(body, model="gemini") == request, "derived ids are deterministic"


def test_other_response_objects_become_their_json_text() -> None:
    body = {
        "contents": [
            {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}}]},
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "f", "response": {"temp": 18, "unit": "C"}}}],
            },
        ]
    }
    result = CODEC.decode_request(body, model="gemini").messages[1].content[0]
    assert json.loads(result.content[0].text) == {"temp": 18, "unit": "C"}


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"generationConfig": {"candidateCount": 2}}, "generationConfig.candidateCount"),
        ({"generationConfig": {"responseLogprobs": True}}, "generationConfig.responseLogprobs"),
        ({"generationConfig": {"responseMimeType": "text/x.enum"}}, "generationConfig.responseMimeType"),
        ({"cachedContent": "cachedContents/abc"}, "cachedContent"),
        ({"tools": [{"codeExecution": {}}]}, "tools"),
        (
            {
                "contents": [
                    {"role": "user", "parts": [{"inlineData": {"mimeType": "video/mp4", "data": "AA=="}}]}
                ]
            },
            "contents",
        ),
    ],
)
def test_untranslatable_fields_are_refused(change: dict[str, Any], param: str) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], **change}
    with pytest.raises(GatewayError) as caught:
        CODEC.decode_request(body, model="gemini")
    assert caught.value.param == param


def test_allowed_function_names_restrict_the_tools() -> None:
    declarations = [{"name": n, "description": n} for n in ("a", "b", "c")]
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [{"functionDeclarations": declarations}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["a", "c"]}},
    }
    request = CODEC.decode_request(body, model="gemini")
    assert [t.name for t in request.tools] == ["a", "c"]
    assert request.tool_choice == ToolChoice("required")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"thinkingBudget": 0}, ThinkingConfig(enabled=False)),
        ({"thinkingBudget": -1, "includeThoughts": True}, ThinkingConfig()),
        ({"thinkingLevel": "LOW"}, ThinkingConfig(effort="low")),
        ({"includeThoughts": False}, None),
    ],
)
def test_thinking_config_decodes(config: dict[str, Any], expected: ThinkingConfig | None) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"thinkingConfig": config},
    }
    assert CODEC.decode_request(body, model="gemini").thinking == expected


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: ":countTokens" in r.interaction.path))
def test_recorded_count_tokens(recorded: Recorded) -> None:
    request = CODEC.decode_request(recorded.request(), model=_model(recorded))
    assert request.messages[0].content == [Text(recorded.request()["contents"][0]["parts"][0]["text"])]
    if recorded.interaction.status == 200:
        count = CODEC.decode_count(recorded.response())
        assert count == recorded.response()["totalTokens"]
        assert specs().validate_response_body(COUNT_OP, 200, CODEC.encode_count(count)) == []


def test_count_request_wraps_the_whole_request() -> None:
    req = Request("gemini", [Message("system", [Text("brief")]), Message("user", [Text("hi")])], tools=[TOOL])
    body = CODEC.encode_count_request(req, "gemini-2.5-flash")
    assert specs().validate_request_body(COUNT_OP, body) == []
    assert body["generateContentRequest"]["model"] == "models/gemini-2.5-flash"
    assert CODEC.decode_request(body, model="gemini").messages == req.messages


# --- recorded responses and streams -------------------------------------------------------------


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: _ok(r) and not _streamed(r)))
def test_recorded_response_decodes_to_its_meaning(recorded: Recorded) -> None:
    body = recorded.response()
    response = CODEC.decode_response(body)
    candidate = body["candidates"][0]
    parts = candidate["content"].get("parts", [])
    same_meaning(response.content, parts)
    assert response.stop_reason is raw_stop(candidate.get("finishReason"), parts)
    assert response.usage == raw_usage(body.get("usageMetadata", {}))
    assert (response.id, response.model) == (body["responseId"], body["modelVersion"])
    images = [p for p in parts if "inlineData" in p]
    assert [(i.media_type, i.data) for i in response.content if isinstance(i, Image)] == [
        (p["inlineData"]["mimeType"], p["inlineData"]["data"]) for p in images
    ]


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: _ok(r) and not _streamed(r)))
def test_recorded_response_reencodes_valid_and_equal(recorded: Recorded) -> None:
    response = CODEC.decode_response(recorded.response())
    body = CODEC.encode_response(response, REQUEST)
    assert specs().validate_response_body(OP, 200, body) == []
    assert CODEC.decode_response(body) == response


def test_blocked_prompt_without_candidates_is_a_content_filter() -> None:
    body = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 7}}
    response = CODEC.decode_response(body)
    assert response.stop_reason is StopReason.CONTENT_FILTER
    assert response.content == [] and response.usage.input_tokens == 7


def test_cached_and_tool_use_prompt_tokens() -> None:
    usage = {
        "promptTokenCount": 1000,
        "cachedContentTokenCount": 800,
        "toolUsePromptTokenCount": 50,
        "candidatesTokenCount": 20,
        "thoughtsTokenCount": 30,
        "totalTokenCount": 1100,
    }
    decoded = CODEC.decode_response({"candidates": [], "usageMetadata": usage}).usage
    assert decoded == Usage(input_tokens=250, output_tokens=50, cache_read_tokens=800, reasoning_tokens=30)
    assert decoded.total_tokens == usage["totalTokenCount"]


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: _ok(r) and _streamed(r)))
def test_recorded_stream_decodes_to_its_meaning(recorded: Recorded) -> None:
    items = chunks(recorded)
    folded = fold(decode_stream(CODEC.stream_decoder(), as_events(items)))
    parts = [p for c in items for p in c["candidates"][0]["content"].get("parts", [])]
    finish = [c["candidates"][0]["finishReason"] for c in items if "finishReason" in c["candidates"][0]][-1]
    assert folded.start is not None and folded.end is not None
    assert (folded.start.id, folded.start.model) == (items[0]["responseId"], items[0]["modelVersion"])
    same_meaning(folded.content, parts)
    assert folded.end.stop_reason is raw_stop(finish, parts)
    assert folded.end.usage == raw_usage(items[-1]["usageMetadata"])


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: _ok(r) and _streamed(r)))
def test_recorded_stream_equals_its_whole_response(recorded: Recorded) -> None:
    """Folding the stream gives what decoding the chunks merged into one response gives."""
    items = chunks(recorded)
    folded = fold(decode_stream(CODEC.stream_decoder(), as_events(items)))
    merged = dict(items[-1])
    candidate = dict(merged["candidates"][0])
    candidate["content"] = {
        "parts": [p for c in items for p in c["candidates"][0]["content"].get("parts", [])]
    }
    merged["candidates"] = [candidate]
    whole = CODEC.decode_response(merged)
    assert normalized(folded.content) == normalized(whole.content)
    assert folded.end is not None
    assert (folded.end.stop_reason, folded.end.usage) == (whole.stop_reason, whole.usage)


@pytest.mark.parametrize("recorded", recordings("gemini", lambda r: _ok(r) and _streamed(r)))
@pytest.mark.parametrize("json_array", [False, True])
def test_recorded_stream_reencodes_to_the_same_meaning(recorded: Recorded, json_array: bool) -> None:
    original = fold(decode_stream(CODEC.stream_decoder(), as_events(chunks(recorded))))
    events = decode_stream(CODEC.stream_decoder(), as_events(chunks(recorded)))
    encoder = CODEC.stream_encoder(REQUEST, json_array=json_array)
    wire = b"".join(encoder.encode(e) for e in events)
    items = written_chunks(wire, json_array)
    again = fold(decode_stream(CODEC.stream_decoder(), as_events(items)))
    assert normalized(again.content) == normalized(original.content)
    assert again.end == original.end


def test_stream_without_finish_reason_is_an_error() -> None:
    chunk = {"candidates": [{"content": {"role": "model", "parts": [{"text": "cut"}]}}], "responseId": "r"}
    events = decode_stream(CODEC.stream_decoder(), as_events([chunk]))
    assert isinstance(events[-1], StreamError)
    assert events[-1].error.kind is ErrorKind.BAD_GATEWAY


def test_error_chunk_and_malformed_chunk_end_the_stream() -> None:
    ok = {"candidates": [{"content": {"parts": [{"text": "a"}]}}], "responseId": "r"}
    error = {"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}
    events = decode_stream(CODEC.stream_decoder(), as_events([ok, error, ok]))
    assert isinstance(events[-1], StreamError) and events[-1].error.kind is ErrorKind.RATE_LIMIT
    decoder = CODEC.stream_decoder()
    assert isinstance(decoder.feed(SSEEvent("{oops"))[0], StreamError)
    assert decoder.feed(SSEEvent(json.dumps(ok))) == [] and decoder.close() == []


def test_signature_on_a_plain_text_part_becomes_an_empty_signed_thinking_block() -> None:
    parts = [{"text": "Answer"}, {"text": "", "thoughtSignature": "c2ln-_=="}]
    response = CODEC.decode_response({"candidates": [{"content": {"parts": parts}, "finishReason": "STOP"}]})
    assert response.content == [Text("Answer"), Thinking("", "c2ln+/==")]


# --- encoding requests --------------------------------------------------------------------------

TOOL = Tool(
    "get_weather",
    "Weather for a city",
    {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "city": {"type": "string", "minLength": 1, "default": "Paris"},
            "unit": {"type": ["string", "null"], "enum": ["C", "F", None]},
            "kind": {"const": "current"},
            "where": {"allOf": [{"$ref": "#/$defs/Place"}], "description": "the place"},
        },
        "required": ["city"],
        "additionalProperties": False,
        "$defs": {"Place": {"type": "object", "properties": {"lat": {"type": "number"}}}},
    },
)
SIGNATURE = base64.b64encode(bytes(range(256)) * 2).decode()  # has "+" and "/"
REQUEST = Request("gemini", [Message("user", [Text("hi")])])


def encode(req: Request) -> dict[str, Any]:
    body = CODEC.encode_request(req, "gemini-2.5-flash")
    assert specs().validate_request_body(OP, body) == []
    return body


def test_plain_text_request() -> None:
    body = encode(
        Request("gemini", [Message("user", [Text("Hello")])], max_tokens=100, temperature=0.2, seed=7)
    )
    assert body == {
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "generationConfig": {"maxOutputTokens": 100, "temperature": 0.2, "seed": 7},
    }


def test_every_system_message_goes_to_system_instruction_in_order() -> None:
    body = encode(
        Request(
            "gemini",
            [
                Message("system", [Text("one")]),
                Message("user", [Text("hi")]),
                Message("assistant", [Text("hello")]),
                Message("developer", [Text("two")]),
                Message("user", [Text("again")]),
                Message("user", [Text("and again")]),
            ],
        )
    )
    assert body["systemInstruction"] == {"parts": [{"text": "one"}, {"text": "two"}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "hi"}]},
        {"role": "model", "parts": [{"text": "hello"}]},
        {"role": "user", "parts": [{"text": "again"}, {"text": "and again"}]},
    ]


def test_tool_round_trip_names_results_after_their_calls() -> None:
    body = encode(
        Request(
            "gemini",
            [
                Message("user", [Text("Paris and Rome?")]),
                Message(
                    "assistant",
                    [
                        Text("Checking."),
                        ToolCall("toolu_1", "get_weather", '{"city": "Paris"}', SIGNATURE),
                        ToolCall("toolu_2", "get_weather", '{"city": "Rome"}'),
                    ],
                ),
                Message("tool", [ToolResult("toolu_1", [Text("18C")])]),
                Message("tool", [ToolResult("toolu_2", [Text("no data")], is_error=True)]),
            ],
            tools=[TOOL],
        )
    )
    assert body["contents"][1]["parts"] == [
        {"text": "Checking."},
        {
            "functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "toolu_1"},
            "thoughtSignature": SIGNATURE,
        },
        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}, "id": "toolu_2"}},
    ]
    assert body["contents"][2] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "get_weather", "id": "toolu_1", "response": {"output": "18C"}}},
            {"functionResponse": {"name": "get_weather", "id": "toolu_2", "response": {"error": "no data"}}},
        ],
    }


def test_a_result_for_no_known_call_is_refused() -> None:
    with pytest.raises(GatewayError) as caught:
        CODEC.encode_request(Request("gemini", [Message("tool", [ToolResult("toolu_x", [Text("?")])])]), "g")
    assert caught.value.kind is ErrorKind.INVALID_REQUEST
    named = encode(Request("gemini", [Message("tool", [ToolResult("toolu_x", [Text("ok")], name="f")])]))
    assert named["contents"][0]["parts"][0]["functionResponse"]["name"] == "f"


def test_tool_schema_is_reduced_to_the_gemini_subset() -> None:
    body = encode(Request("gemini", [Message("user", [Text("hi")])], tools=[TOOL]))
    declaration = body["tools"][0]["functionDeclarations"][0]
    assert declaration["name"] == "get_weather" and declaration["description"] == "Weather for a city"
    assert declaration["parametersJsonSchema"] == {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"anyOf": [{"enum": ["C", "F", None], "type": "string"}, {"type": "null"}]},
            "kind": {"enum": ["current"]},
            "where": {"description": "the place", "$ref": "#/$defs/Place"},
        },
        "required": ["city"],
        "additionalProperties": False,
        "$defs": {"Place": {"type": "object", "properties": {"lat": {"type": "number"}}}},
    }


def test_media_parts() -> None:
    body = encode(
        Request(
            "gemini",
            [
                Message(
                    "user",
                    [
                        Image(url="data:image/png;base64,iVBORw0KGgo="),
                        Image(url="https://example.com/cat.jpg", media_type="image/jpeg"),
                        Image(data="R0lGODlh", media_type="image/gif"),
                        Document(data="JVBERi0xLjQ="),
                        Document(url="https://example.com/a.pdf", media_type="application/pdf"),
                        Document(text="plain words"),
                        Audio("SUQzBAAAAA==", "mp3"),
                    ],
                )
            ],
        )
    )
    assert body["contents"][0]["parts"] == [
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"fileUri": "https://example.com/cat.jpg", "mimeType": "image/jpeg"}},
        {"inlineData": {"mimeType": "image/gif", "data": "R0lGODlh"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0xLjQ="}},
        {"fileData": {"fileUri": "https://example.com/a.pdf", "mimeType": "application/pdf"}},
        {"text": "plain words"},
        {"inlineData": {"mimeType": "audio/mp3", "data": "SUQzBAAAAA=="}},
    ]


def test_thinking_parts_keep_signatures_and_redacted_thinking_is_dropped() -> None:
    body = encode(
        Request(
            "gemini",
            [
                Message("user", [Text("2+2?")]),
                Message(
                    "assistant",
                    [
                        Thinking("simple", SIGNATURE),
                        RedactedThinking("opaque"),
                        Thinking("", None),
                        Text("4"),
                    ],
                ),
            ],
        )
    )
    assert body["contents"][1]["parts"] == [
        {"text": "simple", "thought": True, "thoughtSignature": SIGNATURE},
        {"text": "4"},
    ]


@pytest.mark.parametrize(
    ("thinking", "expected"),
    [
        (ThinkingConfig(budget_tokens=1024), {"thinkingBudget": 1024, "includeThoughts": True}),
        (ThinkingConfig(effort="high"), {"thinkingLevel": "HIGH", "includeThoughts": True}),
        (ThinkingConfig(), {"includeThoughts": True}),
        (ThinkingConfig(enabled=False), {"thinkingBudget": 0}),
    ],
)
def test_thinking_config_encodes(thinking: ThinkingConfig, expected: dict[str, Any]) -> None:
    body = encode(replace(REQUEST, thinking=thinking))
    assert body["generationConfig"]["thinkingConfig"] == expected


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (ToolChoice("auto"), {"mode": "AUTO"}),
        (ToolChoice("none"), {"mode": "NONE"}),
        (ToolChoice("required"), {"mode": "ANY"}),
        (ToolChoice("tool", "get_weather"), {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}),
    ],
)
def test_tool_choice_modes(choice: ToolChoice, expected: dict[str, Any]) -> None:
    body = encode(replace(REQUEST, tools=[TOOL], tool_choice=choice, parallel_tool_calls=False))
    assert body["toolConfig"] == {"functionCallingConfig": expected}
    assert CODEC.decode_request(body, model="gemini").tool_choice == choice


def test_stop_sequences_and_response_format() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer", "exclusiveMinimum": 0}}}
    body = encode(replace(REQUEST, stop=["x", "y"], response_format=ResponseFormat("json_schema", schema)))
    assert body["generationConfig"] == {
        "stopSequences": ["x", "y"],
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object", "properties": {"a": {"type": "integer"}}},
    }
    assert encode(replace(REQUEST, response_format=ResponseFormat("json_object")))["generationConfig"] == {
        "responseMimeType": "application/json"
    }
    with pytest.raises(GatewayError):
        CODEC.encode_request(replace(REQUEST, stop=list("abcdef")), "gemini")


ROUND_TRIP = [
    REQUEST,
    Request(
        "gemini",
        [
            Message("system", [Text("one"), Text("two")]),
            Message("user", [Text("look"), Image(data="iVBORw0KGgo=", media_type="image/png")]),
            Message(
                "assistant",
                [Thinking("hmm", SIGNATURE), Text("ok"), ToolCall("toolu_1", "f", '{"a":1}', SIGNATURE)],
            ),
            Message(
                "user",
                [
                    ToolResult("toolu_1", [Text("done")], name="f"),
                    Document(url="https://x.test/a.pdf", media_type="application/pdf"),
                ],
            ),
        ],
        tools=[Tool("f", "does f", {"type": "object", "properties": {"a": {"type": "integer"}}})],
        tool_choice=ToolChoice("tool", "f"),
        max_tokens=500,
        top_p=0.9,
        top_k=3,
        presence_penalty=0.5,
        frequency_penalty=0.25,
        stop=["END"],
        thinking=ThinkingConfig(budget_tokens=2048),
    ),
]


@pytest.mark.parametrize("req", ROUND_TRIP)
def test_request_round_trip(req: Request) -> None:
    assert CODEC.decode_request(encode(req), model="gemini") == req


# --- encoding responses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        (StopReason.END_TURN, "STOP"),
        (StopReason.STOP_SEQUENCE, "STOP"),
        (StopReason.TOOL_USE, "STOP"),
        (StopReason.MAX_TOKENS, "MAX_TOKENS"),
        (StopReason.CONTENT_FILTER, "SAFETY"),
    ],
)
def test_response_finish_reasons(stop: StopReason, finish: str) -> None:
    content: list[Part] = [ToolCall("toolu_1", "f", "{}")] if stop is StopReason.TOOL_USE else [Text("x")]
    body = CODEC.encode_response(Response("r1", "gemini-x", content, stop), REQUEST)
    assert specs().validate_response_body(OP, 200, body) == []
    assert body["candidates"][0]["finishReason"] == finish
    decoded = CODEC.decode_response(body).stop_reason
    assert decoded is (StopReason.END_TURN if stop is StopReason.STOP_SEQUENCE else stop)


def test_response_usage_arithmetic() -> None:
    usage = Usage(
        input_tokens=10, output_tokens=50, cache_read_tokens=100, cache_write_tokens=20, reasoning_tokens=30
    )
    body = CODEC.encode_response(Response("r1", "shown-name", [Text("hi")], usage=usage), REQUEST)
    assert body["usageMetadata"] == {
        "promptTokenCount": 130,
        "cachedContentTokenCount": 100,
        "candidatesTokenCount": 20,
        "thoughtsTokenCount": 30,
        "totalTokenCount": 180,
    }
    assert body["modelVersion"] == "shown-name"
    decoded = CODEC.decode_response(body).usage
    assert decoded.total_tokens == usage.total_tokens
    assert (decoded.input_tokens, decoded.cache_read_tokens) == (30, 100)


def test_google_genai_parses_an_encoded_response() -> None:
    response = Response(
        "r1",
        "gemini-x",
        [Thinking("why", SIGNATURE), Text("Hi"), ToolCall("c1", "f", '{"x": 1}')],
        StopReason.TOOL_USE,
    )
    body = json.dumps(CODEC.encode_response(response, REQUEST)).encode()
    result = _client(body, "application/json").models.generate_content(model="gemini-x", contents="hi")
    assert result.text == "Hi"
    assert [(c.id, c.name, c.args) for c in result.function_calls] == [("c1", "f", {"x": 1})]
    assert result.candidates[0].content.parts[0].thought_signature is not None


# --- stream encoder -----------------------------------------------------------------------------

START = StreamStart("resp-1", "gemini-shown", usage=Usage(input_tokens=12))
END_USAGE = Usage(input_tokens=12, output_tokens=40, reasoning_tokens=10)
SEQUENCES: dict[str, list[StreamEvent]] = {
    "text": [
        START,
        BlockStart(0, Text("")),
        TextDelta(0, "Hello"),
        TextDelta(0, ", world"),
        BlockStop(0),
        StreamEnd(StopReason.END_TURN, END_USAGE),
    ],
    "parallel_tools": [
        START,
        BlockStart(0, ToolCall("toolu_1", "get_weather")),
        ArgumentsDelta(0, '{"city": '),
        ArgumentsDelta(0, '"Paris"}'),
        BlockStop(0),
        BlockStart(1, ToolCall("toolu_2", "get_time", "", SIGNATURE)),
        ArgumentsDelta(1, '{"tz": "Europe/Paris"}'),
        BlockStop(1),
        StreamEnd(StopReason.TOOL_USE, END_USAGE),
    ],
    "thinking": [
        START,
        BlockStart(0, Thinking("")),
        ThinkingDelta(0, "Let me "),
        ThinkingDelta(0, "think."),
        SignatureDelta(0, SIGNATURE),
        BlockStop(0),
        BlockStart(1, Text("")),
        TextDelta(1, "Done."),
        BlockStop(1),
        StreamEnd(StopReason.END_TURN, END_USAGE),
    ],
    "max_tokens": [
        START,
        BlockStart(0, Text("")),
        TextDelta(0, "1. Alabama\n2. Alas"),
        BlockStop(0),
        StreamEnd(StopReason.MAX_TOKENS, END_USAGE),
    ],
}


def written_chunks(wire: bytes, json_array: bool) -> list[dict[str, Any]]:
    """The chunks an encoder wrote, checked against the framing and the spec."""
    if json_array:
        assert wire.startswith(b"[") and wire.endswith(b"]")
        items = json.loads(wire)
        assert specs().validate_response_body(STREAM_OP, 200, items) == []
        return items
    assert wire.endswith(b"\r\n\r\n") and b"event:" not in wire
    events = sse_events(wire)
    assert [p for e in events for p in specs().validate_stream_event(STREAM_OP, None, e.data)] == []
    return [json.loads(e.data) for e in events]


@pytest.mark.parametrize("json_array", [False, True])
@pytest.mark.parametrize("name", SEQUENCES)
def test_stream_encoder_chunks(name: str, json_array: bool) -> None:
    events = SEQUENCES[name]
    encoder = CODEC.stream_encoder(REQUEST, json_array=json_array)
    assert encoder.media_type == ("application/json" if json_array else "text/event-stream")
    items = written_chunks(b"".join(encoder.encode(e) for e in events), json_array)
    assert all((c["responseId"], c["modelVersion"]) == ("resp-1", "gemini-shown") for c in items)
    assert all("finishReason" not in c["candidates"][0] and "usageMetadata" not in c for c in items[:-1])
    last = items[-1]
    expected = fold(events)
    assert expected.end is not None
    assert "finishReason" in last["candidates"][0] and last["usageMetadata"]["totalTokenCount"] == 52
    calls = [
        p["functionCall"]
        for c in items
        for p in c["candidates"][0]["content"]["parts"]
        if "functionCall" in p
    ]
    assert [(c["id"], c["name"]) for c in calls] == [
        (b.id, b.name) for b in expected.content if isinstance(b, ToolCall)
    ]
    again = fold(decode_stream(CODEC.stream_decoder(), as_events(items)))
    assert normalized(again.content) == normalized(expected.content)
    assert again.end is not None and again.end.stop_reason is expected.end.stop_reason
    assert again.end.usage == expected.end.usage


def test_stream_encoder_writes_each_delta_at_once_and_a_call_when_it_stops() -> None:
    encoder = CODEC.stream_encoder(REQUEST)
    assert encoder.encode(START) == b""
    assert encoder.encode(BlockStart(0, Text(""))) == b""
    assert encoder.encode(TextDelta(0, "Hi")).startswith(
        b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}'
    )
    assert encoder.encode(BlockStop(0)) == b""
    assert encoder.encode(BlockStart(1, ToolCall("c1", "f"))) == b""
    assert encoder.encode(ArgumentsDelta(1, '{"a":')) == b""
    assert encoder.encode(ArgumentsDelta(1, "1}")) == b""
    assert b'"functionCall":{"name":"f","args":{"a":1},"id":"c1"}' in encoder.encode(BlockStop(1))
    assert CODEC.stream_encoder(REQUEST, json_array=True).encode(START) == b"["


@pytest.mark.parametrize("json_array", [False, True])
def test_stream_error_mid_stream(json_array: bool) -> None:
    encoder = CODEC.stream_encoder(REQUEST, json_array=json_array)
    events = [
        START,
        BlockStart(0, Text("")),
        TextDelta(0, "partial"),
        StreamError(GatewayError(ErrorKind.OVERLOADED, "upstream overloaded")),
        BlockStop(0),
        StreamEnd(StopReason.END_TURN, END_USAGE),
    ]
    wire = b"".join(encoder.encode(e) for e in events)
    items = json.loads(wire) if json_array else [json.loads(e.data) for e in sse_events(wire)]
    assert items[-1] == {"error": {"code": 503, "message": "upstream overloaded", "status": "UNAVAILABLE"}}
    assert not any("finishReason" in c.get("candidates", [{}])[0] for c in items)
    decoded = decode_stream(CODEC.stream_decoder(), as_events(items))
    assert isinstance(decoded[-1], StreamError) and decoded[-1].error.kind is ErrorKind.OVERLOADED
    if not json_array:
        with pytest.raises(genai_errors.ServerError):
            list(_client(wire, "text/event-stream").models.generate_content_stream(model="g", contents="hi"))


# --- google-genai, offline ---------------------------------------------------------------------


def _client(body: bytes, content_type: str) -> genai.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type}, content=body)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    options = types.HttpOptions(base_url="http://gateway.test", httpx_client=http)
    return genai.Client(api_key="test", http_options=options)


@pytest.mark.parametrize("name", SEQUENCES)
def test_google_genai_consumes_the_stream(name: str) -> None:
    events = SEQUENCES[name]
    encoder = CODEC.stream_encoder(REQUEST)
    wire = b"".join(encoder.encode(e) for e in events)
    received = list(
        _client(wire, "text/event-stream").models.generate_content_stream(model="g", contents="hi")
    )
    parts = [p for r in received for p in r.candidates[0].content.parts or []]
    expected = fold(events)
    assert expected.end is not None
    text = "".join(p.text for p in parts if p.text and not p.thought)
    thoughts = "".join(p.text for p in parts if p.text and p.thought)
    calls = [
        (p.function_call.id, p.function_call.name, p.function_call.args) for p in parts if p.function_call
    ]
    assert text == "".join(p.text for p in expected.content if isinstance(p, Text))
    assert thoughts == "".join(p.text for p in expected.content if isinstance(p, Thinking))
    assert calls == [
        (c.id, c.name, json.loads(c.arguments)) for c in expected.content if isinstance(c, ToolCall)
    ]
    signatures = [p.thought_signature for p in parts if p.thought_signature]
    expected_signatures = [p.signature for p in expected.content if getattr(p, "signature", None)]
    assert signatures == [base64.b64decode(s) for s in expected_signatures]
    assert (
        received[-1].candidates[0].finish_reason.name
        == {
            StopReason.END_TURN: "STOP",
            StopReason.TOOL_USE: "STOP",
            StopReason.MAX_TOKENS: "MAX_TOKENS",
        }[expected.end.stop_reason]
    )
    assert received[-1].usage_metadata.total_token_count == expected.end.usage.total_tokens


def test_signatures_survive_a_google_genai_round_trip() -> None:
    """A signed thinking block and a signed call streamed to google-genai come back in its next
    request (which writes bytes URL-safe) as the same canonical parts, byte for byte."""
    events = [
        *SEQUENCES["thinking"][:-1],
        BlockStart(2, ToolCall("toolu_9", "f", "", SIGNATURE)),
        ArgumentsDelta(2, "{}"),
        BlockStop(2),
        StreamEnd(StopReason.TOOL_USE, END_USAGE),
    ]
    encoder = CODEC.stream_encoder(REQUEST)
    wire = b"".join(encoder.encode(e) for e in events)
    received = list(
        _client(wire, "text/event-stream").models.generate_content_stream(model="g", contents="hi")
    )
    history = [p for r in received for p in r.candidates[0].content.parts or []]
    sent: list[dict[str, Any]] = []

    def capture(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"candidates": [{"content": {"parts": [{"text": "ok"}]}}]})

    http = httpx.Client(transport=httpx.MockTransport(capture))
    client = genai.Client(
        api_key="t", http_options=types.HttpOptions(base_url="http://g.test", httpx_client=http)
    )
    contents = [
        types.Content(role="user", parts=[types.Part(text="hi")]),
        types.Content(role="model", parts=history),
        types.Content(
            role="user",
            parts=[types.Part(function_response=types.FunctionResponse(name="f", response={"output": "x"}))],
        ),
    ]
    client.models.generate_content(model="g", contents=contents)
    assert "-" in json.dumps(sent[0]) or "_" in json.dumps(sent[0])  # the SDK wrote URL-safe base64
    model_turn = CODEC.decode_request(sent[0], model="g").messages[1].content
    assert model_turn == [
        Thinking("Let me think.", SIGNATURE),
        Text("Done."),
        ToolCall("toolu_9", "f", "{}", SIGNATURE),
    ]
    result = CODEC.decode_request(sent[0], model="g").messages[2].content[0]
    assert result.tool_call_id == "toolu_9"
