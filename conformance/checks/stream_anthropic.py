"""Anthropic Messages streams: named events, content blocks opened and stopped one at a time.

The official SDKs dispatch on the ``event:`` line, require ``message_start`` first, and keep
blocks in a list indexed by ``index``; a gap or a reused index misplaces content, and a delta
of the wrong kind for its block (``input_json_delta`` on a text block) corrupts it. The one
``message_delta`` carries the stop reason and the cumulative output token count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.checks.answer import Answer, ToolCall, parse_arguments, token_counts
from conformance.checks.events import Event, StreamMachine
from conformance.checks.findings import short
from conformance.checks.sequence import (
    Brackets,
    Fragments,
    check_event_name_is_type,
    check_json_object,
    check_next_index,
    check_terminal,
    check_tool_offered,
    check_within_limit,
)
from conformance.checks.values import as_key, as_list, as_object, as_text, dig
from gateway.tables import ANTHROPIC

__all__ = ["AnthropicStream"]

# Which block types each delta type may extend. Server tools stream their input like client tools.
DELTA_BLOCKS = {
    "text_delta": ("text",),
    "citations_delta": ("text",),
    "input_json_delta": ("tool_use", "server_tool_use", "mcp_tool_use"),
    "thinking_delta": ("thinking",),
    "signature_delta": ("thinking",),
}
JSON_BLOCKS = DELTA_BLOCKS["input_json_delta"]


class AnthropicStream(StreamMachine):
    """The Messages event grammar; ``answer`` folds blocks as the SDK's message accumulator would."""

    protocol = ANTHROPIC
    usage_keys = ("input_tokens", "output_tokens")

    def __init__(self, request: Mapping[str, Any] | None = None) -> None:
        super().__init__(request)
        self._offered = _offered_tools(request)
        self._limit = (request or {}).get("max_tokens")
        self._blocks = Brackets(self.report, "block", "content block")
        self._started: dict[int, dict[str, Any]] = {}
        self._json = Fragments()
        self._signed: dict[int, Event] = {}
        self._text: list[str] = []
        self._start: Event | None = None
        self._message_deltas: list[Event] = []
        self._usage: dict[str, int] = {}
        self._stop_reason: Any = None

    @staticmethod
    def is_error_event(event: Event) -> bool:
        return event.type == "error"

    @staticmethod
    def is_success_terminator(event: Event) -> bool:
        return event.type == "message_stop"

    @staticmethod
    def answer_of_body(body: Mapping[str, Any]) -> Answer:
        """The meaning of a whole ``message``, as ``AnthropicStream.answer`` folds a stream."""
        content = [as_object(block) for block in as_list(body.get("content"))]
        text = "".join(as_text(block.get("text")) for block in content if block.get("type") == "text")
        calls = [
            ToolCall(block.get("name"), block.get("input"), block.get("id"))
            for block in content
            if block.get("type") == "tool_use"
        ]
        return Answer(text, calls, body.get("stop_reason"), token_counts(body.get("usage")))

    def feed(self, event: Event) -> None:
        handler = {
            "message_start": self._message_start,
            "content_block_start": self._block_start,
            "content_block_delta": self._block_delta,
            "content_block_stop": self._block_stop,
            "message_delta": self._message_delta,
        }.get(event.type)
        if event.number == 0 and event.type != "message_start":
            self.report.error(
                "message_start_first", f"the first event is {event.label}, expected message_start", event.at()
            )
        if event.type == "error":
            self.report.error(
                "error_event", f"the stream carried an error: {short(event.payload)}", event.at()
            )
        if handler is not None:
            handler(event)

    def finish(self, events: list[Event]) -> None:
        check_event_name_is_type(self.report, events)
        check_terminal(
            self.report, events, lambda e: e.type in ("message_stop", "error"), "message_stop or error"
        )
        self._blocks.finish()
        if not self._message_deltas:
            self.report.error(
                "message_delta_once", "no message_delta (it carries the stop reason)", "end of stream"
            )

    def answer(self) -> Answer:
        calls = []
        for index, block in self._started.items():
            if block.get("type") == "tool_use":
                raw = self._json.text(index)
                arguments = parse_arguments(raw) if raw else block.get("input", {})
                calls.append(ToolCall(block.get("name"), arguments, block.get("id")))
        stop = self._stop_reason if isinstance(self._stop_reason, str) else None
        return Answer("".join(self._text), calls, stop, self._usage)

    def _kind(self, index: Any) -> Any:
        return self._started.get(index, {}).get("type")

    def _message_start(self, event: Event) -> None:
        if self._start is not None:
            self.report.error(
                "message_start_first",
                f"a second message_start; the first was at event {self._start.number}",
                event.at(),
            )
            return
        self._start = event
        message = as_object(event.payload.get("message"))
        usage = message.get("usage")
        self._usage = token_counts(usage)
        problems = []
        if message.get("content") != []:
            problems.append(f"message.content is {short(message.get('content'))}, expected []")
        if "input_tokens" not in self._usage:
            problems.append(f"message.usage has no integer input_tokens ({short(usage)})")
        if problems:
            self.report.error("message_start_shape", "; ".join(problems), event.at("message"), event.data)

    def _block_start(self, event: Event) -> None:
        index = as_key(event.payload.get("index"))
        block = as_object(event.payload.get("content_block"))
        if self._message_deltas:
            self._after_message_delta(event)
        for open_index in self._blocks.open_keys:
            self.report.error(
                "one_block_open",
                f"content block {index!r} starts while block {open_index!r} is still open",
                event.at(),
                event.data,
            )
        check_next_index(self.report, "block_index_dense", "content block", len(self._started), index, event)
        self._blocks.open(index, event)
        self._started.setdefault(index, block)
        if block.get("type") == "text":
            self._text.append(as_text(block.get("text")))
        if block.get("type") == "tool_use":
            check_tool_offered(self.report, block.get("name"), self._offered, event)

    def _block_delta(self, event: Event) -> None:
        index = as_key(event.payload.get("index"))
        delta = as_object(event.payload.get("delta"))
        if self._message_deltas:
            self._after_message_delta(event)
        if not self._blocks.use(index, event):
            return
        kind, block = as_key(delta.get("type")), self._kind(index)
        if index in self._signed:
            self.report.error(
                "signature_last_in_block",
                f"{kind} in thinking block {index} after its signature_delta at event {self._signed[index].number}",
                event.at("delta"),
                event.data,
            )
        if kind not in DELTA_BLOCKS:
            self.report.warn(
                "delta_type_known", f"unknown delta type {kind!r}", event.at("delta.type"), event.data
            )
        elif block not in DELTA_BLOCKS[kind]:
            self.report.error(
                "delta_matches_block",
                f"{kind} in a {block!r} block; {kind} belongs only in {' or '.join(DELTA_BLOCKS[kind])} blocks",
                event.at("delta.type"),
                event.data,
            )
        if kind == "signature_delta":
            self._signed[index] = event
        elif kind == "input_json_delta":
            self._json.add(index, delta.get("partial_json"))
        elif kind == "text_delta":
            self._text.append(as_text(delta.get("text")))

    def _block_stop(self, event: Event) -> None:
        index = as_key(event.payload.get("index"))
        if self._message_deltas:
            self._after_message_delta(event)
        self._blocks.close(index, event)
        if self._kind(index) in JSON_BLOCKS and self._json.text(index):
            check_json_object(
                self.report,
                "tool_input_json",
                f"the input_json_delta fragments of block {index}",
                self._json.text(index),
                event,
            )

    def _message_delta(self, event: Event) -> None:
        if self._message_deltas:
            self.report.error(
                "message_delta_once",
                f"a second message_delta; the first was at event {self._message_deltas[0].number}",
                event.at(),
                event.data,
            )
        self._message_deltas.append(event)
        for open_index in self._blocks.open_keys:
            self.report.error(
                "message_delta_after_blocks",
                f"message_delta while content block {open_index!r} is still open",
                event.at(),
                event.data,
            )
        self._stop_reason = dig(event.payload, "delta", "stop_reason")
        if self._stop_reason is None:
            self.report.error(
                "stop_reason_present",
                "message_delta has no stop_reason",
                event.at("delta.stop_reason"),
                event.data,
            )
        self._check_output_tokens(event)

    def _check_output_tokens(self, event: Event) -> None:
        usage = token_counts(event.payload.get("usage"))
        output, before = usage.get("output_tokens"), self._usage.get("output_tokens", 0)
        if output is None or output < before:
            self.report.error(
                "output_tokens_cumulative",
                f"message_delta usage.output_tokens is {output!r}; it must be present and cumulative "
                f"(at least message_start's {before})",
                event.at("usage.output_tokens"),
                event.data,
            )
        self._usage.update(usage)
        check_within_limit(self.report, "usage.output_tokens", output, self._limit, event)

    def _after_message_delta(self, event: Event) -> None:
        self.report.error(
            "message_delta_after_blocks",
            f"{event.label} after message_delta at event {self._message_deltas[0].number}",
            event.at(),
            event.data,
        )


def _offered_tools(request: Mapping[str, Any] | None) -> set[str] | None:
    if request is None:
        return None
    return {as_key(dig(tool, "name")) for tool in as_list(request.get("tools"))}
