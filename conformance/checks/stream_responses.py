"""OpenAI Responses (and Open Responses) streams: named, numbered events around nested items.

The stream is a life cycle (``response.created``, ``response.in_progress``, one terminal event)
around output items, each bracketed by ``output_item.added``/``.done``, with text content parts
bracketed inside them. Every ``.done`` event restates in full what its deltas built, and the
terminal event restates every item, so a client may read either; the rules check that both
readings agree. ``sequence_number`` lets a client detect a lost event.
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
    check_concatenation,
    check_event_name_is_type,
    check_next_index,
    check_terminal,
    check_tool_offered,
    check_within_limit,
)
from conformance.checks.values import as_key, as_list, as_object, as_text, dig, index_order
from gateway.tables import OPENAI_RESPONSES

__all__ = ["ResponsesStream"]

TERMINAL_STATUS = {
    "response.completed": "completed",
    "response.incomplete": "incomplete",
    "response.failed": "failed",
}
TERMINALS = (*TERMINAL_STATUS, "error")
ERRORS = ("error", "response.failed")
LIFE_CYCLE_START = (("response.created", "created_first"), ("response.in_progress", "in_progress_second"))
# Events that live inside an open content part (keyed by item_id and content_index).
PART_EVENTS = (
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_text.annotation.added",
    "response.refusal.delta",
    "response.refusal.done",
)


class ResponsesStream(StreamMachine):
    """The Responses event grammar; ``answer`` folds the deltas, not the terminal restatement."""

    protocol = OPENAI_RESPONSES
    done_allowed = True
    usage_keys = ("input_tokens", "output_tokens")

    def __init__(self, request: Mapping[str, Any] | None = None) -> None:
        super().__init__(request)
        self._offered = _offered_tools(request)
        self._limit = (request or {}).get("max_output_tokens")
        self._items = Brackets(self.report, "item", "output item")
        self._parts = Brackets(self.report, "content_part", "content part")
        self._added: dict[int, dict[str, Any]] = {}
        self._done: dict[int, dict[str, Any]] = {}
        self._text = Fragments()
        self._arguments = Fragments()
        self._answer_text: list[str] = []
        self._response_id: Any = None
        self._terminal: Event | None = None

    @staticmethod
    def is_error_event(event: Event) -> bool:
        return event.type in ERRORS

    @staticmethod
    def is_success_terminator(event: Event) -> bool:
        return event.type in ("response.completed", "response.incomplete")

    @staticmethod
    def may_follow_error(event: Event) -> bool:
        return event.is_done

    @staticmethod
    def answer_of_body(body: Mapping[str, Any]) -> Answer:
        """The meaning of a whole ``response`` object, as ``ResponsesStream.answer`` folds a stream."""
        text, calls = [], []
        for item in map(as_object, as_list(body.get("output"))):
            if item.get("type") == "message":
                text += [
                    as_text(p.get("text"))
                    for p in map(as_object, as_list(item.get("content")))
                    if p.get("type") == "output_text"
                ]
            elif item.get("type") == "function_call":
                calls.append(
                    ToolCall(item.get("name"), parse_arguments(item.get("arguments")), item.get("call_id"))
                )
        return Answer("".join(text), calls, _stop_reason(body), token_counts(body.get("usage")))

    def feed(self, event: Event) -> None:
        kind = event.type
        payload = event.payload
        if kind in ERRORS:
            self.report.error("error_event", f"the stream carried {kind}: {short(payload)}", event.at())
        if kind in TERMINALS:
            self._terminal_event(event)
        elif kind == "response.output_item.added":
            self._item_added(event)
        elif kind == "response.output_item.done":
            self._item_done(event)
        elif "output_index" in payload:
            self._item_event(event)
        if kind == "response.created":
            self._response_id = dig(payload, "response", "id")

    def finish(self, events: list[Event]) -> None:
        named = [e for e in events if not e.is_done]
        check_event_name_is_type(self.report, named)
        self._check_sequence_numbers(named)
        self._check_life_cycle(named)
        check_terminal(
            self.report,
            events,
            lambda e: e.type in TERMINALS,
            "response.completed, response.incomplete, response.failed or error",
            may_trail=lambda e: e.is_done,
        )
        for event in events[:-1]:
            if event.is_done:
                self.report.error(
                    "done_last", "data: [DONE] is allowed only as the very last event", event.at(), event.data
                )
        self._items.finish()
        self._parts.finish()

    def answer(self) -> Answer:
        calls = []
        for index, added in self._added.items():
            item = {**added, **self._done.get(index, {})}
            if item.get("type") == "function_call":
                streamed = self._arguments.has(item.get("id"))
                arguments = self._arguments.text(item.get("id")) if streamed else item.get("arguments")
                calls.append(ToolCall(item.get("name"), parse_arguments(arguments), item.get("call_id")))
        response = as_object(dig(self._terminal.payload, "response")) if self._terminal else {}
        stop = _stop_reason(response) if response else (self._terminal.type if self._terminal else None)
        return Answer("".join(self._answer_text), calls, stop, token_counts(response.get("usage")))

    def _check_sequence_numbers(self, events: list[Event]) -> None:
        if all(e.payload is None or e.payload.get("sequence_number") is None for e in events):
            self.report.warn(
                "sequence_number_present",
                "no event carries sequence_number (OpenAI's early Responses streams had none; "
                "Open Responses requires it)",
                "every event",
            )
            return
        expected = 0
        for event in events:
            number = event.payload.get("sequence_number") if event.payload is not None else None
            if number is None:
                self.report.error(
                    "sequence_number_present",
                    "event without sequence_number in a stream whose other events carry one",
                    event.at(),
                    event.data,
                )
                continue
            if number != expected:
                self.report.error(
                    "sequence_number_consecutive",
                    f"sequence_number {number!r}, expected {expected} (numbers start at 0 and go up by 1)",
                    event.at("sequence_number"),
                    event.data,
                )
            expected = number + 1 if isinstance(number, int) else expected + 1

    def _check_life_cycle(self, events: list[Event]) -> None:
        """created, then in_progress; a background response may be queued between the two."""
        events = [event for event in events if event.type != "response.queued"]
        for position, (expected, rule) in enumerate(LIFE_CYCLE_START):
            if len(events) > position and events[position].type != expected:
                event = events[position]
                self.report.error(
                    rule, f"{event.label} where the life cycle has {expected}", event.at(), event.data
                )

    def _item_added(self, event: Event) -> None:
        index = as_key(event.payload.get("output_index"))
        item = as_object(event.payload.get("item"))
        check_next_index(self.report, "output_index_dense", "output item", len(self._added), index, event)
        self._items.open(index, event)
        self._added.setdefault(index, item)
        if item.get("type") == "function_call":
            check_tool_offered(self.report, item.get("name"), self._offered, event)

    def _item_event(self, event: Event) -> None:
        payload = event.payload
        index = as_key(payload.get("output_index"))
        if not self._items.use(index, event):
            return
        item_id = self._added.get(index, {}).get("id")
        if "item_id" in payload and item_id is not None and payload["item_id"] != item_id:
            self.report.error(
                "item_id_matches",
                f"item_id {payload['item_id']!r}, but output item {index} is {item_id!r}",
                event.at("item_id"),
                event.data,
            )
        self._part_event(event)
        self._argument_event(event)

    def _part_event(self, event: Event) -> None:
        payload = event.payload
        key = as_key((payload.get("item_id"), payload.get("content_index")))
        kind = event.type
        if kind == "response.content_part.added":
            self._parts.open(key, event)
        elif kind == "response.content_part.done":
            self._parts.close(key, event)
        elif kind in PART_EVENTS:
            self._parts.use(key, event)
        if kind == "response.output_text.delta":
            self._text.add(key, payload.get("delta"))
            self._answer_text.append(as_text(payload.get("delta")))
        elif kind == "response.output_text.done":
            check_concatenation(
                self.report,
                "text_done_matches_deltas",
                f"output_text.done text of {key!r}",
                self._text.text(key),
                payload.get("text"),
                event,
            )

    def _argument_event(self, event: Event) -> None:
        payload = event.payload
        if event.type == "response.function_call_arguments.delta":
            self._arguments.add(payload.get("item_id"), payload.get("delta"))
        elif event.type == "response.function_call_arguments.done":
            check_concatenation(
                self.report,
                "arguments_done_matches_deltas",
                f"function_call_arguments.done arguments of {payload.get('item_id')!r}",
                self._arguments.text(payload.get("item_id")),
                payload.get("arguments"),
                event,
            )

    def _item_done(self, event: Event) -> None:
        index = as_key(event.payload.get("output_index"))
        item = as_object(event.payload.get("item"))
        self._items.close(index, event)
        self._done[index] = item
        if item.get("type") == "function_call":
            self._check_done_call(event, item, self._added.get(index, {}))
        elif item.get("type") == "message":
            self._check_done_message(event, item)

    def _check_done_call(self, event: Event, item: dict[str, Any], added: dict[str, Any]) -> None:
        problems = [
            f"{key} missing" for key in ("name", "call_id", "arguments") if not isinstance(item.get(key), str)
        ]
        problems += [
            f"{key} {item[key]!r} differs from output_item.added's {added[key]!r}"
            for key in ("name", "call_id")
            if isinstance(item.get(key), str) and added.get(key) and item[key] != added[key]
        ]
        streamed = self._arguments.text(item.get("id"))
        if self._arguments.has(item.get("id")) and item.get("arguments") != streamed:
            problems.append(
                f"arguments {short(item.get('arguments'))} differ from the deltas' {short(streamed)}"
            )
        self._report_incomplete_item(event, problems)

    def _check_done_message(self, event: Event, item: dict[str, Any]) -> None:
        problems = []
        for position, part in enumerate(map(as_object, as_list(item.get("content")))):
            key = (item.get("id"), position)
            if (
                part.get("type") == "output_text"
                and self._text.has(key)
                and part.get("text") != self._text.text(key)
            ):
                problems.append(
                    f"content[{position}].text {short(part.get('text'))} differs from the deltas' "
                    f"{short(self._text.text(key))}"
                )
        self._report_incomplete_item(event, problems)

    def _report_incomplete_item(self, event: Event, problems: list[str]) -> None:
        if problems:
            self.report.error(
                "item_done_complete",
                "output_item.done does not carry the complete item: " + "; ".join(problems),
                event.at("item"),
                event.data,
            )

    def _terminal_event(self, event: Event) -> None:
        self._terminal = event
        if event.type == "error":
            return
        response = as_object(event.payload.get("response"))
        expected = TERMINAL_STATUS[event.type]
        if response.get("status") != expected:
            self.report.error(
                "terminal_status_matches",
                f"{event.type} carries response.status {response.get('status')!r}, expected {expected!r}",
                event.at("response.status"),
            )
        if self._response_id is not None and response.get("id") != self._response_id:
            self.report.error(
                "same_response_id",
                f"response.id {response.get('id')!r} differs from response.created's {self._response_id!r}",
                event.at("response.id"),
            )
        if event.type == "response.completed":
            self._check_usage(event, response.get("usage"))
        if event.type != "response.failed":
            self._check_output(event, response.get("output"))

    def _check_usage(self, event: Event, usage: Any) -> None:
        counts = token_counts(usage)
        missing = [key for key in self.usage_keys if key not in counts]
        if missing:
            self.report.error(
                "usage_on_completed",
                f"response.completed has no usage {', '.join(missing)} (usage is {short(usage)})",
                event.at("response.usage"),
            )
        check_within_limit(
            self.report, "usage.output_tokens", counts.get("output_tokens"), self._limit, event
        )

    def _check_output(self, event: Event, output: Any) -> None:
        streamed = [_essence(self._done[index]) for index in sorted(self._done, key=index_order)]
        final = [_essence(item) for item in as_list(output)]
        if len(streamed) != len(final):
            self.report.error(
                "output_matches_items",
                f"response.output has {len(final)} item(s), but output_item.done streamed {len(streamed)}",
                event.at("response.output"),
            )
            return
        for index, (sent, restated) in enumerate(zip(streamed, final, strict=True)):
            if sent != restated:
                self.report.error(
                    "output_matches_items",
                    f"response.output[{index}] is {short(restated, 160)}, but output_item.done streamed "
                    f"{short(sent, 160)}",
                    event.at(f"response.output[{index}]"),
                )


def _essence(item: Any) -> tuple[Any, ...]:
    """What must agree between a streamed item and the same item in the final response."""
    if not isinstance(item, dict):
        return (item,)
    kind = item.get("type")
    if kind == "message":
        parts = tuple((dig(p, "type"), dig(p, "text")) for p in as_list(item.get("content")))
        return (kind, item.get("id"), parts)
    if kind == "function_call":
        return (kind, item.get("id"), item.get("name"), item.get("call_id"), item.get("arguments"))
    return (kind, item.get("id"))


def _stop_reason(response: Mapping[str, Any]) -> str | None:
    """Responses has no finish reason: a status, refined by incomplete_details.reason when cut short."""
    status = response.get("status")
    if status == "incomplete":
        return dig(response, "incomplete_details", "reason") or status
    return status


def _offered_tools(request: Mapping[str, Any] | None) -> set[str] | None:
    if request is None:
        return None
    tools = map(as_object, as_list(request.get("tools")))
    return {as_key(tool.get("name")) for tool in tools if tool.get("type") == "function"}
