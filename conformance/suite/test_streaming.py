"""Streaming: each protocol's event grammar, and a stream that means what the whole answer means.

The grammar is ``conformance.checks.check_stream`` (a state machine per protocol, told the request
so that it can hold usage, tools and limits to it). Equivalence asks the same scenario twice,
streamed and not: on a deterministic target the two must agree exactly (text, tool calls and
arguments, stop reason, input tokens); on another only in structure.
"""

from __future__ import annotations

import pytest

from conformance.checks import check_gemini_json_array, equivalence
from conformance.evidence import Recorder
from conformance.profile import Profile
from conformance.scenarios import SCENARIOS
from conformance.suite.helpers import answer, ask, surfaces_where
from conformance.surfaces import Surface, surface

pytestmark = pytest.mark.streaming

GRAMMAR_SCENARIOS = ("plain", "tool", "truncated", "thinking")


@pytest.mark.parametrize("scenario", GRAMMAR_SCENARIOS)
@pytest.mark.parametrize("surface", surfaces_where(streams=True))
def test_stream_grammar(
    recorder: Recorder, conformance_profile: Profile, surface: Surface, scenario: str
) -> None:
    request, reply = ask(recorder, conformance_profile, surface, SCENARIOS[scenario], stream=True)
    if reply is not None:
        answer(recorder, surface, request, reply, stream=True)


@pytest.mark.parametrize("scenario", ("plain", "tool"))
@pytest.mark.parametrize("surface", surfaces_where("stream"))
def test_gemini_json_array_stream(
    recorder: Recorder, conformance_profile: Profile, surface: Surface, scenario: str
) -> None:
    """``streamGenerateContent`` without ``alt=sse``: one JSON array of chunks, same grammar."""
    request, reply = ask(recorder, conformance_profile, surface, SCENARIOS[scenario], stream=False)
    if reply is not None:
        recorder.check(check_gemini_json_array(reply.body, request.body))


@pytest.mark.parametrize("scenario", ("plain", "tool", "truncated"))
@pytest.mark.parametrize("surface", surfaces_where(streams=True))
def test_stream_equals_whole(
    recorder: Recorder, conformance_profile: Profile, surface: Surface, scenario: str
) -> None:
    whole_surface = _whole_counterpart(surface)
    if not conformance_profile.claims(whole_surface):
        pytest.skip(f"{whole_surface.id}, the whole counterpart of {surface.id}, is not claimed")
    request, streamed = ask(recorder, conformance_profile, surface, SCENARIOS[scenario], stream=True)
    if streamed is None:
        return
    folded = answer(recorder, surface, request, streamed, stream=True)
    _, whole = ask(recorder, conformance_profile, whole_surface, SCENARIOS[scenario])
    if whole is None:
        return
    body = whole.json()
    recorder.check(
        equivalence(
            surface.protocol,
            folded,
            body if isinstance(body, dict) else {},
            conformance_profile.deterministic,
        )
    )


def _whole_counterpart(stream_surface: Surface) -> Surface:
    """Where the same request is answered whole: the same surface, or Gemini's generateContent."""
    if stream_surface.kind == "stream":
        return surface(f"gemini.{stream_surface.version}.generate")
    return stream_surface
