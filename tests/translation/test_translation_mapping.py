"""Mapping rules of issue 3 through the real gateway: output limits, stop sequences, stop reasons
both ways, and the usage arithmetic, each provider answering with a (possibly edited) real reply."""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

import pytest
from translation.answers import PLAIN
from translation.checks import client_answer, client_error, exchange
from translation.dialects import (
    ANTHROPIC,
    CELLS,
    CHAT,
    GEMINI,
    PROTOCOLS,
    RESPONSES,
    TRANSLATED,
    Ask,
    send,
    user,
)
from translation.expectations import (
    CLIENT_STOP,
    END,
    FILTER,
    MAX,
    TOOL,
    assert_same_answer,
    buckets,
    client_usage,
    expected_answer,
)
from translation.fake_upstreams import Reply, recorded, recorded_json
from translation.fixtures import UPSTREAM_MODELS, model_for

STOP_LIMITS = {CHAT: 4, ANTHROPIC: 8191, GEMINI: 5}


# --- output limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("upstream", PROTOCOLS)
@pytest.mark.parametrize("inbound", [CHAT, RESPONSES, GEMINI])
def test_no_output_limit_from_the_client(gateway, upstreams, inbound, upstream):
    """Anthropic requires max_tokens: it gets the catalog's output limit, never a small default;
    the others get none."""
    response, seen = exchange(
        gateway, upstreams, inbound, upstream, Ask([user("Hi")]), recorded(PLAIN[upstream])
    )
    client_answer(inbound, response)
    expected = UPSTREAM_MODELS[ANTHROPIC][1] if upstream == ANTHROPIC and inbound != upstream else None
    assert seen.max_tokens == expected


@pytest.mark.parametrize("upstream", PROTOCOLS)
@pytest.mark.parametrize("field", ["max_completion_tokens", "max_tokens"])
def test_openai_chat_output_limits_are_honoured(gateway, upstreams, upstream, field):
    upstreams[upstream].answer(recorded(PLAIN[upstream]))
    body = {"model": model_for(upstream), "messages": [{"role": "user", "content": "Hi"}], field: 77}
    client_answer(CHAT, send(gateway, CHAT, model_for(upstream), body))
    seen = upstreams[upstream].body
    assert {
        CHAT: seen.get(field),
        RESPONSES: seen.get("max_output_tokens"),
        ANTHROPIC: seen.get("max_tokens"),
        GEMINI: seen.get("generationConfig", {}).get("maxOutputTokens"),
    }[upstream] == 77


# --- stop sequences ----------------------------------------------------------------------------------

STOPPING = [(i, u) for i, u in CELLS if i != RESPONSES and u != RESPONSES]


@pytest.mark.parametrize(("inbound", "upstream"), STOPPING)
def test_stop_sequences_map_to_each_providers_field(gateway, upstreams, inbound, upstream):
    question = Ask([user("Count to ten.")], stop=["7", "END"])
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    assert seen.stop == ["7", "END"]


@pytest.mark.parametrize("upstream", [ANTHROPIC, GEMINI])
def test_a_single_openai_stop_string_is_a_list_of_one(gateway, upstreams, upstream):
    upstreams[upstream].answer(recorded(PLAIN[upstream]))
    body = {"model": model_for(upstream), "messages": [{"role": "user", "content": "Hi"}], "stop": "END"}
    client_answer(CHAT, send(gateway, CHAT, model_for(upstream), body))
    assert upstreams[upstream].body.get(
        "stop_sequences", upstreams[upstream].body.get("generationConfig", {}).get("stopSequences")
    ) == ["END"]


OVER_LIMIT = [(i, u) for i, u in TRANSLATED if i in (ANTHROPIC, GEMINI) and u in (CHAT, GEMINI)]


@pytest.mark.parametrize(("inbound", "upstream"), OVER_LIMIT)
def test_more_stop_sequences_than_the_provider_takes_is_a_400(gateway, upstreams, inbound, upstream):
    """Never truncated: a silently dropped stop sequence changes the answer."""
    question = Ask([user("Count.")], stop=[str(n) for n in range(STOP_LIMITS[upstream] + 1)])
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_error(inbound, response, 400)
    assert seen is None


@pytest.mark.parametrize("inbound", [CHAT, ANTHROPIC, GEMINI])
def test_stop_sequences_to_openai_responses_are_a_400(gateway, upstreams, inbound):
    """Responses has no stop parameter: the documented 400, not a silent drop."""
    question = Ask([user("Count.")], stop=["7"])
    response, seen = exchange(gateway, upstreams, inbound, RESPONSES, question, recorded(PLAIN[RESPONSES]))
    assert "stop" in client_error(inbound, response, 400).__repr__()
    assert seen is None


# --- stop reasons, both ways -------------------------------------------------------------------------


def _chat_stop(finish: str, calls: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(recorded_json("openai/chat-tools__traceloop" if calls else PLAIN[CHAT]))
    body["choices"][0]["finish_reason"] = finish
    return body


def _responses_stop(status: str, reason: str | None = None, calls: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(recorded_json("openai/resp-tools__simonw-llm" if calls else PLAIN[RESPONSES]))
    body["status"] = status
    body["incomplete_details"] = {"reason": reason} if reason else None
    return body


def _anthropic_stop(reason: str, calls: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(recorded_json("anthropic/msg-tools__datadog" if calls else PLAIN[ANTHROPIC]))
    body["stop_reason"] = reason
    return body


def _gemini_stop(reason: str, calls: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(recorded_json("gemini/tools__arize" if calls else PLAIN[GEMINI]))
    body["candidates"][0]["finishReason"] = reason
    return body


def _gemini_blocked() -> dict[str, Any]:
    """A prompt blocked before any candidate: only promptFeedback.blockReason says why."""
    body = recorded_json(PLAIN[GEMINI])
    return {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": body["usageMetadata"],
        "modelVersion": body["modelVersion"],
    }


# (upstream, how to build its reply, the meaning every client must be told); built in the test,
# since the real recordings they start from may be absent
STOP_CASES = [
    (CHAT, partial(_chat_stop, "stop"), END),
    (CHAT, partial(_chat_stop, "length"), MAX),
    (CHAT, partial(_chat_stop, "tool_calls", calls=True), TOOL),
    (CHAT, partial(_chat_stop, "content_filter"), FILTER),
    (RESPONSES, partial(_responses_stop, "completed"), END),
    (RESPONSES, partial(_responses_stop, "incomplete", "max_output_tokens"), MAX),
    (RESPONSES, partial(_responses_stop, "incomplete", "content_filter"), FILTER),
    (RESPONSES, partial(_responses_stop, "completed", calls=True), TOOL),
    (ANTHROPIC, partial(_anthropic_stop, "end_turn"), END),
    (ANTHROPIC, partial(_anthropic_stop, "stop_sequence"), END),
    (ANTHROPIC, partial(_anthropic_stop, "max_tokens"), MAX),
    (ANTHROPIC, partial(_anthropic_stop, "tool_use", calls=True), TOOL),
    (ANTHROPIC, partial(_anthropic_stop, "refusal"), FILTER),
    (GEMINI, partial(_gemini_stop, "STOP"), END),
    (GEMINI, partial(_gemini_stop, "MAX_TOKENS"), MAX),
    (GEMINI, partial(_gemini_stop, "SAFETY"), FILTER),
    (GEMINI, partial(_gemini_stop, "RECITATION"), FILTER),
    (GEMINI, partial(_gemini_stop, "PROHIBITED_CONTENT"), FILTER),
    (GEMINI, partial(_gemini_stop, "STOP", calls=True), TOOL),
    (GEMINI, _gemini_blocked, FILTER),
]


@pytest.mark.parametrize("inbound", PROTOCOLS)
@pytest.mark.parametrize(
    ("upstream", "reply", "meaning"),
    [pytest.param(*case, id=f"{case[0]}-{index}-{case[2]}") for index, case in enumerate(STOP_CASES)],
)
def test_stop_reasons_map_both_ways(gateway, upstreams, inbound, upstream, reply, meaning):
    if inbound == upstream:
        pytest.skip("passthrough: the provider's own stop reason reaches the client untouched")
    response, _ = exchange(gateway, upstreams, inbound, upstream, Ask([user("Hi")]), Reply.json(reply()))
    assert client_answer(inbound, response).stop_reason == CLIENT_STOP[inbound][meaning]


# --- usage arithmetic --------------------------------------------------------------------------------


def _with_usage(upstream: str, usage: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(recorded_json(PLAIN[upstream]))
    body["usageMetadata" if upstream == GEMINI else "usage"] = usage
    return body


# Real replies with every bucket filled: caches read and written, reasoning.
CACHED_USAGE = {
    CHAT: {
        "prompt_tokens": 1200,
        "completion_tokens": 30,
        "total_tokens": 1230,
        "prompt_tokens_details": {"cached_tokens": 1000},
        "completion_tokens_details": {"reasoning_tokens": 10},
    },
    RESPONSES: {
        "input_tokens": 1200,
        "input_tokens_details": {"cached_tokens": 1000},
        "output_tokens": 30,
        "output_tokens_details": {"reasoning_tokens": 10},
        "total_tokens": 1230,
    },
    ANTHROPIC: {
        "input_tokens": 150,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 50,
        "output_tokens": 30,
    },
    GEMINI: {
        "promptTokenCount": 1200,
        "cachedContentTokenCount": 1000,
        "candidatesTokenCount": 20,
        "thoughtsTokenCount": 10,
        "totalTokenCount": 1230,
    },
}


@pytest.mark.parametrize(("inbound", "upstream"), TRANSLATED)
def test_usage_buckets_follow_the_arithmetic(gateway, upstreams, inbound, upstream):
    """OpenAI prompt = input + cache read + cache write and cached_tokens = cache read; Anthropic
    input excludes both caches; Gemini output = candidates + thoughts; totals add up."""
    body = _with_usage(upstream, CACHED_USAGE[upstream])
    response, _ = exchange(gateway, upstreams, inbound, upstream, Ask([user("Hi")]), Reply.json(body))
    assert_same_answer(client_answer(inbound, response), expected_answer(upstream, body, inbound))
    every_input = {CHAT: 1200, RESPONSES: 1200, ANTHROPIC: 1200, GEMINI: 1200}[upstream]
    usage = client_usage(inbound, buckets(upstream, CACHED_USAGE[upstream]))
    shown = {
        CHAT: lambda u: u["prompt_tokens"],
        RESPONSES: lambda u: u["input_tokens"],
        ANTHROPIC: lambda u: (
            u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
        ),
        GEMINI: lambda u: u["promptTokenCount"],
    }[inbound](usage)
    assert shown == every_input
