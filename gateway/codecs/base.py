"""What a protocol codec is: pure functions between one protocol's JSON and the canonical types.

Codecs never touch Flask, httpx or the clock (ids and timestamps come in through the canonical
objects), so they are tested with plain data and driven by any transport, as h11 is. A codec
serves both edges: as the inbound protocol (decode the client's request, encode the answer) and as
an upstream protocol (encode the request, decode the provider's answer). Codecs import
``gateway.canonical`` and ``gateway.tables``; they never import each other.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from gateway.canonical import Part, Request, Response, StreamEnd, StreamError, StreamEvent, Text
from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.sse import SSEEvent

# What a passthrough makes of a signature a client sent back (None: drop what it signs), and of
# a tool call id (see ``Codec.edit_signatures``).
SignatureEdit = Callable[[str], str | None]
CallIdEdit = Callable[[str], str]


class StreamDecoder(ABC):
    """Turns one upstream stream, event by event, into canonical stream events.

    ``feed`` returns the canonical events an SSE event completes, often none and never more than
    it can prove; ``close`` is called at end of input and returns the rest: a StreamEnd when the
    protocol's terminal event was seen, otherwise a StreamError saying the stream was cut short.
    The rules every protocol shares live here: after a StreamEnd or a StreamError nothing more
    comes out; an upstream error event, or an event the decoder cannot read, ends the stream with
    one StreamError (a malformed event is the upstream's fault, said without Python's details).
    Subclasses write ``_decode`` and ``_ending`` and raise GatewayError for failures.
    """

    _ended = False

    @abstractmethod
    def _decode(self, event: SSEEvent) -> list[StreamEvent]:
        """The canonical events one upstream event completes."""

    @abstractmethod
    def _ending(self) -> list[StreamEvent]:
        """What end of input means: the last events (ending with StreamEnd), or a GatewayError
        raised when the protocol's terminal event never came."""

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self._ended:
            return []
        try:
            events = self._decode(event)
        except GatewayError as error:
            return self._fail(error)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            return self._fail(
                GatewayError(ErrorKind.BAD_GATEWAY, "the upstream sent a malformed stream event")
            )
        if events and isinstance(events[-1], StreamEnd | StreamError):
            self._ended = True
        return events

    def close(self) -> list[StreamEvent]:
        if self._ended:
            return []
        self._ended = True
        try:
            return self._ending()
        except GatewayError as error:
            return [StreamError(error)]

    def _fail(self, error: GatewayError) -> list[StreamEvent]:
        self._ended = True
        return [StreamError(error)]


class StreamEncoder(ABC):
    """Turns canonical stream events into the bytes of one protocol's stream, one at a time.

    ``encode`` returns the bytes to send now for one event (possibly empty). A StreamError is
    encoded as the protocol's error event and is the last thing encoded: never a success
    terminator after it.
    """

    media_type: ClassVar[str] = "text/event-stream"

    @abstractmethod
    def encode(self, event: StreamEvent) -> bytes: ...


class Codec(ABC):
    """One wire protocol. Subclasses are stateless singletons; streams get fresh state objects."""

    protocol: ClassVar[str]

    @abstractmethod
    def decode_request(self, body: dict[str, Any], *, model: str | None = None) -> Request:
        """A validated client body -> canonical request; GatewayError(400) for what cannot be
        served. ``model`` is given where the protocol puts it in the URL (Gemini)."""

    @abstractmethod
    def encode_request(self, request: Request, model: str) -> dict[str, Any]:
        """Canonical request -> upstream body for ``model`` (the provider's own model name).

        A stream request always asks the upstream for usage, whatever the client asked, so that
        the call can be billed. Refuses with GatewayError(400) what the protocol cannot express
        where dropping it would change the meaning (see each codec's documented rules).
        """

    @abstractmethod
    def decode_response(self, body: dict[str, Any]) -> Response: ...

    @abstractmethod
    def encode_response(self, response: Response, request: Request) -> dict[str, Any]: ...

    @abstractmethod
    def stream_decoder(self) -> StreamDecoder: ...

    @abstractmethod
    def stream_encoder(self, request: Request, **options: Any) -> StreamEncoder: ...

    # --- token counting -----------------------------------------------------------------------

    def encode_count_request(self, request: Request, model: str) -> dict[str, Any] | None:
        """The body for this protocol's count-tokens endpoint, or None where it has none (the
        gateway then estimates)."""
        return None

    def decode_count(self, body: dict[str, Any]) -> int:
        """The input token count from this protocol's count-tokens reply."""
        raise NotImplementedError(f"{self.protocol} has no count-tokens endpoint")

    def encode_count(self, count: int) -> dict[str, Any]:
        """This protocol's count-tokens reply (only protocols with the endpoint serve it)."""
        raise NotImplementedError(f"{self.protocol} has no count-tokens endpoint")

    # --- same protocol in and out ---------------------------------------------------------------

    def passthrough_body(self, body: dict[str, Any], model: str) -> dict[str, Any]:
        """The client's body as sent upstream when no translation is needed: only the model
        changes (and whatever the gateway must add to bill the call). Unknown fields are kept."""
        return {**body, "model": model}

    def passthrough_visible(self, event: SSEEvent, body: dict[str, Any]) -> bool:
        """Whether an upstream stream event reaches the client in passthrough. Everything does,
        except what the gateway itself asked for and the client did not."""
        return True

    @abstractmethod
    def edit_signatures(self, body: dict[str, Any], signature: SignatureEdit, call_id: CallIdEdit) -> None:
        """Rewrite, in place, the signatures a client sent back in a passthrough body: each
        becomes ``signature(it)``, and where that is None the thinking it signs is dropped (a tool
        call only loses it); each tool call id where the gateway may have put a call's signature
        becomes ``call_id(it)``, in the call and in its result. Nothing else changes."""


def decode_parts(
    content: str | list[dict[str, Any]] | None,
    decoders: dict[str | None, Callable[[dict[str, Any]], Part | None]],
    param: str,
) -> list[Part]:
    """Content given as a string or a list of typed parts, each decoded by its type's decoder;
    a part type with no decoder is refused (a 400 naming ``param``), a decoder's None dropped."""
    if not content:
        return []
    if isinstance(content, str):
        return [Text(content)]
    parts = []
    for part in content:
        decode = decoders.get(part.get("type"))
        if decode is None:
            raise invalid(f"content parts of type `{part.get('type')}` cannot be translated", param)
        decoded = decode(part)
        if decoded is not None:
            parts.append(decoded)
    return parts


def text_part(part: dict[str, Any]) -> Text | None:
    """A text (or refusal) part as canonical text; an empty one is dropped."""
    text = part.get("text") or part.get("refusal")
    return Text(text) if text else None


def dumps(value: Any) -> str:
    """Compact JSON as the providers write it (no spaces, UTF-8 kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def split_data_url(url: str) -> tuple[str, str] | None:
    """``(media_type, data)`` of a base64 ``data:`` URL, None for any other URL. Inline media
    travels as data URLs in OpenAI bodies and as media type + base64 everywhere else."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    return header.split(";", 1)[0], data


def data_url(media_type: str, data: str) -> str:
    """The base64 ``data:`` URL of inline media."""
    return f"data:{media_type};base64,{data}"
