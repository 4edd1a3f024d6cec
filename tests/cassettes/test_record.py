"""``gateway record`` against a local upstream: the cassette it writes replays, and holds no secret.

The upstream (pytest-httpserver on loopback) is told the fake key it will receive and echoes it
back the way providers do: in the body (plain and gzipped), in cookies, beside the organisation and
project ids. Nothing of it may reach the cassette file, in its bytes or inside a gzip or ``!!binary``
body.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from vcr.request import Request as VcrRequest
from werkzeug import Request, Response

from gateway.cassettes.fixtures import Fixture, load_fixture
from gateway.cassettes.loader import load_recording
from gateway.cassettes.record import cassette_path_for
from gateway.cassettes.scrub import PLACEHOLDER, Scrubber
from gateway.cli import main

from .conftest import FIXTURES, write_yaml
from .replaying import send

FAKE_KEY = "sk-test-FAKEKEY-0123456789abcdefghijklmnop"
ORG = "org-Zq9Xw8Vu7Ts6Rr5Qp4On3Ml2"
PROJECT = "proj_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8"


def _answer(request: Request) -> Response:
    """An OpenAI-style reply that repeats every secret it was sent: gzipped JSON with the key in it."""
    presented = request.headers.get("authorization", "").removeprefix("Bearer ")
    body = {
        "id": "chatcmpl-local",
        "object": "chat.completion",
        "created": 1767600000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": f"You sent {presented} for {ORG}.",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16},
        "system_fingerprint": None,
    }
    response = Response(gzip.compress(json.dumps(body).encode()), content_type="application/json")
    response.headers["content-encoding"] = "gzip"
    response.headers["openai-organization"] = ORG
    response.headers["openai-project"] = PROJECT
    response.headers.add("set-cookie", f"__cf_bm=session-{presented}; path=/")
    response.headers["x-echo-key"] = presented
    return response


@pytest.fixture
def local_upstream(httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog whose OpenAI provider is the local upstream, keyed from OPENAI_API_KEY."""
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(_answer)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    catalog = {
        "providers": {
            "openai": {
                "kind": "openai_chat",
                "base_url": httpserver.url_for("/v1"),
                "api_key_env": "OPENAI_API_KEY",
            }
        },
        "models": [{"id": "openai/gpt-4o-mini", "aliases": ["gpt-4o-mini"]}],
    }
    return write_yaml(tmp_path / "catalog.yaml", catalog)


def _fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "fixtures" / "openai" / "local-echo"
    folder.mkdir(parents=True)
    fixture = Fixture(
        "openai_chat",
        "/v1/chat/completions",
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Echo my key."}]},
    )
    path = folder / "openai_chat.json"
    path.write_text(fixture.to_json(), encoding="utf-8")
    return path


def _record(*args: str) -> Any:
    return CliRunner().invoke(main, ["record", *args], catch_exceptions=False)


def test_recording_writes_a_cassette_with_no_secret_in_it(local_upstream: Path, tmp_path: Path) -> None:
    fixture = _fixture(tmp_path)
    result = _record(str(fixture), "--catalog", str(local_upstream))
    assert result.exit_code == 0, result.output
    cassette = tmp_path / "cassettes" / "openai" / "local-echo.yaml"
    assert f"wrote {cassette}" in result.output
    raw = cassette.read_bytes()
    for secret in (FAKE_KEY, ORG, PROJECT):
        assert secret.encode() not in raw
    (interaction,) = load_recording(cassette)
    assert interaction.response.wire[:2] == b"\x1f\x8b", "the reply is kept gzipped, as it was sent"
    for side in (interaction.request, interaction.response):
        assert FAKE_KEY.encode() not in side.body
        assert FAKE_KEY.encode() not in side.wire
        assert all(
            FAKE_KEY not in value and ORG not in value for values in side.headers.values() for value in values
        )
    assert base64.b64encode(FAKE_KEY.encode())[:20] not in raw
    assert interaction.request.header("authorization") == PLACEHOLDER
    assert interaction.response.header("openai-organization") == PLACEHOLDER
    assert interaction.response.header("set-cookie") == PLACEHOLDER
    assert b"You sent REDACTED for org-REDACTED." in interaction.response.body


def test_a_recorded_cassette_replays(
    local_upstream: Path, tmp_path: Path, replay_on: Callable[..., Any]
) -> None:
    fixture = _fixture(tmp_path)
    assert _record(str(fixture), "--catalog", str(local_upstream)).exit_code == 0
    client = replay_on(tmp_path / "cassettes" / "openai" / "local-echo.yaml", local_upstream)
    reply = send(client, load_fixture(fixture))
    assert reply.status == 200
    assert reply.json()["choices"][0]["message"]["content"] == "You sent REDACTED for org-REDACTED."


def test_recording_refuses_without_the_key(
    local_upstream: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    result = CliRunner().invoke(main, ["record", str(_fixture(tmp_path)), "--catalog", str(local_upstream)])
    assert result.exit_code != 0
    assert "set OPENAI_API_KEY" in result.output


def test_recording_never_overwrites_without_force(local_upstream: Path, tmp_path: Path) -> None:
    fixture = _fixture(tmp_path)
    out = tmp_path / "kept.yaml"
    out.write_text("version: 1\ninteractions: []\n")
    refused = CliRunner().invoke(
        main, ["record", str(fixture), "--catalog", str(local_upstream), "--out", str(out)]
    )
    assert refused.exit_code != 0 and "--force" in refused.output
    assert (
        _record(str(fixture), "--catalog", str(local_upstream), "--out", str(out), "--force").exit_code == 0
    )
    assert len(load_recording(out)) == 1


def test_fixtures_record_into_their_cassette_by_convention() -> None:
    path = FIXTURES / "anthropic" / "plain" / "openai_chat.json"
    assert cassette_path_for(path) == FIXTURES.parent / "cassettes" / "anthropic" / "plain.yaml"
    assert cassette_path_for(Path("/tmp/elsewhere.json")) is None


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Authorization", f"Bearer {FAKE_KEY}"),
        ("x-api-key", FAKE_KEY),
        ("x-goog-api-key", FAKE_KEY),
        ("api-key", FAKE_KEY),
        ("Cookie", f"session={FAKE_KEY}"),
        ("OpenAI-Organization", ORG),
        ("OpenAI-Project", PROJECT),
    ],
)
def test_every_auth_style_is_scrubbed_from_requests(header: str, value: str) -> None:
    scrubbed = Scrubber([FAKE_KEY]).request(
        VcrRequest("POST", "https://example.test/v1", b"{}", {header: value})
    )
    assert scrubbed.headers[header] == PLACEHOLDER


def test_key_query_parameters_and_echoed_keys_are_scrubbed() -> None:
    scrubber = Scrubber(["AIzaSyFAKE0123456789abcdefghijklmnopq"])
    uri = "https://generativelanguage.googleapis.com/v1beta/models/m:streamGenerateContent?alt=sse&key=AIzaSyFAKE0123456789abcdefghijklmnopq"
    request = scrubber.request(
        VcrRequest("POST", uri, b'{"note":"AIzaSyFAKE0123456789abcdefghijklmnopq"}', {})
    )
    assert "AIzaSyFAKE" not in request.uri and "key=REDACTED" in request.uri and "alt=sse" in request.uri
    assert b"AIzaSyFAKE" not in request.body
    masked = "Incorrect API key provided: sk-proj-****************************abcd."
    response = {
        "status": {"code": 401, "message": "Unauthorized"},
        "headers": {},
        "body": {"string": masked.encode()},
    }
    assert scrubber.response(response)["body"]["string"] == b"Incorrect API key provided: sk-REDACTED."
    assert Scrubber().text("the task-management team") == "the task-management team"
