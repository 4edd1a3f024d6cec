"""OpenAI as api.openai.com sends it: chat completions, Responses and images.

Whole replies are pretty-printed JSON, gzipped; streams are plain SSE (data-only for chat, named
events with sequence numbers for Responses); errors are pretty-printed with four spaces, except the
edge proxy's 503, which is a text page. Header sets follow the recordings: Cloudflare's, OpenAI's
``openai-*`` and ``x-ratelimit-*`` families, ``x-request-id``.
"""

from __future__ import annotations

import json
from typing import Any

from gateway import tables
from gateway.cassettes.authoring.answers import Answer, Call, Failure, Stamp, Thought, Wire, pieces

_ERRORS = {
    "invalid_request": "invalid_request_error",
    "authentication": "invalid_request_error",
    "not_found": "invalid_request_error",
    "rate_limit": "requests",
    "server": "server_error",
    "overloaded": "server_error",
    "image_rejected": "image_generation_user_error",
}


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _pretty(value: Any, indent: int = 2) -> bytes:
    return (json.dumps(value, indent=indent, ensure_ascii=False) + "\n").encode()


def _cloudflare(stamp: Stamp) -> list[tuple[str, str]]:
    return [
        (
            "set-cookie",
            f"__cf_bm={stamp.token('cf-bm', 43)}-{stamp.epoch}-1.0.1.1-{stamp.token('cf-bm2', 40)}; path=/",
        ),
        ("set-cookie", f"_cfuvid={stamp.token('cfuvid', 43)}-{stamp.epoch}000-0.0.1.1-604800000; path=/"),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("x-content-type-options", "nosniff"),
        ("server", "cloudflare"),
        ("cf-ray", f"{stamp.hex('ray', 16)}-SJC"),
        ("alt-svc", 'h3=":443"; ma=86400'),
    ]


def _openai(stamp: Stamp, api: str) -> list[tuple[str, str]]:
    """OpenAI's own headers; which of them an endpoint sends differs (as recorded)."""
    headers = [
        ("openai-organization", "user-" + stamp.token("organization", 24).lower()),
        ("openai-processing-ms", str(300 + int(stamp.hex("latency", 3), 16) % 1500)),
        ("openai-project", "proj_" + stamp.token("project", 24)),
        ("openai-version", "2020-10-01"),
    ]
    if api != "images":
        headers.append(("x-envoy-upstream-service-time", str(320 + int(stamp.hex("latency", 3), 16) % 1500)))
    if api == "chat":
        headers.insert(0, ("access-control-expose-headers", "X-Request-ID"))
    return headers


def _ratelimits(stamp: Stamp, *, exhausted: bool = False) -> list[tuple[str, str]]:
    return [
        ("x-ratelimit-limit-requests", "5000"),
        ("x-ratelimit-limit-tokens", "4000000"),
        ("x-ratelimit-remaining-requests", "0" if exhausted else "4999"),
        ("x-ratelimit-remaining-tokens", "3999880"),
        ("x-ratelimit-reset-requests", "11.522s" if exhausted else "12ms"),
        ("x-ratelimit-reset-tokens", "1ms"),
    ]


def _success(stamp: Stamp, content_type: str, api: str) -> list[tuple[str, str]]:
    return [
        ("date", stamp.date),
        ("content-type", content_type),
        ("transfer-encoding", "chunked"),
        ("connection", "keep-alive"),
        *_openai(stamp, api),
        *(_ratelimits(stamp) if api != "images" else []),
        ("x-request-id", "req_" + stamp.hex("request-id", 32)),
        ("cf-cache-status", "DYNAMIC"),
        *_cloudflare(stamp),
    ]


def _call_id(stamp: Stamp, index: int) -> str:
    return "call_" + stamp.token(f"call-{index}", 24)


# --- chat completions ------------------------------------------------------------------------------


def _chat_usage(answer: Answer) -> dict[str, Any]:
    usage = answer.usage
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _fingerprint(model: str, stamp: Stamp) -> str | None:
    return None if model.startswith("o") else "fp_" + stamp.hex("fingerprint", 10)


def _finish(answer: Answer) -> str:
    return tables.STOP_REASONS[tables.OPENAI_CHAT].encode(answer.stop)


def chat_completion(answer: Answer, model: str, stamp: Stamp) -> Wire:
    message: dict[str, Any] = {"role": "assistant", "content": answer.text or None}
    if answer.calls:
        message["tool_calls"] = [
            {"id": _call_id(stamp, n), "type": "function", "function": {"name": c.name, "arguments": c.json}}
            for n, c in enumerate(answer.calls)
        ]
    message |= {"refusal": None, "annotations": []}
    body = {
        "id": "chatcmpl-" + stamp.token("completion", 29),
        "object": "chat.completion",
        "created": stamp.epoch,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(answer)}],
        "usage": _chat_usage(answer),
        "service_tier": "default",
        "system_fingerprint": _fingerprint(model, stamp),
    }
    return Wire.of(200, _success(stamp, "application/json", "chat"), _pretty(body), gzipped=True)


def chat_stream(answer: Answer, model: str, stamp: Stamp) -> Wire:
    head = {
        "id": "chatcmpl-" + stamp.token("completion", 29),
        "object": "chat.completion.chunk",
        "created": stamp.epoch,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": _fingerprint(model, stamp),
    }
    chunks: list[dict[str, Any]] = []

    def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        number = len(chunks)
        chunks.append(
            {**head, "choices": [choice], "usage": None, "obfuscation": stamp.token(f"ob-{number}", 10)}
        )

    chunk({"role": "assistant", "content": None if answer.calls else "", "refusal": None})
    for piece in pieces(answer.text, 8) if answer.text else []:
        chunk({"content": piece})
    for index, call in enumerate(answer.calls):
        function = {"name": call.name, "arguments": ""}
        chunk(
            {
                "tool_calls": [
                    {"index": index, "id": _call_id(stamp, index), "type": "function", "function": function}
                ]
            }
        )
        for piece in pieces(call.json, 6):
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    chunk({}, _finish(answer))
    chunks.append(
        {**head, "choices": [], "usage": _chat_usage(answer), "obfuscation": stamp.token("ob-usage", 6)}
    )
    body = "".join(f"data: {_compact(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return Wire.of(
        200, _success(stamp, "text/event-stream; charset=utf-8", "chat"), body.encode(), gzipped=False
    )


# --- responses ---------------------------------------------------------------------------------------


def _items(answer: Answer, stamp: Stamp, status: str, *, encrypted: bool = False) -> list[dict[str, Any]]:
    """Output items; ``encrypted`` when the request included ``reasoning.encrypted_content``."""
    items: list[dict[str, Any]] = []
    for index, block in enumerate(answer.blocks):
        if isinstance(block, Thought):
            item = {"id": "rs_" + stamp.hex(f"item-{index}", 50), "type": "reasoning"}
            if encrypted:
                item["encrypted_content"] = "gAAAAA" + stamp.signature(f"reasoning-{index}", 320)
            items.append(item | {"summary": [{"type": "summary_text", "text": block.text}]})
        elif isinstance(block, Call):
            items.append(
                {
                    "id": "fc_" + stamp.hex(f"item-{index}", 50),
                    "type": "function_call",
                    "status": "completed",
                    "arguments": block.json,
                    "call_id": _call_id(stamp, index),
                    "name": block.name,
                }
            )
        else:
            part = {"type": "output_text", "annotations": [], "logprobs": [], "text": block.text}
            items.append(
                {
                    "id": "msg_" + stamp.hex(f"item-{index}", 50),
                    "type": "message",
                    "status": status,
                    "content": [part],
                    "role": "assistant",
                }
            )
    return items


def _response(
    answer: Answer, model: str, stamp: Stamp, request: dict[str, Any], *, done: bool, whole: bool = False
) -> dict[str, Any]:
    """The response object; ``whole`` for a non-streamed reply (which alone carries ``billing``)."""
    reason = tables.STOP_REASONS[tables.OPENAI_RESPONSES].encode(answer.stop)
    status = ("incomplete" if reason else "completed") if done else "in_progress"
    reasoning = request.get("reasoning") or {}
    encrypted = "reasoning.encrypted_content" in (request.get("include") or [])
    usage = answer.usage
    head = {
        "id": "resp_" + stamp.hex("response", 50),
        "object": "response",
        "created_at": stamp.epoch,
        "status": status,
        "background": False,
    }
    if whole:
        head["billing"] = {"payer": "developer"}
    return head | {
        "error": None,
        "incomplete_details": {"reason": reason} if done and reason else None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "max_tool_calls": None,
        "model": model,
        "output": _items(
            answer, stamp, "incomplete" if reason else "completed", encrypted=whole and encrypted
        )
        if done
        else [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": reasoning.get("effort", "medium"), "summary": reasoning.get("summary")},
        "safety_identifier": None,
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [_echo_tool(tool) for tool in request.get("tools") or []],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": usage.prompt_tokens,
            "input_tokens_details": {"cached_tokens": usage.cache_read_tokens},
            "output_tokens": usage.output_tokens,
            "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
            "total_tokens": usage.total_tokens,
        }
        if done
        else None,
        "user": None,
        "metadata": {},
    }


def _echo_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A function tool as Responses echoes it back: strict unless the request said otherwise."""
    return {
        "type": "function",
        "description": tool.get("description"),
        "name": tool["name"],
        "parameters": tool.get("parameters"),
        "strict": tool.get("strict", True),
    }


def response(answer: Answer, model: str, stamp: Stamp, request: dict[str, Any]) -> Wire:
    body = _response(answer, model, stamp, request, done=True, whole=True)
    return Wire.of(200, _success(stamp, "application/json", "responses"), _pretty(body), gzipped=True)


def response_stream(answer: Answer, model: str, stamp: Stamp, request: dict[str, Any]) -> Wire:
    events: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append({"type": kind, **fields, "sequence_number": len(events)})

    emit("response.created", response=_response(answer, model, stamp, request, done=False))
    emit("response.in_progress", response=_response(answer, model, stamp, request, done=False))
    for index, item in enumerate(_items(answer, stamp, "completed")):
        _item_events(emit, index, item, stamp)
    emit("response.completed", response=_response(answer, model, stamp, request, done=True))
    body = "".join(f"event: {e['type']}\ndata: {_compact(e)}\n\n" for e in events)
    headers = _success(stamp, "text/event-stream; charset=utf-8", "responses")
    headers = [h for h in headers if not h[0].startswith("x-ratelimit")]
    return Wire.of(200, headers, body.encode(), gzipped=False)


def _item_events(emit: Any, index: int, item: dict[str, Any], stamp: Stamp) -> None:
    item_id = item["id"]
    where = {"item_id": item_id, "output_index": index}
    if item["type"] == "reasoning":
        emit("response.output_item.added", item={**item, "summary": []}, output_index=index)
        text = item["summary"][0]["text"]
        emit(
            "response.reasoning_summary_part.added",
            **where,
            part={"type": "summary_text", "text": ""},
            summary_index=0,
        )
        for n, piece in enumerate(pieces(text, 20)):
            emit(
                "response.reasoning_summary_text.delta",
                delta=piece,
                **where,
                obfuscation=stamp.token(f"rso-{n}", 8),
                summary_index=0,
            )
        emit("response.reasoning_summary_text.done", **where, summary_index=0, text=text)
        emit(
            "response.reasoning_summary_part.done",
            **where,
            part={"type": "summary_text", "text": text},
            summary_index=0,
        )
    elif item["type"] == "function_call":
        emit(
            "response.output_item.added",
            item={**item, "status": "in_progress", "arguments": ""},
            output_index=index,
        )
        for n, piece in enumerate(pieces(item["arguments"], 6)):
            emit(
                "response.function_call_arguments.delta",
                delta=piece,
                **where,
                obfuscation=stamp.token(f"fco-{n}", 12),
            )
        emit("response.function_call_arguments.done", arguments=item["arguments"], **where)
    else:
        added = {**item, "status": "in_progress", "content": []}
        emit("response.output_item.added", item=added, output_index=index)
        part = item["content"][0]
        empty = {**part, "text": ""}
        emit("response.content_part.added", content_index=0, **where, part=empty)
        for n, piece in enumerate(pieces(part["text"], 10)):
            emit(
                "response.output_text.delta",
                content_index=0,
                delta=piece,
                **where,
                logprobs=[],
                obfuscation=stamp.token(f"to-{n}", 9),
            )
        emit("response.output_text.done", content_index=0, **where, logprobs=[], text=part["text"])
        emit("response.content_part.done", content_index=0, **where, part=part)
    emit("response.output_item.done", item=item, output_index=index)


# --- images ------------------------------------------------------------------------------------------


def image(b64_png: str, request: dict[str, Any], stamp: Stamp, text_tokens: int) -> Wire:
    body = {
        "created": stamp.epoch,
        "background": "opaque",
        "data": [{"b64_json": b64_png}],
        "output_format": "png",
        "quality": request.get("quality", "low"),
        "size": request.get("size", "1024x1024"),
        "usage": {
            "input_tokens": text_tokens,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": text_tokens},
            "output_tokens": 272,
            "total_tokens": text_tokens + 272,
        },
    }
    return Wire.of(200, _success(stamp, "application/json", "images"), _pretty(body), gzipped=True)


# --- errors ------------------------------------------------------------------------------------------


def error(failure: Failure, stamp: Stamp, api: str) -> Wire:
    """``api``: ``chat``, ``responses`` or ``images`` (their error replies differ in headers)."""
    if failure.kind == "unavailable":
        return _edge_page(failure, stamp)
    body = {
        "error": {
            "message": failure.message,
            "type": _ERRORS[failure.kind],
            "param": failure.param,
            "code": failure.code,
        }
    }
    raw = _pretty(body, indent=4)
    content_type = "application/json; charset=utf-8" if api == "chat" else "application/json"
    headers = [("date", stamp.date), ("content-type", content_type), ("content-length", str(len(raw)))]
    headers.append(("connection", "keep-alive"))
    if api == "chat":
        headers.append(("vary", "Origin"))
    else:
        headers += _openai(stamp, api)
    if failure.kind == "rate_limit":
        headers += _ratelimits(stamp, exhausted=True)
    if failure.retry_after is not None:
        headers += [
            ("retry-after", str(failure.retry_after)),
            ("retry-after-ms", str(failure.retry_after * 1000)),
        ]
    headers += [("x-request-id", "req_" + stamp.hex("request-id", 32)), ("cf-cache-status", "DYNAMIC")]
    headers += _cloudflare(stamp)
    return Wire(failure.status, headers, raw)


def _edge_page(failure: Failure, stamp: Stamp) -> Wire:
    """A 503 from the edge proxy in front of the API: a short text page, no JSON, no request id."""
    raw = failure.message.encode()
    headers = [
        ("date", stamp.date),
        ("content-type", "text/plain"),
        ("content-length", str(len(raw))),
        ("connection", "keep-alive"),
        ("cf-cache-status", "DYNAMIC"),
        *(h for h in _cloudflare(stamp) if h[0] != "set-cookie"),
    ]
    return Wire(failure.status, headers, raw)
