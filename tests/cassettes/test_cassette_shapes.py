"""The project's cassettes are shaped like real provider traffic, so they cannot drift into fiction.

Every interaction in ``cassettes/`` is held against the real recordings of the same provider and
kind (endpoint protocol and form): the JSON key paths of each body and event type, the stream
grammar, the header names, the content type and gzip (see ``gateway.cassettes.shapes``). Where the
real set is too small to show something a provider does send, ``ALLOWED`` says so, with why; an
entry that stops being needed fails too, so the list cannot outlive its reasons.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import check_stream, errors_only
from gateway.cassettes.loader import Interaction, iter_recordings, load_recording
from gateway.cassettes.shapes import ShapeReference, kind_of, provider_of, stream_events

from .conftest import CASSETTES, RECORDINGS

_IMAGE_FIELDS = (
    "gpt-image-1 answers with b64_json and reports usage, background, output_format, quality and size; "
    "the real set holds only dall-e replies, which carry URLs and none of these (specs/openai-images.json "
    "declares them all)"
)
_RETRY_HEADERS = (
    "OpenAI's edge sends retry and rate-limit headers with every 429 (the real chat/completions 429 has "
    "them); the real set's only Responses 429 had its headers filtered by its recorder, and it has no "
    "images 429"
)
ALLOWED: dict[str, str] = {
    **{
        f"openai_images/json:openai_images:{path}": _IMAGE_FIELDS
        for path in (
            "background",
            "data[].b64_json",
            "data[].url",
            "output_format",
            "quality",
            "size",
            "usage",
            "usage.input_tokens",
            "usage.input_tokens_details",
            "usage.input_tokens_details.image_tokens",
            "usage.input_tokens_details.text_tokens",
            "usage.output_tokens",
            "usage.total_tokens",
        )
    },
    **{
        f"{endpoint}/error:header:{name}": _RETRY_HEADERS
        for endpoint in ("openai_responses", "openai_images")
        for name in (
            "retry-after",
            "retry-after-ms",
            "x-ratelimit-limit-requests",
            "x-ratelimit-limit-tokens",
            "x-ratelimit-remaining-requests",
            "x-ratelimit-remaining-tokens",
            "x-ratelimit-reset-requests",
            "x-ratelimit-reset-tokens",
        )
    },
    **{
        f"openai_responses/json:response:output[].summary[].{key}": (
            "the real whole responses asked for no reasoning summary; with summary=auto the reasoning item "
            "carries summary_text parts, as the real streamed reasoning items show"
        )
        for key in ("text", "type")
    },
}


@cache
def _real() -> tuple[Interaction, ...]:
    return tuple(it for _, its in iter_recordings(RECORDINGS) for it in its)


@cache
def _reference() -> ShapeReference:
    return ShapeReference(_real(), ALLOWED)


def _cassettes() -> list[Any]:
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.stem}") for path in sorted(CASSETTES.rglob("*.yaml"))
    ]


needs_recordings = pytest.mark.skipif(
    not RECORDINGS.is_dir(), reason=f"real recordings not present at {RECORDINGS}"
)


def test_there_are_cassettes_for_every_api() -> None:
    endpoints = {kind_of(it).endpoint for path in CASSETTES.rglob("*.yaml") for it in load_recording(path)}
    assert endpoints == {"openai_chat", "openai_responses", "openai_images", "anthropic", "gemini"}


@needs_recordings
@pytest.mark.parametrize("cassette", _cassettes())
def test_cassette_is_shaped_like_real_recordings(cassette: Path) -> None:
    for number, interaction in enumerate(load_recording(cassette)):
        assert _reference().differences(interaction) == [], f"interaction #{number}"


@pytest.mark.parametrize("cassette", _cassettes())
def test_cassette_stream_follows_the_grammar(cassette: Path) -> None:
    for interaction in load_recording(cassette):
        kind = kind_of(interaction)
        if kind.form == "stream":
            findings = check_stream(kind.endpoint, stream_events(interaction), interaction.request.json())
            assert errors_only(findings) == [], "\n".join(map(str, findings))


@needs_recordings
def test_every_allowance_is_still_needed() -> None:
    """An allowance the real recordings now cover, or no cassette uses, must go."""
    strict = ShapeReference(_real())
    used = set()
    for path in CASSETTES.rglob("*.yaml"):
        for interaction in load_recording(path):
            for difference in strict.differences(interaction):
                used |= {key for key in ALLOWED if _names(key, difference, interaction)}
    assert set(ALLOWED) - used == set()


@needs_recordings
def test_allowed_headers_are_sent_by_the_same_provider_elsewhere() -> None:
    """A header allowed for want of a recording of its kind must be real on another of the provider's endpoints."""
    for key in ALLOWED:
        _, part, name = key.split(":", 2)
        if part == "header":
            assert any(name in it.response.headers for it in _real() if provider_of(it) == "openai"), key


def _names(key: str, difference: str, interaction: Interaction) -> bool:
    kind, part, name = key.split(":", 2)
    if str(kind_of(interaction)) != kind:
        return False
    if part == "header":
        return f"header {name!r}" in difference
    return difference.startswith(f"{part}: key {name!r}")
