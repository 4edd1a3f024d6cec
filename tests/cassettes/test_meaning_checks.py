"""The replay tests judge meaning, so each meaning check must fire when the meaning differs.

One real reply (an Anthropic tool call read by an OpenAI chat client, and a rate limit) is judged
against an upstream answer altered in one respect at a time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from conformance.checks import Answer, ToolCall
from gateway.canonical import StopReason, Usage
from gateway.cassettes.fixtures import load_fixture
from gateway.cassettes.loader import load_recording

from .conftest import CASSETTES, FIXTURES
from .replaying import Reply, Upstream, meaning_problems, send


def _case(replay_on: Any, scenario: str, protocol: str) -> tuple[Any, Reply, Upstream]:
    provider, name = scenario.split("/")
    cassette = CASSETTES / provider / f"{name}.yaml"
    fixture = load_fixture(FIXTURES / provider / name / f"{protocol}.json")
    (interaction,) = load_recording(cassette)
    return fixture, send(replay_on(cassette), fixture), Upstream.of(interaction)


def test_the_unaltered_answer_passes(replay_on: Any) -> None:
    fixture, reply, upstream = _case(replay_on, "anthropic/tools", "openai_chat")
    assert meaning_problems(fixture, reply, upstream) == []


@pytest.mark.parametrize(
    ("alter", "named"),
    [
        (lambda u: replace(u, answer=replace(u.answer, text="something else")), "text:"),
        (
            lambda u: replace(
                u, answer=replace(u.answer, tool_calls=[ToolCall("get_tide_times", {"port": "Brest"})])
            ),
            "tool calls:",
        ),
        (lambda u: replace(u, stop=StopReason.END_TURN), "stop reason:"),
        (
            lambda u: replace(u, usage=replace(u.usage, output_tokens=u.usage.output_tokens + 1)),
            "usage completion_tokens",
        ),
        (
            lambda u: replace(u, usage=replace(u.usage, cache_read_tokens=5)),
            "usage prompt_tokens_details.cached_tokens",
        ),
    ],
)
def test_each_difference_in_meaning_is_named(replay_on: Any, alter: Any, named: str) -> None:
    fixture, reply, upstream = _case(replay_on, "anthropic/tools", "openai_chat")
    problems = meaning_problems(fixture, reply, alter(upstream))
    assert any(problem.startswith(named) for problem in problems), problems


def test_an_error_keeps_its_status_message_and_retry_headers(replay_on: Any) -> None:
    fixture, reply, upstream = _case(replay_on, "anthropic/err429", "gemini")
    assert meaning_problems(fixture, reply, upstream) == []
    wrong_status = replace(reply, status=500)
    assert any("expected 429" in p for p in meaning_problems(fixture, wrong_status, upstream))
    no_retry = replace(reply, headers={k: v for k, v in reply.headers.items() if k != "retry-after"})
    assert any(p.startswith("retry-after") for p in meaning_problems(fixture, no_retry, upstream))
    reworded = replace(reply, body=reply.body.replace(b"rate limit", b"quota"))
    assert any("message" in p for p in meaning_problems(fixture, reworded, upstream))


def test_a_stream_is_checked_against_its_grammar(replay_on: Any) -> None:
    fixture, reply, upstream = _case(replay_on, "gemini/stream-tools", "openai_responses")
    assert meaning_problems(fixture, reply, upstream) == []
    truncated = replace(reply, body=reply.body[: reply.body.rindex(b"event: response.completed")])
    assert any("openai_responses.stream" in p for p in meaning_problems(fixture, truncated, upstream))


def test_usage_compares_every_bucket(replay_on: Any) -> None:
    """Anthropic's cache buckets reach an OpenAI client as prompt tokens, the read bucket as cached."""
    fixture, reply, upstream = _case(replay_on, "anthropic/plain", "openai_chat")
    assert upstream.usage == Usage(12, 24, cache_read_tokens=2048)
    usage = reply.json()["usage"]
    assert (usage["prompt_tokens"], usage["prompt_tokens_details"]["cached_tokens"]) == (2060, 2048)
    assert meaning_problems(fixture, reply, upstream) == []
    assert isinstance(upstream.answer, Answer)
