"""check_stream_error: a failed stream ends in its protocol's error event and claims no success.

Each failed stream is a real stream cut short and closed with the protocol's error event, which
passes; then one thing is broken (a success terminator beside the error, something after it, no
error at all, an error in the wrong shape) and exactly that rule fires.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks import check_stream_error

from .support import Ev, assert_fires, describe, load_stream, of_type, to_sse

ANTHROPIC_ERROR = Ev(
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error"
)
CHAT_ERROR = Ev(
    {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}}
)
RESPONSES_ERROR = Ev(
    {"type": "error", "code": "server_error", "message": "The server had an error", "param": None}, "error"
)
GEMINI_ERROR = Ev({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})

# protocol, recorded stream, how many of its events to keep before failing, the error event.
FAILURES = {
    "anthropic": ("anthropic/msg-stream-parallel-tools__arize", 6, ANTHROPIC_ERROR),
    "openai_chat": ("openai/chat-stream-parallel-tools__otel", 6, CHAT_ERROR),
    "openai_responses": ("openai/resp-stream-tools__llm-openai-plugin", 6, RESPONSES_ERROR),
    "gemini": ("gemini/stream-sse__mirascope", 1, GEMINI_ERROR),
}


def failed(protocol: str) -> list[Ev]:
    name, keep, error = FAILURES[protocol]
    stream, _ = load_stream(name)
    return [*stream[:keep], error]


def _success(protocol: str) -> Ev:
    """The protocol's success terminator, taken from the recording itself."""
    name, *_ = FAILURES[protocol]
    stream, _ = load_stream(name)
    return stream[-1]


@pytest.mark.parametrize("protocol", FAILURES)
def test_a_stream_that_fails_properly_passes(protocol: str) -> None:
    findings = check_stream_error(protocol, to_sse(failed(protocol)))
    assert findings == [], describe(findings)


@pytest.mark.parametrize("protocol", FAILURES)
def test_success_terminator_after_the_error(protocol: str) -> None:
    stream = [*failed(protocol), _success(protocol)]
    assert_fires(
        check_stream_error(protocol, to_sse(stream)), f"{protocol}.stream_error.no_success_terminator"
    )


@pytest.mark.parametrize("protocol", FAILURES)
def test_success_terminator_before_the_error(protocol: str) -> None:
    stream, _ = load_stream(FAILURES[protocol][0])
    stream.append(FAILURES[protocol][2])
    assert_fires(
        check_stream_error(protocol, to_sse(stream)), f"{protocol}.stream_error.no_success_terminator"
    )


@pytest.mark.parametrize("protocol", FAILURES)
def test_no_error_event(protocol: str) -> None:
    stream = failed(protocol)[:-1]
    assert_fires(check_stream_error(protocol, to_sse(stream)), f"{protocol}.stream_error.error_present")


@pytest.mark.parametrize("protocol", FAILURES)
def test_events_after_the_error(protocol: str) -> None:
    stream = failed(protocol)
    stream.append(stream[0])
    assert_fires(check_stream_error(protocol, to_sse(stream)), f"{protocol}.stream_error.error_last")


def test_responses_may_close_a_failed_stream_with_done() -> None:
    """Open Responses ends every stream, failed or not, with [DONE]."""
    stream = [*failed("openai_responses"), Ev("[DONE]")]
    assert check_stream_error("openai_responses", to_sse(stream)) == []


def test_responses_failed_is_an_error_event() -> None:
    stream, _ = load_stream(FAILURES["openai_responses"][0])
    completed = stream[of_type(stream, "response.completed")[0]]
    response: dict[str, Any] = completed.data["response"]
    response.update(status="failed", error={"code": "server_error", "message": "The server had an error"})
    completed.data["type"] = completed.name = "response.failed"
    assert check_stream_error("openai_responses", to_sse(stream)) == []


@pytest.mark.parametrize(
    ("protocol", "broken", "rule"),
    [
        (
            "anthropic",
            {"type": "error", "error": {"type": "upstream_exploded", "message": "x"}},
            "type_documented",
        ),
        (
            "openai_chat",
            {"error": {"message": "x", "type": "server_error", "param": "None", "code": None}},
            "param_code_null_or_string",
        ),
        ("openai_responses", {"type": "error", "code": "server_error"}, "message_string"),
        ("gemini", {"error": {"code": 503, "message": "x", "status": "INTERNAL"}}, "status_matches_code"),
    ],
)
def test_error_event_in_the_wrong_shape(protocol: str, broken: dict[str, Any], rule: str) -> None:
    stream = failed(protocol)
    stream[-1] = Ev(broken, stream[-1].name)
    assert_fires(check_stream_error(protocol, to_sse(stream)), f"{protocol}.error.{rule}")
