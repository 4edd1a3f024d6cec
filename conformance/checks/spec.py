"""Answers held to the OpenAPI documents in ``specs/``: a declared status, a body valid against the
schema declared for it, every SSE event valid against its event schema.

These are the schema family's rules. Valid requests may still be refused (a spec cannot say which
combinations of valid fields a model accepts), but never with a 5xx, and a refusal must itself be
a declared, valid error. Invalid requests must be refused with a 4xx in the protocol's error shape.
"""

from __future__ import annotations

import json

from conformance.checks.errors import Headers, check_error_body, header_value
from conformance.checks.findings import Finding, Report, short
from gateway.specs import SpecSet
from gateway.sse import SSEDecoder

__all__ = ["check_invalid_refused", "check_spec_answer"]

MAX_EVENT_FINDINGS = 3


def check_spec_answer(
    specs: SpecSet, operation_id: str, protocol: str, status: int, headers: Headers, body: bytes
) -> list[Finding]:
    """A valid request's answer: no 5xx, a declared status, a body (or each event) valid for it."""
    report = Report(f"{protocol}.schema")
    if not _answered(report, status, body):
        return report.findings
    media = (header_value(headers, "content-type") or "").split(";")[0].strip().lower()
    if media == "text/event-stream" and status == 200:
        _check_events(report, specs, operation_id, body)
        return report.findings
    try:
        parsed = json.loads(body)
    except ValueError:
        report.error(
            "body_json",
            f"the {status} body ({media or 'no content-type'}) is not JSON: {short(body)}",
            "body",
        )
        return report.findings
    problems = specs.validate_response_body(operation_id, status, parsed)
    if problems and problems[0].startswith("status:"):
        report.error("status_declared", f"{operation_id} declares no {status} response", "status")
    elif problems:
        shown = "; ".join(problems[:3])
        report.error("body_valid", f"the {status} body breaks the spec: {shown}", "body", short(parsed, 300))
    return report.findings


def check_invalid_refused(protocol: str, status: int, headers: Headers, body: bytes) -> list[Finding]:
    """An invalid request's answer: a 4xx, in the protocol's error shape."""
    report = Report(f"{protocol}.schema")
    if not _answered(report, status, body):
        return report.findings
    if status < 400:
        report.error("invalid_refused", f"an invalid request was answered {status}, not refused", "status")
        return report.findings
    return report.findings + check_error_body(protocol, status, body, headers)


def _answered(report: Report, status: int, body: bytes) -> bool:
    if status == 0:
        report.error("answered", "the target gave no HTTP answer", "status")
        return False
    if status >= 500:
        report.error(
            "no_server_error",
            f"answered {status}: a server error is never a right answer: {short(body)}",
            "status",
        )
        return False
    return True


def _check_events(report: Report, specs: SpecSet, operation_id: str, body: bytes) -> None:
    decoder = SSEDecoder()
    events = decoder.feed(body) + decoder.close()
    if not events:
        report.error("stream_event_valid", "the stream carried no events", "body")
    broken = 0
    for number, event in enumerate(events):
        problems = specs.validate_stream_event(operation_id, event.event, event.data)
        if problems and broken < MAX_EVENT_FINDINGS:
            report.error(
                "stream_event_valid",
                f"{event.event or 'data'} event breaks the spec: {'; '.join(problems[:3])}",
                f"event {number}",
                event.data,
            )
        broken += bool(problems)
