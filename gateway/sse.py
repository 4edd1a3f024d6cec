"""Server-sent events, as bytes in and events out (and back), with no I/O.

Every streaming surface the gateway speaks is SSE, and upstream bytes arrive split at arbitrary
points (inside a line, inside a UTF-8 sequence, between ``\\r`` and ``\\n``). The decoder is a small
state machine fed whatever the transport produced; the encoder writes one event at a time so that
nothing waits for a buffer to fill.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["SSEDecoder", "SSEEvent", "encode_event"]


@dataclass(slots=True, frozen=True)
class SSEEvent:
    """One dispatched event: ``data`` is the joined data lines; ``event`` is None when absent."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Incremental SSE parser following the WHATWG event-stream rules."""

    __slots__ = ("_data", "_event", "_id", "_pending", "_retry", "_utf8")

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes | str) -> list[SSEEvent]:
        """Consume a chunk and return the events it completed (possibly none)."""
        text = chunk if isinstance(chunk, str) else self._utf8.decode(chunk)
        if not text:
            return []
        buf = self._pending + text
        # A trailing CR may be the first half of CRLF: keep it until the next chunk decides.
        keep_cr = buf.endswith("\r")
        if keep_cr:
            buf = buf[:-1]
        lines = buf.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._pending = lines.pop() + ("\r" if keep_cr else "")
        events: list[SSEEvent] = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[SSEEvent]:
        """Flush at end of stream: a final event without its blank line is still delivered."""
        tail = self._pending.rstrip("\r")
        self._pending = ""
        events = []
        if tail:
            event = self._line(tail)
            if event is not None:
                events.append(event)
        event = self._dispatch()
        if event is not None:
            events.append(event)
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if not line:
            return self._dispatch()
        if line[0] == ":":
            return None
        name, sep, value = line.partition(":")
        if sep and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> SSEEvent | None:
        if not self._data:
            self._event = None
            return None
        event = SSEEvent("\n".join(self._data), self._event, self._id, self._retry)
        self._data = []
        self._event = None
        self._retry = None
        return event


def encode_event(data: str, event: str | None = None) -> bytes:
    """Serialise one event; multi-line data becomes several ``data:`` lines."""
    head = f"event: {event}\n" if event else ""
    body = "".join(f"data: {line}\n" for line in data.split("\n")) if "\n" in data else f"data: {data}\n"
    return (head + body + "\n").encode()
