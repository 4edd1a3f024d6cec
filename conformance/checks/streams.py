"""The stream checks by protocol name: grammar, fold, and stream/non-stream equivalence.

Callers (the pytest plugin, the CLI, the tests) name a protocol as ``gateway.tables`` does and
never pick a state machine themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.checks.answer import Answer, compare_answers, compare_structure
from conformance.checks.events import StreamMachine
from conformance.checks.findings import Finding, Report
from conformance.checks.stream_anthropic import AnthropicStream
from conformance.checks.stream_gemini import GeminiStream, events_from_json_array
from conformance.checks.stream_openai_chat import ChatStream
from conformance.checks.stream_responses import ResponsesStream
from gateway.sse import SSEEvent
from gateway.tables import GEMINI

__all__ = [
    "MACHINES",
    "answer_of_body",
    "check_gemini_json_array",
    "check_stream",
    "equivalence",
    "fold",
    "machine_for",
]

MACHINES: dict[str, type[StreamMachine]] = {
    machine.protocol: machine for machine in (ChatStream, ResponsesStream, AnthropicStream, GeminiStream)
}


def machine_for(protocol: str) -> type[StreamMachine]:
    """The state machine of a protocol, or a ValueError that lists the protocols there are."""
    try:
        return MACHINES[protocol]
    except KeyError:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {sorted(MACHINES)}") from None


def check_stream(
    protocol: str, events: Sequence[SSEEvent], request: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Every grammar rule of ``protocol`` applied to one stream; ``request`` enables request-aware rules."""
    machine = machine_for(protocol)(request)
    machine.run(events)
    return machine.report.findings


def check_gemini_json_array(body: bytes | str, request: Mapping[str, Any] | None = None) -> list[Finding]:
    """Gemini's non-SSE ``streamGenerateContent``: one JSON array of chunks, under the same rules."""
    try:
        events = events_from_json_array(body)
    except ValueError as exc:
        return [Finding(f"{GEMINI}.stream.json_array", f"not a JSON array of chunks: {exc}", "body")]
    return check_stream(GEMINI, events, request)


def fold(protocol: str, events: Sequence[SSEEvent]) -> Answer:
    """What a stream means once complete: text, tool calls, stop reason and usage, in its protocol's terms."""
    machine = machine_for(protocol)()
    machine.run(events)
    return machine.answer()


def answer_of_body(protocol: str, body: Mapping[str, Any]) -> Answer:
    """What a whole (non-streamed) response body means, in the same terms as ``fold``."""
    return machine_for(protocol).answer_of_body(body)


def equivalence(
    protocol: str, folded: Answer, whole_body: Mapping[str, Any], exact: bool = True
) -> list[Finding]:
    """A folded stream against the whole response to the same request: same text, calls, stop, usage.

    ``exact=False`` is for a target that may answer one request two ways (a real model): only the
    structure is compared (stop reason, tool names, text present or not).
    """
    machine = machine_for(protocol)
    report = Report(f"{protocol}.equivalence")
    whole = machine.answer_of_body(whole_body)
    if exact:
        compare_answers(report, folded, whole, machine.usage_keys)
    else:
        compare_structure(report, folded, whole)
    return report.findings
