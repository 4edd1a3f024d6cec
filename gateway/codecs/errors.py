"""Errors on the wire: each protocol's error shape, in both directions.

Rendering turns a GatewayError into the body, status and headers that protocol's SDKs parse; parsing
turns an upstream's error reply into a GatewayError for the inbound protocol to render. The kind to
type/status tables are in ``gateway.tables``.
"""

from __future__ import annotations

import json
from typing import Any

from gateway import tables
from gateway.errors import ErrorKind, GatewayError
from gateway.sse import encode_event

_OPENAI_FAMILY = {tables.OPENAI_CHAT, tables.OPENAI_RESPONSES, tables.OPENAI_IMAGES, tables.OPENAI_MODELS}

# Upstream statuses that say nothing about the caller: the gateway's own credentials or quota
# failed, so the caller gets a gateway error, never a 401 that blames the key they sent.
_UPSTREAM_FAULTS = {ErrorKind.AUTHENTICATION, ErrorKind.PERMISSION, ErrorKind.BILLING}
# The same failures where a provider gives them another status: Gemini refuses a bad key with a
# 400 whose detail reason is API_KEY_INVALID, OpenAI an exhausted account with a 429
# ``insufficient_quota`` (not a rate limit: retrying cannot help, and it is not the caller's).
_UPSTREAM_FAULT_REASONS = {"API_KEY_INVALID", "insufficient_quota"}


def error_body(protocol: str, error: GatewayError, request_id: str | None = None) -> dict[str, Any]:
    """The JSON body of an error in the protocol's shape."""
    if protocol == tables.ANTHROPIC:
        body: dict[str, Any] = {
            "type": "error",
            "error": {"type": tables.ANTHROPIC_ERROR.encode(error.kind), "message": error.message},
        }
        if request_id:
            body["request_id"] = request_id
        return body
    status = error_status(protocol, error)
    if protocol == tables.GEMINI:
        return {
            "error": {
                "code": status,
                "message": error.message,
                "status": tables.GEMINI_ERROR.encode(error.kind),
            }
        }
    kind_type, kind_code = tables.OPENAI_ERROR.encode(error.kind)
    return {
        "error": {
            "message": error.message,
            "type": kind_type,
            "param": error.param,
            "code": error.code or kind_code,
        }
    }


def error_status(protocol: str, error: GatewayError) -> int:
    return error.status or tables.error_status(protocol, error.kind)


def stream_error_event(protocol: str, error: GatewayError, sequence_number: int | None = None) -> bytes:
    """The event that ends a stream in failure, as each protocol's SDK recognises one."""
    body = error_body(
        protocol if protocol in (tables.ANTHROPIC, tables.GEMINI) else tables.OPENAI_CHAT, error
    )
    if protocol == tables.ANTHROPIC:
        return encode_event(json.dumps(body), "error")
    if protocol == tables.OPENAI_RESPONSES:
        inner = body["error"]
        event = {
            "type": "error",
            "code": inner["code"] or inner["type"],
            "message": inner["message"],
            "param": inner["param"],
            "sequence_number": sequence_number or 0,
        }
        return encode_event(json.dumps(event), "error")
    return encode_event(json.dumps(body))


def parse_upstream_error(protocol: str, status: int, body: bytes, headers: Any = None) -> GatewayError:
    """An upstream's error reply, re-expressed for whatever protocol the client speaks."""
    kind = tables.error_kind_for_status(status)
    message = _upstream_message(body) or f"upstream returned HTTP {status}"
    keep: dict[str, str] = {}
    if headers is not None:
        for name in ("retry-after", "retry-after-ms"):
            value = headers.get(name)
            if value:
                keep[name] = value
    if kind in _UPSTREAM_FAULTS or _upstream_reasons(body) & _UPSTREAM_FAULT_REASONS:
        return GatewayError(
            ErrorKind.BAD_GATEWAY,
            f"the upstream provider rejected the gateway's credentials or account (HTTP {status})",
        )
    if status == 529 or kind is ErrorKind.OVERLOADED:
        return GatewayError(ErrorKind.OVERLOADED, message, headers=keep)
    if kind is ErrorKind.API_ERROR:  # the provider failed, not the gateway: a 500 here is a gateway bug
        return GatewayError(ErrorKind.BAD_GATEWAY, f"the upstream provider failed: {message}", headers=keep)
    return GatewayError(kind, message, headers=keep, code=_upstream_code(body))


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _upstream_message(body: bytes) -> str | None:
    parsed = _parsed(body)
    if isinstance(parsed, list) and parsed:
        parsed = parsed[0]
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(parsed.get("message"), str):
            return parsed["message"]
    text = body.decode("utf-8", errors="replace").strip()
    return text[:500] or None


def _upstream_reasons(body: bytes) -> set[str]:
    """The machine-readable reasons an error body gives: OpenAI's code and type, Google's
    ``details[].reason``."""
    parsed = _parsed(body)
    if isinstance(parsed, list) and parsed:
        parsed = parsed[0]
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return set()
    found = [error.get("code"), error.get("type")]
    found += [d.get("reason") for d in error.get("details") or [] if isinstance(d, dict)]
    return {reason for reason in found if isinstance(reason, str)}


def _upstream_code(body: bytes) -> str | None:
    parsed = _parsed(body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None
