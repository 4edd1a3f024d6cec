"""The hot-path validator: precise messages, agreement with openapi-core, speed, thread safety.

openapi-core is the reference validator of the design; the gateway compiles the same schemas with
jsonschema_rs because openapi-core costs about a millisecond per body. These tests hold the fast
validator to the reference on real and on broken bodies.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from typing import Any

import pytest

from gateway.specs import SpecSet, load_specs

from .conftest import (
    SPECS_DIR,
    Exchange,
    exchange_params,
    reference_accepts_request,
    reference_accepts_response,
)

TYPICAL_CHAT = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Weather and time in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": f"Current {name} for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
        for name in ("weather", "time")
    ],
    "temperature": 0.2,
    "stream": True,
    "stream_options": {"include_usage": True},
}

TYPICAL_ANTHROPIC = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 1024,
    "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C, sunny"}],
        },
    ],
    "tools": [
        {
            "name": name,
            "description": f"Current {name} for a city",
            "input_schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
        for name in ("weather", "time")
    ],
    "stream": True,
}

# operationId, body, the JSON path every reported problem must name
INVALID: list[tuple[str, Any, str]] = [
    (
        "openai.createChatCompletion",
        {"model": "m", "messages": [{"role": "robot", "content": "x"}]},
        "messages[0].role",
    ),
    (
        "openai.createChatCompletion",
        {"model": "m", "messages": [{"role": "user", "content": 5}]},
        "messages[0].content",
    ),
    (
        "openai.createChatCompletion",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "n": "2"},
        "n",
    ),
    (
        "openai.createChatCompletion",
        {"messages": [{"role": "user", "content": "x"}]},
        "body: required property 'model'",
    ),
    ("openai.createResponse", {"model": "m", "input": [{"type": "bogus"}]}, "input[0].type"),
    ("openai.createResponse", {"model": "m", "input": "x", "temperature": "hot"}, "temperature"),
    ("openai.createImage", {"prompt": "x", "n": 0}, "n"),
    ("anthropic.createMessage", {"model": "m", "messages": []}, "body: required property 'max_tokens'"),
    (
        "anthropic.createMessage",
        {**TYPICAL_ANTHROPIC, "messages": [{"role": "bot", "content": "x"}]},
        "messages[0].role",
    ),
    (
        "anthropic.createMessage",
        {
            **TYPICAL_ANTHROPIC,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "x", "colour": 1}]}],
        },
        "messages[0].content[0]",
    ),
    ("anthropic.countTokens", {"model": "m", "messages": "hi"}, "messages"),
    ("v1beta.generateContent", {"contents": [{"parts": [{"text": 5}]}]}, "contents[0].parts[0].text"),
    (
        "v1.generateContent",
        {"contents": [], "generationConfig": {"temperature": "hot"}},
        "generationConfig.temperature",
    ),
    ("v1beta.countTokens", {"contents": "x"}, "contents"),
]


@pytest.mark.parametrize(("operation_id", "body", "field"), INVALID, ids=[f"{i[0]}:{i[2]}" for i in INVALID])
def test_invalid_body_is_rejected_naming_the_field(
    specs: SpecSet, operation_id: str, body: Any, field: str
) -> None:
    problems = specs.validate_request_body(operation_id, body)
    assert problems
    assert all(p.startswith(field) for p in problems), problems


def test_message_lists_what_would_have_been_accepted(specs: SpecSet) -> None:
    problems = specs.validate_request_body("openai.createChatCompletion", INVALID[0][1])
    assert problems == [
        "messages[0].role: 'robot' is not one of ['developer', 'system', 'user', 'assistant', 'tool', 'function']"
    ]


def test_gemini_accepts_snake_case_field_names(specs: SpecSet) -> None:
    """Google's parser accepts proto field names too; the Gemini schemas never close their objects."""
    body = {
        "contents": [
            {"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": "iVBO"}}]}
        ],
        "system_instruction": {"parts": [{"text": "Be terse."}]},
        "generation_config": {"max_output_tokens": 5, "response_mime_type": "application/json"},
    }
    assert specs.validate_request_body("v1beta.generateContent", body) == []
    assert reference_accepts_request(specs.operation("v1beta.generateContent"), body)
    assert '"additionalProperties": false' not in json.dumps(specs.documents["gemini"])


def test_stream_event_problems(specs: SpecSet) -> None:
    anthropic = "anthropic.createMessage"
    chat = "openai.createChatCompletion"
    assert specs.validate_stream_event(chat, None, "[DONE]") == []
    failure = {"error": {"message": "upstream failed", "type": "server_error", "param": None, "code": None}}
    assert specs.validate_stream_event(chat, None, json.dumps(failure)) == []
    assert specs.validate_stream_event(chat, None, '{"id": "c", "object": "chat.completion.chunk"}') == [
        "body: required property 'choices' is missing",
        "body: required property 'created' is missing",
        "body: required property 'model' is missing",
    ]
    assert specs.validate_stream_event(anthropic, "ping", '{"type": "ping"}') == []
    assert specs.validate_stream_event(anthropic, "ping", '{"type": "pong"}')[0].startswith("type: 'pong'")
    assert specs.validate_stream_event(anthropic, "pong", '{"type": "pong"}')[0].startswith("event: 'pong'")
    assert specs.validate_stream_event(anthropic, None, '{"type": "ping"}')[0].startswith("event: missing")
    assert specs.validate_stream_event(anthropic, "ping", "{")[0].startswith("data: not JSON")
    assert specs.validate_stream_event("openai.listModels", None, "{}") == [
        "event: openai.listModels does not stream"
    ]


def test_undeclared_status_is_reported(specs: SpecSet) -> None:
    assert specs.validate_response_body("openai.listModels", 418, {}) == [
        "status: 418 is not a declared response of openai.listModels"
    ]


# -- agreement with openapi-core ----------------------------------------------------------------


@pytest.mark.parametrize(("operation_id", "body", "field"), INVALID, ids=[f"{i[0]}:{i[2]}" for i in INVALID])
def test_openapi_core_also_rejects_invalid_body(
    specs: SpecSet, operation_id: str, body: Any, field: str
) -> None:
    assert not reference_accepts_request(specs.operation(operation_id), body)


@pytest.mark.parametrize("exchange", exchange_params(lambda ex: bool(ex.interaction.request.body)))
def test_openapi_core_agrees_on_recorded_request(specs: SpecSet, exchange: Exchange) -> None:
    body = exchange.request_json()
    ours = specs.validate_request_body(exchange.operation.operation_id, body) == []
    assert reference_accepts_request(exchange.operation, body) == ours


def _json_response(ex: Exchange) -> bool:
    return not ex.is_sse and ex.interaction.response.body.lstrip()[:1] in (b"{", b"[")


@pytest.mark.parametrize("exchange", exchange_params(_json_response))
def test_openapi_core_agrees_on_recorded_response(specs: SpecSet, exchange: Exchange) -> None:
    body = exchange.response_json()
    ours = specs.validate_response_body(exchange.operation.operation_id, exchange.status, body) == []
    assert reference_accepts_response(exchange.operation, exchange.status, body) == ours


# -- cost and concurrency -------------------------------------------------------------------------


def _p50_seconds(specs: SpecSet, operation_id: str, body: Any, runs: int = 2000) -> float:
    assert specs.validate_request_body(operation_id, body) == []
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        specs.validate_request_body(operation_id, body)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


@pytest.mark.parametrize(
    ("operation_id", "body"),
    [("openai.createChatCompletion", TYPICAL_CHAT), ("anthropic.createMessage", TYPICAL_ANTHROPIC)],
)
def test_typical_request_validates_well_under_100_microseconds(
    specs: SpecSet, operation_id: str, body: dict
) -> None:
    assert _p50_seconds(specs, operation_id, body) < 100e-6


def test_concurrent_first_use_compiles_once_and_agrees() -> None:
    fresh = SpecSet(load_specs(SPECS_DIR).documents)
    bad = INVALID[0][1]
    results: list[tuple[list[str], list[str]]] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        op_id = "openai.createChatCompletion"
        results.append(
            (fresh.validate_request_body(op_id, TYPICAL_CHAT), fresh.validate_request_body(op_id, bad))
        )

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(result == results[0] for result in results)
    assert results[0][0] == [] and results[0][1]
    assert len(fresh._validators) == 1
