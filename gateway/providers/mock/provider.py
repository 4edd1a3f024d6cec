"""The mock provider: deterministic canonical answers, built here instead of fetched upstream.

It stands where an upstream provider stands, so every surface of the gateway can be exercised
(and a user's CI can drive an agent through a tool loop) with no network, no key and no
randomness: the same request always gives the same answer, byte for byte.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from pathlib import Path

from gateway.canonical import (
    GeneratedImage,
    ImageRequest,
    ImageResponse,
    Request,
    Response,
    StreamEvent,
    Usage,
)
from gateway.catalog import ModelEntry
from gateway.errors import invalid
from gateway.providers.mock.answer import answer_for
from gateway.providers.mock.ids import created_at, image_digest
from gateway.providers.mock.images import image_size, quadrant_png
from gateway.providers.mock.scenarios import Scenario, load_scenarios
from gateway.providers.mock.streaming import stream_events
from gateway.tokens import count_text, estimate_request

MAX_IMAGES = 10


class MockProvider:
    """Answers from a scenario script when one matches, by the default rules otherwise."""

    protocol: str | None = None

    def __init__(self, scenarios: Sequence[Scenario] | None = None, *, name: str = "mock") -> None:
        self.name = name
        self.scenarios = tuple(scenarios or ())

    @classmethod
    def from_file(cls, path: str | Path, *, name: str = "mock") -> MockProvider:
        """A provider scripted by a scenario file (see ``load_scenarios``)."""
        return cls(load_scenarios(path), name=name)

    def complete(self, request: Request, model: ModelEntry) -> Response:
        """The answer; a scripted error is raised, wherever a stream would have met it."""
        answer = answer_for(request, model, self.scenarios)
        if answer.failure is not None:
            raise answer.failure.exception()
        return answer.response

    def stream(self, request: Request, model: ModelEntry) -> Iterator[StreamEvent]:
        """The answer as events. An error scripted without ``after_events`` is raised by the first
        ``next()``, before any event, as an upstream's HTTP error would be."""
        yield from stream_events(answer_for(request, model, self.scenarios))

    def count_tokens(self, request: Request, model: ModelEntry) -> int:
        return estimate_request(request)

    def generate_images(self, request: ImageRequest, model: ModelEntry) -> ImageResponse:
        """``n`` PNGs as base64, or as ``data:`` URLs when ``response_format`` is ``url``."""
        if not 1 <= request.n <= MAX_IMAGES:
            raise invalid(f"n must be between 1 and {MAX_IMAGES}, got {request.n}", param="n")
        digest = image_digest(request)
        width, height = image_size(request.size)
        encoded = [
            base64.b64encode(quadrant_png(digest, index, width, height)).decode("ascii")
            for index in range(request.n)
        ]
        if request.response_format == "url":
            images = [GeneratedImage(url=f"data:image/png;base64,{data}") for data in encoded]
        else:
            images = [GeneratedImage(b64_json=data) for data in encoded]
        usage = Usage(input_tokens=count_text(request.prompt), images=request.n)
        return ImageResponse(created=created_at(digest), images=images, usage=usage)
