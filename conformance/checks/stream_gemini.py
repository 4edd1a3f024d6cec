"""Gemini ``streamGenerateContent`` streams: whole ``GenerateContentResponse`` chunks, no ``[DONE]``.

With ``alt=sse`` each chunk is one data-only SSE event; without it the same chunks come as one
JSON array (``events_from_json_array`` turns that form into events so both forms share every rule).
There is no end marker, so the end is known only from content: the last chunk carries the
``finishReason`` and the final ``usageMetadata``, and nothing may extend a candidate after its
``finishReason``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from conformance.checks.answer import Answer, ToolCall, token_counts
from conformance.checks.events import Event, StreamMachine
from conformance.checks.findings import short
from conformance.checks.sequence import check_data_only, check_tool_offered
from conformance.checks.values import as_key, as_list, as_object, dig
from gateway.sse import SSEEvent
from gateway.tables import GEMINI

__all__ = ["GeminiStream", "events_from_json_array"]

CHUNK_KEYS = ("candidates", "promptFeedback", "usageMetadata")


class GeminiStream(StreamMachine):
    """The streamGenerateContent chunk rules; ``answer`` folds candidate 0 (thought parts excluded)."""

    protocol = GEMINI
    usage_keys = ("promptTokenCount", "candidatesTokenCount")

    def __init__(self, request: Mapping[str, Any] | None = None) -> None:
        super().__init__(request)
        self._offered = _offered_tools(request)
        self._finished: dict[Any, Event] = {}
        self._usage: dict[str, int] = {}
        self._usage_event: Event | None = None
        self._answer = Answer()

    @staticmethod
    def is_error_event(event: Event) -> bool:
        return event.payload is not None and isinstance(event.payload.get("error"), dict)

    @staticmethod
    def is_success_terminator(event: Event) -> bool:
        return any(_finish_reason(c) for c in _candidates(event.payload))

    @staticmethod
    def answer_of_body(body: Mapping[str, Any]) -> Answer:
        """The meaning of a whole ``GenerateContentResponse``: the fold of a one-chunk stream."""
        machine = GeminiStream()
        machine.run([SSEEvent(json.dumps(body))])
        return machine.answer()

    def feed(self, event: Event) -> None:
        payload = event.payload
        if self.is_error_event(event):
            self.report.error("error_event", f"the stream carried an error: {short(payload)}", event.at())
            return
        if not any(key in payload for key in CHUNK_KEYS):
            self.report.error(
                "chunk_shape",
                f"chunk has none of {', '.join(CHUNK_KEYS)} (keys: {sorted(payload)})",
                event.at(),
                event.data,
            )
        for position, candidate in enumerate(_candidates(payload)):
            self._candidate(event, f"candidates[{position}]", candidate)
        if isinstance(payload.get("usageMetadata"), dict):
            self._check_usage(event, token_counts(payload["usageMetadata"]))

    def finish(self, events: list[Event]) -> None:
        check_data_only(self.report, events)
        last = events[-1]
        if last.payload is None or self.is_error_event(last):
            return
        if not self.is_success_terminator(last) and not dig(last.payload, "promptFeedback", "blockReason"):
            self.report.error(
                "terminal_present",
                "the last chunk carries no finishReason (nor a promptFeedback.blockReason), so the "
                "stream looks cut short",
                last.at(),
                last.data,
            )
        if "usageMetadata" not in last.payload:
            self.report.error(
                "usage_on_last", "the last chunk carries no usageMetadata", last.at(), last.data
            )

    def answer(self) -> Answer:
        return self._answer

    def _candidate(self, event: Event, path: str, candidate: dict[str, Any]) -> None:
        index = as_key(candidate.get("index", 0))
        parts = [as_object(part) for part in as_list(dig(candidate, "content", "parts"))]
        finished = self._finished.get(index)
        if finished is not None:
            if _finish_reason(candidate):
                self.report.error(
                    "finish_reason_once",
                    f"candidate {index} got a second finishReason {_finish_reason(candidate)!r}; the first was "
                    f"at event {finished.number}",
                    event.at(f"{path}.finishReason"),
                    event.data,
                )
            elif parts:
                self.report.error(
                    "nothing_after_finish",
                    f"candidate {index} has content after its finishReason at event {finished.number}",
                    event.at(f"{path}.content"),
                    event.data,
                )
            return
        if _finish_reason(candidate):
            self._finished[index] = event
        for part in parts:
            if "functionCall" in part:
                check_tool_offered(self.report, dig(part, "functionCall", "name"), self._offered, event)
        if index == 0:
            self._fold(candidate, parts)

    def _fold(self, candidate: dict[str, Any], parts: list[dict[str, Any]]) -> None:
        for part in parts:
            if isinstance(part.get("text"), str) and not part.get("thought"):
                self._answer.text += part["text"]
            call = part.get("functionCall")
            if isinstance(call, dict):
                self._answer.tool_calls.append(
                    ToolCall(call.get("name"), call.get("args", {}), call.get("id"))
                )
        self._answer.stop_reason = _finish_reason(candidate) or self._answer.stop_reason

    def _check_usage(self, event: Event, usage: dict[str, int]) -> None:
        for key, value in usage.items():
            before = self._usage.get(key)
            if before is not None and value < before:
                self.report.error(
                    "usage_monotonic",
                    f"usageMetadata.{key} fell from {before} (event {self._usage_event.number}) to {value}",
                    event.at(f"usageMetadata.{key}"),
                    event.data,
                )
        self._usage, self._usage_event = usage, event
        self._answer.usage = usage


def events_from_json_array(body: bytes | str) -> list[SSEEvent]:
    """The non-SSE form (one JSON array of chunks) as events; ValueError when it is no such array."""
    chunks = json.loads(body)
    if not isinstance(chunks, list):
        raise ValueError(
            f"the body is a JSON {type(chunks).__name__}, expected an array of GenerateContentResponse"
        )
    return [SSEEvent(json.dumps(chunk)) for chunk in chunks]


def _candidates(payload: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [c for c in as_list(dig(payload, "candidates")) if isinstance(c, dict)]


def _finish_reason(candidate: Mapping[str, Any]) -> Any:
    return candidate.get("finishReason")


def _offered_tools(request: Mapping[str, Any] | None) -> set[str] | None:
    if request is None:
        return None
    names = set()
    for tool in map(as_object, as_list(request.get("tools"))):
        declarations = tool.get("functionDeclarations") or tool.get("function_declarations")
        names.update(as_key(dig(declaration, "name")) for declaration in as_list(declarations))
    return names
