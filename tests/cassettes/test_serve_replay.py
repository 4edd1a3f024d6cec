"""``gateway serve --replay cassettes/``: the official SDKs against realistic provider behaviour,
errors included, with no network and no provider key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from click.testing import CliRunner
from google import genai

from gateway.app import create_app
from gateway.cassettes.fixtures import load_fixture
from gateway.cli import main
from gateway.serving import RunningServer
from gateway.settings import Settings

from .conftest import CASSETTES, FIXTURES
from .replaying import DEMO_KEY, send


@pytest.fixture
def replaying(serve: Callable[[Settings], RunningServer], settings: Settings) -> str:
    """A gateway on loopback answering from every project cassette."""
    return serve(settings.with_(upstream="replay", replay_dir=CASSETTES)).url


def test_openai_sdk_streams_an_anthropic_cassette(replaying: str) -> None:
    client = openai.OpenAI(base_url=f"{replaying}/v1", api_key=DEMO_KEY, max_retries=0)
    fixture = load_fixture(FIXTURES / "anthropic" / "stream" / "openai_chat.json")
    stream = client.chat.completions.create(**fixture.body)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "Falling visibility on the horizon and a sudden drop in air temperature over cold water."


def test_openai_sdk_sees_the_recorded_rate_limit(replaying: str) -> None:
    client = openai.OpenAI(base_url=f"{replaying}/v1", api_key=DEMO_KEY, max_retries=0)
    fixture = load_fixture(FIXTURES / "openai" / "chat-err429" / "openai_chat.json")
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(**fixture.body)
    assert raised.value.response.headers["retry-after"] == "2"
    assert "Rate limit reached for gpt-4o-mini" in raised.value.message


def test_anthropic_sdk_sees_the_recorded_overload(replaying: str) -> None:
    client = anthropic.Anthropic(base_url=replaying, api_key=DEMO_KEY, max_retries=0)
    fixture = load_fixture(FIXTURES / "anthropic" / "err529" / "anthropic.json")
    with pytest.raises(anthropic.APIStatusError) as raised:
        client.messages.create(**fixture.body)
    assert raised.value.status_code == 529
    assert raised.value.body["error"]["type"] == "overloaded_error"


def test_google_sdk_gets_a_gemini_tool_call(replaying: str) -> None:
    client = genai.Client(api_key=DEMO_KEY, http_options={"base_url": replaying})
    fixture = load_fixture(FIXTURES / "gemini" / "tools" / "gemini.json")
    reply = client.models.generate_content(
        model="gemini-2.5-flash",
        contents=fixture.body["contents"],
        config={
            "tools": fixture.body["tools"],
            "max_output_tokens": fixture.body["generationConfig"]["maxOutputTokens"],
        },
    )
    (call,) = reply.function_calls
    assert (call.name, call.args) == ("find_marina", {"town": "Camaret", "length_m": 10})


def test_a_request_no_cassette_holds_is_a_502_naming_the_nearest(replaying: str) -> None:
    client = openai.OpenAI(base_url=f"{replaying}/v1", api_key=DEMO_KEY, max_retries=0)
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": "Name two signs of fog."}],
        )
    assert raised.value.status_code == 502
    assert raised.value.code == "cassette_miss"
    assert "nearest recorded is" in raised.value.message and "anthropic" in raised.value.message


def test_serve_replay_option_turns_replay_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda host, port, app, **_: served.update(app=app))
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    result = CliRunner().invoke(
        main, ["serve", "--replay", str(CASSETTES), "--ledger-url", ledger], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "upstream=replay" in result.output and f"cassettes:          {CASSETTES}" in result.output
    reply = send(served["app"].test_client(), load_fixture(FIXTURES / "gemini" / "plain" / "anthropic.json"))
    assert reply.status == 200
    assert reply.json()["content"][0]["text"].startswith("Rivers carry dissolved minerals")


def test_create_app_replays_a_single_cassette_file(tmp_path: Path) -> None:
    settings = Settings(
        upstream="replay",
        replay_dir=CASSETTES / "openai" / "responses-tools.yaml",
        ledger_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
    )
    reply = send(
        create_app(settings).test_client(),
        load_fixture(FIXTURES / "openai" / "responses-tools" / "anthropic.json"),
    )
    assert reply.status == 200
    (call,) = [block for block in reply.json()["content"] if block["type"] == "tool_use"]
    assert call["input"] == {"species": "grey seal", "count": 2}
