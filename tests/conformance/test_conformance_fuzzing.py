"""Generated requests: the same on every run, valid ones valid (with the target's model), invalid
ones invalid by their body."""

from __future__ import annotations

import json

from conformance.fuzzing import generated_requests
from gateway.specs import load_specs

SPECS = load_specs()


def test_generation_is_repeatable() -> None:
    operation = SPECS.operation("openai.createImage")
    first = generated_requests(operation, False, 4, "my-model", {})
    assert first == generated_requests(operation, False, 4, "my-model", {})
    assert len(first) == 4 and all(r.body.get("model", "my-model") == "my-model" for r in first)


def test_valid_requests_are_valid_and_ask_the_targets_model() -> None:
    chat = SPECS.operation("openai.createChatCompletion")
    for request in generated_requests(chat, False, 5, "my-model", {}):
        assert request.path == "/v1/chat/completions" and request.method == "POST"
        assert request.body["model"] == "my-model"
        assert SPECS.validate_request_body(chat.operation_id, request.body) == []
        for key in ("max_tokens", "max_completion_tokens", "n"):
            assert request.body.get(key) is None or request.body[key] <= 64
    gemini = SPECS.operation("v1.getModel")
    for request in generated_requests(gemini, False, 3, "my-model", {}):
        assert request.path == "/v1/models/my-model" and "key" not in request.query
        assert "alt" not in request.query  # getModel does not stream: alt's effect there is undefined


def test_invalid_requests_are_invalid_by_their_body_alone() -> None:
    messages = SPECS.operation("anthropic.createMessage")
    requests = generated_requests(messages, True, 6, "my-model", {"anthropic-version": "2023-06-01"})
    assert requests
    for request in requests:
        assert request.query == {} and request.headers["anthropic-version"] == "2023-06-01"
        try:
            body = json.loads(request.body)
        except ValueError:
            continue  # not even JSON
        assert not isinstance(body, dict) or SPECS.validate_request_body(messages.operation_id, body)


def test_an_operation_without_a_body_has_no_invalid_requests() -> None:
    assert generated_requests(SPECS.operation("openai.listModels"), True, 3, None, {}) == []
