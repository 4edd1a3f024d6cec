"""Usage that adds up: the token counts a response reports, checked against each other.

Billing, budgets and context-window bookkeeping all read these counters, so a total that is not
the sum of its parts, a cached or reasoning bucket larger than the count it is part of, or a
negative count is wrong whatever the answer says. The sums are the providers' own (every real
recording in ``../shared/upstream-recordings`` satisfies them): Gemini's total includes thoughts
and tool-use prompt tokens; Anthropic has no total, and its cache buckets are separate from
``input_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.checks.findings import Finding, Report
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSES

__all__ = ["check_usage"]

# protocol -> (total, the counters it is the sum of); absent parts count as 0.
TOTALS: dict[str, tuple[str, tuple[str, ...]]] = {
    OPENAI_CHAT: ("total_tokens", ("prompt_tokens", "completion_tokens")),
    OPENAI_RESPONSES: ("total_tokens", ("input_tokens", "output_tokens")),
    GEMINI: (
        "totalTokenCount",
        ("promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount"),
    ),
    ANTHROPIC: (
        "cache_creation_input_tokens",
        ("cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens"),
    ),
}

# protocol -> (part, whole): a bucket that is a share of another count.
PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    OPENAI_CHAT: (
        ("prompt_tokens_details.cached_tokens", "prompt_tokens"),
        ("completion_tokens_details.reasoning_tokens", "completion_tokens"),
    ),
    OPENAI_RESPONSES: (
        ("input_tokens_details.cached_tokens", "input_tokens"),
        ("output_tokens_details.reasoning_tokens", "output_tokens"),
    ),
    GEMINI: (("cachedContentTokenCount", "promptTokenCount"),),
    ANTHROPIC: (),
}

# Counters every usage object of the protocol carries (Gemini omits zero counts, so none).
REQUIRED: dict[str, tuple[str, ...]] = {
    OPENAI_CHAT: ("prompt_tokens", "completion_tokens", "total_tokens"),
    OPENAI_RESPONSES: ("input_tokens", "output_tokens", "total_tokens"),
    ANTHROPIC: ("input_tokens", "output_tokens"),
    GEMINI: (),
}


def check_usage(protocol: str, counts: Mapping[str, int]) -> list[Finding]:
    """Rules over one usage object read by ``token_counts`` (nested buckets under dotted names)."""
    if protocol not in TOTALS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {sorted(TOTALS)}")
    report = Report(f"{protocol}.usage")
    missing = [key for key in REQUIRED[protocol] if key not in counts]
    if missing:
        report.error("present", f"usage has no {', '.join(missing)} (it has {sorted(counts)})", "usage")
    for key, value in counts.items():
        if value < 0:
            report.error("non_negative", f"{key} is {value}; a token count is never negative", f"usage.{key}")
    total, parts = TOTALS[protocol]
    if total in counts and any(part in counts for part in parts):
        added = sum(counts.get(part, 0) for part in parts)
        if counts[total] != added:
            shown = " + ".join(f"{part} {counts.get(part, 0)}" for part in parts)
            report.error("total", f"{total} is {counts[total]}, but {shown} = {added}", f"usage.{total}")
    for part, whole in PARTS[protocol]:
        if part in counts and whole in counts and counts[part] > counts[whole]:
            report.error(
                "part_within_whole",
                f"{part} is {counts[part]}, more than the {whole} ({counts[whole]}) it is part of",
                f"usage.{part}",
            )
    return report.findings
