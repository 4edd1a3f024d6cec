"""A stream that fails half way, and a client that walks away half way.

A provider's error event, a connection cut or reset, a malformed event and a provider that stops
talking all end the client's stream with its protocol's error event, never with a success
terminator. A client that disconnects makes the gateway close the provider's connection at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from streaming.sources import TEXT
from streaming.stream_client import opened, sse_events, stream, stream_request, text_deltas
from translation.dialects import ANTHROPIC, CELLS, CHAT, GEMINI, RESPONSES, Ask, user
from translation.fake_upstreams import Received, Reply, recorded
from translation.fixtures import model_for

from conformance.checks import check_error_body, check_stream_error, errors_only
from gateway.sse import SSEDecoder, SSEEvent, encode_event

# What each provider sends when it fails mid-stream.
ERROR_EVENTS = {
    CHAT: encode_event(
        '{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}'
    ),
    RESPONSES: encode_event(
        '{"type":"error","code":"server_error","message":"The server had an error.","param":null,"sequence_number":9}',
        "error",
    ),
    ANTHROPIC: encode_event(
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', "error"
    ),
    GEMINI: b'data: {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}\r\n\r\n',
}


def head(protocol: str) -> tuple[list[SSEEvent], SSEEvent]:
    """A real stream up to its first text delta, and that delta."""
    events = sse_events(TEXT[protocol]().raw)
    cut = next(i for i, event in enumerate(events) if text_deltas(protocol, event))
    return events[: cut + 1], events[cut]


def frames(events: list[SSEEvent]) -> bytes:
    return b"".join(encode_event(e.data, e.event) for e in events)


def _error_event(protocol: str, hold: threading.Event) -> Iterator[bytes]:
    yield ERROR_EVENTS[protocol]


def _cut(protocol: str, hold: threading.Event) -> Iterator[bytes]:
    return iter(())  # the provider closes the stream with no terminal event


def _reset(protocol: str, hold: threading.Event) -> Iterator[bytes]:
    raise ConnectionResetError("the provider's connection dropped")  # the server aborts the socket
    yield b""  # pragma: no cover - makes this a generator


def _malformed(protocol: str, hold: threading.Event) -> Iterator[bytes]:
    yield encode_event('{"type": "content_block_delta", "index": 0, "delta": {"type": "text_de')


def _silent(protocol: str, hold: threading.Event) -> Iterator[bytes]:
    hold.wait(10)  # longer than the slow provider's timeout
    yield b""


FAILURES: dict[str, Callable[[str, threading.Event], Iterator[bytes]]] = {
    "error_event": _error_event,
    "cut": _cut,
    "reset": _reset,
    "malformed": _malformed,
    "timeout": _silent,
}


@pytest.fixture
def hold() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_a_failure_mid_stream_ends_with_the_protocols_error_event(
    gateway, upstreams, hold, inbound, upstream, failure
):
    events, _ = head(upstream)

    def chunks(_: Received) -> Iterator[bytes]:
        yield frames(events)
        yield from FAILURES[failure](upstream, hold)

    upstreams[upstream].answer(Reply.streamed(chunks))
    client = stream(
        gateway, inbound, model_for(upstream, "slow" if failure == "timeout" else "via"), Ask([user("Hi")])
    )
    assert client.status == 200
    assert "".join(text_deltas(inbound, e) for e in client.events), "the first delta reached the client"
    findings = errors_only(check_stream_error(inbound, client.events))
    assert not findings, [str(f) for f in findings]


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_a_client_that_disconnects_closes_the_providers_connection(gateway, upstreams, inbound, upstream):
    """The provider keeps streaming deltas; once the client hangs up, the gateway's next write
    fails and it must close the provider's connection (the fake provider then fails to write)."""
    events, delta = head(upstream)

    def chunks(_: Received) -> Iterator[bytes]:
        yield frames(events)
        for _ in range(500):  # ten seconds of deltas, unless the gateway hangs up first
            time.sleep(0.02)
            yield frames([delta])

    upstreams[upstream].answer(Reply.streamed(chunks))
    body = stream_request(inbound, model_for(upstream), Ask([user("Hi")]))
    decoder = SSEDecoder()
    with opened(gateway, inbound, model_for(upstream), body) as response:
        for chunk in response.iter_bytes():
            if any(text_deltas(inbound, event) for event in decoder.feed(chunk)):
                break
        hung_up = time.monotonic()
    received = upstreams[upstream].received[-1]
    assert received.ended.wait(3), "the provider's connection stayed open after the client left"
    assert received.ended_at - hung_up < 1.5


# A provider that refuses the stream before it starts: (recording, the client's status).
REFUSED = {
    CHAT: ("openai/chat-err404-model-stream__mirascope", 404),
    RESPONSES: ("openai/resp-err401__datadog", 502),
    ANTHROPIC: ("anthropic/err401-stream__mirascope", 502),
    GEMINI: ("gemini/err400-api-key-invalid-stream-retries__crewai", 502),
}


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_a_provider_that_refuses_the_stream_is_an_http_error_not_a_stream(
    gateway, upstreams, inbound, upstream
):
    """The gateway waits for the provider's first event before it answers, so a refusal is still
    an HTTP error the client's SDK raises, in its own protocol's shape."""
    name, status = REFUSED[upstream]
    upstreams[upstream].answer(recorded(name))
    client = stream(gateway, inbound, model_for(upstream), Ask([user("Hi")]))
    assert client.status == status, client.raw
    findings = errors_only(check_error_body(inbound, status, client.raw, dict(client.headers)))
    assert not findings, [str(f) for f in findings]
