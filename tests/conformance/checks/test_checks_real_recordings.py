"""Zero false alarms: what real providers sent passes every check of its protocol.

A rule that a real OpenAI, Anthropic or Gemini response breaks is a wrong rule, whatever a
specification says; warnings are allowed (they mark what real providers do but should not).
"""

from __future__ import annotations

import pytest

from conformance.checks import (
    answer_of_body,
    check_error_body,
    check_gemini_json_array,
    check_stream,
    errors_only,
    fold,
)
from gateway.cassettes.loader import Interaction
from gateway.tables import OPENAI_CHAT, PROTOCOLS

from .support import (
    describe,
    error_protocol_of,
    is_json_array_stream,
    is_sse_stream,
    is_stream_answer,
    protocol_of,
    recorded,
    request_of,
    sse_events,
    stream_events,
)


def _is_whole_answer(interaction: Interaction) -> bool:
    return (
        interaction.status == 200
        and protocol_of(interaction) is not None
        and not is_sse_stream(interaction)
        and not is_json_array_stream(interaction)
    )


@pytest.mark.parametrize("interaction", recorded(lambda it: it.status == 200 and is_sse_stream(it)))
def test_real_sse_stream_breaks_no_rule(interaction: Interaction) -> None:
    findings = check_stream(
        protocol_of(interaction), sse_events(interaction.response.body), request_of(interaction)
    )
    assert errors_only(findings) == [], describe(findings)


@pytest.mark.parametrize("interaction", recorded(lambda it: it.status == 200 and is_json_array_stream(it)))
def test_real_gemini_json_array_stream_breaks_no_rule(interaction: Interaction) -> None:
    findings = check_gemini_json_array(interaction.response.body, request_of(interaction))
    assert errors_only(findings) == [], describe(findings)


@pytest.mark.parametrize("interaction", recorded(lambda it: it.status >= 400))
def test_real_error_body_breaks_no_rule(interaction: Interaction) -> None:
    headers = interaction.response.headers or None
    findings = check_error_body(
        error_protocol_of(interaction), interaction.status, interaction.response.body, headers
    )
    assert errors_only(findings) == [], describe(findings)


@pytest.mark.parametrize("interaction", recorded(is_stream_answer))
def test_real_stream_folds_to_an_answer(interaction: Interaction) -> None:
    """Every real stream means something: a stop reason, text or tool calls, and usage (if sent)."""
    protocol = protocol_of(interaction)
    answer = fold(protocol, stream_events(interaction))
    assert answer.stop_reason, answer
    assert answer.text or answer.tool_calls, answer
    usage_asked = ((request_of(interaction) or {}).get("stream_options") or {}).get("include_usage")
    assert answer.usage or (protocol == OPENAI_CHAT and not usage_asked), answer


@pytest.mark.parametrize("interaction", recorded(_is_whole_answer))
def test_real_whole_body_reads_as_an_answer(interaction: Interaction) -> None:
    answer = answer_of_body(protocol_of(interaction), interaction.response.json())
    assert answer.stop_reason, answer
    assert answer.usage, answer


def test_recordings_cover_every_protocol_in_both_forms() -> None:
    """Guards the zero-false-alarm tests against passing because the loader found nothing."""
    streamed = {protocol_of(p.values[0]) for p in recorded(is_stream_answer) if p.values[0] is not None}
    whole = {protocol_of(p.values[0]) for p in recorded(_is_whole_answer) if p.values[0] is not None}
    if not streamed and not whole:
        pytest.skip("no recordings")
    assert streamed == set(PROTOCOLS), streamed
    assert whole == set(PROTOCOLS), whole
