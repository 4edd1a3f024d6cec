"""vcrpy itself replays every cassette form: the real recordings (plain strings, gzip ``!!binary``,
pydantic-ai's ``parsed_body``, lower-case methods) and ours, through httpx under ``record_mode="none"``.

vcrpy's own YAML serializer cannot load ``parsed_body`` cassettes; ``SERIALIZER`` can. The same
three forms, written synthetically here, are also read by the loader and replayed through the gateway.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from vcr.serializers import yamlserializer

from gateway.cassettes.loader import load_recording
from gateway.cassettes.matching import make_matcher
from gateway.cassettes.vcr_format import SERIALIZER

from .conftest import CASSETTES, RECORDINGS
from .replaying import send

URI_MATCH = ["method", "scheme", "host", "port", "path", "query"]


def _all_cassettes() -> list[Any]:
    found = sorted(CASSETTES.rglob("*.yaml"))
    if RECORDINGS.is_dir():
        found += sorted(RECORDINGS.rglob("*.yaml"))
    return [pytest.param(path, id=f"{path.parents[1].name}:{path.parent.name}/{path.stem}") for path in found]


def _replay_with_vcrpy(path: Path, match_on: list[str]) -> None:
    recorder = vcr.VCR(record_mode="none", match_on=match_on)
    recorder.register_serializer("gateway", SERIALIZER)
    recorder.register_matcher("meaning", make_matcher())
    interactions = load_recording(path)
    with recorder.use_cassette(str(path), serializer="gateway") as cassette, httpx.Client() as client:
        for interaction in interactions:
            response = client.request(interaction.method, interaction.uri, content=interaction.request.body)
            assert response.status_code == interaction.status
            assert response.content == interaction.response.body
        assert cassette.all_played


@pytest.mark.parametrize("path", _all_cassettes())
def test_vcrpy_replays_every_cassette(path: Path) -> None:
    """By URL, and by meaning (the matcher replay uses) at the same time."""
    _replay_with_vcrpy(path, [*URI_MATCH, "meaning"])


# --- the three forms, written here -------------------------------------------------------------------

CHAT_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Which buoy marks a wreck?"}],
}
CHAT_REPLY = {
    "id": "chatcmpl-forms",
    "object": "chat.completion",
    "created": 1767600000,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "An emergency wreck buoy.", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17},
}


def _write(path: Path, form: str) -> Path:
    request: dict[str, Any] = {
        "method": "POST",
        "uri": "https://api.openai.com/v1/chat/completions",
        "headers": {},
    }
    response: dict[str, Any] = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/json"]},
    }
    if form == "parsed_body":  # pydantic-ai: decoded JSON as a mapping, method in lower case
        request |= {"method": "post", "parsed_body": CHAT_REQUEST}
        response["parsed_body"] = CHAT_REPLY
    elif form == "gzip":
        request["body"] = json.dumps(CHAT_REQUEST)
        response["headers"]["content-encoding"] = ["gzip"]
        response["body"] = {"string": gzip.compress(json.dumps(CHAT_REPLY).encode())}
    else:
        request["body"] = json.dumps(CHAT_REQUEST)
        response["body"] = {"string": json.dumps(CHAT_REPLY)}
    path.write_text(yaml.dump({"interactions": [{"request": request, "response": response}], "version": 1}))
    return path


@pytest.mark.parametrize("form", ["plain", "gzip", "parsed_body"])
def test_each_form_loads_and_replays_through_the_gateway(form: str, tmp_path: Path, replay_on: Any) -> None:
    path = _write(tmp_path / f"{form}.yaml", form)
    (interaction,) = load_recording(path)
    assert interaction.method == "POST"
    assert interaction.request.json() == CHAT_REQUEST
    assert interaction.response.json() == CHAT_REPLY
    _replay_with_vcrpy(path, URI_MATCH)
    from gateway.cassettes.fixtures import Fixture

    reply = send(replay_on(path), Fixture("openai_chat", "/v1/chat/completions", CHAT_REQUEST))
    assert reply.status == 200, reply.body
    assert reply.json()["choices"][0]["message"]["content"] == "An emergency wreck buoy."


def test_plain_vcrpy_cannot_load_parsed_body(tmp_path: Path) -> None:
    """Why the serializer exists: vcrpy's own refuses pydantic-ai's form."""
    path = _write(tmp_path / "parsed.yaml", "parsed_body")
    with pytest.raises(TypeError, match="parsed_body"):
        vcr.serialize.deserialize(path.read_text(), yamlserializer)


def test_project_cassettes_load_with_plain_vcrpy() -> None:
    """Ours are plain vcrpy cassettes: no custom serializer is needed to read them."""
    for path in CASSETTES.rglob("*.yaml"):
        requests, responses = vcr.serialize.deserialize(path.read_text(), yamlserializer)[:2]
        assert len(requests) == len(responses) == 1, path
