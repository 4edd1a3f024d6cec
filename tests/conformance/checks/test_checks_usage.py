"""Usage that adds up: totals, parts within wholes, no negative counts; and no false alarm on any
usage a real provider reported."""

from __future__ import annotations

import pytest

from conformance.checks import answer_of_body, errors_only, fold
from conformance.checks.answer import token_counts
from conformance.checks.usage import check_usage
from gateway.cassettes.loader import Interaction

from .support import describe, is_stream_answer, protocol_of, recorded, rules, stream_events


def _answered(interaction: Interaction) -> bool:
    return interaction.status == 200 and protocol_of(interaction) is not None


@pytest.mark.parametrize("interaction", recorded(_answered))
def test_real_usage_breaks_no_rule(interaction: Interaction) -> None:
    protocol = protocol_of(interaction)
    if is_stream_answer(interaction):
        usage = fold(protocol, stream_events(interaction)).usage
    else:
        usage = answer_of_body(protocol, interaction.response.json()).usage
    if not usage:
        pytest.skip("no usage reported (a stream that did not ask for it)")
    findings = check_usage(protocol, usage)
    assert errors_only(findings) == [], describe(findings)


CHAT = {
    "prompt_tokens": 10,
    "completion_tokens": 5,
    "total_tokens": 15,
    "prompt_tokens_details": {"cached_tokens": 4},
    "completion_tokens_details": {"reasoning_tokens": 2},
}


def test_nested_buckets_are_read_under_dotted_names() -> None:
    counts = token_counts(CHAT)
    assert counts["prompt_tokens_details.cached_tokens"] == 4
    assert check_usage("openai_chat", counts) == []


@pytest.mark.parametrize(
    ("protocol", "usage", "rule"),
    [
        ("openai_chat", {**CHAT, "total_tokens": 16}, "openai_chat.usage.total"),
        (
            "openai_chat",
            {**CHAT, "prompt_tokens_details": {"cached_tokens": 11}},
            "openai_chat.usage.part_within_whole",
        ),
        ("openai_chat", {"prompt_tokens": 1, "completion_tokens": 1}, "openai_chat.usage.present"),
        (
            "openai_responses",
            {"input_tokens": 3, "output_tokens": 2, "total_tokens": 4},
            "openai_responses.usage.total",
        ),
        (
            "openai_responses",
            {
                "input_tokens": 3,
                "output_tokens": 2,
                "total_tokens": 5,
                "output_tokens_details": {"reasoning_tokens": 9},
            },
            "openai_responses.usage.part_within_whole",
        ),
        (
            "anthropic",
            {"input_tokens": 3, "output_tokens": 2, "cache_read_input_tokens": -1},
            "anthropic.usage.non_negative",
        ),
        (
            "anthropic",
            {
                "input_tokens": 3,
                "output_tokens": 2,
                "cache_creation_input_tokens": 10,
                "cache_creation": {"ephemeral_5m_input_tokens": 4, "ephemeral_1h_input_tokens": 0},
            },
            "anthropic.usage.total",
        ),
        (
            "gemini",
            {"promptTokenCount": 5, "candidatesTokenCount": 3, "thoughtsTokenCount": 2, "totalTokenCount": 8},
            "gemini.usage.total",
        ),
        ("gemini", {"promptTokenCount": 5, "cachedContentTokenCount": 6}, "gemini.usage.part_within_whole"),
    ],
)
def test_usage_that_does_not_add_up_is_reported(protocol: str, usage: dict, rule: str) -> None:
    findings = check_usage(protocol, token_counts(usage))
    assert rules(findings) == {rule}, describe(findings)
    assert all(f.message and f.where for f in findings)


def test_gemini_total_counts_thoughts_and_tool_prompts() -> None:
    usage = {
        "promptTokenCount": 32,
        "candidatesTokenCount": 77,
        "toolUsePromptTokenCount": 134,
        "thoughtsTokenCount": 324,
        "totalTokenCount": 567,
    }
    assert check_usage("gemini", usage) == []


def test_an_unknown_protocol_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="openai_chat"):
        check_usage("cohere", {})
