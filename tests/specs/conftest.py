"""Shared data for the spec tests: the SpecSet under test and the recorded upstream traffic.

The reference specs and the recordings live outside the repository (``../shared``); tests that need
them skip, saying so, when that directory is absent. Recordings are read with the project's one
cassette reader, each interaction mapped to the operation of ours that serves the same call.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.validators import V31RequestBodyValidator
from openapi_core.validation.response.validators import V31ResponseDataValidator

from gateway.cassettes.loader import Interaction, load_recording
from gateway.specs import Operation, SpecSet, load_specs
from gateway.sse import SSEDecoder, SSEEvent

REPO = Path(__file__).resolve().parents[2]
SPECS_DIR = REPO / "specs"
SHARED = REPO.parent / "shared"
REFERENCE_DIR = SHARED / "reference"
RECORDINGS_DIR = SHARED / "upstream-recordings"

# Which of our spec files may serve a recording, by the upstream host it was made against.
SPECS_BY_HOST = {
    "api.openai.com": ("openai-chat", "openai-responses", "openai-images", "openai-models"),
    "api.anthropic.com": ("anthropic",),
    "generativelanguage.googleapis.com": ("gemini",),
}


needs_reference = pytest.mark.skipif(
    not REFERENCE_DIR.is_dir(), reason=f"{REFERENCE_DIR} is absent (shared reference data not mounted)"
)


@pytest.fixture(scope="session")
def specs() -> SpecSet:
    return load_specs(SPECS_DIR)


@dataclass(frozen=True)
class Exchange:
    """One recorded interaction together with the operation of ours that serves it."""

    source: Path
    index: int
    interaction: Interaction
    operation: Operation

    @property
    def id(self) -> str:
        return f"{self.source.parent.name}/{self.source.stem}#{self.index}"

    @property
    def status(self) -> int:
        return self.interaction.status

    @property
    def is_sse(self) -> bool:
        """Labelled an event stream, or unlabelled (some projects strip headers) and shaped like one."""
        content_type = self.interaction.response.header("content-type")
        if content_type:
            return "text/event-stream" in content_type
        return self.interaction.response.body.lstrip().startswith((b"event:", b"data:"))

    def request_json(self) -> Any:
        return self.interaction.request.json()

    def response_json(self) -> Any:
        return json.loads(self.interaction.response.body)

    def events(self) -> list[SSEEvent]:
        decoder = SSEDecoder()
        return decoder.feed(self.interaction.response.body) + decoder.close()


def _template_regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def match_operation(specs: SpecSet, interaction: Interaction) -> Operation | None:
    """Our operation for a recorded call (same method and path template); None when out of scope."""
    candidates = SPECS_BY_HOST.get(interaction.host, ())
    for operation in specs.operations:
        if (
            operation.spec in candidates
            and operation.method == interaction.method.lower()
            and _template_regex(operation.path).match(interaction.path)
        ):
            return operation
    return None


def iter_exchanges() -> Iterator[Exchange]:
    specs = load_specs(SPECS_DIR)
    for path in sorted(RECORDINGS_DIR.rglob("*.yaml")):
        for index, interaction in enumerate(load_recording(path)):
            operation = match_operation(specs, interaction)
            if operation is not None:
                yield Exchange(path, index, interaction, operation)


def exchange_params(keep: Callable[[Exchange], bool]) -> list[Any]:
    """pytest params for the recorded exchanges that satisfy `keep`, or one skipped placeholder."""
    if not RECORDINGS_DIR.is_dir():
        reason = f"{RECORDINGS_DIR} is absent (shared recordings not mounted)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason))]
    return [pytest.param(ex, id=ex.id) for ex in _all_exchanges() if keep(ex)]


@functools.cache
def _all_exchanges() -> tuple[Exchange, ...]:
    return tuple(iter_exchanges())


# -- openapi-core, the reference validator ------------------------------------------------------


@functools.cache
def _reference(spec: str) -> OpenAPI:
    return OpenAPI.from_dict(json.loads((SPECS_DIR / f"{spec}.json").read_text()))


def _mock_request(operation: Operation, body: Any) -> MockRequest:
    path = operation.path
    for name in operation.path_parameters:
        path = path.replace(f"{{{name}}}", "some-model")
    data = None if body is None else json.dumps(body).encode()
    return MockRequest("http://gateway.test", operation.method, path, data=data)


def reference_accepts_request(operation: Operation, body: Any) -> bool:
    validator = V31RequestBodyValidator(_reference(operation.spec).spec)
    return not list(validator.iter_errors(_mock_request(operation, body)))


def reference_accepts_response(operation: Operation, status: int, body: Any) -> bool:
    validator = V31ResponseDataValidator(_reference(operation.spec).spec)
    response = MockResponse(json.dumps(body).encode(), status_code=status)
    return not list(validator.iter_errors(_mock_request(operation, None), response))
