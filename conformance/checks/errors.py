"""Error responses in each protocol's shape, and streams that end in failure.

Clients branch on error shapes: the OpenAI SDK reads ``error.type``/``code``/``param``, the
Anthropic SDK maps ``error.type`` to an exception class, Google clients read ``error.status``.
An error in the wrong shape, or one whose type contradicts its HTTP status, sends a client down
the wrong branch (a retry on a bad request, no retry on an overload).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from conformance.checks.events import decode
from conformance.checks.findings import Finding, Report, short
from conformance.checks.streams import machine_for
from conformance.checks.values import as_key, dig
from gateway.sse import SSEEvent
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSES

__all__ = [
    "ANTHROPIC_ERROR_STATUS",
    "GOOGLE_RPC_STATUS",
    "check_error_body",
    "check_stream_error",
    "header_value",
]

# Anthropic's documented error types and the status each comes with.
ANTHROPIC_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}

# google.rpc.Code names and their HTTP mapping (google/rpc/code.proto).
GOOGLE_RPC_STATUS = {
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}

# Statuses that edge proxies answer themselves, often in plain text, before the API is reached.
EDGE_STATUSES = (502, 503, 504)
Headers = Mapping[str, str | Sequence[str]]


def check_error_body(
    protocol: str, status: int, body: bytes | str | Mapping[str, Any] | None, headers: Headers | None = None
) -> list[Finding]:
    """An HTTP error response: its content type, its JSON shape, its type/status agreement, Retry-After.

    ``headers`` None means unknown (recordings that kept none); header rules are then skipped.
    """
    if protocol not in SHAPES:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {sorted(SHAPES)}")
    report = Report(f"{protocol}.error")
    if headers is not None:
        _check_content_type(report, status, header_value(headers, "content-type"))
        if status == 429 and header_value(headers, "retry-after") is None:
            report.warn(
                "retry_after", "a 429 without a Retry-After header leaves clients to guess when to retry"
            )
    payload = _payload(report, status, body)
    if payload is not None:
        SHAPES[protocol](report, payload, status)
    return report.findings


def check_stream_error(protocol: str, events: Sequence[SSEEvent]) -> list[Finding]:
    """A stream that failed: its error event is present, well formed and last, and no success came.

    A success terminator ([DONE], message_stop, response.completed, a finishReason) beside an
    error tells a client both that the answer is complete and that it failed.
    """
    machine = machine_for(protocol)
    report = Report(f"{protocol}.stream_error")
    decoded = decode(events, Report("ignored"), machine.done_allowed)
    for event in decoded:
        if machine.is_success_terminator(event):
            report.error(
                "no_success_terminator",
                f"{event.label} in a stream that failed: it tells the client the answer completed",
                event.at(),
                event.data,
            )
    failures = [event for event in decoded if machine.is_error_event(event)]
    if not failures:
        report.error(
            "error_present", f"the stream failed but carries no {protocol} error event", "end of stream"
        )
        return report.findings
    first = failures[0]
    after = [
        e
        for e in decoded[first.number + 1 :]
        if not machine.is_success_terminator(e) and not machine.may_follow_error(e)
    ]
    if after:
        report.error(
            "error_last",
            f"{len(after)} event(s) followed the error at event {first.number}; the first was {after[0].label}",
            after[0].at(),
            after[0].data,
        )
    shape = Report(f"{protocol}.error")
    STREAM_SHAPES[protocol](shape, first.payload, None)
    return report.findings + shape.findings


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (lower case), whatever the case of the keys."""
    for key, value in headers.items():
        if key.lower() == name:
            if isinstance(value, str):
                return value
            return value[0] if value else None
    return None


def _check_content_type(report: Report, status: int, content_type: str | None) -> None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return
    message = f"content-type is {content_type!r}, expected application/json"
    if media == "text/event-stream" or status in EDGE_STATUSES:
        # Gemini refuses a stream request with its JSON error under text/event-stream; edge
        # proxies answer 502-504 in plain text. Real providers do both, so they only warn.
        report.warn("content_type_json", message)
    else:
        report.error("content_type_json", message)


def _payload(
    report: Report, status: int, body: bytes | str | Mapping[str, Any] | None
) -> dict[str, Any] | None:
    if isinstance(body, Mapping):
        return dict(body)
    try:
        payload = json.loads(body or b"")
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        return payload
    message = f"the error body is not a JSON object: {short(body)}"
    if status in EDGE_STATUSES:
        report.warn("json_body", message)
    else:
        report.error("json_body", message)
    return None


def _error_object(report: Report, payload: dict[str, Any], expected: str) -> dict[str, Any] | None:
    error = payload.get("error")
    if not isinstance(error, dict):
        report.error("envelope", f"expected {expected}; got {short(payload, 160)}", "$")
        return None
    if not isinstance(error.get("message"), str):
        report.error(
            "message_string",
            f"error.message is {short(error.get('message'))}, expected a string",
            "$.error.message",
        )
    return error


def _check_openai(report: Report, payload: dict[str, Any], status: int | None) -> None:
    error = _error_object(report, payload, '{"error": {"message", "type", "param", "code"}}')
    if error is None:
        return
    if not isinstance(error.get("type"), str):
        report.error(
            "type_string", f"error.type is {short(error.get('type'))}, expected a string", "$.error.type"
        )
    for key in ("param", "code"):
        if key not in error:
            report.error(
                "param_code_present",
                f"error.{key} is missing; send JSON null when there is none",
                f"$.error.{key}",
            )
        elif error[key] in ("None", "null"):
            report.error(
                "param_code_null_or_string",
                f"error.{key} is the string {error[key]!r}; an absent value is JSON null",
                f"$.error.{key}",
            )
        elif error[key] is not None and not isinstance(error[key], str):
            report.error(
                "param_code_null_or_string",
                f"error.{key} is {short(error[key])}, expected a string or null",
                f"$.error.{key}",
            )


def _check_anthropic(report: Report, payload: dict[str, Any], status: int | None) -> None:
    if payload.get("type") != "error":
        report.error("envelope", f"type is {short(payload.get('type'))}, expected 'error'", "$.type")
    error = _error_object(report, payload, '{"type": "error", "error": {"type", "message"}}')
    if error is None:
        return
    kind = as_key(error.get("type"))
    if kind not in ANTHROPIC_ERROR_STATUS:
        report.error(
            "type_documented",
            f"error.type {kind!r} is not one of Anthropic's {sorted(ANTHROPIC_ERROR_STATUS)}",
            "$.error.type",
        )
    elif status is not None:
        _check_agreement(
            report, "type_matches_status", f"error.type {kind!r}", ANTHROPIC_ERROR_STATUS, kind, status
        )


def _check_gemini(report: Report, payload: dict[str, Any], status: int | None) -> None:
    error = _error_object(report, payload, '{"error": {"code", "message", "status"}}')
    if error is None:
        return
    code, name = error.get("code"), as_key(error.get("status"))
    if status is not None and code != status:
        report.error(
            "code_equals_status",
            f"error.code is {short(code)}, but the HTTP status is {status}",
            "$.error.code",
        )
    if name not in GOOGLE_RPC_STATUS:
        report.error(
            "status_documented", f"error.status {name!r} is not a google.rpc code name", "$.error.status"
        )
    elif isinstance(code, int):
        _check_agreement(
            report, "status_matches_code", f"error.status {name!r}", GOOGLE_RPC_STATUS, name, code
        )


def _check_agreement(
    report: Report, rule: str, what: str, table: Mapping[str, int], name: str, status: int
) -> None:
    """A type name must fit its status: its own status, or an undocumented one of the same class.

    A status the protocol documents for another name (404 with api_error) is an error; an
    undocumented status (405, 502) is accepted with any name of its class (4xx or 5xx), and
    only warned about across classes.
    """
    expected = table[name]
    if expected == status:
        return
    owners = sorted(other for other, code in table.items() if code == status)
    if owners:
        report.error(
            rule, f"{what} goes with status {expected}; status {status} is {' or '.join(owners)}", "$.error"
        )
    elif expected // 100 != status // 100:
        report.warn(rule, f"{what} goes with status {expected}, not {status}", "$.error")


def _check_responses_stream_error(report: Report, payload: dict[str, Any], status: int | None) -> None:
    """Responses streams fail with ``error`` (message at the top) or ``response.failed`` (response.error)."""
    error = payload if payload.get("type") == "error" else dig(payload, "response", "error")
    if not isinstance(dig(error, "message"), str):
        report.error("message_string", f"the error has no message string: {short(payload, 160)}", "$")


Shape = Callable[[Report, dict[str, Any], int | None], None]
SHAPES: dict[str, Shape] = {
    OPENAI_CHAT: _check_openai,
    OPENAI_RESPONSES: _check_openai,
    ANTHROPIC: _check_anthropic,
    GEMINI: _check_gemini,
}
STREAM_SHAPES: dict[str, Shape] = {**SHAPES, OPENAI_RESPONSES: _check_responses_stream_error}
