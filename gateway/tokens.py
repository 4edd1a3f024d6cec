"""A deterministic token estimator: what the gateway counts when no upstream tokenizer answers.

The mock provider reports usage with it, ``count_tokens`` falls back to it when an upstream has no
count endpoint, and metering sizes a reservation with it before the upstream has said anything. It
sits on the request path, so it reads sizes, never tokenizes: a typical request costs a few
microseconds. It matches no real tokenizer; what it guarantees is that the same input always gives
the same count and that more input never gives fewer tokens.

The rule:

- text: one token per started 4 bytes of UTF-8, ``ceil(len(utf8) / 4)``, so ``""`` is 0 tokens and
  ``"hello"`` is 2;
- a request: ``REQUEST_TOKENS`` once, plus for every message ``MESSAGE_TOKENS`` and its name and
  parts, plus every tool definition and the response format's JSON schema;
- parts: text and thinking by their text; redacted thinking by its data; a tool call by
  ``TOOL_CALL_TOKENS`` plus its name and arguments text; a tool result by ``TOOL_CALL_TOKENS`` plus
  its name and content; a document with plain text by that text, any other document by the flat
  ``DOCUMENT_TOKENS``; an image by the flat ``IMAGE_TOKENS``; audio by the flat ``AUDIO_TOKENS``;
- a tool definition: ``TOOL_TOKENS`` plus its name, description and compact JSON parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from gateway.canonical import (
    Audio,
    Document,
    Image,
    Message,
    Part,
    RedactedThinking,
    Request,
    Text,
    Thinking,
    Tool,
    ToolCall,
    ToolResult,
)

BYTES_PER_TOKEN = 4
REQUEST_TOKENS = 3
MESSAGE_TOKENS = 4
TOOL_TOKENS = 8
TOOL_CALL_TOKENS = 4
IMAGE_TOKENS = 1_000
DOCUMENT_TOKENS = 3_000
AUDIO_TOKENS = 1_000


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8; lone surrogates (JSON can carry them) count as three bytes."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def count_text(text: str) -> int:
    """Tokens in a piece of text: one per started 4 bytes of UTF-8."""
    return -(-utf8_size(text) // BYTES_PER_TOKEN)


def truncate_text(text: str, max_tokens: int) -> str:
    """The longest prefix of ``text`` that counts at most ``max_tokens``.

    When ``text`` is longer than that, the prefix counts exactly ``max_tokens``: it ends within the
    last 4 bytes of the budget, and no character is longer than 4 bytes.
    """
    budget = max(max_tokens, 0) * BYTES_PER_TOKEN
    if text.isascii():
        return text[:budget]
    size = 0
    for position, char in enumerate(text):
        size += _char_size(char)
        if size > budget:
            return text[:position]
    return text


def _char_size(char: str) -> int:
    code = ord(char)
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


def count_part(part: Part) -> int:
    """Tokens of one content part, by the rule in the module docstring."""
    return _PART_COUNTERS[type(part)](part)


def count_tool(tool: Tool) -> int:
    """Tokens of one tool definition: its name, description and JSON schema."""
    return (
        TOOL_TOKENS
        + count_text(tool.name)
        + count_text(tool.description or "")
        + count_text(_compact_json(tool.parameters))
    )


def count_message(message: Message) -> int:
    return MESSAGE_TOKENS + count_text(message.name or "") + sum(map(count_part, message.content))


def estimate_request(request: Request) -> int:
    """Input tokens of a whole request: messages, tool definitions and the response schema."""
    total = REQUEST_TOKENS + sum(map(count_message, request.messages)) + sum(map(count_tool, request.tools))
    if request.response_format is not None and request.response_format.schema is not None:
        total += count_text(_compact_json(request.response_format.schema))
    return total


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _count_tool_call(call: ToolCall) -> int:
    return TOOL_CALL_TOKENS + count_text(call.name) + count_text(call.arguments)


def _count_tool_result(result: ToolResult) -> int:
    return TOOL_CALL_TOKENS + count_text(result.name or "") + sum(map(count_part, result.content))


def _count_document(document: Document) -> int:
    return DOCUMENT_TOKENS if document.text is None else count_text(document.text)


_PART_COUNTERS: dict[type, Callable[[Any], int]] = {
    Text: lambda part: count_text(part.text),
    Thinking: lambda part: count_text(part.text),
    RedactedThinking: lambda part: count_text(part.data),
    ToolCall: _count_tool_call,
    ToolResult: _count_tool_result,
    Document: _count_document,
    Image: lambda part: IMAGE_TOKENS,
    Audio: lambda part: AUDIO_TOKENS,
}
