"""Errors and auth: every claimed auth style is accepted, and every client mistake is refused with
the status the provider uses and the error shape its SDK parses.

A client branches on these answers: the OpenAI SDK raises ``AuthenticationError`` on 401 and
``NotFoundError`` on 404, the Anthropic SDK maps ``error.type`` to its exception classes, Google's
clients read ``error.status``. The statuses allowed are in ``conformance.checks.replies``.
"""

from __future__ import annotations

import json

import pytest

from conformance.checks import errors_only
from conformance.checks.replies import check_refusal, check_success
from conformance.evidence import Recorder
from conformance.http import Request
from conformance.plugin import not_claimed
from conformance.profile import AUTH_STYLES, Profile
from conformance.scenarios import models_request
from conformance.suite.helpers import cheap_request, surfaces_where
from conformance.surfaces import SURFACES, Surface

pytestmark = pytest.mark.errors

WRONG_KEY = "conformance-wrong-key-0000"
UNKNOWN_MODEL = "conformance-no-such-model"
POSTS = surfaces_where("generate", "stream", "count_tokens", "images")


@pytest.mark.parametrize("style", AUTH_STYLES)
@pytest.mark.parametrize("surface", surfaces_where())
def test_auth_style_accepted(
    request: pytest.FixtureRequest,
    recorder: Recorder,
    conformance_profile: Profile,
    surface: Surface,
    style: str,
) -> None:
    if style not in conformance_profile.auth_styles(surface.family):
        not_claimed(request, f"the profile does not list auth style {style} for {surface.family}")
    call, streams = cheap_request(conformance_profile, surface)
    reply = recorder.send(call, surface.family, style)
    recorder.check(check_success(surface.protocol, reply.status, reply.headers, reply.body, streams))


@pytest.mark.parametrize("surface", surfaces_where())
def test_missing_key(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    call = cheap_request(conformance_profile, surface)[0]
    reply = recorder.send(call, surface.family, style=None)
    findings = check_refusal(surface.protocol, "missing_key", reply.status, reply.body, reply.headers)
    for twin in _twins(conformance_profile, surface, call):
        other = check_refusal(twin.protocol, "missing_key", reply.status, reply.body, reply.headers)
        if not errors_only(other):
            findings = other
    recorder.check(findings)


@pytest.mark.parametrize("surface", surfaces_where())
def test_wrong_key(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    reply = recorder.send(cheap_request(conformance_profile, surface)[0], surface.family, key=WRONG_KEY)
    recorder.check(check_refusal(surface.protocol, "wrong_key", reply.status, reply.body, reply.headers))


@pytest.mark.parametrize("surface", surfaces_where())
def test_unknown_model(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    if surface.kind == "models":
        call, situation = models_request(surface, UNKNOWN_MODEL), "unknown_model"
    else:
        call = cheap_request(conformance_profile, surface, model=UNKNOWN_MODEL)[0]
        situation = "unknown_image_model" if surface.kind == "images" else "unknown_model"
    reply = recorder.send(call, surface.family)
    recorder.check(check_refusal(surface.protocol, situation, reply.status, reply.body, reply.headers))


@pytest.mark.parametrize("surface", POSTS)
def test_malformed_json(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    call = cheap_request(conformance_profile, surface)[0]
    broken = json.dumps(call.body)[:-7].encode()  # cut inside the document: not JSON any more
    reply = recorder.send(call.with_body(broken), surface.family)
    recorder.check(check_refusal(surface.protocol, "malformed_json", reply.status, reply.body, reply.headers))


@pytest.mark.parametrize("surface", POSTS)
def test_oversized_body(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    limit = conformance_profile.max_body_bytes
    if limit is None:
        pytest.skip("the profile declares no request body limit (max_body_bytes)")
    call = cheap_request(conformance_profile, surface)[0]
    padded = dict(call.body, conformance_padding="x" * limit)  # valid JSON, one limit too large
    reply = recorder.send(call.with_body(json.dumps(padded).encode()), surface.family)
    recorder.check(check_refusal(surface.protocol, "oversized_body", reply.status, reply.body, reply.headers))


@pytest.mark.parametrize("surface", surfaces_where())
def test_wrong_method(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    call = cheap_request(conformance_profile, surface)[0]
    if call.method == "POST":
        wrong = Request("GET", call.path, None, call.query, call.headers)
    else:
        wrong = Request("POST", call.path, {}, call.query, call.headers)
    reply = recorder.send(wrong, surface.family)
    recorder.check(check_refusal(surface.protocol, "wrong_method", reply.status, reply.body, reply.headers))


def _twins(profile: Profile, surface: Surface, call: Request) -> list[Surface]:
    """Surfaces of other protocols whose request, sent without a key, is byte for byte this one
    (GET /v1/models for OpenAI and Gemini v1): nothing tells the target which error shape the
    caller expects, so any of theirs is right."""
    return [
        other
        for other in SURFACES
        if other.protocol != surface.protocol and cheap_request(profile, other)[0] == call
    ]
