"""The suite itself, run as users run it (``conformance run`` in a subprocess): it passes on this
gateway, it reports exactly the defects of a deliberately broken one, family by family, with the
evidence of each, and its certificate never holds the key.

These are the slowest tests of the harness (each run starts pytest and the SDKs); the schema
family runs with two generated requests per operation and mode to keep them short.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from broken_gateway import (
    BrokenGateway,
    anthropic_error_in_openai_shape,
    drop_message_stop,
    models_list_without_object,
    responses_stream_without_completed,
    server_error_on_malformed_json,
    tool_call_without_index,
    wrong_finish_reason,
)

from gateway.app import create_app
from gateway.resources import resource_dir
from gateway.serving import RunningServer, start_server
from gateway.settings import Settings

DEMO_KEY = "gw-demo-key"
FAMILIES = ("schema", "streaming", "semantics", "errors", "clients")


def run_suite(report: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """``conformance run --report REPORT ARGS`` in a subprocess: exit code, certificate, output."""
    command = [
        sys.executable,
        "-c",
        "from conformance.cli import main; main()",
        "run",
        "--report",
        str(report),
    ]
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=600, check=False)
    output = done.stdout + done.stderr
    certificate = report / "certificate.json"
    assert certificate.is_file(), output[-3000:]
    return done.returncode, json.loads(certificate.read_text()), output


def broken_rules(certificate: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for failure in certificate["failures"]:
        found.setdefault(failure["family"], set()).add(failure["rule"])
    return found


@pytest.fixture
def broken_gateway(settings: Settings) -> Iterator[RunningServer]:
    defects = [
        drop_message_stop,
        tool_call_without_index,
        wrong_finish_reason,
        anthropic_error_in_openai_shape,
        server_error_on_malformed_json,
        models_list_without_object,
        responses_stream_without_completed,
    ]
    with start_server(BrokenGateway(create_app(settings), defects)) as server:
        yield server


def test_the_suite_passes_on_this_gateway(tmp_path: Path) -> None:
    code, certificate, output = run_suite(tmp_path / "report", "--examples", "2")
    assert code == 0, output[-4000:]
    assert certificate["verdict"] == "pass"
    assert certificate["failures"] == []
    totals = certificate["totals"]
    assert totals["failed"] == 0 and totals["not-claimed"] == 0, totals
    assert totals["passed"] > 400, totals
    ran = {t["family"] for t in certificate["tests"] if t["status"] == "passed"}
    assert ran == {*FAMILIES, "replay"}
    assert certificate["target"]["in_process"] is True
    for name in ("certificate.json", "certificate.md", "certificate.html"):
        assert (tmp_path / "report" / name).stat().st_size > 1000


def test_each_family_reports_exactly_the_defects_of_a_broken_gateway_with_evidence(
    tmp_path: Path, broken_gateway: RunningServer
) -> None:
    selection = [arg for family in FAMILIES for arg in ("-m", family)]
    code, certificate, output = run_suite(
        tmp_path / "report", "--target", broken_gateway.url, "--key", DEMO_KEY, "--examples", "2", *selection
    )
    assert code == 1, output[-3000:]
    assert broken_rules(certificate) == {
        # a spec-invalid body (models list), errors in the wrong shape, a 500 on malformed JSON
        "schema": {
            "openai_chat.schema.body_valid",
            "anthropic.schema.body_valid",
            "anthropic.error.envelope",
            "gemini.schema.no_server_error",
        },
        # a missing terminal event (Anthropic, Responses), a tool call without an index (chat), and
        # the streams that no longer mean what the whole answers mean
        "streaming": {
            "anthropic.stream.terminal_present",
            "openai_responses.stream.terminal_present",
            "openai_chat.stream.tool_call_index",
            "openai_chat.equivalence.tool_calls",
            "openai_chat.equivalence.stop_reason",
            "openai_responses.equivalence.stop_reason",
            "openai_responses.equivalence.usage_input",
        },
        # a wrong finish reason
        "semantics": {"openai_chat.semantics.stop_reason_max_tokens"},
        # an error in the wrong shape, a 500 on malformed JSON
        "errors": {"anthropic.error.envelope", "gemini.refusal.malformed_json_status"},
        # the SDK's stream helper needs response.completed
        "clients": {"openai_responses.client.stream"},
    }
    _assert_evidence_without_key(tmp_path / "report", certificate)


def _assert_evidence_without_key(report: Path, certificate: dict[str, Any]) -> None:
    """A failure shows the exchange that broke the rule; the key appears in no file."""
    (failure,) = [f for f in certificate["failures"] if f["family"] == "semantics"]
    assert "'length'" in failure["message"] and "'stop'" in failure["message"]
    exchange = failure["exchange"]
    assert exchange["method"] == "POST" and exchange["url"].endswith("/v1/chat/completions")
    assert exchange["request_headers"]["authorization"] == "Bearer <key>"
    assert json.loads(exchange["request_body"])["max_completion_tokens"] == 16
    assert exchange["status"] == 200 and '"finish_reason": "stop"' in exchange["response_body"]
    assert all(f["exchange"] for f in certificate["failures"])
    for name in ("certificate.json", "certificate.md", "certificate.html"):
        text = (report / name).read_text()
        assert DEMO_KEY not in text, name
        assert "stop_reason_max_tokens" in text, name


def test_the_replay_family_fails_on_a_broken_recording(tmp_path: Path) -> None:
    """An Anthropic stream recorded without its message_stop, next to an untouched recording."""
    corpus = tmp_path / "corpus"
    for scenario in ("plain", "stream"):
        (corpus / "cassettes" / "anthropic").mkdir(parents=True, exist_ok=True)
        shutil.copy(
            resource_dir("cassettes") / "anthropic" / f"{scenario}.yaml", corpus / "cassettes" / "anthropic"
        )
        shutil.copytree(
            resource_dir("fixtures") / "anthropic" / scenario, corpus / "fixtures" / "anthropic" / scenario
        )
    cassette = corpus / "cassettes" / "anthropic" / "stream.yaml"
    recorded = yaml.safe_load(cassette.read_text())
    body = recorded["interactions"][0]["response"]["body"]
    body["string"], cut = re.subn(r"event: message_stop\ndata: [^\n]*\n\n", "", body["string"])
    assert cut == 1
    cassette.write_text(yaml.safe_dump(recorded, sort_keys=False))

    code, certificate, output = run_suite(tmp_path / "report", "-m", "replay", "--replay-dir", str(corpus))
    assert code == 1, output[-3000:]
    outcomes = {t["test"]: t for t in certificate["tests"]}
    assert len(outcomes) == 8
    for test, outcome in outcomes.items():
        protocol = test.rsplit("/", 1)[1].rstrip("]")
        if "/plain/" in test:
            assert outcome["status"] == "passed", outcome
        else:  # the gateway ends the cut stream with an error event, in the caller's protocol
            assert outcome["status"] == "failed", outcome
            assert f"{protocol}.stream.error_event" in outcome["failures"]


def test_a_profile_that_claims_nothing_passes_nothing(tmp_path: Path) -> None:
    profile = tmp_path / "nothing.yaml"
    profile.write_text("name: claims nothing\nauth: [bearer]\n")
    code, certificate, output = run_suite(tmp_path / "report", "--profile", str(profile), "-m", "errors")
    assert code == 0, output[-2000:]
    assert certificate["totals"]["passed"] == 0
    assert certificate["totals"]["not-claimed"] == len(certificate["tests"]) > 0
    cells = {
        status
        for row in certificate["matrix"].values()
        for cell in row.values()
        for status, n in cell.items()
        if n
    }
    assert cells == {"not-claimed"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "http://127.0.0.1:9"], "--target needs --key"),
        (["--profile", "{profile}"], "surfaces: unknown ['cohere']"),
    ],
)
def test_usage_errors_are_said_before_any_test(tmp_path: Path, args: list[str], message: str) -> None:
    profile = tmp_path / "bad.yaml"
    profile.write_text("surfaces: {cohere: [chat]}\n")
    command = [sys.executable, "-c", "from conformance.cli import main; main()", "run"]
    done = subprocess.run(
        [*command, *(a.format(profile=profile) for a in args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr


def test_the_plugin_stays_out_of_other_test_runs(tmp_path: Path) -> None:
    """Loaded by its entry point in every pytest run of this environment, it imports neither the
    gateway nor the rest of the harness, and writes nothing."""
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert True\n")
    probe = (
        "import sys, pytest\n"
        "code = pytest.main(['-q', '-p', 'no:cacheprovider', sys.argv[1]])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('gateway', 'conformance'))\n"
        "print('RESULT', code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "test_other.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert "RESULT 0 ['conformance', 'conformance.plugin']" in done.stdout, (
        done.stdout[-2000:] + done.stderr[-2000:]
    )
    assert not list(tmp_path.rglob("certificate.*"))
