"""The 16 cells streamed: plain text, a parallel tool call, thinking, a truncation.

Every client stream is checked event by event against ``specs/`` and as a whole against its
protocol's grammar; what it folds to equals the whole (non-streamed) answer to the same provider
reply; a same-protocol cell relays the provider's events untouched.
"""

from __future__ import annotations

import json

import pytest
from streaming.sources import SCENARIOS, TEXT, THINKING
from streaming.stream_client import assert_valid_stream, sse_events, stream, thinking_of
from translation.checks import client_answer
from translation.dialects import (
    CELLS,
    CHAT,
    GEMINI,
    HTTP,
    PROTOCOLS,
    Ask,
    ask,
    client_headers,
    request_body,
    user,
)
from translation.expectations import CLIENT_STOP, meaning
from translation.fake_upstreams import Reply
from translation.fixtures import model_for

from conformance.checks import check_gemini_json_array, equivalence, errors_only, fold
from conformance.checks.stream_gemini import events_from_json_array
from gateway.signatures import tag

THINKERS = tuple(THINKING)
CASES = [
    pytest.param(scenario, inbound, upstream, id=f"{scenario}-{inbound}-{upstream}")
    for scenario, sources in SCENARIOS.items()
    for inbound, upstream in CELLS
    if upstream in sources and (scenario != "thinking" or inbound in THINKERS)
]


@pytest.mark.parametrize(("scenario", "inbound", "upstream"), CASES)
def test_a_stream_is_valid_and_folds_to_the_whole_answer(gateway, upstreams, scenario, inbound, upstream):
    source = SCENARIOS[scenario][upstream]()
    question = Ask(
        [user("Go on.")],
        tools=list(source.tools),
        max_tokens=50 if scenario == "truncated" else 4096,
        include_usage=True,
    )
    upstreams[upstream].answer(source.reply)
    client = stream(gateway, inbound, model_for(upstream), question)
    assert_valid_stream(inbound, client)
    streamed = client.answer(inbound)
    assert streamed.stop_reason == CLIENT_STOP[inbound][meaning(upstream, source.whole)]
    if scenario == "parallel_tools":
        assert len(streamed.tool_calls) >= 2

    upstreams[upstream].answer(Reply.json(source.whole))
    whole = ask(gateway, inbound, model_for(upstream), question)
    client_answer(inbound, whole)
    assert not errors_only(equivalence(inbound, streamed, whole.json()))


@pytest.mark.parametrize(
    ("scenario", "protocol"),
    [(scenario, protocol) for scenario, sources in SCENARIOS.items() for protocol in sources],
)
def test_a_same_protocol_stream_is_relayed_untouched(gateway, upstreams, scenario, protocol):
    """Passthrough: every event's data as the provider sent it, thinking signatures included;
    only the usage chunk the gateway asked OpenAI for is held back from a client that did not."""
    source = SCENARIOS[scenario][protocol]()
    upstreams[protocol].answer(source.reply)
    client = stream(gateway, protocol, model_for(protocol), Ask([user("Go on.")], tools=list(source.tools)))
    assert client.status == 200
    sent = [(e.event, e.data) for e in sse_events(source.raw)]
    if protocol == CHAT:
        sent = [(name, data) for name, data in sent if not _usage_only(data)]
    assert [(e.event, e.data) for e in client.events] == sent


def _usage_only(data: str) -> bool:
    return data != "[DONE]" and json.loads(data).get("choices") == []


@pytest.mark.parametrize(
    ("inbound", "upstream"), [(i, u) for i, u in CELLS if i in THINKERS and u in THINKERS]
)
def test_thinking_reaches_every_client_that_has_it(gateway, upstreams, inbound, upstream):
    source = THINKING[upstream]()
    upstreams[upstream].answer(source.reply)
    client = stream(gateway, inbound, model_for(upstream), Ask([user("Think first.")], max_tokens=4096))
    assert_valid_stream(inbound, client)
    thought, signatures = thinking_of(inbound, client.events)
    expected, upstream_signatures = thinking_of(upstream, sse_events(source.raw))
    assert _words(thought) == _words(expected) and thought
    if inbound == upstream:  # passthrough: the provider's own signatures
        assert signatures == upstream_signatures
    else:  # each tagged with the protocol of the provider that issued it
        assert [s.removeprefix(tag("", upstream)) for s in signatures] == upstream_signatures


def _words(text: str) -> list[str]:
    """Thinking text compared word by word: protocols join summary parts with different spacing."""
    return text.split()


@pytest.mark.parametrize("upstream", THINKERS)
def test_openai_chat_shows_reasoning_as_reasoning_content(gateway, upstreams, upstream):
    source = THINKING[upstream]()
    upstreams[upstream].answer(source.reply)
    client = stream(gateway, CHAT, model_for(upstream), Ask([user("Think first.")]))
    assert_valid_stream(CHAT, client)
    assert _words(thinking_of(CHAT, client.events)[0]) == _words(
        thinking_of(upstream, sse_events(source.raw))[0]
    )


@pytest.mark.parametrize("upstream", PROTOCOLS)
def test_the_provider_is_always_asked_for_a_stream(gateway, upstreams, upstream):
    """The provider gets a stream request (Gemini: ``alt=sse``) whatever the client's protocol."""
    for inbound in (CHAT, GEMINI):
        upstreams[upstream].answer(TEXT[upstream]().reply)
        stream(gateway, inbound, model_for(upstream), Ask([user("Hi")]))
        received = upstreams[upstream].received[-1]
        if upstream == GEMINI:
            assert received.path.endswith(":streamGenerateContent") and received.query == "alt=sse"
        else:
            assert received.body.get("stream") is True


@pytest.mark.parametrize("upstream", list(TEXT))
def test_a_gemini_client_without_alt_sse_gets_one_json_array(gateway, upstreams, upstream):
    """``:streamGenerateContent`` without ``alt=sse`` answers the same chunks as a JSON array."""
    source = TEXT[upstream]()
    upstreams[upstream].answer(source.reply)
    model = model_for(upstream)
    body = request_body(GEMINI, model, Ask([user("Hi")]))
    response = HTTP.post(
        f"{gateway}/v1beta/models/{model}:streamGenerateContent", json=body, headers=client_headers(GEMINI)
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert not errors_only(check_gemini_json_array(response.content, body))
    folded = fold(GEMINI, events_from_json_array(response.content))
    assert folded.text == fold(upstream, sse_events(source.raw)).text
    received = upstreams[upstream].received[-1]
    assert received.query == "alt=sse" if upstream == GEMINI else received.body["stream"] is True
