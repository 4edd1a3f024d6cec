"""The certificate: a matrix that never counts the untried as passed, and pages that explain
each failure with its evidence and load nothing from anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conformance.certificate import Certificate, Outcome
from conformance.evidence import Exchange, Failure
from conformance.profile import load_profile
from conformance.render import cell_verdict

KEY = "sk-secret-0123"
EXCHANGE = Exchange(
    method="POST",
    url="http://127.0.0.1:1/v1/messages",
    request_headers={"x-api-key": KEY},
    request_body='{"model": "m", "note": "<script>alert(1)</script>"}',
    status=200,
    response_headers={"content-type": "text/event-stream"},
    response_body="event: message_start\ndata: {}\n\n",
)


def _certificate() -> Certificate:
    certificate = Certificate("http://127.0.0.1:1", load_profile())
    failure = Failure(
        "anthropic.stream.terminal_present", "the stream ended without message_stop", "event 1", EXCHANGE
    )
    certificate.add(
        Outcome(
            "test_stream_grammar[anthropic.messages-plain]",
            "streaming",
            "anthropic.messages",
            "failed",
            failures=[failure],
        )
    )
    certificate.add(Outcome("test_stream_grammar[openai.chat-plain]", "streaming", "openai.chat"))
    certificate.add(
        Outcome(
            "test_stream_grammar[openai.chat-thinking]",
            "streaming",
            "openai.chat",
            "skipped",
            "no thinking model",
        )
    )
    certificate.add(
        Outcome(
            "test_missing_key[gemini.v1.models]", "errors", "gemini.v1.models", "not-claimed", "not claimed"
        )
    )
    return certificate


def test_the_matrix_counts_each_status_per_surface_and_family() -> None:
    matrix = _certificate().matrix()
    assert matrix["anthropic.messages"]["streaming"] == {
        "passed": 0,
        "failed": 1,
        "skipped": 0,
        "not-claimed": 0,
    }
    assert matrix["openai.chat"]["streaming"] == {"passed": 1, "failed": 0, "skipped": 1, "not-claimed": 0}
    assert matrix["gemini.v1.models"]["errors"]["not-claimed"] == 1
    assert sum(matrix["openai.images"]["schema"].values()) == 0  # a row for every surface, tried or not
    assert list(matrix)[:2] == ["openai.chat", "openai.responses"]


def test_a_cell_reads_as_its_worst_outcome_and_never_as_passed_when_untried() -> None:
    assert cell_verdict({"passed": 3, "failed": 1}) == "failed"
    assert cell_verdict({"passed": 1, "skipped": 2}) == "passed"
    assert cell_verdict({"skipped": 1, "not-claimed": 4}) == "skipped"
    assert cell_verdict({"not-claimed": 4}) == "not-claimed"
    assert cell_verdict({}) == ""


def test_written_certificates_explain_failures_and_hold_no_key(tmp_path: Path) -> None:
    paths = _certificate().write(tmp_path, KEY)
    assert [p.name for p in paths] == ["certificate.json", "certificate.md", "certificate.html"]
    data = json.loads((tmp_path / "certificate.json").read_text())
    assert data["verdict"] == "fail" and data["totals"] == {
        "passed": 1,
        "failed": 1,
        "skipped": 1,
        "not-claimed": 1,
    }
    (failure,) = data["failures"]
    assert (
        failure["rule"] == "anthropic.stream.terminal_present" and failure["surface"] == "anthropic.messages"
    )
    assert failure["exchange"]["request_headers"] == {"x-api-key": "<key>"}
    html = (tmp_path / "certificate.html").read_text()
    markdown = (tmp_path / "certificate.md").read_text()
    for text in (html, markdown, json.dumps(data)):
        assert KEY not in text
    assert "anthropic.stream.terminal_present" in html and "event: message_start" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "| anthropic.messages | — | 1 FAIL |" in markdown
    assert "no thinking model" in html and "no thinking model" in markdown


def test_the_html_page_is_self_contained(tmp_path: Path) -> None:
    _certificate().write(tmp_path, KEY)
    html = (tmp_path / "certificate.html").read_text()
    assert "<style>" in html
    assert not re.search(r"<link|<script|<img|<iframe|@import|url\(", html, re.IGNORECASE)
    links = re.findall(r"(?:href|src)=", html)
    assert links == []
