"""Real upstream traffic validates against our specs, so the specs are not stricter than the APIs.

Every recorded call to an endpoint we serve is checked: its request body, its JSON response for the
recorded status (errors included, in the protocol's own error shape) and each event of a stream.
Recordings of endpoints we do not serve (embeddings, files, traces) are out of scope.
"""

from __future__ import annotations

import pytest

from gateway.specs import SpecSet

from .conftest import Exchange, exchange_params

# Requests the provider itself refused as malformed: we must refuse them too, naming the field.
MALFORMED = {"anthropic/err400-invalid-shape__datadog#0": "messages[0]"}


def _has_body(ex: Exchange) -> bool:
    return bool(ex.interaction.request.body)


def _is_success(ex: Exchange) -> bool:
    return 200 <= ex.status < 300


@pytest.mark.parametrize("exchange", exchange_params(lambda ex: _has_body(ex) and ex.id not in MALFORMED))
def test_recorded_request_body_is_valid(specs: SpecSet, exchange: Exchange) -> None:
    assert specs.validate_request_body(exchange.operation.operation_id, exchange.request_json()) == []


@pytest.mark.parametrize("exchange", exchange_params(lambda ex: ex.id in MALFORMED))
def test_request_refused_upstream_is_refused_here(specs: SpecSet, exchange: Exchange) -> None:
    problems = specs.validate_request_body(exchange.operation.operation_id, exchange.request_json())
    assert problems
    assert all(p.startswith(MALFORMED[exchange.id]) for p in problems)


@pytest.mark.parametrize("exchange", exchange_params(lambda ex: _is_success(ex) and not ex.is_sse))
def test_recorded_json_response_is_valid(specs: SpecSet, exchange: Exchange) -> None:
    body = exchange.response_json()
    assert specs.validate_response_body(exchange.operation.operation_id, exchange.status, body) == []


@pytest.mark.parametrize("exchange", exchange_params(lambda ex: _is_success(ex) and ex.is_sse))
def test_recorded_stream_events_are_valid(specs: SpecSet, exchange: Exchange) -> None:
    events = exchange.events()
    assert events
    op_id = exchange.operation.operation_id
    problems = {
        f"#{i} {event.event}: {problem}"
        for i, event in enumerate(events)
        for problem in specs.validate_stream_event(op_id, event.event, event.data)
    }
    assert problems == set()


@pytest.mark.parametrize("exchange", exchange_params(lambda ex: not _is_success(ex)))
def test_recorded_error_body_is_valid(specs: SpecSet, exchange: Exchange) -> None:
    try:
        body = exchange.response_json()
    except ValueError:
        pytest.skip(f"HTTP {exchange.status} body is not JSON (an upstream proxy page, not the API's error)")
    assert specs.validate_response_body(exchange.operation.operation_id, exchange.status, body) == []
