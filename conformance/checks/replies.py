"""Whole replies: a valid request gets a success in the right media type; a client mistake gets a
refusal with the status the real provider uses, in the protocol's error shape.

The statuses are the providers' own, as their APIs answer (see the real recordings): a wrong key
is 401 everywhere but Gemini, which answers 400 ``API_KEY_INVALID`` (403 when no key is sent); an
unknown model is 404 (OpenAI's images endpoint says 400 ``invalid_value``); malformed JSON is 400. Where HTTP allows two honest answers (405 or 404 for a
method a path does not serve; 400 or 413 for a body over a limit, outside Anthropic, which
documents 413) both are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.checks.errors import Headers, check_error_body, header_value
from conformance.checks.findings import Finding, Report, short
from gateway.tables import ANTHROPIC, GEMINI

__all__ = ["REFUSALS", "check_refusal", "check_success"]

ANY = "*"
# situation -> protocol (or ANY) -> the statuses a conforming target may answer with.
REFUSALS: dict[str, dict[str, tuple[int, ...]]] = {
    "missing_key": {ANY: (401,), GEMINI: (400, 401, 403)},
    "wrong_key": {ANY: (401,), GEMINI: (400, 401, 403)},
    "unknown_model": {ANY: (404,)},
    "unknown_image_model": {ANY: (400, 404)},
    "malformed_json": {ANY: (400,)},
    "oversized_body": {ANY: (400, 413), ANTHROPIC: (413,)},
    "wrong_method": {ANY: (404, 405)},
}


def check_success(
    protocol: str, status: int, headers: Headers, body: bytes, stream: bool = False
) -> list[Finding]:
    """A valid request answered: 200, as JSON (or as an SSE stream when one was asked for)."""
    report = Report(f"{protocol}.reply")
    if status == 0:
        report.error(
            "status_ok", "a valid request got no HTTP answer (the connection failed or was cut)", "status"
        )
        return report.findings
    if status != 200:
        report.error("status_ok", f"a valid request got {status}: {short(body, 200)}", "status")
        return report.findings
    media = (header_value(headers, "content-type") or "").split(";")[0].strip().lower()
    expected = "text/event-stream" if stream else "application/json"
    if media != expected:
        report.error("content_type", f"content-type is {media!r}, expected {expected!r}", "headers")
    return report.findings


def check_refusal(
    protocol: str,
    situation: str,
    status: int,
    body: bytes | str | Mapping[str, Any] | None,
    headers: Headers | None,
) -> list[Finding]:
    """A client mistake (a key of ``REFUSALS``) refused with an accepted status, in the error shape."""
    allowed = REFUSALS[situation].get(protocol) or REFUSALS[situation][ANY]
    report = Report(f"{protocol}.refusal")
    if status not in allowed:
        shown = " or ".join(map(str, allowed))
        report.error(f"{situation}_status", f"answered {status or 'nothing'}, expected {shown}", "status")
        if status < 400:
            return report.findings
    return report.findings + check_error_body(protocol, status, body, headers)
