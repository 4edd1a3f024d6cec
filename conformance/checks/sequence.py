"""Rules about order that several protocols share: terminal events, brackets, dense indices, naming.

Each protocol's stream is a sequence with the same few shapes in different spellings: a terminal
event that must come once and last, structures opened and closed around their deltas (Anthropic
blocks, Responses items and content parts), indices that count up from 0, text sent in fragments
whose concatenation must equal a final value. Writing each shape once keeps the rule, and its
message, the same in every protocol.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from conformance.checks.events import Event
from conformance.checks.findings import Report, short
from conformance.checks.values import as_key

__all__ = [
    "Brackets",
    "Fragments",
    "check_concatenation",
    "check_data_only",
    "check_event_name_is_type",
    "check_json_object",
    "check_next_index",
    "check_terminal",
    "check_tool_offered",
    "check_within_limit",
]


def check_data_only(report: Report, events: Iterable[Event]) -> None:
    """Data-only streams carry no ``event:`` line (``event: message`` is the SSE default, so it is one)."""
    for event in events:
        if event.name not in (None, "message"):
            report.error(
                "data_only",
                f"'event: {event.name}' line in a data-only stream, whose events carry no name",
                event.at(),
                event.data,
            )


def check_event_name_is_type(report: Report, events: Iterable[Event]) -> None:
    """Named-event streams: ``event:`` present and equal to the data's ``type`` (SDKs dispatch on it)."""
    for event in events:
        if event.payload is None:
            continue
        if event.name is None:
            report.error(
                "event_name_is_type",
                f"no 'event:' line; the data's type is {event.type!r}",
                event.at(),
                event.data,
            )
        elif event.name != event.type:
            report.error(
                "event_name_is_type",
                f"'event: {event.name}' but the data's type is {event.type!r}",
                event.at(),
                event.data,
            )


def check_terminal(
    report: Report,
    events: list[Event],
    is_terminal: Callable[[Event], bool],
    what: str,
    may_trail: Callable[[Event], bool] = lambda event: False,
) -> None:
    """Exactly one terminal event, and nothing after it but what ``may_trail`` allows.

    Rules ``terminal_present``, ``terminal_once`` and ``terminal_last``; ``what`` names the
    terminal in the protocol's terms ("data: [DONE]", "message_stop or error").
    """
    terminals = [event for event in events if is_terminal(event)]
    if not terminals:
        last = events[-1]
        report.error(
            "terminal_present", f"the stream ended without {what}; its last event was {last.label}", last.at()
        )
        return
    first = terminals[0]
    for extra in terminals[1:]:
        report.error(
            "terminal_once",
            f"a second terminal event ({extra.label}) after {first.label} at event {first.number}",
            extra.at(),
            extra.data,
        )
    after = [e for e in events[first.number + 1 :] if not is_terminal(e) and not may_trail(e)]
    if after:
        report.error(
            "terminal_last",
            f"{len(after)} event(s) came after the terminal {first.label} at event {first.number}; "
            f"the first was {after[0].label}",
            after[0].at(),
            after[0].data,
        )


def check_next_index(report: Report, rule: str, what: str, expected: int, got: Any, event: Event) -> bool:
    """A new structure's index must be the count of those before it: 0, 1, 2, ... without gaps."""
    if got == expected and isinstance(got, int) and not isinstance(got, bool):
        return True
    report.error(
        rule,
        f"new {what} has index {got!r}, expected {expected} (indices count up from 0 without gaps)",
        event.at(),
        event.data,
    )
    return False


class Brackets:
    """Open/use/close bookkeeping for structures that bracket their deltas.

    Rules ``<name>_open_when_used`` (an event for a structure never opened, or already closed),
    ``<name>_opened_once`` (opened twice) and ``<name>_closed`` (still open when the stream ended).
    A structure used while not open is reported once, at its first such event, not per delta.
    """

    def __init__(self, report: Report, name: str, what: str) -> None:
        self._report = report
        self._name = name
        self._what = what
        self._open: dict[Hashable, Event] = {}
        self._closed: dict[Hashable, Event] = {}
        self._misused: set[Hashable] = set()

    @property
    def open_keys(self) -> list[Hashable]:
        return list(self._open)

    def open(self, key: Any, event: Event) -> None:
        key = as_key(key)
        earlier = self._open.get(key) or self._closed.get(key)
        if earlier is not None:
            self._report.error(
                f"{self._name}_opened_once",
                f"{self._what} {key!r} opened again; it was opened at event {earlier.number}",
                event.at(),
                event.data,
            )
            return
        self._open[key] = event

    def use(self, key: Any, event: Event) -> bool:
        key = as_key(key)
        if key in self._open:
            return True
        if key in self._misused:
            return False
        self._misused.add(key)
        closed = self._closed.get(key)
        state = f"after it was closed at event {closed.number}" if closed else "which was never opened"
        self._report.error(
            f"{self._name}_open_when_used",
            f"{event.label} for {self._what} {key!r}, {state}",
            event.at(),
            event.data,
        )
        return False

    def close(self, key: Any, event: Event) -> None:
        key = as_key(key)
        if self.use(key, event):
            self._open.pop(key)
            self._closed[key] = event

    def finish(self) -> None:
        for key, opened in self._open.items():
            self._report.error(
                f"{self._name}_closed",
                f"{self._what} {key!r} opened at event {opened.number} was never closed",
                opened.at(),
            )


class Fragments:
    """Text sent in pieces (deltas), kept per key in arrival order."""

    def __init__(self) -> None:
        self._parts: dict[Hashable, list[str]] = {}

    def add(self, key: Any, piece: Any) -> None:
        if isinstance(piece, str):
            self._parts.setdefault(as_key(key), []).append(piece)

    def has(self, key: Any) -> bool:
        return as_key(key) in self._parts

    def text(self, key: Any) -> str:
        return "".join(self._parts.get(as_key(key), []))


def check_concatenation(report: Report, rule: str, what: str, deltas: str, full: Any, event: Event) -> None:
    """A final value must equal its deltas concatenated: clients build one, then are handed the other."""
    if full != deltas:
        report.error(
            rule,
            f"{what} is {short(full)}, but its deltas concatenate to {short(deltas)}",
            event.at(),
            event.data,
        )


def check_json_object(report: Report, rule: str, what: str, text: str, event: Event) -> None:
    """Streamed tool arguments must add up to one JSON object, or clients cannot call the tool."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        report.error(rule, f"{what} {short(text)} is not valid JSON ({exc})", event.at(), event.data)
        return
    if not isinstance(value, dict):
        report.error(rule, f"{what} {short(text)} is JSON but not an object", event.at(), event.data)


def check_tool_offered(report: Report, name: Any, offered: set[str] | None, event: Event) -> None:
    """A model may only call the tools it was offered; ``offered`` None means the request is unknown."""
    if offered is not None and as_key(name) not in offered:
        report.error(
            "tool_offered",
            f"a call to tool {name!r}, which the request did not offer (offered: {sorted(offered)})",
            event.at(),
            event.data,
        )


def check_within_limit(report: Report, what: str, used: Any, limit: Any, event: Event) -> None:
    """Output tokens counted above the request's own limit mean the limit was ignored or miscounted."""
    if isinstance(used, int) and isinstance(limit, int) and used > limit:
        report.error(
            "usage_within_max_tokens",
            f"{what} is {used}, above the request's limit of {limit}",
            event.at(),
            event.data,
        )
