"""Evidence: what the recorder keeps of an exchange, and what it never keeps (the key)."""

from __future__ import annotations

import httpx
import pytest

from conformance.checks import Finding
from conformance.evidence import Recorder, clip, scrub
from conformance.http import Request, Target
from conformance.profile import load_profile

KEY = "gw-demo-key"


@pytest.fixture
def recorder(gateway_url: str) -> Recorder:
    return Recorder(Target(gateway_url, KEY, load_profile()))


def test_the_key_is_masked_in_every_style(recorder: Recorder) -> None:
    for style in ("bearer", "x-api-key", "x-goog-api-key", "query"):
        recorder.send(Request("GET", "/v1beta/models"), "gemini", style)
    text = repr(recorder.exchanges)
    assert KEY not in text
    assert text.count("<key>") == 4
    assert recorder.exchanges[-1].url.endswith("/v1beta/models?key=<key>")
    assert all(e.status == 200 for e in recorder.exchanges)


def test_scrub_masks_the_key_as_written_and_url_encoded() -> None:
    secret = "sk/a+b c"
    text = f"{secret} {httpx.QueryParams({'key': secret})} Bearer {secret}"
    assert scrub(text, secret) == "<key> key=<key> Bearer <key>"
    assert scrub("nothing here", "") == "nothing here"


def test_a_long_body_keeps_its_start_and_its_end() -> None:
    body = b"data: start\n\n" + b"x" * 10_000 + b"data: [DONE]\n\n"
    clipped = clip(body)
    assert clipped.startswith("data: start") and clipped.endswith("data: [DONE]\n\n")
    assert "characters elided" in clipped and len(clipped) < 5000
    assert clip(b"short") == "short"
    assert clip(b"\xff\xfe") == "\ufffd\ufffd"


def test_a_transport_failure_is_a_reply_with_status_0() -> None:
    recorder = Recorder(Target("http://127.0.0.1:9", KEY, load_profile()))
    reply = recorder.send(Request("GET", "/v1/models"), "openai")
    assert reply.status == 0 and reply.error
    assert recorder.last is not None and recorder.last.error == reply.error


def test_findings_become_failures_or_notes_and_a_repeated_rule_is_kept_once(recorder: Recorder) -> None:
    recorder.send(Request("GET", "/v1/models"), "openai")
    errors = recorder.check(
        [
            Finding("p.stream.rule", "first", "event 1"),
            Finding("p.stream.rule", "second", "event 2"),
            Finding("p.stream.other", "third", "event 3"),
            Finding("p.stream.hint", "a warning", "event 4", "warning"),
        ]
    )
    assert [f.message for f in errors] == ["first", "second", "third"]
    assert [(f.rule, f.where) for f in recorder.failures] == [
        ("p.stream.rule", "event 1"),
        ("p.stream.other", "event 3"),
    ]
    assert "broken 2 times" in recorder.failures[0].message
    assert [n.rule for n in recorder.notes] == ["p.stream.hint"]
    assert recorder.failures[0].exchange is recorder.last
