"""A provider's whole recorded reply as the stream the same provider sends for it.

For the answers the recordings hold only whole (an OpenAI truncation, a Responses parallel call),
the stream is written here event by event in each provider's own grammar, copying the shapes of
its real recorded streams; ``test_synthetic_streams_follow_their_grammar`` holds them to the same
grammar checks as the gateway's output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from translation.dialects import ANTHROPIC, CHAT, GEMINI, RESPONSES

from gateway.sse import encode_event


def stream_of(protocol: str, body: dict[str, Any]) -> bytes:
    """The SSE bytes of ``body`` streamed by its provider."""
    return b"".join(STREAMERS[protocol](body))


def _data(payload: Any, event: str | None = None) -> bytes:
    return encode_event(json.dumps(payload, separators=(",", ":")), event)


def _chat(body: dict[str, Any]) -> Iterator[bytes]:
    head = {
        "id": body["id"],
        "object": "chat.completion.chunk",
        "created": body["created"],
        "model": body["model"],
    }
    choice = body["choices"][0]
    message = choice["message"]

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _data(
            {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        )

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for word in _pieces(message.get("content") or ""):
        yield chunk({"content": word})
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call["function"]
        yield chunk(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": function["name"], "arguments": ""},
                    }
                ]
            }
        )
        for piece in _pieces(function["arguments"]):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, choice["finish_reason"])
    yield _data({**head, "choices": [], "usage": body["usage"]})
    yield encode_event("[DONE]")


def _responses(body: dict[str, Any]) -> Iterator[bytes]:
    sequence = iter(range(10_000))

    def event(kind: str, **fields: Any) -> bytes:
        return _data({"type": kind, **fields, "sequence_number": next(sequence)}, kind)

    start = {**body, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}
    yield event("response.created", response=start)
    yield event("response.in_progress", response=start)
    for index, item in enumerate(body["output"]):
        where = {"item_id": item["id"], "output_index": index}
        if item["type"] == "function_call":
            yield event(
                "response.output_item.added",
                output_index=index,
                item={**item, "arguments": "", "status": "in_progress"},
            )
            for piece in _pieces(item["arguments"]):
                yield event("response.function_call_arguments.delta", **where, delta=piece)
            yield event("response.function_call_arguments.done", **where, arguments=item["arguments"])
        elif item["type"] == "message":
            yield event(
                "response.output_item.added",
                output_index=index,
                item={**item, "content": [], "status": "in_progress"},
            )
            for position, part in enumerate(item["content"]):
                place = {**where, "content_index": position}
                yield event("response.content_part.added", **place, part={**part, "text": ""})
                for piece in _pieces(part["text"]):
                    yield event("response.output_text.delta", **place, delta=piece, logprobs=[])
                yield event("response.output_text.done", **place, text=part["text"], logprobs=[])
                yield event("response.content_part.done", **place, part=part)
        else:
            yield event("response.output_item.added", output_index=index, item=item)
        yield event("response.output_item.done", output_index=index, item=item)
    terminal = "response.completed" if body["status"] == "completed" else "response.incomplete"
    yield event(terminal, response=body)


def _anthropic(body: dict[str, Any]) -> Iterator[bytes]:
    def event(kind: str, **fields: Any) -> bytes:
        return _data({"type": kind, **fields}, kind)

    usage = body["usage"]
    yield event(
        "message_start",
        message={
            **body,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage, "output_tokens": 1},
        },
    )
    for index, block in enumerate(body["content"]):
        if block["type"] == "text":
            yield event("content_block_start", index=index, content_block={"type": "text", "text": ""})
            for piece in _pieces(block["text"]):
                yield event("content_block_delta", index=index, delta={"type": "text_delta", "text": piece})
        elif block["type"] == "tool_use":
            yield event("content_block_start", index=index, content_block={**block, "input": {}})
            for piece in _pieces(json.dumps(block["input"])):
                yield event(
                    "content_block_delta",
                    index=index,
                    delta={"type": "input_json_delta", "partial_json": piece},
                )
        elif block["type"] == "thinking":
            yield event(
                "content_block_start",
                index=index,
                content_block={"type": "thinking", "thinking": "", "signature": ""},
            )
            for piece in _pieces(block["thinking"]):
                yield event(
                    "content_block_delta", index=index, delta={"type": "thinking_delta", "thinking": piece}
                )
            yield event(
                "content_block_delta",
                index=index,
                delta={"type": "signature_delta", "signature": block["signature"]},
            )
        yield event("content_block_stop", index=index)
    delta = {"stop_reason": body["stop_reason"], "stop_sequence": body.get("stop_sequence")}
    yield event("message_delta", delta=delta, usage={"output_tokens": usage["output_tokens"]})
    yield event("message_stop")


def _gemini(body: dict[str, Any]) -> Iterator[bytes]:
    candidate = body["candidates"][0]
    parts = candidate["content"]["parts"]
    tail = {key: body[key] for key in ("modelVersion", "responseId") if key in body}
    for position, part in enumerate(parts):
        chunk_candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "index": 0}
        chunk: dict[str, Any] = {"candidates": [chunk_candidate], **tail}
        if position == len(parts) - 1:
            chunk_candidate["finishReason"] = candidate["finishReason"]
            chunk["usageMetadata"] = body["usageMetadata"]
        yield b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n"


def _pieces(text: str, size: int = 12) -> list[str]:
    """Text cut as providers cut deltas: a few characters at a time."""
    return [text[i : i + size] for i in range(0, len(text), size)]


STREAMERS = {CHAT: _chat, RESPONSES: _responses, ANTHROPIC: _anthropic, GEMINI: _gemini}
