"""Semantics: one scenario asked through each claimed protocol means the same in each one's terms.

A forced tool call comes back as that protocol's tool call, with arguments valid against the
schema offered; a token limit as its truncation reason, within the limit; a system prompt is
counted (the same question costs more input tokens with one than without); every usage adds up.
Count-tokens, models and images surfaces are held to what their answers must say.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pytest

from conformance.checks import Answer
from conformance.checks.replies import check_success
from conformance.checks.semantics import (
    check_ending,
    check_output_within,
    check_system_counted,
    check_tool_call,
)
from conformance.checks.usage import check_usage
from conformance.evidence import Recorder
from conformance.profile import Profile
from conformance.scenarios import SCENARIOS, count_request, images_request, models_request, without_system
from conformance.suite.helpers import answer, ask, model_for, surfaces_where
from conformance.surfaces import Surface

pytestmark = pytest.mark.semantics

GENERATE = surfaces_where("generate")


def _whole_answer(recorder: Recorder, profile: Profile, surface: Surface, name: str) -> Answer | None:
    request, reply = ask(recorder, profile, surface, SCENARIOS[name])
    if reply is None:
        return None
    result = answer(recorder, surface, request, reply, stream=False)
    recorder.check(check_usage(surface.protocol, result.usage))
    recorder.check(check_ending(surface.protocol, result, SCENARIOS[name].ending))
    return result


@pytest.mark.parametrize("surface", GENERATE)
def test_forced_tool_call(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    result = _whole_answer(recorder, conformance_profile, surface, "tool")
    tool = SCENARIOS["tool"].tool
    if result is not None and tool is not None:
        recorder.check(check_tool_call(surface.protocol, result, tool.name, tool.parameters))


@pytest.mark.parametrize("surface", GENERATE)
def test_token_limit(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    result = _whole_answer(recorder, conformance_profile, surface, "truncated")
    if result is not None:
        recorder.check(check_output_within(surface.protocol, result, SCENARIOS["truncated"].max_tokens))


@pytest.mark.parametrize("surface", GENERATE)
def test_system_prompt_is_counted(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    with_system = _whole_answer(recorder, conformance_profile, surface, "system")
    if with_system is None:
        return
    if not with_system.text:
        recorder.fail(f"{surface.protocol}.semantics.text_present", "a plain question got no text")
    request, reply = ask(recorder, conformance_profile, surface, without_system(SCENARIOS["system"]))
    if reply is None:
        return
    bare = answer(recorder, surface, request, reply, stream=False)
    recorder.check(check_system_counted(surface.protocol, with_system, bare))


@pytest.mark.parametrize("surface", GENERATE)
def test_image_input(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    result = _whole_answer(recorder, conformance_profile, surface, "vision")
    if result is not None and not result.text:
        recorder.fail(f"{surface.protocol}.semantics.text_present", "a question about an image got no text")


@pytest.mark.parametrize("surface", surfaces_where("count_tokens"))
def test_count_tokens(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    """A count is a positive integer, and a system prompt adds to it."""
    model = model_for(conformance_profile, surface.family, "text")
    counts = []
    for scenario in (SCENARIOS["system"], without_system(SCENARIOS["system"])):
        reply = recorder.send(count_request(surface, scenario, model), surface.family)
        if recorder.check(check_success(surface.protocol, reply.status, reply.headers, reply.body)):
            return
        counts.append(_count_of(recorder, surface, reply.json()))
    if all(isinstance(count, int) for count in counts) and not counts[0] > counts[1]:
        recorder.fail(
            f"{surface.protocol}.semantics.system_prompt_counted",
            f"the count is {counts[0]} with a system prompt and {counts[1]} without",
        )


@pytest.mark.parametrize("surface", surfaces_where("models"))
def test_models_list_and_get(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    """The profile's text model is in the list and can be fetched, under its own id."""
    model = model_for(conformance_profile, surface.family, "text")
    reply = recorder.send(models_request(surface), surface.family)
    if not recorder.check(check_success(surface.protocol, reply.status, reply.headers, reply.body)):
        listed = _model_ids(surface, reply.json())
        if model not in listed:
            recorder.fail(
                f"{surface.protocol}.semantics.model_listed",
                f"{model!r} (the profile's text model) is not among the {len(listed)} models listed",
            )
    reply = recorder.send(models_request(surface, model), surface.family)
    if not recorder.check(check_success(surface.protocol, reply.status, reply.headers, reply.body)):
        got = _model_ids(surface, {"data": [reply.json()], "models": [reply.json()]})
        if model not in got:
            recorder.fail(
                f"{surface.protocol}.semantics.model_get", f"asked for {model!r}, got {sorted(got)}"
            )


@pytest.mark.parametrize("surface", surfaces_where("images"))
def test_image_generation(recorder: Recorder, conformance_profile: Profile, surface: Surface) -> None:
    """One image asked, one image answered, as base64 or a URL, whose bytes are an image."""
    reply = recorder.send(images_request(model_for(conformance_profile, "openai", "images")), surface.family)
    if recorder.check(check_success(surface.protocol, reply.status, reply.headers, reply.body)):
        return
    body = reply.json()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
        recorder.fail("openai_images.semantics.one_image", f"data is {str(data)[:120]}, expected one image")
        return
    image = data[0]
    if isinstance(image.get("b64_json"), str):
        _check_image_bytes(recorder, image["b64_json"])
    elif isinstance(image.get("url"), str):
        url = image["url"]
        if url.startswith("data:"):
            _check_image_bytes(recorder, url.partition(",")[2])
    else:
        recorder.fail("openai_images.semantics.one_image", "the image has neither b64_json nor url")


IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF", b"GIF8")


def _check_image_bytes(recorder: Recorder, encoded: str) -> None:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        recorder.fail("openai_images.semantics.image_bytes", "the image is not valid base64")
        return
    if not raw.startswith(IMAGE_MAGIC):
        recorder.fail(
            "openai_images.semantics.image_bytes", f"the image bytes start {raw[:8]!r}: not PNG/JPEG/WebP/GIF"
        )


def _count_of(recorder: Recorder, surface: Surface, body: Any) -> int | None:
    """Anthropic answers ``{"input_tokens"}`` only; Gemini ``{"totalTokens", ...}``."""
    key = "totalTokens" if surface.protocol == "gemini" else "input_tokens"
    count = body.get(key) if isinstance(body, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        recorder.fail(
            f"{surface.protocol}.semantics.count_positive", f"{key} is {count!r}, expected a positive integer"
        )
        return None
    if surface.protocol == "anthropic" and set(body) != {"input_tokens"}:
        # Extra fields break no client (the SDK ignores them): worth a note, not a failure.
        recorder.note(
            "anthropic.semantics.count_only_input_tokens",
            f"count_tokens answered {sorted(body)}; Anthropic's answer holds input_tokens only",
        )
    return count


def _model_ids(surface: Surface, body: Any) -> set[str]:
    """Model ids as a client reads them: OpenAI/Anthropic ``data[].id``, Gemini ``models[].name``
    without its ``models/`` prefix."""
    if not isinstance(body, dict):
        return set()
    if surface.protocol == "gemini":
        names = [m.get("name") for m in body.get("models") or [] if isinstance(m, dict)]
        return {n.removeprefix("models/") for n in names if isinstance(n, str)}
    return {
        m.get("id") for m in body.get("data") or [] if isinstance(m, dict) and isinstance(m.get("id"), str)
    }
