"""The request's output limits applied to an answer: stop sequences, then ``max_tokens``.

Generation is modelled as producing the blocks in order, so a limit reached in one block drops
everything after it:

- a stop sequence found in a text block cuts the text before its first occurrence (the earliest
  of all the sequences) and ends the answer with STOP_SEQUENCE; thinking and tool call arguments
  are never searched;
- ``max_tokens`` is a budget for all output, counted with ``gateway.tokens``: a thinking or text
  block that overruns it is truncated to exactly the tokens left, a tool call that does not fit
  whole is dropped, and the answer ends with MAX_TOKENS;
- otherwise the answer ends with TOOL_USE when it holds a tool call, END_TURN when not.

Empty text blocks are left out, so an answer may have no content at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.canonical import Part, Request, StopReason, Text, Thinking, ToolCall
from gateway.tokens import count_part, count_text, truncate_text


@dataclass(frozen=True, slots=True)
class Limited:
    content: list[Part]
    stop_reason: StopReason
    stop_sequence: str | None = None


def apply_limits(blocks: Sequence[Part], request: Request) -> Limited:
    budget: float = math.inf if request.max_tokens is None else request.max_tokens
    content: list[Part] = []
    for block in blocks:
        if isinstance(block, Text | Thinking):
            text, sequence = (
                _cut_at_stop(block.text, request.stop) if isinstance(block, Text) else (block.text, None)
            )
            cost = count_text(text)
            if cost > budget:
                _append_text(content, block, truncate_text(text, int(budget)))
                return Limited(content, StopReason.MAX_TOKENS)
            _append_text(content, block, text)
            if sequence is not None:
                return Limited(content, StopReason.STOP_SEQUENCE, sequence)
        else:
            cost = count_part(block)
            if cost > budget:
                return Limited(content, StopReason.MAX_TOKENS)
            content.append(block)
        budget -= cost
    has_call = any(isinstance(block, ToolCall) for block in content)
    return Limited(content, StopReason.TOOL_USE if has_call else StopReason.END_TURN)


def _cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, str | None]:
    """The text before the earliest stop sequence in it, and that sequence (None when none occurs)."""
    found = [(text.find(stop), stop) for stop in stops if stop and stop in text]
    if not found:
        return text, None
    position, stop = min(found, key=lambda item: item[0])
    return text[:position], stop


def _append_text(content: list[Part], block: Text | Thinking, text: str) -> None:
    """The block with its (possibly cut) text; an empty one is left out."""
    if not text:
        return
    if isinstance(block, Text):
        content.append(Text(text, block.cache_control))
    else:
        content.append(Thinking(text, block.signature))
