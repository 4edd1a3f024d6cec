"""What the coding CLIs send that other clients do not, read and written back by the codecs:
Codex CLI's ``namespace`` and ``web_search`` tools (Responses), Claude Code's system messages
between turns (Anthropic). tests/clis drives the real programs; these pin the rules down."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_openai import json_events, reencode, specs

from gateway.canonical import (
    ArgumentsDelta,
    BlockStart,
    BlockStop,
    Response,
    StopReason,
    StreamEnd,
    StreamStart,
    ToolCall,
    Usage,
)
from gateway.codecs.anthropic import CODEC as ANTHROPIC
from gateway.codecs.openai_chat import CODEC as OPENAI_CHAT
from gateway.codecs.openai_responses import CODEC as RESPONSES
from gateway.errors import GatewayError

OBJECT = {"type": "object", "properties": {"target": {"type": "string"}}, "required": ["target"]}
AGENTS = {
    "type": "namespace",
    "name": "multi_agent_v1",
    "description": "Tools for spawning and managing sub-agents.",
    "tools": [
        {"type": "function", "name": "close_agent", "description": "Close an agent.", "parameters": OBJECT},
        {"type": "function", "name": "wait_agent", "description": "Wait for an agent.", "parameters": OBJECT},
    ],
}
SHELL = {"type": "function", "name": "exec_command", "parameters": OBJECT, "strict": False}
WEB_SEARCH = {"type": "web_search", "external_web_access": False}


def codex_body(**fields: Any) -> dict[str, Any]:
    """A request shaped as Codex CLI sends it to a model it has no metadata for."""
    body = {
        "model": "gpt-5-codex",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
        "tools": [SHELL, AGENTS, WEB_SEARCH],
        "tool_choice": "auto",
        "store": False,
        "stream": True,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "session",
        "reasoning": {"summary": "auto"},
    }
    return {**body, **fields}


def test_codex_request_is_valid_against_the_spec() -> None:
    assert specs().validate_request_body("openai.createResponse", codex_body()) == []


def test_namespace_tools_are_flattened_and_remember_their_namespace() -> None:
    decoded = RESPONSES.decode_request(codex_body())
    assert [(tool.name, tool.namespace) for tool in decoded.tools] == [
        ("exec_command", None),
        ("close_agent", "multi_agent_v1"),
        ("wait_agent", "multi_agent_v1"),
    ]
    assert decoded.tools[1].parameters == OBJECT


def test_other_protocols_see_plain_function_tools() -> None:
    decoded = RESPONSES.decode_request(codex_body())
    decoded.max_tokens = 1024
    sent = ANTHROPIC.encode_request(decoded, "claude-sonnet-4-5")
    assert [tool["name"] for tool in sent["tools"]] == ["exec_command", "close_agent", "wait_agent"]
    assert specs().validate_request_body("anthropic.createMessage", sent) == []


def test_hosted_web_search_is_dropped_but_cannot_be_forced() -> None:
    decoded = RESPONSES.decode_request(codex_body(tools=[WEB_SEARCH]))
    assert decoded.tools == []
    with pytest.raises(GatewayError) as caught:
        RESPONSES.decode_request(codex_body(tool_choice={"type": "web_search"}))
    assert caught.value.param == "tool_choice"


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "file_search", "vector_store_ids": ["vs_1"]},
        {"type": "custom", "name": "apply_patch"},
        {"type": "namespace", "name": "ns", "description": "", "tools": [{"type": "custom", "name": "exec"}]},
    ],
)
def test_tools_only_openai_runs_are_still_refused(tool: dict[str, Any]) -> None:
    with pytest.raises(GatewayError) as caught:
        RESPONSES.decode_request(codex_body(tools=[tool]))
    assert caught.value.param == "tools"


def test_a_name_offered_twice_after_flattening_is_refused() -> None:
    clash = {**AGENTS, "name": "other", "tools": [{**SHELL}]}
    with pytest.raises(GatewayError) as caught:
        RESPONSES.decode_request(codex_body(tools=[SHELL, clash]))
    assert "exec_command" in caught.value.message


def test_a_call_to_a_namespaced_tool_is_written_with_its_namespace() -> None:
    request = RESPONSES.decode_request(codex_body(stream=False))
    response = Response(
        "resp_1",
        "gpt-5-codex",
        [ToolCall("call_1", "close_agent", '{"target":"a"}'), ToolCall("call_2", "exec_command", "{}")],
        StopReason.TOOL_USE,
    )
    body = RESPONSES.encode_response(response, request)
    calls = [(item["name"], item.get("namespace")) for item in body["output"]]
    assert calls == [("close_agent", "multi_agent_v1"), ("exec_command", None)]
    assert [tool["type"] for tool in body["tools"]] == ["function", "namespace"]
    assert specs().validate_response_body("openai.createResponse", 200, body) == []


def test_a_streamed_call_to_a_namespaced_tool_carries_its_namespace() -> None:
    request = RESPONSES.decode_request(codex_body())
    events = [
        StreamStart("resp_1", "gpt-5-codex", 1),
        BlockStart(0, ToolCall("call_1", "wait_agent")),
        ArgumentsDelta(0, '{"target":"a"}'),
        BlockStop(0),
        StreamEnd(StopReason.TOOL_USE, Usage()),
    ]
    written = json_events(reencode(RESPONSES, events, request))
    items = [data["item"] for name, data in written if name and name.startswith("response.output_item.")]
    assert [item.get("namespace") for item in items] == ["multi_agent_v1", "multi_agent_v1"]
    completed = next(data for name, data in written if name == "response.completed")
    assert completed["response"]["output"][0]["namespace"] == "multi_agent_v1"


def test_a_namespaced_call_sent_back_reads_as_a_call_to_that_tool() -> None:
    items = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "close_agent",
            "namespace": "multi_agent_v1",
            "arguments": '{"target":"a"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "closed"},
    ]
    decoded = RESPONSES.decode_request(codex_body(input=items))
    assert decoded.messages[1].content == [ToolCall("call_1", "close_agent", '{"target":"a"}')]


def test_a_responses_upstream_gets_the_namespace_back() -> None:
    items = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {
            "type": "function_call",
            "call_id": "c1",
            "name": "wait_agent",
            "namespace": "multi_agent_v1",
            "arguments": "{}",
        },
        {"type": "function_call_output", "call_id": "c1", "output": "done"},
    ]
    sent = RESPONSES.encode_request(RESPONSES.decode_request(codex_body(input=items)), "gpt-5")
    namespace = next(tool for tool in sent["tools"] if tool["type"] == "namespace")
    assert [tool["name"] for tool in namespace["tools"]] == ["close_agent", "wait_agent"]
    call = next(item for item in sent["input"] if item["type"] == "function_call")
    assert call["namespace"] == "multi_agent_v1"
    assert specs().validate_request_body("openai.createResponse", sent) == []


# --- Claude Code on its default model: system messages between turns ---------------------------


def claude_code_body() -> dict[str, Any]:
    return {
        "model": "claude-opus-5-5",
        "max_tokens": 128000,
        "system": [{"type": "text", "text": "You are Claude Code."}],
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "<system-reminder>context</system-reminder>"}],
            },
            {
                "role": "system",
                "content": [{"type": "text", "text": "# Environment"}],
                "output_config": {"effort": "medium"},
            },
            {"role": "system", "content": [], "output_config": {"effort": "low"}},
            {"role": "user", "content": "Say hello"},
        ],
        "thinking": {"type": "adaptive", "display": "omitted"},
        "output_config": {"effort": "medium"},
        "stream": True,
    }


def test_system_messages_between_turns_are_valid_against_the_spec() -> None:
    assert specs().validate_request_body("anthropic.createMessage", claude_code_body()) == []
    wrong = claude_code_body()
    wrong["messages"][1]["output_config"] = {"effort": "enormous"}
    assert specs().validate_request_body("anthropic.createMessage", wrong) != []


def test_system_messages_between_turns_stay_where_they_are_when_translated() -> None:
    """Each is a system message in place; an effort-only one (no content) carries nothing a
    chat upstream can use, and its per-turn effort is dropped."""
    decoded = ANTHROPIC.decode_request(claude_code_body())
    assert [message.role for message in decoded.messages] == ["system", "user", "system", "system", "user"]
    sent = OPENAI_CHAT.encode_request(decoded, "gpt-4o")
    assert [(message["role"], message["content"]) for message in sent["messages"]] == [
        ("system", "You are Claude Code."),
        ("user", "<system-reminder>context</system-reminder>"),
        ("system", "# Environment"),
        ("user", "Say hello"),
    ]
    assert specs().validate_request_body("openai.createChatCompletion", sent) == []


def test_interactive_claude_code_extras_are_accepted_and_dropped_when_translating() -> None:
    body = {
        **claude_code_body(),
        "thinking": {"type": "adaptive", "display": "updates"},
        "safeguards": [
            {"type": "dangerous_tool_use", "classifier_context": {"v": 1, "permission_mode": "auto"}}
        ],
    }
    assert specs().validate_request_body("anthropic.createMessage", body) == []
    decoded = ANTHROPIC.decode_request(body)
    assert decoded.thinking is not None and decoded.thinking.enabled
    assert "safeguards" not in OPENAI_CHAT.encode_request(decoded, "gpt-4o")
