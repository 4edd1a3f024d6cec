"""How a stream flows: never buffered, usage always asked of the provider and shown to the client
only where its protocol and options call for it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from streaming.sources import TEXT, Source
from streaming.stream_client import (
    assert_valid_stream,
    opened,
    payloads,
    sse_events,
    stream,
    stream_request,
    text_deltas,
)
from translation.dialects import CELLS, CHAT, PROTOCOLS, TRANSLATED, Ask, user
from translation.expectations import buckets, client_usage, usage_of
from translation.fake_upstreams import Received, Reply
from translation.fixtures import model_for

from gateway.sse import SSEDecoder, SSEEvent, encode_event

WAIT = 5.0  # how long the provider holds the rest of its stream for the client to see the first delta


def first_delta(protocol: str, events: list[SSEEvent]) -> int:
    """The position of the first event that carries answer text."""
    return next(i for i, event in enumerate(events) if text_deltas(protocol, event))


def frames(events: list[SSEEvent]) -> bytes:
    return b"".join(encode_event(e.data, e.event) for e in events)


def withheld(source: Source, seen: threading.Event, outcome: dict[str, bool]) -> Reply:
    """The provider's stream up to its first text delta; the rest only once the client has read
    that delta through the gateway (or after ``WAIT``, noting that it had not)."""
    events = sse_events(source.raw)
    cut = first_delta(source.protocol, events) + 1

    def chunks(_: Received) -> Iterator[bytes]:
        yield frames(events[:cut])
        outcome["client_saw_it_first"] = seen.wait(WAIT)
        yield frames(events[cut:])

    return Reply.streamed(chunks)


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_each_event_leaves_before_the_next_one_arrives(gateway, upstreams, inbound, upstream):
    source = TEXT[upstream]()
    seen, outcome = threading.Event(), {}
    upstreams[upstream].answer(withheld(source, seen, outcome))
    body = stream_request(inbound, model_for(upstream), Ask([user("Hi")]))
    text, decoder = [], SSEDecoder()
    with opened(gateway, inbound, model_for(upstream), body) as response:
        for chunk in response.iter_bytes():
            for event in decoder.feed(chunk):
                text.append(text_deltas(inbound, event))
                if text[-1]:
                    seen.set()
    assert outcome == {"client_saw_it_first": True}
    assert "".join(text) == "".join(text_deltas(upstream, e) for e in sse_events(source.raw))


# --- usage -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("inbound", PROTOCOLS)
def test_openai_chat_providers_are_always_asked_for_usage(gateway, upstreams, inbound):
    """Usage is what the call is billed on: asked for whether or not the client asked."""
    upstreams[CHAT].answer(TEXT[CHAT]().reply)
    stream(gateway, inbound, model_for(CHAT), Ask([user("Hi")], include_usage=False))
    assert upstreams[CHAT].body["stream_options"]["include_usage"] is True


@pytest.mark.parametrize("include_usage", [False, True])
@pytest.mark.parametrize("upstream", PROTOCOLS)
def test_openai_chat_clients_see_usage_only_when_they_ask(gateway, upstreams, upstream, include_usage):
    source = TEXT[upstream]()
    upstreams[upstream].answer(source.reply)
    client = stream(gateway, CHAT, model_for(upstream), Ask([user("Hi")], include_usage=include_usage))
    assert_valid_stream(CHAT, client)
    usage_chunks = [p for p in payloads(client.events) if p.get("usage")]
    assert len(usage_chunks) == include_usage
    if include_usage:
        assert usage_chunks[0]["choices"] == []


@pytest.mark.parametrize(("inbound", "upstream"), TRANSLATED)
def test_streamed_usage_follows_the_arithmetic(gateway, upstreams, inbound, upstream):
    """Where the client's protocol carries usage in a stream, it is the provider's, re-expressed."""
    source = TEXT[upstream]()
    upstreams[upstream].answer(source.reply)
    client = stream(gateway, inbound, model_for(upstream), Ask([user("Hi")], include_usage=True))
    usage = client.answer(inbound).usage
    expected = client_usage(inbound, buckets(upstream, usage_of(upstream, source.whole)))
    assert {key: usage.get(key) for key in expected} == expected


def test_a_passthrough_chat_stream_hides_the_usage_chunk_the_gateway_asked_for(gateway, upstreams):
    source = TEXT[CHAT]()
    upstreams[CHAT].answer(source.reply)
    client = stream(gateway, CHAT, model_for(CHAT), Ask([user("Hi")], include_usage=False))
    assert not [p for p in payloads(client.events) if p.get("usage")]
    assert upstreams[CHAT].body["stream_options"] == {"include_usage": True}
    assert json.loads(client.events[-2].data)["choices"][0]["finish_reason"] == "stop"
