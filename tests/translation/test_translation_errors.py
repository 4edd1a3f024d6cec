"""Upstream failures, whole calls: real recorded error replies and broken transports reach every
client as its own protocol's error, with the status that tells it what to do."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from translation.checks import client_error, exchange
from translation.dialects import ANTHROPIC, CELLS, CHAT, GEMINI, PROTOCOLS, RESPONSES, Ask, ask, user
from translation.fake_upstreams import Received, Reply, recorded
from translation.fixtures import model_for

RATE_LIMITED = {
    CHAT: ("openai/chat-err429-rpm-then-200__datadog", 0, "20"),
    RESPONSES: ("openai/chat-err429-rpm-then-200__datadog", 0, "20"),  # an OpenAI 429, same shape
    ANTHROPIC: ("anthropic/err429-then-529-then-200__datadog", 0, "7"),
    GEMINI: ("gemini/err429-resource-exhausted__crewai", 0, None),
}
# The gateway's own credentials or account refused upstream: OpenAI and Anthropic say 401,
# Gemini says 400 API_KEY_INVALID, and OpenAI's exhausted quota is a 429 insufficient_quota.
GATEWAY_CREDENTIALS_REFUSED = {
    CHAT: [("openai/chat-err401__mirascope", 0), ("openai/chat-err401__datadog-llamaindex", 0)],
    RESPONSES: [
        ("openai/resp-err401__datadog", 0),
        ("openai/resp-err429-insufficient-quota__pydantic-ai", 3),
    ],
    ANTHROPIC: [("anthropic/err401__mirascope", 0)],
    GEMINI: [("gemini/err400-api-key-invalid__mirascope", 0)],
}
NOT_FOUND = {
    CHAT: ("openai/chat-err404-model__otel", 0),
    RESPONSES: ("openai/chat-err404-model-stream__mirascope", 0),
    ANTHROPIC: ("anthropic/err404-model__mirascope", 0),
    GEMINI: ("gemini/err404-model__mirascope", 0),
}
SERVER_ERROR = {
    CHAT: ("openai/err500-traces-ingest__traceloop", 0),
    RESPONSES: ("openai/err500-traces-ingest__traceloop", 0),
    ANTHROPIC: ("anthropic/err500-api-error__traceloop", 0),
    GEMINI: ("gemini/err500-internal__pydantic-ai", 0),
}
# Each protocol's status for "the upstream is overloaded": Anthropic's own 529, 503 elsewhere.
OVERLOADED = {CHAT: 503, RESPONSES: 503, ANTHROPIC: 529, GEMINI: 503}

QUESTION = Ask([user("Hi")])


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_a_429_keeps_its_retry_after(gateway, upstreams, inbound, upstream):
    name, index, retry_after = RATE_LIMITED[upstream]
    response, _ = exchange(gateway, upstreams, inbound, upstream, QUESTION, recorded(name, index))
    client_error(inbound, response, 429)
    assert response.headers.get("retry-after") == retry_after


@pytest.mark.parametrize("inbound", PROTOCOLS)
def test_an_anthropic_529_stays_overloaded(gateway, upstreams, inbound):
    response, _ = exchange(
        gateway,
        upstreams,
        inbound,
        ANTHROPIC,
        QUESTION,
        recorded("anthropic/err429-then-529-then-200__datadog", 1),
    )
    body = client_error(inbound, response, OVERLOADED[inbound])
    if inbound == ANTHROPIC:
        assert body["error"]["type"] == "overloaded_error"


@pytest.mark.parametrize("inbound", PROTOCOLS)
def test_a_503_in_plain_text_is_overloaded_in_the_clients_shape(gateway, upstreams, inbound):
    """An edge proxy's plain-text 503 (Envoy in front of OpenAI) still reaches the client as JSON."""
    response, _ = exchange(
        gateway, upstreams, inbound, CHAT, QUESTION, recorded("openai/chat-err503-envoy__crewai", 0)
    )
    client_error(inbound, response, OVERLOADED[inbound])
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("inbound", "upstream", "name", "index"),
    [(i, u, *r) for i, u in CELLS for r in GATEWAY_CREDENTIALS_REFUSED[u]],
)
def test_the_gateways_own_credentials_refused_is_never_the_callers_fault(
    gateway, upstreams, inbound, upstream, name, index
):
    """The caller's key was fine (the gateway accepted it): a 502, never a 401 or a quota error
    that sends the caller to check its own key or balance."""
    response, _ = exchange(gateway, upstreams, inbound, upstream, QUESTION, recorded(name, index))
    body = client_error(inbound, response, 502)
    assert "API key" not in response.text and "quota" not in response.text, body


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_an_upstream_404_is_a_404(gateway, upstreams, inbound, upstream):
    response, _ = exchange(gateway, upstreams, inbound, upstream, QUESTION, recorded(*NOT_FOUND[upstream]))
    client_error(inbound, response, 404)


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_an_upstream_500_is_a_bad_gateway_in_the_clients_shape(gateway, upstreams, inbound, upstream):
    response, _ = exchange(gateway, upstreams, inbound, upstream, QUESTION, recorded(*SERVER_ERROR[upstream]))
    client_error(inbound, response, 502)
    assert "The gateway failed" not in response.text  # the provider's failure, not a gateway bug


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_a_refused_connection_is_a_502(gateway, inbound, upstream):
    response = ask(gateway, inbound, model_for(upstream, "dead"), QUESTION)
    client_error(inbound, response, 502)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown, so a stalled fake provider does not outlive its test."""
    event = threading.Event()
    yield event
    event.set()


def stalled(release: threading.Event) -> Reply:
    """A provider that accepts the call and says nothing until released."""

    def chunks(_: Received) -> Iterator[bytes]:
        release.wait(10)
        yield b"{}"

    return Reply.streamed(chunks, "application/json")


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_an_upstream_timeout_is_a_504(gateway, upstreams, release, inbound, upstream):
    upstreams[upstream].answer(stalled(release))
    response = ask(gateway, inbound, model_for(upstream, "slow"), QUESTION)
    client_error(inbound, response, 504)
