"""One scenario, every protocol: does the answer mean what the scenario asked for?

A gateway that translates must keep meaning across protocols: a forced tool call comes back as
that protocol's tool call with arguments valid against the offered schema, a token limit comes
back as that protocol's truncation reason, a plain question ends as that protocol's natural stop.
The stop reasons are written here from the providers' documentation, not read from the gateway's
own tables, so a wrong table in a gateway cannot make its certificate agree with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema

from conformance.checks.answer import Answer
from conformance.checks.findings import Finding, Report, short
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSES

__all__ = ["ENDING", "check_ending", "check_output_within", "check_system_counted", "check_tool_call"]

# How each protocol says why an answer ended, as ``Answer.stop_reason`` reads it. Responses has no
# finish reason: a finished response is "completed", a truncated one is incomplete with
# incomplete_details.reason; Gemini says STOP whether or not it called a function.
ENDING: dict[str, dict[str, str]] = {
    "end_turn": {OPENAI_CHAT: "stop", OPENAI_RESPONSES: "completed", ANTHROPIC: "end_turn", GEMINI: "STOP"},
    "tool_use": {
        OPENAI_CHAT: "tool_calls",
        OPENAI_RESPONSES: "completed",
        ANTHROPIC: "tool_use",
        GEMINI: "STOP",
    },
    "max_tokens": {
        OPENAI_CHAT: "length",
        OPENAI_RESPONSES: "max_output_tokens",
        ANTHROPIC: "max_tokens",
        GEMINI: "MAX_TOKENS",
    },
}

# The input and output counters each protocol's usage reports.
INPUT_TOKENS = {
    OPENAI_CHAT: "prompt_tokens",
    OPENAI_RESPONSES: "input_tokens",
    ANTHROPIC: "input_tokens",
    GEMINI: "promptTokenCount",
}
OUTPUT_TOKENS = {
    OPENAI_CHAT: "completion_tokens",
    OPENAI_RESPONSES: "output_tokens",
    ANTHROPIC: "output_tokens",
    GEMINI: "candidatesTokenCount",
}


def check_ending(protocol: str, answer: Answer, ending: str) -> list[Finding]:
    """The answer ended the way the scenario makes it end (``ENDING``'s keys)."""
    report = Report(f"{protocol}.semantics")
    expected = ENDING[ending][protocol]
    if answer.stop_reason != expected:
        report.error(
            f"stop_reason_{ending}",
            f"stop reason is {answer.stop_reason!r}; this scenario ends with {expected!r} in {protocol}",
            "stop reason",
        )
    return report.findings


def check_tool_call(protocol: str, answer: Answer, name: str, schema: Mapping[str, Any]) -> list[Finding]:
    """A forced call: exactly the offered tool, with arguments that are a JSON object valid against
    its parameters schema (a client passes them straight to the function)."""
    report = Report(f"{protocol}.semantics")
    if not answer.tool_calls:
        report.error(
            "tool_call_present",
            f"the tool was forced but the answer has no tool call (text: {short(answer.text)})",
            "tool calls",
        )
        return report.findings
    for position, call in enumerate(answer.tool_calls):
        where = f"tool call {position}"
        if call.name != name:
            report.error(
                "tool_call_name", f"the call names {call.name!r}; the only tool offered is {name!r}", where
            )
        if not isinstance(call.arguments, dict):
            report.error(
                "arguments_object", f"arguments are {short(call.arguments)}, not a JSON object", where
            )
            continue
        problems = sorted(jsonschema.Draft202012Validator(schema).iter_errors(call.arguments), key=str)
        if problems:
            report.error(
                "arguments_valid",
                f"arguments {short(call.arguments)} break the tool's schema: {problems[0].message}",
                where,
            )
    return report.findings


def check_output_within(protocol: str, answer: Answer, limit: int) -> list[Finding]:
    """A token limit holds: the reported output count is at most the limit asked for."""
    report = Report(f"{protocol}.semantics")
    key = OUTPUT_TOKENS[protocol]
    output = answer.usage.get(key)
    if output is None:
        report.error("output_tokens_reported", f"usage has no {key} to hold against the limit", "usage")
    elif output > limit:
        report.error(
            "output_within_limit", f"{key} is {output}, over the requested limit of {limit}", "usage"
        )
    return report.findings


def check_system_counted(protocol: str, with_system: Answer, without: Answer) -> list[Finding]:
    """The same question with a system prompt costs more input tokens than without one: a gateway
    that drops the system prompt in translation (or forgets to count it) is caught here."""
    report = Report(f"{protocol}.semantics")
    key = INPUT_TOKENS[protocol]
    counted, bare = with_system.usage.get(key), without.usage.get(key)
    if not (isinstance(counted, int) and isinstance(bare, int) and counted > bare):
        report.error(
            "system_prompt_counted",
            f"{key} is {counted} with a system prompt and {bare} without: the system prompt was dropped "
            "or not counted",
            "usage",
        )
    return report.findings
