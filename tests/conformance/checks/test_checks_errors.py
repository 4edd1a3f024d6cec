"""Each error-shape rule fires on a real error response broken in exactly that way.

Bases are real errors: OpenAI 401 invalid_api_key, Anthropic 404 not_found_error, Gemini 404
NOT_FOUND, and the real 429s (with Retry-After for OpenAI and Anthropic).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import check_error_body, errors_only

from .support import assert_fires, describe, load_body

OPENAI = "openai/chat-err401__mirascope"
ANTHROPIC = "anthropic/err404-model__mirascope"
GEMINI = "gemini/err404-model__mirascope"
Mutation = Callable[[dict[str, Any]], Any]


def _openai_error(body: dict[str, Any]) -> dict[str, Any]:
    return body["error"]


OPENAI_CASES: list[tuple[str, Mutation]] = [
    ("envelope", lambda body: body.update(error="Incorrect API key")),
    ("message_string", lambda body: _openai_error(body).pop("message")),
    ("type_string", lambda body: _openai_error(body).update(type=None)),
    ("param_code_present", lambda body: _openai_error(body).pop("param")),
    ("param_code_null_or_string", lambda body: _openai_error(body).update(param="None")),
    ("param_code_null_or_string", lambda body: _openai_error(body).update(code=401)),
]
ANTHROPIC_CASES: list[tuple[str, Mutation]] = [
    ("envelope", lambda body: body.update(type="message")),
    ("envelope", lambda body: body.update(error="not found")),
    ("message_string", lambda body: body["error"].update(message=["model"])),
    ("type_documented", lambda body: body["error"].update(type="model_not_found")),
    ("type_matches_status", lambda body: body["error"].update(type="invalid_request_error")),
]
GEMINI_CASES: list[tuple[str, Mutation]] = [
    ("envelope", lambda body: body.pop("error")),
    ("code_equals_status", lambda body: body["error"].update(code=400)),
    ("status_documented", lambda body: body["error"].update(status="MODEL_NOT_FOUND")),
    ("status_matches_code", lambda body: body["error"].update(status="INTERNAL")),
]
CASES = (
    [("openai_chat", OPENAI, *case) for case in OPENAI_CASES]
    + [("anthropic", ANTHROPIC, *case) for case in ANTHROPIC_CASES]
    + [("gemini", GEMINI, *case) for case in GEMINI_CASES]
)


@pytest.mark.parametrize(
    ("protocol", "base", "rule", "mutation"), CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_fires_on_broken_error_body(protocol: str, base: str, rule: str, mutation: Mutation) -> None:
    status, body, headers = load_body(base)
    mutation(body)
    assert_fires(check_error_body(protocol, status, body, headers), f"{protocol}.error.{rule}")


@pytest.mark.parametrize("protocol", ["openai_chat", "openai_responses", "anthropic", "gemini"])
def test_html_error_page_is_neither_json_nor_json_typed(protocol: str) -> None:
    findings = check_error_body(protocol, 400, b"<html>Bad Request</html>", {"Content-Type": "text/html"})
    assert_fires(findings, f"{protocol}.error.json_body")
    assert_fires(findings, f"{protocol}.error.content_type_json")


def test_edge_proxy_plain_text_only_warns() -> None:
    """A real OpenAI 503 came from its edge proxy in text/plain; SDKs cope, so it is a warning."""
    body = b"upstream connect error or disconnect/reset before headers. reset reason: connection termination"
    findings = check_error_body("openai_chat", 503, body, {"content-type": "text/plain"})
    assert_fires(findings, "openai_chat.error.json_body", "warning")
    assert errors_only(findings) == [], describe(findings)


def test_gemini_error_under_event_stream_only_warns() -> None:
    """Real Gemini refuses an alt=sse request with its JSON error labelled text/event-stream."""
    status, body, _ = load_body(GEMINI)
    findings = check_error_body("gemini", status, body, {"content-type": "text/event-stream"})
    assert_fires(findings, "gemini.error.content_type_json", "warning")
    assert errors_only(findings) == [], describe(findings)


@pytest.mark.parametrize(
    ("protocol", "base", "number"),
    [
        ("openai_chat", "openai/chat-err429-rpm-then-200__datadog", 0),
        ("anthropic", "anthropic/err429-then-529-then-200__datadog", 0),
    ],
)
def test_429_without_retry_after_warns(protocol: str, base: str, number: int) -> None:
    status, body, headers = load_body(base, number)
    assert check_error_body(protocol, status, body, headers) == []
    without = {name: value for name, value in headers.items() if name != "retry-after"}
    findings = check_error_body(protocol, status, body, without)
    assert_fires(findings, f"{protocol}.error.retry_after", "warning")
    assert errors_only(findings) == [], describe(findings)


def test_undocumented_status_accepts_a_type_of_its_class() -> None:
    """503 is not in Anthropic's table; overloaded_error (529) is of the same class, so it passes."""
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert check_error_body("anthropic", 503, body) == []


def test_undocumented_status_warns_across_classes() -> None:
    body = {"error": {"code": 405, "message": "Method not allowed", "status": "UNIMPLEMENTED"}}
    findings = check_error_body("gemini", 405, body)
    assert_fires(findings, "gemini.error.status_matches_code", "warning")
    assert errors_only(findings) == [], describe(findings)
