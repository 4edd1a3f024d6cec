"""What the mock reads from a conversation: the user's words, the latest tool results, the turn.

Protocols put these in different places (a tool result is a ``tool`` message in OpenAI and a part
of a ``user`` message in Anthropic and Gemini), so the rules here look at parts, not roles, where
the protocols disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.canonical import Message, Request, Text, ToolCall, ToolResult

# What a client injects into the user's turn (Claude Code's reminders, which may name tools).
INJECTED = re.compile(r"<system-reminder>.*?(?:</system-reminder>|\Z)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """One tool result in the last message, with the tool's name resolved from its call."""

    name: str
    text: str


def user_message_texts(request: Request) -> list[str]:
    """The text parts of the latest user message that has any (tool-result-only ones are skipped)."""
    for message in reversed(request.messages):
        if message.role == "user":
            texts = [part.text for part in message.content if isinstance(part, Text)]
            if texts:
                return texts
    return []


def user_text(request: Request) -> str:
    """The latest user words, all text parts joined by newlines: what scenario matchers read."""
    return "\n".join(user_message_texts(request))


def own_words(request: Request) -> str:
    """The latest user text without what the client wrapped around it: ``<system-reminder>``
    blocks, whole parts or inside one, are Claude Code's words, not the user's."""
    return INJECTED.sub("", user_text(request)).strip()


def tool_outputs(request: Request) -> list[ToolOutput]:
    """The tool results in the conversation's last message; empty when it holds none."""
    if not request.messages:
        return []
    results = [part for part in request.messages[-1].content if isinstance(part, ToolResult)]
    names = _call_names(request.messages) if results else {}
    return [
        ToolOutput(result.name or names.get(result.tool_call_id, ""), result_text(result))
        for result in results
    ]


def result_text(result: ToolResult) -> str:
    return "\n".join(part.text for part in result.content if isinstance(part, Text))


def turn(request: Request) -> int:
    """Which model call of the conversation this is: 1 plus the assistant messages before it."""
    return 1 + sum(message.role == "assistant" for message in request.messages)


def _call_names(messages: list[Message]) -> dict[str, str]:
    return {
        part.id: part.name for message in messages for part in message.content if isinstance(part, ToolCall)
    }
