"""fold + equivalence: a stream means what the whole response to the same request says.

No recording holds one request answered both ways, so the whole body is the one the protocol
gives for that stream: Responses restates it in ``response.completed``; for the others it is
accumulated here the way each official SDK accumulates a stream into a message (an oracle
written independently of ``fold``). Every real stream agrees with its whole body; a whole body
changed in one respect disagrees in exactly that respect.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import answer_of_body, equivalence, fold
from gateway.cassettes.loader import Interaction

from .support import describe, is_stream_answer, load_stream, protocol_of, recorded, stream_events, to_sse

WholeBody = Callable[[list[dict[str, Any]]], dict[str, Any]]


def chat_completion(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    calls: dict[int, dict[str, Any]] = {}
    finish, usage = None, None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk["choices"]:
            delta = choice["delta"]
            if delta.get("content"):
                message["content"] = (message["content"] or "") + delta["content"]
            for part in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    part["index"], {"id": part.get("id"), "type": "function", "function": {}}
                )
                function = part.get("function") or {}
                call["function"].setdefault("name", function.get("name"))
                call["function"]["arguments"] = call["function"].get("arguments", "") + function.get(
                    "arguments", ""
                )
            finish = choice.get("finish_reason") or finish
    if calls:
        message["tool_calls"] = [calls[index] for index in sorted(calls)]
    return {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }


def responses_response(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e["response"] for e in events if e["type"] in ("response.completed", "response.incomplete"))


def anthropic_message(events: list[dict[str, Any]]) -> dict[str, Any]:
    message: dict[str, Any] = {}
    inputs: dict[int, str] = {}
    for event in events:
        if event["type"] == "message_start":
            message = copy.deepcopy(event["message"])
        elif event["type"] == "content_block_start":
            message["content"].append(copy.deepcopy(event["content_block"]))
        elif event["type"] == "content_block_delta":
            block, delta = message["content"][event["index"]], event["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "input_json_delta":
                inputs[event["index"]] = inputs.get(event["index"], "") + delta["partial_json"]
        elif event["type"] == "message_delta":
            message.update(event["delta"])
            message["usage"].update(event["usage"])
    for index, raw in inputs.items():
        message["content"][index]["input"] = json.loads(raw) if raw else {}
    return message


def gemini_response(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    whole = copy.deepcopy(chunks[-1])
    for chunk in chunks:
        for candidate in chunk.get("candidates") or []:
            parts += candidate.get("content", {}).get("parts", [])
    whole["candidates"][0]["content"]["parts"] = parts
    return whole


WHOLE: dict[str, WholeBody] = {
    "openai_chat": chat_completion,
    "openai_responses": responses_response,
    "anthropic": anthropic_message,
    "gemini": gemini_response,
}


@pytest.mark.parametrize("interaction", recorded(is_stream_answer))
def test_real_stream_is_equivalent_to_its_whole_body(interaction: Interaction) -> None:
    protocol = protocol_of(interaction)
    events = stream_events(interaction)
    payloads = [json.loads(event.data) for event in events if event.data != "[DONE]"]
    findings = equivalence(protocol, fold(protocol, events), WHOLE[protocol](payloads))
    assert findings == [], describe(findings)


def _chat_message(body: dict[str, Any]) -> dict[str, Any]:
    return body["choices"][0]["message"]


def _gemini_candidate(body: dict[str, Any]) -> dict[str, Any]:
    return body["candidates"][0]


Edit = Callable[[dict[str, Any]], Any]
# protocol -> (a real stream with tool calls and usage, {rule: how the whole body is changed}).
EDITS: dict[str, tuple[str, dict[str, Edit]]] = {
    "openai_chat": (
        "openai/chat-stream-parallel-tools__otel",
        {
            "text": lambda body: _chat_message(body).update(content="Let me check."),
            "tool_calls": lambda body: _chat_message(body)["tool_calls"][1]["function"].update(
                arguments="{}"
            ),
            "stop_reason": lambda body: body["choices"][0].update(finish_reason="stop"),
            "usage_input": lambda body: body["usage"].update(prompt_tokens=1),
            "usage_output": lambda body: body["usage"].update(completion_tokens=1),
        },
    ),
    "openai_responses": (
        "openai/resp-stream-tools__llm-openai-plugin",
        {
            "text": lambda body: body["output"].append(
                {"type": "message", "content": [{"type": "output_text", "text": "Let me check."}]}
            ),
            "tool_calls": lambda body: body["output"][1].update(name="other_tool"),
            "stop_reason": lambda body: body.update(
                status="incomplete", incomplete_details={"reason": "max_output_tokens"}
            ),
            "usage_input": lambda body: body["usage"].update(input_tokens=1),
            "usage_output": lambda body: body["usage"].update(output_tokens=1),
        },
    ),
    "anthropic": (
        "anthropic/msg-stream-parallel-tools__arize",
        {
            "text": lambda body: body["content"][0].update(text="Let me check."),
            "tool_calls": lambda body: body["content"][2].update(input={"timezone": "Europe/Paris"}),
            "stop_reason": lambda body: body.update(stop_reason="end_turn"),
            "usage_input": lambda body: body["usage"].update(input_tokens=1),
            "usage_output": lambda body: body["usage"].update(output_tokens=1),
        },
    ),
    "gemini": (
        "gemini/stream-parallel-tools__crewai",
        {
            "text": lambda body: _gemini_candidate(body)["content"]["parts"].append(
                {"text": "Let me check."}
            ),
            "tool_calls": lambda body: _gemini_candidate(body)["content"]["parts"].pop(),
            "stop_reason": lambda body: _gemini_candidate(body).update(finishReason="MAX_TOKENS"),
            "usage_input": lambda body: body["usageMetadata"].update(promptTokenCount=1),
            "usage_output": lambda body: body["usageMetadata"].update(candidatesTokenCount=1),
        },
    ),
}
EDIT_CASES = [(protocol, rule) for protocol, (_, edits) in EDITS.items() for rule in edits]


@pytest.mark.parametrize(("protocol", "rule"), EDIT_CASES, ids=[f"{p}-{r}" for p, r in EDIT_CASES])
def test_whole_body_changed_in_one_respect_is_not_equivalent(protocol: str, rule: str) -> None:
    name, edits = EDITS[protocol]
    stream, _ = load_stream(name)
    payloads = [event.data for event in stream if isinstance(event.data, dict)]
    whole = WHOLE[protocol](copy.deepcopy(payloads))
    assert equivalence(protocol, fold(protocol, to_sse(stream)), whole) == []
    edits[rule](whole)
    findings = equivalence(protocol, fold(protocol, to_sse(stream)), whole)
    severity = "warning" if rule == "usage_output" else "error"
    assert {(f.rule, f.severity) for f in findings} == {(f"{protocol}.equivalence.{rule}", severity)}, (
        describe(findings)
    )


def test_fold_reads_tool_calls_and_stop_reason_in_the_protocols_terms() -> None:
    stream, _ = load_stream("anthropic/msg-stream-parallel-tools__arize")
    answer = fold("anthropic", to_sse(stream))
    assert [(call.name, call.arguments) for call in answer.tool_calls] == [
        ("get_weather", {"location": "New York, NY"}),
        ("get_time", {"timezone": "America/New_York"}),
    ]
    assert answer.stop_reason == "tool_use"
    assert answer.text.startswith("I'll check both")
    assert answer == answer_of_body("anthropic", anthropic_message([e.data for e in stream]))
