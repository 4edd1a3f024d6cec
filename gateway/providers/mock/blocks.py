"""Content parts as the mock makes them: ids and signatures derived from the request digest."""

from __future__ import annotations

import json
from typing import Any

from gateway.canonical import Thinking, Tool, ToolCall
from gateway.providers.mock.ids import thinking_signature, tool_call_id
from gateway.providers.mock.schema_values import value_for


def thinking_block(text: str, digest: bytes) -> Thinking:
    return Thinking(text=text, signature=thinking_signature(digest, text))


def tool_call(name: str, arguments: str, digest: bytes, index: int) -> ToolCall:
    """The ``index``-th call of an answer, with an id that is fixed for the request."""
    return ToolCall(id=tool_call_id(digest, index), name=name, arguments=arguments)


def generated_arguments(tool: Tool | None) -> str:
    """Arguments valid against the tool's schema, as JSON text; ``{}`` for an unknown tool.

    Every protocol wants an object here, so a schema whose value would be anything else gets ``{}``.
    """
    value = value_for(tool.parameters) if tool is not None else {}
    return arguments_json(value if isinstance(value, dict) else {})


def arguments_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
