"""A provider's recorded stream as the whole (non-streamed) body the same provider would have sent.

The comparison "a stream folds to the non-streamed answer" needs both forms of one answer, and the
recordings hold one form each. Each fold here accumulates the provider's own events the way its
SDK does (text and argument deltas joined, usage taken from where the protocol puts the final
count), independently of the gateway's decoders.
"""

from __future__ import annotations

import json
from typing import Any

from translation.dialects import ANTHROPIC, CHAT, GEMINI, RESPONSES

from gateway.sse import SSEDecoder, SSEEvent


def sse_events(raw: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return decoder.feed(raw) + decoder.close()


def stream_payloads(protocol: str, raw: bytes) -> list[dict[str, Any]]:
    """The JSON payloads of a stream (SSE, or Gemini's JSON array), ``[DONE]`` left out."""
    if protocol == GEMINI and raw.lstrip()[:1] == b"[":
        return json.loads(raw)
    return [json.loads(e.data) for e in sse_events(raw) if e.data.strip() != "[DONE]"]


def whole_body(protocol: str, raw: bytes) -> dict[str, Any]:
    """The whole response a stream amounts to, in the same protocol."""
    return FOLDS[protocol](stream_payloads(protocol, raw))


def _chat(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish, usage = None, None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text.append(delta.get("content") or "")
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault(
                    call["index"], {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                )
                entry["id"] = entry["id"] or call.get("id")
                function = call.get("function") or {}
                entry["function"]["name"] += function.get("name") or ""
                entry["function"]["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None, "refusal": None}
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    first = chunks[0]
    return {
        "id": first["id"],
        "object": "chat.completion",
        "created": first["created"],
        "model": first["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
    }


def _responses(events: list[dict[str, Any]]) -> dict[str, Any]:
    terminal = next(e for e in events if e["type"] in ("response.completed", "response.incomplete"))
    return terminal["response"]


def _anthropic(events: list[dict[str, Any]]) -> dict[str, Any]:
    message: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    partial: dict[int, str] = {}
    for event in events:
        kind = event["type"]
        if kind == "message_start":
            message = dict(event["message"])
        elif kind == "content_block_start":
            blocks[event["index"]] = dict(event["content_block"])
        elif kind == "content_block_delta":
            block, delta = blocks[event["index"]], event["delta"]
            if delta["type"] == "input_json_delta":
                partial[event["index"]] = partial.get(event["index"], "") + delta["partial_json"]
            else:
                field = {
                    "text_delta": "text",
                    "thinking_delta": "thinking",
                    "signature_delta": "signature",
                }.get(delta["type"])
                if field:
                    block[field] = block.get(field, "") + delta[field]
        elif kind == "message_delta":
            message.update(event["delta"])
            message["usage"] = {**message.get("usage", {}), **event["usage"]}
    for index, text in partial.items():
        blocks[index]["input"] = json.loads(text or "{}")
    message["content"] = [blocks[i] for i in sorted(blocks)]
    return message


def _gemini(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    finish, usage = None, None
    for chunk in chunks:
        usage = chunk.get("usageMetadata") or usage
        for candidate in (chunk.get("candidates") or [])[:1]:
            for part in (candidate.get("content") or {}).get("parts") or []:
                mergeable = (
                    parts and "text" in part and "text" in parts[-1] and "thoughtSignature" not in parts[-1]
                )
                if mergeable and bool(part.get("thought")) == bool(parts[-1].get("thought")):
                    parts[-1] = {**parts[-1], **part, "text": parts[-1]["text"] + part["text"]}
                else:
                    parts.append(dict(part))
            finish = candidate.get("finishReason") or finish
    last = chunks[-1]
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    body: dict[str, Any] = {"candidates": [candidate], "usageMetadata": usage}
    for key in ("modelVersion", "responseId"):
        if key in last:
            body[key] = last[key]
    return body


FOLDS = {CHAT: _chat, RESPONSES: _responses, ANTHROPIC: _anthropic, GEMINI: _gemini}
