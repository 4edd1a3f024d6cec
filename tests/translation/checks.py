"""Assertions every translation test makes: the client's body and the upstream's body are valid
against ``specs/``, and the upstream call was addressed and authenticated as its provider expects."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
from translation.dialects import ANTHROPIC, CHAT, GEMINI, OPERATIONS, RESPONSES, Ask, UpstreamView, ask
from translation.fake_upstreams import FakeUpstreams, Received, Reply
from translation.fixtures import UPSTREAM_KEY, UPSTREAM_MODELS, model_for

from conformance.checks import Answer, answer_of_body, check_error_body, errors_only
from gateway.specs import SpecSet, load_specs


@cache
def specs() -> SpecSet:
    return load_specs()


def client_answer(inbound: str, response: httpx.Response) -> Answer:
    """The client's whole response: 200, valid against the spec, and what it means."""
    assert response.status_code == 200, response.text
    body = response.json()
    problems = specs().validate_response_body(OPERATIONS[inbound], 200, body)
    assert not problems, problems
    return answer_of_body(inbound, body)


AUTH = {
    CHAT: ("authorization", f"Bearer {UPSTREAM_KEY}"),
    RESPONSES: ("authorization", f"Bearer {UPSTREAM_KEY}"),
    ANTHROPIC: ("x-api-key", UPSTREAM_KEY),
    GEMINI: ("x-goog-api-key", UPSTREAM_KEY),
}


def upstream_request(upstream: str, received: Received) -> dict[str, Any]:
    """The provider's request: valid for its spec, for its own model name, with the gateway's key."""
    body = received.body
    problems = specs().validate_request_body(OPERATIONS[upstream], body)
    assert not problems, problems
    model = UPSTREAM_MODELS[upstream][0]
    if upstream == GEMINI:
        assert received.path.startswith(f"/v1beta/models/{model}:"), received.path
    else:
        assert body["model"] == model
    header, value = AUTH[upstream]
    assert received.headers.get(header) == value
    return body


def no_empty_anthropic_text(body: dict[str, Any]) -> None:
    """Anthropic refuses empty text blocks: none may be in a body the gateway sends it."""
    system = body.get("system")
    blocks = [] if isinstance(system, str) or system is None else list(system)
    for message in body["messages"]:
        content = message["content"]
        blocks += [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                blocks += block["content"]
    empty = [b for b in blocks if b.get("type") == "text" and not b.get("text")]
    assert not empty, f"empty text blocks sent to Anthropic: {empty}"


def exchange(
    gateway: str, upstreams: FakeUpstreams, inbound: str, upstream: str, question: Ask, *replies: Reply
) -> tuple[httpx.Response, UpstreamView | None]:
    """One client call in ``inbound`` to the model served by ``upstream``, which answers ``replies``;
    the client's response and what the provider received (None when nothing reached it)."""
    upstreams[upstream].answer(*replies)
    response = ask(gateway, inbound, model_for(upstream), question)
    received = upstreams[upstream].received
    if not received:
        return response, None
    body = upstream_request(upstream, received[-1])
    if upstream == ANTHROPIC:
        no_empty_anthropic_text(body)
    return response, UpstreamView(upstream, body)


def client_error(inbound: str, response: httpx.Response, status: int) -> dict[str, Any]:
    """An error response: the expected status, in the inbound protocol's error shape."""
    assert response.status_code == status, response.text
    findings = errors_only(check_error_body(inbound, status, response.content, dict(response.headers)))
    assert not findings, [str(f) for f in findings]
    return response.json()
