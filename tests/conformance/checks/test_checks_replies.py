"""Whole replies: successes in the right media type, refusals with the provider's status and shape;
and the spec family's rules over answers to generated requests."""

from __future__ import annotations

import json

import pytest

from conformance.checks.replies import REFUSALS, check_refusal, check_success
from conformance.checks.spec import check_invalid_refused, check_spec_answer
from gateway.specs import load_specs

from .support import rules

JSON = {"content-type": "application/json"}
SSE = {"content-type": "text/event-stream"}
OPENAI_401 = json.dumps(
    {
        "error": {
            "message": "bad key",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
)
GEMINI_400 = json.dumps(
    {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}}
)


def test_success_is_200_in_the_media_type_asked_for() -> None:
    assert check_success("openai_chat", 200, JSON, b"{}") == []
    assert check_success("openai_chat", 200, SSE, b"data: {}", stream=True) == []
    assert rules(check_success("openai_chat", 200, SSE, b"data: {}")) == {"openai_chat.reply.content_type"}
    assert rules(check_success("gemini", 401, JSON, b"{}")) == {"gemini.reply.status_ok"}
    assert "no HTTP answer" in check_success("gemini", 0, {}, b"")[0].message


def test_refusals_take_the_providers_statuses() -> None:
    assert check_refusal("openai_chat", "wrong_key", 401, OPENAI_401, JSON) == []
    assert check_refusal("gemini", "wrong_key", 400, GEMINI_400, JSON) == []  # as the real Gemini answers
    assert rules(check_refusal("openai_chat", "unknown_model", 400, OPENAI_401, JSON)) == {
        "openai_chat.refusal.unknown_model_status"
    }
    assert REFUSALS["oversized_body"]["anthropic"] == (413,)


def test_a_refusal_in_the_wrong_shape_breaks_the_error_rules() -> None:
    found = check_refusal("anthropic", "malformed_json", 400, OPENAI_401, JSON)
    assert "anthropic.error.envelope" in rules(found)


def test_a_success_where_a_refusal_was_due_is_reported_alone() -> None:
    assert rules(check_refusal("anthropic", "missing_key", 200, b"{}", JSON)) == {
        "anthropic.refusal.missing_key_status"
    }


SPECS = load_specs()


def test_spec_answers_are_held_to_their_declared_status_and_schema() -> None:
    listing = json.dumps({"object": "list", "data": []}).encode()
    assert check_spec_answer(SPECS, "openai.listModels", "openai_chat", 200, JSON, listing) == []
    assert rules(
        check_spec_answer(SPECS, "openai.listModels", "openai_chat", 200, JSON, b'{"data": []}')
    ) == {"openai_chat.schema.body_valid"}
    assert rules(
        check_spec_answer(SPECS, "openai.listModels", "openai_chat", 418, JSON, OPENAI_401.encode())
    ) == {"openai_chat.schema.status_declared"}
    assert rules(check_spec_answer(SPECS, "openai.listModels", "openai_chat", 502, JSON, b"{}")) == {
        "openai_chat.schema.no_server_error"
    }
    assert rules(check_spec_answer(SPECS, "openai.listModels", "openai_chat", 200, JSON, b"<html>")) == {
        "openai_chat.schema.body_json"
    }


@pytest.mark.parametrize(
    ("events", "broken"),
    [
        (b'event: ping\ndata: {"type": "ping"}\n\n', False),
        (b'event: ping\ndata: {"type": "pong"}\n\n', True),
        (b'event: unknown_event\ndata: {"type": "unknown_event"}\n\n', True),
        (b"", True),
    ],
)
def test_every_sse_event_is_held_to_its_event_schema(events: bytes, broken: bool) -> None:
    found = check_spec_answer(SPECS, "anthropic.createMessage", "anthropic", 200, SSE, events)
    assert rules(found) == ({"anthropic.schema.stream_event_valid"} if broken else set())


def test_an_invalid_request_must_be_refused_in_shape() -> None:
    assert check_invalid_refused("gemini", 400, JSON, GEMINI_400.encode()) == []
    assert rules(check_invalid_refused("gemini", 200, JSON, b"{}")) == {"gemini.schema.invalid_refused"}
    assert rules(check_invalid_refused("gemini", 500, JSON, GEMINI_400.encode())) == {
        "gemini.schema.no_server_error"
    }
    assert "gemini.error.status_documented" in rules(
        check_invalid_refused("gemini", 400, JSON, OPENAI_401.encode())
    )
