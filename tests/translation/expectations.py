"""What a client must get for a provider's answer, written from the issue's mapping rules.

The gateway's own tables are not used here: the stop reasons and usage arithmetic are restated
from the spec of the behaviour (issue 3), so a wrong row in ``gateway.tables`` fails a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from translation.dialects import ANTHROPIC, CHAT, GEMINI, RESPONSES

from conformance.checks import Answer, answer_of_body

END, MAX, TOOL, FILTER = "end_turn", "max_tokens", "tool_use", "content_filter"

# A provider's stop spelling -> its meaning (Gemini says STOP when it called a function, and
# Responses has only a status: both become TOOL when the answer holds a call).
UPSTREAM_STOP: dict[str, dict[str | None, str]] = {
    CHAT: {"stop": END, "length": MAX, "tool_calls": TOOL, "content_filter": FILTER},
    RESPONSES: {"completed": END, "max_output_tokens": MAX, "content_filter": FILTER},
    ANTHROPIC: {
        "end_turn": END,
        "stop_sequence": END,
        "max_tokens": MAX,
        "tool_use": TOOL,
        "refusal": FILTER,
    },
    GEMINI: {
        "STOP": END,
        "MAX_TOKENS": MAX,
        **dict.fromkeys(("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"), FILTER),
    },
}
# A meaning -> how each client protocol says it (as ``conformance.checks`` reads an answer).
CLIENT_STOP: dict[str, dict[str, str]] = {
    CHAT: {END: "stop", MAX: "length", TOOL: "tool_calls", FILTER: "content_filter"},
    RESPONSES: {END: "completed", MAX: "max_output_tokens", TOOL: "completed", FILTER: "content_filter"},
    ANTHROPIC: {END: "end_turn", MAX: "max_tokens", TOOL: "tool_use", FILTER: "refusal"},
    GEMINI: {END: "STOP", MAX: "MAX_TOKENS", TOOL: "STOP", FILTER: "SAFETY"},
}


@dataclass(frozen=True)
class Buckets:
    """Usage by bucket: input excludes both caches; output includes reasoning."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0


def buckets(protocol: str, usage: dict[str, Any]) -> Buckets:
    """A provider's usage object in buckets (the issue's arithmetic, read backwards)."""
    if protocol == ANTHROPIC:
        return Buckets(
            usage.get("input_tokens") or 0,
            usage.get("output_tokens") or 0,
            usage.get("cache_read_input_tokens") or 0,
            usage.get("cache_creation_input_tokens") or 0,
        )
    if protocol == GEMINI:
        cached, thoughts = usage.get("cachedContentTokenCount", 0), usage.get("thoughtsTokenCount", 0)
        return Buckets(
            usage.get("promptTokenCount", 0) - cached + usage.get("toolUsePromptTokenCount", 0),
            usage.get("candidatesTokenCount", 0) + thoughts,
            cached,
            0,
            thoughts,
        )
    prompt_key, output_key = (
        ("prompt_tokens", "completion_tokens") if protocol == CHAT else ("input_tokens", "output_tokens")
    )
    details = usage.get(f"{prompt_key.split('_')[0]}_tokens_details") or {}
    output_details = usage.get(f"{output_key.split('_')[0]}_tokens_details") or {}
    read = details.get("cached_tokens") or 0
    return Buckets(
        usage[prompt_key] - read, usage[output_key], read, 0, output_details.get("reasoning_tokens") or 0
    )


def client_usage(protocol: str, b: Buckets) -> dict[str, int]:
    """The usage counters a client of ``protocol`` must see for these buckets (nested ones under
    dotted names, as ``conformance.checks`` reads them)."""
    prompt = b.input + b.cache_read + b.cache_write
    if protocol == CHAT:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": b.output,
            "total_tokens": prompt + b.output,
            "prompt_tokens_details.cached_tokens": b.cache_read,
            "completion_tokens_details.reasoning_tokens": b.reasoning,
        }
    if protocol == RESPONSES:
        return {
            "input_tokens": prompt,
            "output_tokens": b.output,
            "total_tokens": prompt + b.output,
            "input_tokens_details.cached_tokens": b.cache_read,
            "output_tokens_details.reasoning_tokens": b.reasoning,
        }
    if protocol == ANTHROPIC:
        return {
            "input_tokens": b.input,
            "output_tokens": b.output,
            "cache_read_input_tokens": b.cache_read,
            "cache_creation_input_tokens": b.cache_write,
        }
    usage = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": b.output - b.reasoning,
        "totalTokenCount": prompt + b.output,
    }
    if b.reasoning:
        usage["thoughtsTokenCount"] = b.reasoning
    if b.cache_read:
        usage["cachedContentTokenCount"] = b.cache_read
    return usage


def usage_of(protocol: str, body: dict[str, Any]) -> dict[str, Any]:
    """A whole response's usage object."""
    return body.get("usageMetadata" if protocol == GEMINI else "usage") or {}


def meaning(protocol: str, body: dict[str, Any]) -> str:
    """The stop meaning of a provider's whole answer."""
    answer = answer_of_body(protocol, body)
    reason = UPSTREAM_STOP[protocol].get(answer.stop_reason, END)
    return TOOL if answer.tool_calls and reason == END else reason


def expected_answer(upstream: str, recorded_body: dict[str, Any], inbound: str) -> Answer:
    """What a client of ``inbound`` must read when the provider answered ``recorded_body``
    (in a passthrough cell: the provider's own counters, untouched)."""
    answer = answer_of_body(upstream, recorded_body)
    if inbound == upstream:
        return answer
    usage = client_usage(inbound, buckets(upstream, usage_of(upstream, recorded_body)))
    return Answer(
        answer.text, answer.tool_calls, CLIENT_STOP[inbound][meaning(upstream, recorded_body)], usage
    )


def assert_same_answer(got: Answer, expected: Answer) -> None:
    """Same text, tool calls (names and arguments), stop reason, and the expected usage counters
    (a client body may carry more counters than the rules fix, such as audio token details)."""
    assert got.text == expected.text
    assert got.tool_calls == expected.tool_calls
    assert got.stop_reason == expected.stop_reason
    assert {key: got.usage.get(key) for key in expected.usage} == expected.usage
