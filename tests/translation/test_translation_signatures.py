"""Signatures are valid only at the provider that issued them (``gateway.signatures``).

Through the real gateway: a Gemini 3 tool loop keeps its thoughtSignature round trip through
OpenAI and Anthropic clients; thinking signed by Anthropic goes back to Anthropic byte-identical,
and never to OpenAI or Gemini; passthrough leaves signatures as the provider wrote them, but for
those the gateway tagged in an earlier translated call: the provider gets its own back raw and
never another's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from translation.answers import (
    ANTHROPIC_THINKING,
    PLAIN,
    anthropic_thinking_signature,
    gemini_3_signature,
    gemini_3_turn,
    signatures_sent_with_calls,
)
from translation.checks import client_answer, exchange
from translation.dialects import (
    ANTHROPIC,
    CHAT,
    GEMINI,
    PROTOCOLS,
    RESPONSES,
    Ask,
    Result,
    Tool,
    UpstreamView,
    request_body,
    send,
    tool,
    user,
)
from translation.fake_upstreams import Reply, recorded, recorded_json, recording
from translation.fixtures import model_for

from gateway.canonical import (
    BlockStart,
    BlockStop,
    Message,
    RedactedThinking,
    Request,
    Response,
    SignatureDelta,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
)
from gateway.codecs import codec_for
from gateway.signatures import SignatureTagger, admit, admit_raw, as_held_by, issuer_of, tag

ANTHROPIC_SIGNATURE = "EqQBCkgIBxABGAIqQO+/Z9s="
GEMINI_SIGNATURE = "Et0BCtoBAXLI2nwMB4mo+K3/OPEL"
OPENAI_SIGNATURE = "gAAAAABp-rIa_8xYz-Q="

# --- the rules, as pure functions -------------------------------------------------------------------


def test_a_tag_names_its_issuer_and_keeps_the_signature_valid_base64():
    tagged = tag(ANTHROPIC_SIGNATURE, ANTHROPIC)
    assert tagged.startswith("gwsig1an") and len(tagged) % 4 == 0
    assert issuer_of(tagged) == (ANTHROPIC, ANTHROPIC_SIGNATURE, False)
    assert issuer_of(tag(GEMINI_SIGNATURE, GEMINI, call=True)) == (GEMINI, GEMINI_SIGNATURE, True)
    assert issuer_of(ANTHROPIC_SIGNATURE) == (None, ANTHROPIC_SIGNATURE, False)


def _history(*parts: Any) -> Request:
    return Request("m", [Message("user", [Text("Hi")]), Message("assistant", list(parts))])


@pytest.mark.parametrize(
    ("signature", "client", "upstream", "expected"),
    [
        (tag(ANTHROPIC_SIGNATURE, ANTHROPIC), CHAT, ANTHROPIC, ANTHROPIC_SIGNATURE),  # its own: restored
        (tag(ANTHROPIC_SIGNATURE, ANTHROPIC), CHAT, GEMINI, None),  # another's: dropped
        (ANTHROPIC_SIGNATURE, ANTHROPIC, GEMINI, None),  # raw from a passthrough: the client's own
        (ANTHROPIC_SIGNATURE, GEMINI, GEMINI, ANTHROPIC_SIGNATURE),  # same protocol: untouched
        (
            tag(OPENAI_SIGNATURE, RESPONSES).replace("-", "+").replace("_", "/"),
            GEMINI,
            RESPONSES,
            OPENAI_SIGNATURE,
        ),
    ],
)
def test_admit_keeps_only_what_the_upstream_issued(signature, client, upstream, expected):
    request = admit(_history(Thinking("hmm", signature), Text("Hello.")), client, upstream)
    thinking = [p for p in request.messages[1].content if isinstance(p, Thinking)]
    assert [t.signature for t in thinking] == ([expected] if expected else [])
    assert Text("Hello.") in request.messages[1].content


def test_redacted_thinking_of_another_provider_is_dropped_and_its_own_restored():
    for upstream, kept in ((ANTHROPIC, True), (GEMINI, False)):
        request = admit(_history(RedactedThinking(tag("EqkECkYIBxgC", ANTHROPIC))), RESPONSES, upstream)
        assert request.messages[1].content == ([RedactedThinking("EqkECkYIBxgC")] if kept else [])


def test_a_tool_call_signature_rides_in_the_id_for_clients_without_a_field_for_it():
    call = ToolCall("call_1", "multiply", '{"x":5}', GEMINI_SIGNATURE)
    shown = SignatureTagger(GEMINI, CHAT).response(Response("r", "m", [call])).content[0]
    assert shown.signature is None and shown.id.startswith("call_1__gwsig1gf")
    assert set(shown.id) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
    back = admit(
        Request("m", [Message("assistant", [shown]), Message("tool", [ToolResult(shown.id, [Text("15")])])]),
        CHAT,
        GEMINI,
    )
    assert back.messages[0].content == [ToolCall("call_1", "multiply", '{"x":5}', GEMINI_SIGNATURE)]
    assert back.messages[1].content[0].tool_call_id == "call_1"
    to_anthropic = admit(Request("m", [Message("assistant", [shown])]), CHAT, ANTHROPIC)
    assert to_anthropic.messages[0].content == [ToolCall("call_1", "multiply", '{"x":5}', None)]


def test_a_stream_tags_each_signature_once_and_passthrough_not_at_all():
    events = [
        BlockStart(0, Thinking("")),
        SignatureDelta(0, "EqQB"),
        SignatureDelta(0, "CkgI"),
        BlockStart(1, ToolCall("c", "f", "", GEMINI_SIGNATURE)),
    ]
    tagger = SignatureTagger(GEMINI, ANTHROPIC)
    shown = [shown for e in events for shown in tagger.event(e)]
    assert [e.signature for e in shown[1:3]] == ["gwsig1geEqQB", "CkgI"]
    assert shown[3].block.signature is None and "__gwsig1gf" in shown[3].block.id
    same = SignatureTagger(GEMINI, GEMINI)
    assert [shown for e in events for shown in same.event(e)] == events


def test_a_history_as_a_client_holds_it_after_the_gateway_handed_it_out():
    """What a client request built from a provider's recorded request must carry (fixtures)."""
    call = ToolCall("call_1", "multiply", "{}", GEMINI_SIGNATURE)
    request = Request(
        "m",
        [
            Message("assistant", [Thinking("hmm", "EqQB"), call]),
            Message("tool", [ToolResult("call_1", [Text("15")])]),
        ],
    )
    held = as_held_by(request, GEMINI, ANTHROPIC)
    thinking, shown = held.messages[0].content
    assert thinking == Thinking("hmm", tag("EqQB", GEMINI)) and shown.id.startswith("call_1__gwsig1gf")
    assert held.messages[1].content[0].tool_call_id == shown.id
    assert admit(held, ANTHROPIC, GEMINI).messages[0].content == [Thinking("hmm", "EqQB"), call]


def test_the_mock_provider_signs_nothing_the_gateway_must_sort():
    """The mock speaks no wire protocol: its stand-in signatures pass both ways untouched."""
    request = _history(Thinking("hmm", ANTHROPIC_SIGNATURE))
    assert admit(request, GEMINI, None).messages[1].content == [Thinking("hmm", ANTHROPIC_SIGNATURE)]
    event = BlockStart(0, Thinking("", "mock-signature"))
    assert SignatureTagger(None, GEMINI).event(event) == [event]


def test_a_responses_client_gets_a_call_signature_as_a_reasoning_item_before_the_call():
    """Responses limits call_id to 64 characters: the signature rides in a reasoning item, and
    the blocks after it are renumbered to stay dense."""
    tagger = SignatureTagger(GEMINI, RESPONSES)
    events = [
        BlockStart(0, ToolCall("c", "f", "", GEMINI_SIGNATURE)),
        SignatureDelta(0, "x"),
        BlockStart(1, Text("")),
    ]
    shown = [shown for e in events for shown in tagger.event(e)]
    carried = tag(GEMINI_SIGNATURE, GEMINI, call=True)
    assert shown == [
        BlockStart(0, Thinking("", carried)),
        BlockStop(0),
        BlockStart(1, ToolCall("c", "f", "", None)),
        BlockStart(2, Text("")),
    ]
    back = admit(
        Request("m", [Message("assistant", [Thinking("", carried), ToolCall("c", "f", "{}")])]),
        RESPONSES,
        GEMINI,
    )
    assert back.messages[0].content == [ToolCall("c", "f", "{}", GEMINI_SIGNATURE)]
    elsewhere = admit(
        Request("m", [Message("assistant", [Thinking("", carried), ToolCall("c", "f", "{}")])]),
        RESPONSES,
        CHAT,
    )
    assert elsewhere.messages[0].content == [ToolCall("c", "f", "{}", None)]


# --- passthrough: the raw body, edited only where the gateway tagged it ------------------------------


def _carried_id(call_id: str) -> str:
    """A call id as an Anthropic or OpenAI chat client holds it after a Gemini call."""
    return SignatureTagger(GEMINI, ANTHROPIC).parts(ToolCall(call_id, "f", "{}", GEMINI_SIGNATURE))[0].id


def _url_safe(signature: str) -> str:
    return signature.replace("+", "-").replace("/", "_")


def _passed_through(protocol: str, body: dict[str, Any]) -> dict[str, Any]:
    edited = copy.deepcopy(body)
    admit_raw(codec_for(protocol), edited)
    return edited


def test_an_anthropic_passthrough_gets_its_own_signatures_raw_and_no_other():
    carried = _carried_id("toolu_1")
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "x-unknown": {"kept": [1, 2]},
        "messages": [
            {"role": "user", "content": "Hi"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "thinking",
                        "thinking": "mine",
                        "signature": tag(ANTHROPIC_SIGNATURE, ANTHROPIC),
                    },
                    {"type": "thinking", "thinking": "gemini's", "signature": tag(GEMINI_SIGNATURE, GEMINI)},
                    {"type": "redacted_thinking", "data": tag(OPENAI_SIGNATURE, RESPONSES)},
                    {"type": "thinking", "thinking": "raw", "signature": "EqQBraw"},
                    {"type": "text", "text": "Calling.", "extra": None},
                    {"type": "tool_use", "id": carried, "name": "f", "input": {}},
                ],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": carried, "content": "15"}]},
        ],
    }
    expected = copy.deepcopy(body)
    blocks = expected["messages"][1]["content"]
    blocks[0]["signature"] = ANTHROPIC_SIGNATURE
    del blocks[1:3]
    blocks[-1]["id"] = expected["messages"][2]["content"][0]["tool_use_id"] = "toolu_1"
    assert _passed_through(ANTHROPIC, body) == expected


def test_an_openai_chat_passthrough_gets_its_call_ids_back():
    carried = _carried_id("call_1")
    call = {"id": carried, "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": None, "tool_calls": [call, {**call, "id": "call_2"}]},
            {"role": "tool", "tool_call_id": carried, "content": "15"},
            {"role": "tool", "tool_call_id": "call_2", "content": "16"},
        ],
        "x-unknown": True,
    }
    expected = copy.deepcopy(body)
    expected["messages"][1]["tool_calls"][0]["id"] = expected["messages"][2]["tool_call_id"] = "call_1"
    assert _passed_through(CHAT, body) == expected


def test_an_openai_responses_passthrough_gets_its_own_reasoning_raw_and_no_other():
    mine = tag(OPENAI_SIGNATURE, RESPONSES).replace("-", "+").replace("_", "/")  # rewritten by a client
    body = {
        "model": "gpt-5",
        "input": [
            {"type": "message", "role": "user", "content": "Hi"},
            {
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "mine"}],
                "encrypted_content": mine,
            },
            {"type": "reasoning", "summary": [], "encrypted_content": tag(ANTHROPIC_SIGNATURE, ANTHROPIC)},
            {
                "type": "reasoning",
                "summary": [],
                "encrypted_content": "redacted_thinking:" + tag("Eqk", ANTHROPIC),
            },
            {
                "type": "reasoning",
                "summary": [],
                "encrypted_content": tag(GEMINI_SIGNATURE, GEMINI, call=True),
            },
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAAraw"},
            {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "15"},
        ],
        "store": False,
    }
    expected = copy.deepcopy(body)
    expected["input"][1]["encrypted_content"] = OPENAI_SIGNATURE
    del expected["input"][2:5]
    assert _passed_through(RESPONSES, body) == expected


def test_a_gemini_passthrough_gets_its_own_signatures_raw_and_no_other():
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {
                "role": "model",
                "parts": [
                    {
                        "text": "mine",
                        "thought": True,
                        "thought_signature": _url_safe(tag(GEMINI_SIGNATURE, GEMINI)),
                    },
                    {
                        "text": "claude's",
                        "thought": True,
                        "thoughtSignature": tag(ANTHROPIC_SIGNATURE, ANTHROPIC),
                    },
                    {"text": "Answer.", "thoughtSignature": tag(ANTHROPIC_SIGNATURE, ANTHROPIC)},
                    {
                        "functionCall": {"name": "f", "args": {}},
                        "thoughtSignature": tag(GEMINI_SIGNATURE, GEMINI, call=True),
                    },
                    {"text": "raw", "thought": True, "thoughtSignature": "CiQBraw"},
                ],
            },
        ],
        "generationConfig": {"thinkingConfig": {"includeThoughts": True}},
    }
    expected = copy.deepcopy(body)
    parts = expected["contents"][1]["parts"]
    parts[0]["thought_signature"] = parts[3]["thoughtSignature"] = GEMINI_SIGNATURE
    del parts[2]["thoughtSignature"]
    del parts[1]
    assert _passed_through(GEMINI, body) == expected


# --- through the gateway ----------------------------------------------------------------------------

MULTIPLY = Tool(
    "multiply",
    "Multiply two numbers.",
    {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
        "required": ["x", "y"],
    },
)


def follow_up(inbound: str, model: str, first: Ask, answer: dict[str, Any], after: Ask) -> dict[str, Any]:
    """The next request of a client that keeps the assistant's answer in its history as it got
    it (signatures, ids and all), then sends ``after``'s turns."""
    body = request_body(
        inbound, model, Ask([*first.turns, *after.turns], tools=first.tools, max_tokens=first.max_tokens)
    )
    key = {CHAT: "messages", RESPONSES: "input", ANTHROPIC: "messages", GEMINI: "contents"}[inbound]
    body[key][len(first.turns) : len(first.turns)] = ANSWER_AS_HISTORY[inbound](answer)
    return body


ANSWER_AS_HISTORY = {
    CHAT: lambda body: [body["choices"][0]["message"]],
    RESPONSES: lambda body: body["output"],
    ANTHROPIC: lambda body: [{"role": "assistant", "content": body["content"]}],
    GEMINI: lambda body: [body["candidates"][0]["content"]],
}


def _call_ids(inbound: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    if inbound == CHAT:
        return [(c["id"], c["function"]["name"]) for c in body["choices"][0]["message"]["tool_calls"]]
    if inbound == RESPONSES:
        return [(i["call_id"], i["name"]) for i in body["output"] if i["type"] == "function_call"]
    return [(b["id"], b["name"]) for b in body["content"] if b["type"] == "tool_use"]


@pytest.mark.parametrize("inbound", [CHAT, RESPONSES, ANTHROPIC])
def test_a_gemini_3_tool_loop_keeps_its_thought_signature_through_any_client(gateway, upstreams, inbound):
    first = Ask([user("What is 5 times 3?")], tools=[MULTIPLY], max_tokens=1024)
    response, _ = exchange(gateway, upstreams, inbound, GEMINI, first, Reply.json(gemini_3_turn(0)))
    answer = response.json()
    client_answer(inbound, response)
    ((call_id, name),) = _call_ids(inbound, answer)
    assert name == "multiply"
    if inbound == RESPONSES:  # call_id is limited to 64 characters: a reasoning item carries it
        carrier = [i for i in answer["output"] if i["type"] == "reasoning"]
        assert carrier[0]["encrypted_content"].startswith("gwsig1gf") and len(call_id) <= 64
    else:
        assert "__gwsig1gf" in call_id

    upstreams[GEMINI].answer(Reply.json(gemini_3_turn(1)))
    body = follow_up(inbound, model_for(GEMINI), first, answer, Ask([tool(Result(call_id, name, "15"))]))
    response = send(gateway, inbound, model_for(GEMINI), body)
    assert client_answer(inbound, response).text == "5 times 3 is 15."
    sent = upstreams[GEMINI].body
    assert signatures_sent_with_calls(sent) == [gemini_3_signature()]
    call = next(p["functionCall"] for p in sent["contents"][1]["parts"] if "functionCall" in p)
    result = next(p["functionResponse"] for p in sent["contents"][2]["parts"] if "functionResponse" in p)
    assert result["name"] == call["name"] == "multiply" and result.get("id") == call.get("id")
    assert "gwsig1" not in json.dumps(sent)


@pytest.mark.parametrize("inbound", [RESPONSES, GEMINI])
@pytest.mark.parametrize("upstream", PROTOCOLS)
def test_anthropic_thinking_goes_back_to_anthropic_only(gateway, upstreams, inbound, upstream):
    """A client given Anthropic's signed thinking (tagged) sends its history on: Anthropic gets its
    signature back byte-identical; no other provider ever sees it."""
    first = Ask([user("Weather in Paris?")], max_tokens=4096)
    response, _ = exchange(gateway, upstreams, inbound, ANTHROPIC, first, recorded(ANTHROPIC_THINKING))
    client_answer(inbound, response)
    assert tag(anthropic_thinking_signature(), ANTHROPIC) in response.text

    upstreams[upstream].answer(recorded(PLAIN[upstream]))
    body = follow_up(inbound, model_for(upstream), first, response.json(), Ask([user("And tomorrow?")]))
    response = send(gateway, inbound, model_for(upstream), body)
    client_answer(inbound, response)  # passthrough too: the tagged thinking is left out
    sent = upstreams[upstream].body
    if upstream == ANTHROPIC:
        blocks = [b for m in sent["messages"] for b in m["content"] if isinstance(b, dict)]
        assert [b["signature"] for b in blocks if b["type"] == "thinking"] == [anthropic_thinking_signature()]
    else:
        assert anthropic_thinking_signature()[:24] not in json.dumps(sent) and "gwsig1" not in json.dumps(
            sent
        )


@pytest.mark.parametrize("inbound", [CHAT, RESPONSES, ANTHROPIC])
def test_a_gemini_call_handed_out_tagged_goes_to_a_passthrough_as_gemini_named_it(
    gateway, upstreams, inbound
):
    """A client given a Gemini 3 call (its signature in the call id, or a reasoning item before
    it) switches to a model of its own protocol: the provider gets the call under its original id,
    and neither the signature nor the tag."""
    first = Ask([user("What is 5 times 3?")], tools=[MULTIPLY], max_tokens=1024)
    response, _ = exchange(gateway, upstreams, inbound, GEMINI, first, Reply.json(gemini_3_turn(0)))
    answer = response.json()
    ((call_id, name),) = _call_ids(inbound, answer)

    upstreams[inbound].answer(recorded(PLAIN[inbound]))
    model = model_for(inbound)
    body = follow_up(inbound, model, first, answer, Ask([tool(Result(call_id, name, "15"))]))
    assert "gwsig1" in json.dumps(body)
    client_answer(inbound, send(gateway, inbound, model, body))
    sent = upstreams[inbound].body
    assert "gwsig1" not in json.dumps(sent) and gemini_3_signature()[:24] not in json.dumps(sent)
    seen = UpstreamView(inbound, sent)
    original = call_id.split("__gwsig1")[0]
    assert [c.id for c in seen.calls] == [r.id for r in seen.results] == [original]
    assert [r.text for r in seen.results] == ["15"]


def test_a_passthrough_gets_a_signature_tagged_for_its_own_protocol_raw(gateway, upstreams):
    """A history holding Anthropic thinking tagged for Anthropic (built from what a client of
    another protocol was given) reaches Anthropic with the signature as Anthropic wrote it."""
    first = Ask([user("Weather in Paris?")], max_tokens=4096)
    answer = copy.deepcopy(recorded_json(ANTHROPIC_THINKING))
    for block in answer["content"]:
        if block["type"] == "thinking":
            block["signature"] = tag(block["signature"], ANTHROPIC)
    upstreams[ANTHROPIC].answer(recorded(PLAIN[ANTHROPIC]))
    body = follow_up(ANTHROPIC, model_for(ANTHROPIC), first, answer, Ask([user("And tomorrow?")]))
    client_answer(ANTHROPIC, send(gateway, ANTHROPIC, model_for(ANTHROPIC), body))
    blocks = [b for m in upstreams[ANTHROPIC].body["messages"] for b in m["content"] if isinstance(b, dict)]
    assert [b["signature"] for b in blocks if b["type"] == "thinking"] == [anthropic_thinking_signature()]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_passthrough_without_tags_is_not_looked_at(gateway, upstreams, monkeypatch, protocol):
    """Only a body whose bytes hold the tag is edited; any other goes through untouched."""

    def refuse(*args: Any) -> None:
        raise AssertionError("edit_signatures called on a body without tags")

    monkeypatch.setattr(type(codec_for(protocol)), "edit_signatures", refuse)
    response, _ = exchange(
        gateway, upstreams, protocol, protocol, Ask([user("Hi")]), recorded(PLAIN[protocol])
    )
    client_answer(protocol, response)


@pytest.mark.parametrize("upstream", [CHAT, RESPONSES, GEMINI])
def test_a_raw_anthropic_signature_from_a_passthrough_never_leaves_for_another_provider(
    gateway, upstreams, upstream
):
    """An Anthropic client talked to Claude (passthrough: raw signatures), then switches model."""
    first = Ask([user("Weather in Paris?")], max_tokens=4096)
    response, _ = exchange(gateway, upstreams, ANTHROPIC, ANTHROPIC, first, recorded(ANTHROPIC_THINKING))
    assert response.content == recording(ANTHROPIC_THINKING).response.body  # passthrough: untouched
    upstreams[upstream].answer(recorded(PLAIN[upstream]))
    body = follow_up(ANTHROPIC, model_for(upstream), first, response.json(), Ask([user("And tomorrow?")]))
    client_answer(ANTHROPIC, send(gateway, ANTHROPIC, model_for(upstream), body))
    assert anthropic_thinking_signature()[:24] not in json.dumps(upstreams[upstream].body)


@pytest.mark.parametrize("inbound", [RESPONSES, ANTHROPIC, GEMINI])
def test_translated_signatures_are_tagged_and_passthrough_ones_are_not(gateway, upstreams, inbound):
    """(OpenAI chat has no place for a thinking signature.)"""
    question = Ask([user("Hi")], max_tokens=4096)
    response, _ = exchange(gateway, upstreams, inbound, ANTHROPIC, question, recorded(ANTHROPIC_THINKING))
    client_answer(inbound, response)
    if inbound == ANTHROPIC:
        assert anthropic_thinking_signature() in response.text and "gwsig1" not in response.text
    else:
        assert tag(anthropic_thinking_signature(), ANTHROPIC) in response.text
