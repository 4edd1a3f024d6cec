"""The rules every protocol's stream decoder shares (gateway.codecs.base.StreamDecoder)."""

from __future__ import annotations

import pytest

from gateway.canonical import StreamError
from gateway.codecs import codec_for
from gateway.errors import ErrorKind
from gateway.sse import SSEEvent

PROTOCOLS = ["openai_chat", "openai_responses", "anthropic", "gemini"]


UNREADABLE = [(protocol, data) for protocol in PROTOCOLS for data in ("{not json", "[]")] + [
    ("anthropic", '{"type": "message_start"}'),  # no message in it
]


@pytest.mark.parametrize(("protocol", "data"), UNREADABLE)
def test_an_unreadable_event_ends_the_stream_with_one_plain_error(protocol, data):
    decoder = codec_for(protocol).stream_decoder()
    events = decoder.feed(SSEEvent(data, "message_start" if protocol == "anthropic" else None))
    (error,) = [e for e in events if isinstance(e, StreamError)]
    assert events[-1] is error
    assert error.error.kind is ErrorKind.BAD_GATEWAY
    assert "Error(" not in error.error.message  # no Python exception repr reaches a client
    assert decoder.feed(SSEEvent("{}")) == [] and decoder.close() == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_input_that_ends_without_its_terminal_event_is_a_cut_short_stream(protocol):
    (event,) = codec_for(protocol).stream_decoder().close()
    assert isinstance(event, StreamError)
    assert event.error.kind is ErrorKind.BAD_GATEWAY
