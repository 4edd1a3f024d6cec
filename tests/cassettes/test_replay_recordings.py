"""Every real recording replays through the gateway, for every inbound protocol that can ask it.

The inbound request is built from the recorded upstream request: the same protocol sends the
recorded body as it was (passthrough); another protocol gets the recorded body decoded with the
upstream codec and encoded with its own. A protocol that cannot express the request (its codec or
its spec refuses) is skipped for that recording, saying why. The gateway's replies must validate
against ``specs/`` and mean what the provider said (see ``replaying``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gateway import tables
from gateway.cassettes.fixtures import Fixture, gateway_path, operation_id, translate
from gateway.cassettes.loader import Interaction, load_recording
from gateway.cassettes.matching import meaning_of
from gateway.codecs import codec_for
from gateway.errors import GatewayError
from gateway.signatures import as_held_by
from gateway.specs import SpecSet

from .conftest import RECORDINGS, write_yaml
from .replaying import Upstream, meaning_problems, send, spec_problems

PROVIDERS = {
    tables.OPENAI_CHAT: "openai",
    tables.OPENAI_RESPONSES: "openai-responses",
    tables.OPENAI_IMAGES: "openai-images",
    tables.ANTHROPIC: "anthropic",
    tables.GEMINI: "google",
}
FORWARDED = ("anthropic-beta", "openai-beta")

# Recorded requests the upstream codec cannot write back after a trip through canonical, by a
# documented codec rule: only a client of the recording's own protocol (passthrough) replays them.
SAME_PROTOCOL_ONLY = {
    "openai/resp-reasoning-summary-stream__mirascope#1": (
        "its history holds a reasoning item with an id but no encrypted_content, and the Responses "
        "codec re-sends reasoning only by its encrypted content"
    ),
    "gemini/err500-internal__pydantic-ai#0": (
        "its response schema has a `default`, which the Gemini codec leaves out of the schemas it writes"
    ),
}


def _operation(interaction: Interaction) -> tuple[str, str | None]:
    meaning = meaning_of(interaction.method, interaction.uri, interaction.request.body)
    return meaning.operation, meaning.model


def _model_id(operation: str, model: str) -> str:
    return f"{operation.removesuffix('.count')}/{model}"


@cache
def _recordings() -> tuple[Path, ...]:
    return tuple(sorted(RECORDINGS.rglob("*.yaml"))) if RECORDINGS.is_dir() else ()


def _protocols(path: Path) -> list[str]:
    """The inbound protocols worth trying on a recording (the rest cannot ask its operations)."""
    found: set[str] = set()
    for interaction in load_recording(path):
        operation, _ = _operation(interaction)
        if operation in tables.PROTOCOLS:
            found |= set(tables.PROTOCOLS)
        elif operation == tables.OPENAI_IMAGES or operation.endswith(".count"):
            found.add(operation.removesuffix(".count"))
    return sorted(found)


def _cases() -> list[Any]:
    if not _recordings():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"no recordings at {RECORDINGS}"))]
    cases = []
    for path in _recordings():
        name = f"{path.parent.name}/{path.stem}"
        protocols = _protocols(path)
        if not protocols:
            reason = "it calls no endpoint the gateway serves (embeddings, files, models, traces)"
            cases.append(pytest.param(path, None, id=name, marks=pytest.mark.skip(reason=reason)))
        cases += [pytest.param(path, protocol, id=f"{name}->{protocol}") for protocol in protocols]
    return cases


@pytest.fixture(scope="module")
def recordings_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default providers, and one model per (operation, recorded model) whose upstream name is
    the recorded one, so every recorded request routes to a provider of its own protocol."""
    models: dict[str, dict[str, Any]] = {}
    for path in _recordings():
        for interaction in load_recording(path):
            operation, model = _operation(interaction)
            protocol = operation.removesuffix(".count")
            if model and protocol in PROVIDERS:
                models[_model_id(operation, model)] = {
                    "id": _model_id(operation, model),
                    "provider": PROVIDERS[protocol],
                    "upstream_model": model,
                    "kind": "image" if protocol == tables.OPENAI_IMAGES else "chat",
                }
    providers = {
        "openai": {"kind": "openai_chat", "base_url": "https://api.openai.com/v1"},
        "openai-responses": {"kind": "openai_responses", "base_url": "https://api.openai.com/v1"},
        "openai-images": {"kind": "openai_images", "base_url": "https://api.openai.com/v1"},
        "anthropic": {"kind": "anthropic", "base_url": "https://api.anthropic.com"},
        "google": {"kind": "gemini", "base_url": "https://generativelanguage.googleapis.com"},
    }
    catalog = {"providers": providers, "models": list(models.values())}
    return write_yaml(tmp_path_factory.mktemp("catalog") / "recordings.yaml", catalog)


def inbound(specs: SpecSet, interaction: Interaction, protocol: str, name: str) -> Fixture | str:
    """The request a client of ``protocol`` sends to make the gateway repeat ``interaction``, or
    why that protocol cannot."""
    operation, model = _operation(interaction)
    upstream = operation.removesuffix(".count")
    if model is None:
        return "the recorded request names no model"
    body = interaction.request.json()
    model_id = _model_id(operation, model)
    malformed = specs.validate_request_body(operation_id(interaction.path), body)
    if malformed and operation in tables.PROTOCOLS:
        return f"the provider's own spec refuses the recorded request, as the gateway would: {malformed[:2]}"
    if protocol == upstream:
        fixture = _verbatim(interaction, protocol, body, model_id)
        problems = specs.validate_request_body(fixture.operation_id, fixture.body)
        if problems:
            return f"the gateway refuses it before any upstream call, as its spec says: {problems[:2]}"
        return fixture
    if operation not in tables.PROTOCOLS:
        return f"{operation} is served only to clients of its own protocol"
    if name in SAME_PROTOCOL_ONLY:
        return SAME_PROTOCOL_ONLY[name]
    try:
        request = codec_for(upstream).decode_request(body, model=model)
    except GatewayError as refusal:
        return f"only a client of its own protocol can ask it: {refusal.message}"
    request.stream = _operation_streams(interaction, body)
    # A client of another protocol holds the provider's signatures as the gateway hands them out.
    return translate(as_held_by(request, upstream, protocol), protocol, model_id, specs)


def _operation_streams(interaction: Interaction, body: dict[str, Any]) -> bool:
    return interaction.path.endswith(":streamGenerateContent") or body.get("stream") is True


def _verbatim(interaction: Interaction, protocol: str, body: dict[str, Any], model_id: str) -> Fixture:
    headers = {
        name: interaction.request.header(name) for name in FORWARDED if interaction.request.header(name)
    }
    if protocol != tables.GEMINI:
        path = (
            interaction.path
            if interaction.path.endswith("/count_tokens")
            else gateway_path(protocol, model_id)
        )
        return Fixture(protocol, path, {**body, "model": model_id}, headers)
    verb = interaction.path.rsplit(":", 1)[-1]
    if verb == "countTokens":
        return Fixture(protocol, f"/v1beta/models/{model_id}:countTokens", body, headers)
    stream = verb == "streamGenerateContent"
    path = gateway_path(protocol, model_id, stream=stream, json_array="alt=sse" not in interaction.query)
    return Fixture(protocol, path, body, headers)


@pytest.mark.parametrize(("recording", "protocol"), _cases())
def test_recording_replays_through_the_gateway(
    recording: Path, protocol: str, replay_on: Any, recordings_catalog: Path, specs: SpecSet
) -> None:
    client = replay_on(recording, recordings_catalog)
    played, refused, failures = 0, [], []
    for number, interaction in enumerate(load_recording(recording)):
        name = f"{recording.parent.name}/{recording.stem}#{number}"
        fixture = inbound(specs, interaction, protocol, name)
        if isinstance(fixture, str):
            refused.append(f"#{number}: {fixture}")
            continue
        reply = send(client, fixture)
        played += 1
        problems = spec_problems(specs, fixture, reply) + meaning_problems(
            fixture, reply, Upstream.of(interaction)
        )
        failures += [f"#{number} {fixture.path}: {problem}" for problem in problems]
    if not played:
        pytest.skip("; ".join(refused))
    assert failures == [], "\n".join(failures)
