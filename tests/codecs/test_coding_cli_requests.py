"""What the coding CLIs send that other clients do not, read and written back by the codecs:
Codex CLI's ``namespace``, ``web_search``, ``tool_search`` and ``custom`` (freeform) tools
(Responses), Claude Code's system messages between turns (Anthropic). tests/clis drives the real
programs; these pin the rules down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers_openai import json_events, reencode, sdk_client, specs, stream_problems

from gateway.canonical import (
    ArgumentsDelta,
    BlockStart,
    BlockStop,
    Message,
    Response,
    StopReason,
    StreamEnd,
    StreamStart,
    Text,
    ToolCall,
    ToolChoice,
    ToolResult,
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
        {"type": "local_shell"},
        {"type": "mcp", "server_label": "docs", "server_url": "https://mcp.example/sse"},
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


# --- Codex CLI on a model it knows: the freeform apply_patch tool and tool search -------------

PATCH_GRAMMAR = 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF\n'
APPLY_PATCH = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Use the `apply_patch` tool to edit files. This is a FREEFORM tool.",
    "format": {"type": "grammar", "syntax": "lark", "definition": PATCH_GRAMMAR},
}
TOOL_SEARCH = {
    "type": "tool_search",
    "execution": "client",
    "description": "Searches over deferred tool metadata.",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
}
PATCH = '*** Begin Patch\n*** Update File: notes.txt\n@@\n-old "line"\n+new line\n*** End Patch\n'


def freeform_body(**fields: Any) -> dict[str, Any]:
    """As Codex CLI sends it to a model whose metadata says ``apply_patch_tool_type: freeform``."""
    return codex_body(**{"tools": [SHELL, APPLY_PATCH, TOOL_SEARCH, WEB_SEARCH], **fields})


def test_a_freeform_request_is_valid_against_the_spec() -> None:
    assert specs().validate_request_body("openai.createResponse", freeform_body()) == []


def test_a_custom_tool_is_a_function_of_one_string_and_tool_search_is_dropped() -> None:
    decoded = RESPONSES.decode_request(freeform_body())
    assert [(tool.name, tool.freeform) for tool in decoded.tools] == [
        ("exec_command", False),
        ("apply_patch", True),
    ]
    patch_tool = decoded.tools[1]
    assert patch_tool.parameters["required"] == ["input"]
    assert patch_tool.parameters["properties"]["input"]["type"] == "string"
    assert APPLY_PATCH["description"] in patch_tool.description
    assert "lark grammar" in patch_tool.description and PATCH_GRAMMAR in patch_tool.description


def test_a_grammar_too_long_to_show_is_named_not_written() -> None:
    huge = {**APPLY_PATCH, "format": {"type": "grammar", "syntax": "regex", "definition": "a" * 5000}}
    plain = {"type": "custom", "name": "note"}  # no format: any text
    decoded = RESPONSES.decode_request(codex_body(tools=[huge, plain]))
    assert "regex grammar" in decoded.tools[0].description and "aaaa" not in decoded.tools[0].description
    assert "plain text" in decoded.tools[1].description and "grammar" not in decoded.tools[1].description


def test_other_protocols_see_the_custom_tool_as_a_function() -> None:
    decoded = RESPONSES.decode_request(freeform_body())
    decoded.max_tokens = 1024
    sent = ANTHROPIC.encode_request(decoded, "claude-sonnet-4-5")
    patch_tool = next(tool for tool in sent["tools"] if tool["name"] == "apply_patch")
    assert patch_tool["input_schema"]["required"] == ["input"]
    assert specs().validate_request_body("anthropic.createMessage", sent) == []
    chat = OPENAI_CHAT.encode_request(decoded, "gpt-4o")
    assert [tool["type"] for tool in chat["tools"]] == ["function", "function"]
    assert specs().validate_request_body("openai.createChatCompletion", chat) == []


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"type": "custom", "name": "apply_patch"}, ToolChoice("tool", "apply_patch")),
        (
            {
                "type": "allowed_tools",
                "mode": "required",
                "tools": [{"type": "custom", "name": "apply_patch"}],
            },
            ToolChoice("required"),
        ),
    ],
)
def test_a_tool_choice_can_name_a_custom_tool(choice: dict[str, Any], expected: ToolChoice) -> None:
    body = freeform_body(tool_choice=choice)
    assert specs().validate_request_body("openai.createResponse", body) == []
    decoded = RESPONSES.decode_request(body)
    assert decoded.tool_choice == expected
    assert "apply_patch" in [tool.name for tool in decoded.tools]


def test_a_call_to_a_custom_tool_is_written_as_a_custom_tool_call() -> None:
    request = RESPONSES.decode_request(freeform_body(stream=False))
    calls = [
        ToolCall("call_1", "apply_patch", json.dumps({"input": PATCH})),
        ToolCall("call_2", "exec_command", '{"target":"a"}'),
    ]
    body = RESPONSES.encode_response(Response("resp_1", "gpt-5.5", calls, StopReason.TOOL_USE), request)
    patch_call, shell_call = body["output"]
    assert patch_call["type"] == "custom_tool_call" and patch_call["id"].startswith("ctc_")
    assert (patch_call["call_id"], patch_call["name"], patch_call["input"]) == (
        "call_1",
        "apply_patch",
        PATCH,
    )
    assert "arguments" not in patch_call
    assert shell_call["type"] == "function_call" and shell_call["arguments"] == '{"target":"a"}'
    assert specs().validate_response_body("openai.createResponse", 200, body) == []
    parsed = sdk_client(json.dumps(body).encode(), "application/json").responses.create(model="m", input="hi")
    assert parsed.output[0].type == "custom_tool_call" and parsed.output[0].input == PATCH


@pytest.mark.parametrize("arguments", ['{"patch": "x"}', "*** Begin Patch", '{"input": 5}'])
def test_arguments_that_are_not_the_input_object_are_handed_over_as_written(arguments: str) -> None:
    request = RESPONSES.decode_request(freeform_body(stream=False))
    response = Response("resp_1", "m", [ToolCall("call_1", "apply_patch", arguments)], StopReason.TOOL_USE)
    assert RESPONSES.encode_response(response, request)["output"][0]["input"] == arguments


def test_a_streamed_call_to_a_custom_tool_streams_its_input() -> None:
    request = RESPONSES.decode_request(freeform_body())
    encoded = json.dumps({"input": PATCH})
    events = [
        StreamStart("resp_1", "gpt-5.5", 1),
        BlockStart(0, Text("")),
        BlockStop(0),
        BlockStart(1, ToolCall("call_1", "apply_patch")),
        ArgumentsDelta(1, encoded[:20]),
        ArgumentsDelta(1, encoded[20:]),
        BlockStop(1),
        StreamEnd(StopReason.TOOL_USE, Usage()),
    ]
    data = reencode(RESPONSES, events, request)
    assert stream_problems("openai.createResponse", data) == []
    written = [(name, event) for name, event in json_events(data) if name and "custom" in json.dumps(event)]
    names = [name for name, _ in written]
    assert names[1:4] == [
        "response.custom_tool_call_input.delta",
        "response.custom_tool_call_input.done",
        "response.output_item.done",
    ]
    added, delta, done, item_done = (event for _, event in written[:4])
    assert added["item"] == {
        "id": delta["item_id"],
        "type": "custom_tool_call",
        "status": "in_progress",
        "call_id": "call_1",
        "name": "apply_patch",
        "input": "",
    }
    assert delta["delta"] == done["input"] == item_done["item"]["input"] == PATCH
    assert "response.function_call_arguments.delta" not in [name for name, _ in json_events(data)]
    with sdk_client(data).responses.stream(model="gpt-5.5", input="hi") as stream:
        final = stream.get_final_response()
    assert final.output[1].type == "custom_tool_call" and final.output[1].input == PATCH


def test_a_custom_call_and_its_output_sent_back_are_a_call_and_its_result() -> None:
    items = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix it"}]},
        {"type": "custom_tool_call", "call_id": "call_1", "name": "apply_patch", "input": PATCH},
        {"type": "custom_tool_call_output", "call_id": "call_1", "output": "Success."},
    ]
    body = freeform_body(input=items)
    assert specs().validate_request_body("openai.createResponse", body) == []
    decoded = RESPONSES.decode_request(body)
    ((call,),) = [message.content for message in decoded.messages if message.role == "assistant"]
    assert (call.id, call.name, json.loads(call.arguments)) == ("call_1", "apply_patch", {"input": PATCH})
    assert decoded.messages[-1] == Message(
        "tool", [ToolResult("call_1", [Text("Success.")], name="apply_patch")]
    )
    decoded.max_tokens = 1024
    sent = ANTHROPIC.encode_request(decoded, "claude-sonnet-4-5")
    tool_use = sent["messages"][1]["content"][0]
    assert (tool_use["type"], tool_use["input"]) == ("tool_use", {"input": PATCH})
    assert sent["messages"][2]["content"][0]["tool_use_id"] == "call_1"
    assert specs().validate_request_body("anthropic.createMessage", sent) == []


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
