"""A scripted reply turned into content: templates rendered, missing arguments generated.

Blocks come in a fixed order, as a model would produce them: thinking, text, then tool calls.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.canonical import Part, Request, Text, Tool
from gateway.providers.mock.blocks import arguments_json, generated_arguments, thinking_block, tool_call
from gateway.providers.mock.scenarios import Reply, ScriptedToolCall
from gateway.providers.mock.templates import render, render_value


def scripted_content(
    reply: Reply, variables: Mapping[str, str], request: Request, digest: bytes
) -> list[Part]:
    blocks: list[Part] = []
    if reply.thinking is not None:
        blocks.append(thinking_block(render(reply.thinking, variables), digest))
    if reply.text is not None:
        blocks.append(Text(render(reply.text, variables)))
    offered = {tool.name: tool for tool in request.tools}
    for index, call in enumerate(reply.tool_calls):
        arguments = _arguments(call, variables, offered)
        blocks.append(tool_call(call.name, arguments, digest, index))
    return blocks


def _arguments(call: ScriptedToolCall, variables: Mapping[str, str], offered: Mapping[str, Tool]) -> str:
    """Raw text is rendered as written (values are not JSON-escaped); a mapping is rendered, then
    serialized; no arguments at all are generated from the offered tool's schema."""
    if isinstance(call.arguments, str):
        return render(call.arguments, variables)
    if isinstance(call.arguments, dict):
        return arguments_json(render_value(call.arguments, variables))
    return generated_arguments(offered.get(call.name))
