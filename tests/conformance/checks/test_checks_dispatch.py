"""The public entry points by protocol name, and what every protocol shares."""

from __future__ import annotations

import pytest

from conformance.checks import Finding, check_error_body, check_stream, check_stream_error, errors_only, fold
from gateway.tables import PROTOCOLS

from .support import assert_fires


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_empty_stream_is_reported(protocol: str) -> None:
    assert_fires(check_stream(protocol, []), f"{protocol}.stream.not_empty")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_empty_stream_folds_to_an_empty_answer(protocol: str) -> None:
    answer = fold(protocol, [])
    assert (answer.text, answer.tool_calls, answer.stop_reason, answer.usage) == ("", [], None, {})


@pytest.mark.parametrize(
    "check", [lambda: check_stream("cohere", []), lambda: check_stream_error("cohere", [])]
)
def test_an_unknown_protocol_is_refused_by_name(check: object) -> None:
    with pytest.raises(ValueError, match="unknown protocol 'cohere'"):
        check()


def test_an_unknown_protocol_error_body_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown protocol 'cohere'"):
        check_error_body("cohere", 400, b"{}")


def test_a_finding_reads_as_one_line() -> None:
    finding = Finding(
        "anthropic.stream.block_index_dense", "new content block has index 2, expected 1", "event 9"
    )
    assert str(finding) == (
        "[error] anthropic.stream.block_index_dense at event 9: new content block has index 2, expected 1"
    )


def test_warnings_never_fail_a_check() -> None:
    findings = [
        Finding("x.error.retry_after", "no Retry-After", severity="warning"),
        Finding("x.error.envelope", "no"),
    ]
    assert errors_only(findings) == findings[1:]
