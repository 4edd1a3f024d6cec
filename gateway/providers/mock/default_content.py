"""The unscripted answer: deterministic text that still does what the request demands.

The rules, first that applies:

1. the last message holds tool results -> a final text answer quoting each result in full (even
   when ``tool_choice`` still forces a tool, so that a loop driven by the mock ends);
2. ``tool_choice`` names a tool -> a call to it; ``required`` -> a call to the first tool offered;
3. ``tool_choice`` is ``auto`` (or absent) and the user's own words in the last user message
   say "use", "call" or "invoke" followed by an offered tool's exact name (optionally "the"
   before it, backticks around it) -> a call to the first tool so named in the text. What the
   client injected is not the user's words: Claude Code's ``<system-reminder>`` blocks ("Use
   ToolSearch ...") are left out, so an unscripted mock answers Claude Code without a call;
4. otherwise a text answer quoting the last user text.

A call's arguments are generated from the tool's JSON schema. A text answer is JSON when the
request asks for it: a value of the ``json_schema`` schema, or ``{"answer": <text>}`` for
``json_object``. When the request enables thinking, a thinking block comes first.
"""

from __future__ import annotations

import json
import re

from gateway.canonical import Part, Request, Text, Tool
from gateway.providers.mock.blocks import generated_arguments, thinking_block, tool_call
from gateway.providers.mock.conversation import own_words, tool_outputs, user_message_texts
from gateway.providers.mock.schema_values import value_for
from gateway.providers.mock.text import answer_text, thinking_text, tool_answer_text

_ASKS_FOR_TOOL = r"(?i:\b(?:use|call|invoke)\s+(?:the\s+)?)`?({names})`?(?![\w-])"


def default_content(request: Request, digest: bytes) -> list[Part]:
    """The blocks of the unscripted answer, before ``max_tokens`` and stop sequences apply."""
    texts = user_message_texts(request)
    prompt = texts[-1] if texts else ""
    thinking = [thinking_block(thinking_text(prompt), digest)] if _wants_thinking(request) else []
    return [*thinking, _answer(request, prompt, digest)]


def _wants_thinking(request: Request) -> bool:
    return request.thinking is not None and request.thinking.enabled


def _chosen_tool(request: Request) -> Tool | None:
    """The tool the request makes the model call (rules 2 and 3), or None."""
    choice = request.tool_choice
    mode = choice.mode if choice is not None else "auto"
    if mode == "tool" and choice is not None and choice.name:
        offered = (tool for tool in request.tools if tool.name == choice.name)
        return next(offered, Tool(name=choice.name))
    if mode == "none" or not request.tools:
        return None
    if mode in ("required", "tool"):
        return request.tools[0]
    return _tool_asked_for(request.tools, own_words(request))


def _formatted_text(request: Request, prose: str) -> str:
    """The prose, or JSON in its place when the response format asks for JSON."""
    response_format = request.response_format
    if response_format is None or response_format.type == "text":
        return prose
    if response_format.type == "json_schema" and response_format.schema is not None:
        return json.dumps(value_for(response_format.schema), ensure_ascii=False)
    return json.dumps({"answer": prose}, ensure_ascii=False)


def _answer(request: Request, prompt: str, digest: bytes) -> Part:
    outputs = tool_outputs(request)
    if outputs:
        return Text(_formatted_text(request, tool_answer_text(outputs, digest)))
    tool = _chosen_tool(request)
    if tool is not None:
        return tool_call(tool.name, generated_arguments(tool), digest, 0)
    return Text(_formatted_text(request, answer_text(prompt, digest)))


def _tool_asked_for(tools: list[Tool], text: str) -> Tool | None:
    """The tool the text asks for first, in one scan whatever the number of tools (longest name
    first, so that ``files`` does not shadow ``files.read``)."""
    names = sorted((tool.name for tool in tools if tool.name), key=len, reverse=True)
    if not names or not text:
        return None
    found = re.search(_ASKS_FOR_TOOL.format(names="|".join(map(re.escape, names))), text)
    return next(tool for tool in tools if tool.name == found.group(1)) if found else None
