"""What a response means, whether it came streamed or whole, and the comparison of the two.

A gateway must give the same answer to the same request streamed and not streamed. Folding a
stream and reading a whole body both produce an ``Answer`` in the protocol's own terms (its stop
reason spelling, its usage field names), so the comparison needs no translation and a difference
names exactly what the gateway changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.findings import Report, short

__all__ = ["Answer", "ToolCall", "compare_answers", "compare_structure", "parse_arguments", "token_counts"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the model asked for. ``arguments`` is parsed JSON, or the raw text when it is not JSON.

    The call id is kept for reports but never compared: two answers to one request get fresh ids.
    """

    name: str | None
    arguments: Any
    id: str | None = field(default=None, compare=False)


@dataclass(slots=True)
class Answer:
    """Text (thinking excluded), tool calls in order, stop reason and integer usage counts."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    stop_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)


def parse_arguments(raw: Any) -> Any:
    """Tool arguments as a value: JSON text is parsed, anything else is kept as it came."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def token_counts(usage: Any) -> dict[str, int]:
    """The integer counters of a usage object; those of nested objects under dotted names
    (``prompt_tokens_details.cached_tokens``), so that a usage rule can read every bucket."""
    if not isinstance(usage, dict):
        return {}
    counts: dict[str, int] = {}
    for key, value in usage.items():
        if isinstance(value, int) and not isinstance(value, bool):
            counts[key] = value
        elif isinstance(value, dict):
            counts.update({f"{key}.{inner}": count for inner, count in token_counts(value).items()})
    return counts


def compare_answers(report: Report, streamed: Answer, whole: Answer, usage_keys: tuple[str, str]) -> None:
    """Report where a folded stream and a whole response disagree.

    Input tokens must match (the same prompt was counted twice). Output tokens only warn: hidden
    reasoning may legitimately cost a different number of tokens for the same visible answer.
    """
    if streamed.text != whole.text:
        report.error(
            "text",
            f"streamed text {short(streamed.text)} differs from the whole response's {short(whole.text)}",
        )
    if streamed.tool_calls != whole.tool_calls:
        report.error(
            "tool_calls",
            f"streamed tool calls {_calls(streamed)} differ from the whole response's {_calls(whole)}",
        )
    if streamed.stop_reason != whole.stop_reason:
        report.error(
            "stop_reason",
            f"streamed stop reason {streamed.stop_reason!r} differs from the whole response's "
            f"{whole.stop_reason!r}",
        )
    input_key, output_key = usage_keys
    if streamed.usage.get(input_key) != whole.usage.get(input_key):
        report.error(
            "usage_input",
            f"streamed usage {input_key}={streamed.usage.get(input_key)!r} differs from the whole "
            f"response's {whole.usage.get(input_key)!r}",
        )
    if streamed.usage.get(output_key) != whole.usage.get(output_key):
        report.warn(
            "usage_output",
            f"streamed usage {output_key}={streamed.usage.get(output_key)!r} differs from the whole "
            f"response's {whole.usage.get(output_key)!r}",
        )


def compare_structure(report: Report, streamed: Answer, whole: Answer) -> None:
    """What two answers to one request share even when the model is not deterministic: how they
    ended, which tools they called, and whether they said anything at all."""
    if streamed.stop_reason != whole.stop_reason:
        report.error(
            "stop_reason",
            f"streamed stop reason {streamed.stop_reason!r} differs from the whole response's "
            f"{whole.stop_reason!r}",
        )
    names = [call.name for call in streamed.tool_calls], [call.name for call in whole.tool_calls]
    if names[0] != names[1]:
        report.error(
            "tool_names", f"streamed tool calls {names[0]} differ from the whole response's {names[1]}"
        )
    if bool(streamed.text) != bool(whole.text):
        report.error(
            "text_present",
            f"streamed text {short(streamed.text)} and the whole response's {short(whole.text)}: "
            "one is empty, the other is not",
        )


def _calls(answer: Answer) -> str:
    return short([(call.name, call.arguments) for call in answer.tool_calls], 160)
