"""What several families of the suite do alike: pick a model, ask a scenario, read the answer."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks import Answer, answer_of_body, check_stream, fold
from conformance.checks.replies import check_success
from conformance.evidence import Recorder
from conformance.http import Reply, Request
from conformance.profile import Profile
from conformance.scenarios import (
    SCENARIOS,
    Scenario,
    count_request,
    images_request,
    models_request,
    request_for,
)
from conformance.surfaces import SURFACES, Surface

__all__ = ["answer", "ask", "cheap_request", "model_for", "surfaces_where"]


def surfaces_where(*kinds: str, streams: bool | None = None) -> list[Any]:
    """``pytest.param`` per surface of these kinds (all kinds when none given), id'd by surface id."""
    chosen = [
        s for s in SURFACES if (not kinds or s.kind in kinds) and (streams is None or s.streams == streams)
    ]
    return [pytest.param(s, id=s.id) for s in chosen]


def model_for(profile: Profile, family: str, capability: str) -> str:
    """The profile's model for this capability, or skip: nothing can be asked without one."""
    model = profile.model(family, capability)
    if model is None:
        pytest.skip(f"the profile names no {capability} model for {family}")
    return model


def ask(
    recorder: Recorder, profile: Profile, surface: Surface, scenario: Scenario, stream: bool = False
) -> tuple[Request, Reply | None]:
    """Send the scenario; the reply, or None (and a failure recorded) when it was not a success.
    ``stream`` asks for SSE; on Gemini's stream surface ``False`` asks for the JSON-array form."""
    request = request_for(surface, scenario, model_for(profile, surface.family, scenario.capability), stream)
    reply = recorder.send(request, surface.family)
    if recorder.check(check_success(surface.protocol, reply.status, reply.headers, reply.body, stream)):
        return request, None
    return request, reply


def answer(recorder: Recorder, surface: Surface, request: Request, reply: Reply, stream: bool) -> Answer:
    """What the reply means; a stream is held to its grammar on the way."""
    if stream:
        events = reply.events()
        recorder.check(check_stream(surface.protocol, events, request.body))
        return fold(surface.protocol, events)
    body = reply.json()
    return answer_of_body(surface.protocol, body if isinstance(body, dict) else {})


def cheap_request(profile: Profile, surface: Surface, model: str | None = None) -> tuple[Request, bool]:
    """The least costly valid request to a surface, and whether its answer is a stream."""
    if surface.kind == "images":
        return images_request(model or model_for(profile, "openai", "images")), False
    model = model or model_for(profile, surface.family, "text")
    if surface.kind == "models":
        return models_request(surface), False
    if surface.kind == "count_tokens":
        return count_request(surface, SCENARIOS["plain"], model), False
    streams = surface.kind == "stream"
    return request_for(surface, SCENARIOS["truncated"], model, stream=streams), streams
