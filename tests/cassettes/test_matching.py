"""Replay matches by meaning: what legitimately varies is tolerated, anything else fails loudly.

Also the directory rules of ``serve --replay``: sorted order, a recorded sequence replays in order
and its last answer keeps answering; and the project's cassettes are unambiguous as one directory.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from gateway.cassettes.loader import load_recording
from gateway.cassettes.matching import differences, meaning_of, model_names
from gateway.cassettes.replay import CassetteMiss, ReplayTransport, cassette_paths
from gateway.catalog import load_catalog
from gateway.settings import DEFAULT_CATALOG

from .conftest import CASSETTES

ANTHROPIC = "https://api.anthropic.com/v1/messages"
BASE = {
    "model": "claude-sonnet-4-5-20250929",
    "max_tokens": 512,
    "system": "You are terse.",
    "messages": [
        {"role": "user", "content": "Weather at Brest?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_A", "name": "wx", "input": {"city": "Brest"}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_A", "content": "rain"}]},
    ],
    "tools": [
        {
            "name": "wx",
            "description": "",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ],
}
SAME_MODEL = model_names(load_catalog(DEFAULT_CATALOG))


def _differ(ours: dict[str, Any], recorded: dict[str, Any], uri: str = ANTHROPIC) -> list[str]:
    mine = meaning_of("POST", uri, json.dumps(ours).encode())
    theirs = meaning_of("post", uri, json.dumps(recorded, indent=2, sort_keys=True).encode())
    return differences(mine, theirs, SAME_MODEL)


def _with(**changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(BASE)), **changes}


def test_the_same_request_matches_whatever_its_key_order_and_method_case() -> None:
    assert _differ(BASE, BASE) == []


def test_the_model_alias_matches_the_upstream_name() -> None:
    assert _differ(_with(model="claude-sonnet-4-5"), BASE) == []
    assert _differ(_with(model="anthropic/claude-sonnet-4-5"), BASE) == []
    assert _differ(_with(model="claude-haiku-4-5"), BASE) != []


def test_tool_call_ids_match_by_position() -> None:
    renamed = json.loads(json.dumps(BASE).replace("toolu_A", "toolu_Z"))
    assert _differ(renamed, BASE) == []


def test_tolerated_additions_and_spellings() -> None:
    """The usage flag the gateway adds, an empty tool description, a user tag, a system block list."""
    ours = _with(
        metadata={"user_id": "u-1"},
        system=[{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
    )
    ours["tools"][0].pop("description")
    assert _differ(ours, BASE) == []
    chat = {
        "model": "gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
    }
    recorded = {**chat, "messages": [{"role": "system", "content": "Be brief."}, chat["messages"][1]]}
    uri = "https://api.openai.com/v1/chat/completions"
    assert _differ({**chat, "stream_options": {"include_usage": True}}, recorded, uri) == []


def test_a_recording_without_a_limit_answers_any_limit() -> None:
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    uri = "https://api.openai.com/v1/chat/completions"
    assert _differ({**chat, "max_completion_tokens": 64}, chat, uri) == []
    assert _differ(chat, {**chat, "max_completion_tokens": 64}, uri) != []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"max_tokens": 513}, "body.max_tokens"),
        ({"system": "You are verbose."}, "body.messages[0].content[0].text"),
        ({"stream": True}, "stream"),
        ({"temperature": 0.5}, "body.temperature"),
        ({"tools": []}, "body.tools"),
    ],
)
def test_a_different_request_names_what_differs(change: dict[str, Any], named: str) -> None:
    found = _differ(_with(**change), BASE)
    assert any(line.startswith(named) for line in found), found


def test_a_gemini_model_is_read_from_the_path() -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
    flash = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
    assert _differ(body, body, flash + ":streamGenerateContent?alt=sse") == []
    sse = meaning_of("POST", flash + ":streamGenerateContent?alt=sse", json.dumps(body).encode())
    array = meaning_of("POST", flash + ":streamGenerateContent", json.dumps(body).encode())
    assert differences(sse, array, SAME_MODEL) == []
    pro = meaning_of("POST", flash.replace("flash", "pro") + ":generateContent", json.dumps(body).encode())
    assert any(line.startswith("model") for line in differences(pro, array, SAME_MODEL))


# --- the transport -----------------------------------------------------------------------------------


def _cassette(path: Path, answers: list[tuple[int, str]], body: dict[str, Any] = BASE) -> Path:
    interactions = [
        {
            "request": {"method": "POST", "uri": ANTHROPIC, "body": json.dumps(body), "headers": {}},
            "response": {
                "status": {"code": code, "message": ""},
                "headers": {"content-type": ["application/json"]},
                "body": {"string": text},
            },
        }
        for code, text in answers
    ]
    path.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}))
    return path


def _send(transport: ReplayTransport, body: dict[str, Any] = BASE, uri: str = ANTHROPIC) -> httpx.Response:
    with httpx.Client(transport=transport) as client:
        return client.post(
            uri, json=body, headers={"x-api-key": "anything", "anthropic-version": "2023-06-01"}
        )


def test_a_recorded_sequence_replays_in_order_then_its_last_answer_repeats(tmp_path: Path) -> None:
    path = _cassette(tmp_path / "seq.yaml", [(429, "first"), (529, "second"), (200, "third")])
    transport = ReplayTransport([path])
    assert [_send(transport).status_code for _ in range(5)] == [429, 529, 200, 200, 200]
    transport.rewind()
    assert _send(transport).text == "first"


def test_cassettes_are_tried_in_sorted_order(tmp_path: Path) -> None:
    _cassette(tmp_path / "b.yaml", [(200, "from b")])
    _cassette(tmp_path / "a.yaml", [(200, "from a")])
    transport = ReplayTransport(cassette_paths(tmp_path))
    assert [_send(transport).text for _ in range(3)] == ["from a", "from b", "from b"]


def test_a_request_no_cassette_holds_fails_loudly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _cassette(tmp_path / "one.yaml", [(200, "ok")])
    transport = ReplayTransport([path])
    with caplog.at_level(logging.ERROR, "gateway.replay"), pytest.raises(CassetteMiss) as miss:
        _send(transport, _with(max_tokens=999))
    message = miss.value.message
    assert "POST api.anthropic.com anthropic model=claude-sonnet-4-5-20250929" in message
    assert f"nearest recorded is {path}#0" in message
    assert "body.max_tokens: 999 != recorded 512" in message
    assert message in caplog.text


def test_a_json_array_stream_is_served_as_sse_to_a_gateway_that_asks_for_it(tmp_path: Path) -> None:
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "Hel"}], "role": "model"}, "index": 0}]},
        {
            "candidates": [
                {"content": {"parts": [{"text": "lo"}], "role": "model"}, "finishReason": "STOP", "index": 0}
            ]
        },
    ]
    uri = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
    interaction = {
        "request": {"method": "POST", "uri": uri, "body": json.dumps(body), "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"content-type": ["application/json; charset=UTF-8"]},
            "body": {"string": json.dumps(chunks)},
        },
    }
    path = tmp_path / "array.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction]}))
    reply = _send(ReplayTransport([path]), body, uri + "?alt=sse")
    assert reply.headers["content-type"] == "text/event-stream"
    assert [line for line in reply.text.splitlines() if line] == [
        f"data: {json.dumps(c, separators=(',', ':'))}" for c in chunks
    ]


def test_the_project_cassettes_are_unambiguous_as_one_directory() -> None:
    """``serve --replay cassettes/`` answers each recorded request from its own cassette."""
    catalog = load_catalog(DEFAULT_CATALOG)
    same = model_names(catalog)
    recorded = [
        (path, meaning_of(it.method, it.uri, it.request.body))
        for path in sorted(CASSETTES.rglob("*.yaml"))
        for it in load_recording(path)
    ]
    clashes = [
        (a.name, b.name)
        for n, (a, mine) in enumerate(recorded)
        for b, theirs in recorded[n + 1 :]
        if not differences(mine, theirs, same)
    ]
    assert clashes == []
