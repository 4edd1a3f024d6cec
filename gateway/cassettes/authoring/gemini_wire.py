"""Gemini as generativelanguage.googleapis.com sends it: pretty-printed JSON (gzip when whole),
``alt=sse`` chunks as data-only events (a space after each colon, none after commas, CRLF framing), and the
Google front end's headers (``scaffolding on HTTPServer2``, ``server-timing``, three ``vary`` values)."""

from __future__ import annotations

import json
from typing import Any

from gateway import tables
from gateway.cassettes.authoring.answers import Answer, Call, Failure, Stamp, Thought, Wire, pieces

_STATUS = {
    "invalid_request": "INVALID_ARGUMENT",
    "not_found": "NOT_FOUND",
    "rate_limit": "RESOURCE_EXHAUSTED",
    "server": "INTERNAL",
    "unavailable": "UNAVAILABLE",
}


def _chunk_json(value: Any) -> str:
    """Google's stream spacing: a space after each colon, none after commas."""
    return json.dumps(value, separators=(",", ": "), ensure_ascii=False)


def _pretty(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def _headers(stamp: Stamp, content_type: str) -> list[tuple[str, str]]:
    return [
        ("content-type", content_type),
        ("vary", "Origin"),
        ("vary", "X-Origin"),
        ("vary", "Referer"),
        ("date", stamp.date),
        ("server", "scaffolding on HTTPServer2"),
        ("x-xss-protection", "0"),
        ("x-frame-options", "SAMEORIGIN"),
        ("x-content-type-options", "nosniff"),
        ("server-timing", f"gfet4t7; dur={600 + int(stamp.hex('latency', 3), 16) % 2000}"),
        ("alt-svc", 'h3=":443"; ma=2592000,h3-29=":443"; ma=2592000'),
        ("transfer-encoding", "chunked"),
    ]


def _part(block: Any, stamp: Stamp, index: int, signed: bool) -> dict[str, Any]:
    if isinstance(block, Thought):
        return {"text": block.text, "thought": True}
    if isinstance(block, Call):
        part: dict[str, Any] = {"functionCall": {"name": block.name, "args": block.arguments}}
        if signed:
            part["thoughtSignature"] = stamp.signature(f"signature-{index}", 160)
        return part
    return {"text": block.text}


def _parts(answer: Answer, stamp: Stamp) -> list[dict[str, Any]]:
    first_call = next((n for n, b in enumerate(answer.blocks) if isinstance(b, Call)), None)
    thinks = answer.usage.reasoning_tokens > 0
    return [_part(b, stamp, n, thinks and n == first_call) for n, b in enumerate(answer.blocks)]


def _finish(answer: Answer) -> str:
    return tables.STOP_REASONS[tables.GEMINI].encode(answer.stop)


def _usage(answer: Answer, image_tokens: int, *, final: bool = True) -> dict[str, Any]:
    usage = answer.usage
    details = [{"modality": "TEXT", "tokenCount": usage.input_tokens - image_tokens}]
    if image_tokens:
        details.append({"modality": "IMAGE", "tokenCount": image_tokens})
    out: dict[str, Any] = {"promptTokenCount": usage.prompt_tokens}
    if final:
        out["candidatesTokenCount"] = usage.output_tokens - usage.reasoning_tokens
    out["totalTokenCount"] = usage.total_tokens if final else usage.prompt_tokens + usage.reasoning_tokens
    out["promptTokensDetails"] = details
    if usage.reasoning_tokens:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    return out


def _candidate(parts: list[dict[str, Any]], answer: Answer | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
    if answer is not None:
        candidate["finishReason"] = _finish(answer)
    candidate["index"] = 0
    if answer is not None and answer.calls:
        candidate["finishMessage"] = "Model generated function call(s)."
    return candidate


def generate(answer: Answer, model: str, stamp: Stamp, image_tokens: int = 0) -> Wire:
    body = {
        "candidates": [_candidate(_parts(answer, stamp), answer)],
        "usageMetadata": _usage(answer, image_tokens),
        "modelVersion": model,
        "responseId": stamp.token("response", 23),
    }
    return Wire.of(200, _headers(stamp, "application/json; charset=UTF-8"), _pretty(body), gzipped=True)


def stream(answer: Answer, model: str, stamp: Stamp, image_tokens: int = 0) -> Wire:
    """Thoughts and text arrive a few words per chunk, calls whole; the last chunk finishes."""
    runs: list[dict[str, Any]] = []
    for part in _parts(answer, stamp):
        if "text" in part:
            runs += [{**part, "text": piece} for piece in pieces(part["text"], 32)]
        else:
            runs.append(part)
    chunks = []
    for number, part in enumerate(runs):
        last = number == len(runs) - 1
        thinking = part.get("thought") is True
        chunks.append(
            {
                "candidates": [_candidate([part], answer if last else None)],
                "usageMetadata": _usage(answer, image_tokens, final=last or not thinking),
                "modelVersion": model,
                "responseId": stamp.token("response", 23),
            }
        )
    body = "".join(f"data: {_chunk_json(chunk)}\r\n\r\n" for chunk in chunks)
    headers = [h for h in _headers(stamp, "text/event-stream") if h[0] != "transfer-encoding"]
    headers += [("content-disposition", "attachment"), ("transfer-encoding", "chunked")]
    return Wire.of(200, headers, body.encode(), gzipped=False)


def error(failure: Failure, stamp: Stamp) -> Wire:
    body = {"error": {"code": failure.status, "message": failure.message, "status": _STATUS[failure.kind]}}
    return Wire.of(
        failure.status, _headers(stamp, "application/json; charset=UTF-8"), _pretty(body), gzipped=True
    )
