"""Decoded stream events and the skeleton every protocol's stream state machine shares.

Checks read events, not bytes: ``gateway.sse`` splits the wire into SSE events, and ``decode``
parses each event's data once, numbering events from 0 so that every finding can say where it
happened. A protocol's checker is a ``StreamMachine``: it is fed each decoded event in order,
then asked to finish (whole-stream rules), then asked what the stream meant (``answer``), so the
rules and the fold walk the stream the same way and cannot disagree about it.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from conformance.checks.answer import Answer
from conformance.checks.findings import Report, short
from gateway.sse import SSEEvent

__all__ = ["Event", "StreamMachine", "decode"]

DONE = "[DONE]"


@dataclass(frozen=True, slots=True)
class Event:
    """One SSE event with its data parsed: ``payload`` is a JSON object, or None (``[DONE]``, junk)."""

    number: int
    name: str | None
    data: str
    payload: dict[str, Any] | None

    @property
    def is_done(self) -> bool:
        return self.data.strip() == DONE

    @property
    def type(self) -> str | None:
        value = self.payload.get("type") if self.payload is not None else None
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        """How a message names this event: its ``event:`` name, its data type, or its data."""
        if self.is_done:
            return "data: [DONE]"
        return self.name or self.type or short(self.data, 40)

    def at(self, path: str = "") -> str:
        return f"event {self.number}" + (f" {path}" if path else "")


def decode(events: Sequence[SSEEvent], report: Report, done_allowed: bool) -> list[Event]:
    """Parse every event's data; data that is not one JSON object is reported (``data_is_json_object``).

    ``done_allowed`` says whether the protocol has the ``[DONE]`` sentinel; where it has none, a
    ``[DONE]`` is as foreign as any other non-JSON data.
    """
    decoded = []
    for number, event in enumerate(events):
        payload = None
        if not (done_allowed and event.data.strip() == DONE):
            payload = _json_object(event.data)
            if payload is None:
                report.error(
                    "data_is_json_object",
                    f"event data is not a JSON object: {short(event.data)}",
                    f"event {number}",
                    event.data,
                )
        decoded.append(Event(number, event.event, event.data, payload))
    return decoded


def _json_object(data: str) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class StreamMachine(ABC):
    """The per-protocol state machine: ``feed`` each JSON event, ``finish``, then ``answer``.

    ``request`` is the request body when known; rules that depend on it (usage asked for, tools
    offered, token limits) are skipped without it.
    """

    protocol: ClassVar[str]
    done_allowed: ClassVar[bool] = False
    usage_keys: ClassVar[tuple[str, str]]
    """The usage counters of input and output tokens, in the protocol's spelling."""

    def __init__(self, request: Mapping[str, Any] | None = None) -> None:
        self.request = request
        self.report = Report(f"{self.protocol}.stream")

    def run(self, events: Sequence[SSEEvent]) -> None:
        decoded = decode(events, self.report, self.done_allowed)
        if not decoded:
            self.report.error("not_empty", "the stream carried no events", "end of stream")
            return
        for event in decoded:
            if event.payload is not None:
                self.feed(event)
        self.finish(decoded)

    @abstractmethod
    def feed(self, event: Event) -> None:
        """Apply the per-event rules to one event whose data is a JSON object."""

    @abstractmethod
    def finish(self, events: list[Event]) -> None:
        """Apply the whole-stream rules (order, terminal event, what was left open)."""

    @abstractmethod
    def answer(self) -> Answer:
        """What the events fed so far mean: text, tool calls, stop reason, usage."""

    @staticmethod
    @abstractmethod
    def is_error_event(event: Event) -> bool:
        """True for the protocol's in-stream error event."""

    @staticmethod
    @abstractmethod
    def is_success_terminator(event: Event) -> bool:
        """True for an event that says the stream ended well ([DONE], message_stop, ...)."""

    @staticmethod
    @abstractmethod
    def answer_of_body(body: Mapping[str, Any]) -> Answer:
        """What a whole (non-streamed) response body means, in the same terms as ``answer``."""

    @staticmethod
    def may_follow_error(event: Event) -> bool:
        """True for an event a protocol allows after its error event (Open Responses' ``[DONE]``)."""
        return False
