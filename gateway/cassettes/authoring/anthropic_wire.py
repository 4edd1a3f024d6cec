"""Anthropic Messages as api.anthropic.com sends it: compact JSON (gzip when whole), named SSE events
with a ping after the first block, rate-limit headers in the four families, request ids."""

from __future__ import annotations

import json
from typing import Any

from gateway.cassettes.authoring.answers import Answer, Call, Failure, Stamp, Text, Thought, Wire, pieces
from gateway.tables import ANTHROPIC, STOP_REASONS

_ERROR_TYPES = {
    "invalid_request": "invalid_request_error",
    "authentication": "authentication_error",
    "not_found": "not_found_error",
    "rate_limit": "rate_limit_error",
    "server": "api_error",
    "overloaded": "overloaded_error",
}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _request_id(stamp: Stamp) -> str:
    return "req_011C" + stamp.token("request-id", 20)


def _edge(stamp: Stamp) -> list[tuple[str, str]]:
    return [
        ("date", stamp.date),
        ("content-type", "application/json"),
        ("transfer-encoding", "chunked"),
        ("connection", "keep-alive"),
    ]


_LIMITS = (
    ("input-tokens", 2_000_000),
    ("output-tokens", 400_000),
    ("requests", 4_000),
    ("tokens", 2_400_000),
)


def _ratelimits(stamp: Stamp, *, exhausted: bool = False) -> list[tuple[str, str]]:
    """The four limit families; a 429 carries only the requests and tokens ones."""
    headers = []
    for family, limit in _LIMITS[2:] if exhausted else _LIMITS:
        remaining = 0 if exhausted and family == "requests" else limit - (1 if family == "requests" else 120)
        headers += [
            (f"anthropic-ratelimit-{family}-limit", str(limit)),
            (f"anthropic-ratelimit-{family}-remaining", str(remaining)),
            (f"anthropic-ratelimit-{family}-reset", stamp.iso(12 if exhausted else 1)),
        ]
    return headers


def _trailer(stamp: Stamp) -> list[tuple[str, str]]:
    return [
        ("request-id", _request_id(stamp)),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("anthropic-organization-id", stamp.hex("organization", 32)),
        ("x-envoy-upstream-service-time", str(400 + int(stamp.hex("latency", 3), 16) % 900)),
        ("cf-cache-status", "DYNAMIC"),
        ("x-robots-tag", "none"),
        ("server", "cloudflare"),
        ("cf-ray", f"{stamp.hex('ray', 16)}-SJC"),
    ]


def _usage(answer: Answer) -> dict[str, Any]:
    usage = answer.usage
    return {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": usage.cache_write_tokens,
            "ephemeral_1h_input_tokens": 0,
        },
        "output_tokens": usage.output_tokens,
        "service_tier": "standard",
    }


def _block(block: Text | Thought | Call, stamp: Stamp, index: int) -> dict[str, Any]:
    if isinstance(block, Thought):
        return {"type": "thinking", "thinking": block.text, "signature": stamp.signature(f"thinking-{index}")}
    if isinstance(block, Call):
        return {
            "type": "tool_use",
            "id": _tool_id(stamp, index),
            "name": block.name,
            "input": block.arguments,
        }
    return {"type": "text", "text": block.text}


def _tool_id(stamp: Stamp, index: int) -> str:
    return "toolu_01" + stamp.token(f"tool-{index}", 22)


def _stop(answer: Answer) -> str:
    return STOP_REASONS[ANTHROPIC].encode(answer.stop)


def message(answer: Answer, model: str, stamp: Stamp) -> Wire:
    body = {
        "model": model,
        "id": "msg_01" + stamp.token("message", 22),
        "type": "message",
        "role": "assistant",
        "content": [_block(block, stamp, n) for n, block in enumerate(answer.blocks)],
        "stop_reason": _stop(answer),
        "stop_sequence": None,
        "usage": _usage(answer),
    }
    headers = [*_edge(stamp), *_ratelimits(stamp), *_trailer(stamp)]
    return Wire.of(200, headers, _dumps(body).encode(), gzipped=True)


def stream(answer: Answer, model: str, stamp: Stamp) -> Wire:
    events: list[tuple[str, dict[str, Any]]] = []
    start_usage = {**_usage(answer), "output_tokens": 2}
    events.append(
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "model": model,
                    "id": "msg_01" + stamp.token("message", 22),
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": start_usage,
                },
            },
        )
    )
    for index, block in enumerate(answer.blocks):
        block_events = _block_events(block, stamp, index)
        if index == 0:  # the API pings once, right after the first block opens
            block_events.insert(1, ("ping", {"type": "ping"}))
        events += block_events
    usage = answer.usage
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": _stop(answer), "stop_sequence": None},
                "usage": {
                    "input_tokens": usage.input_tokens,
                    "cache_creation_input_tokens": usage.cache_write_tokens,
                    "cache_read_input_tokens": usage.cache_read_tokens,
                    "output_tokens": usage.output_tokens,
                },
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    body = "".join(f"event: {name}\ndata: {_dumps(data)}\n\n" for name, data in events)
    headers = [
        ("date", stamp.date),
        ("content-type", "text/event-stream; charset=utf-8"),
        ("transfer-encoding", "chunked"),
        ("connection", "keep-alive"),
        ("cache-control", "no-cache"),
        *_ratelimits(stamp),
        *_trailer(stamp),
    ]
    return Wire.of(200, headers, body.encode(), gzipped=False)


def _block_events(block: Text | Thought | Call, stamp: Stamp, index: int) -> list[tuple[str, dict[str, Any]]]:
    def delta(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": payload})

    if isinstance(block, Thought):
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [delta({"type": "thinking_delta", "thinking": p}) for p in pieces(block.text, 40)]
        deltas.append(delta({"type": "signature_delta", "signature": stamp.signature(f"thinking-{index}")}))
    elif isinstance(block, Call):
        start = {
            "type": "tool_use",
            "id": _tool_id(stamp, index),
            "name": block.name,
            "input": {},
            "caller": {"type": "direct"},
        }
        deltas = [delta({"type": "input_json_delta", "partial_json": ""})]
        deltas += [delta({"type": "input_json_delta", "partial_json": p}) for p in pieces(block.json, 10)]
    else:
        start = {"type": "text", "text": ""}
        deltas = [delta({"type": "text_delta", "text": p}) for p in pieces(block.text, 24)]
    return [
        ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}),
        *deltas,
        ("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


def error(failure: Failure, stamp: Stamp) -> Wire:
    body = {
        "type": "error",
        "error": {"type": _ERROR_TYPES[failure.kind], "message": failure.message},
        "request_id": _request_id(stamp),
    }
    raw = _dumps(body).encode()
    headers = [("date", stamp.date), ("content-type", "application/json"), ("content-length", str(len(raw)))]
    headers.append(("connection", "keep-alive"))
    if failure.kind == "rate_limit":
        headers += _ratelimits(stamp, exhausted=True)
    if failure.retry_after is not None:
        headers.append(("retry-after", str(failure.retry_after)))
    headers += [
        ("x-should-retry", "true" if failure.status in (429, 500, 529) else "false"),
        ("request-id", _request_id(stamp)),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("cf-cache-status", "DYNAMIC"),
        ("x-robots-tag", "none"),
        ("server", "cloudflare"),
        ("cf-ray", f"{stamp.hex('ray', 16)}-SJC"),
    ]
    return Wire(failure.status, headers, raw)
