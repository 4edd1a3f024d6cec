"""The request path, top to bottom, once a request is routed, authenticated and its body read.

decode (inbound codec) -> canonical request -> model to provider (catalog) -> reserve (metering) ->
provider call -> canonical response or events -> encode (inbound codec) -> settle -> respond.

When the client and the upstream speak the same protocol the body skips the canonical form and is
forwarded untouched but for the model (passthrough), and the reply comes back as the upstream sent
it; the upstream codec still reads the reply, for the usage the call is billed on. Only a body
holding signatures the gateway tagged in an earlier, translated call is edited: the upstream gets
its own back raw and never another provider's (``signatures.admit_raw``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Response as HttpResponse

from gateway import tables
from gateway.canonical import Request, StreamEnd, StreamError, StreamEvent, StreamStart, Usage
from gateway.catalog import Catalog, ModelEntry
from gateway.codecs import codec_for, openai_images
from gateway.codecs import models as model_lists
from gateway.codecs.base import Codec
from gateway.codecs.errors import stream_error_event
from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.metering.meter import Meter, Reservation
from gateway.providers.base import Provider
from gateway.providers.http import upstream_json
from gateway.signatures import SignatureTagger, admit, admit_raw
from gateway.sse import SSEDecoder, encode_event

JSON = "application/json"

# Upstream protocols that refuse a request without an output limit: the catalog's limit is sent.
REQUIRES_MAX_TOKENS = {tables.ANTHROPIC}


@dataclass(slots=True)
class Call:
    """What the web layer learned about one client call, carried down the path."""

    protocol: str
    request_id: str
    key: Any
    started: float = field(default_factory=time.perf_counter)
    headers: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    tagged: bool = False  # the body's bytes hold ``signatures.MARKER``: it may carry tagged signatures

    def latency_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)


class Gateway:
    """The running gateway: catalog, providers and meter, and the handlers the routes call."""

    def __init__(self, catalog: Catalog, providers: dict[str, Provider], meter: Meter) -> None:
        self.catalog = catalog
        self.providers = providers
        self.meter = meter

    # --- chat: /v1/chat/completions, /v1/responses, /v1/messages, :generateContent ---------------

    def generate(self, call: Call, body: dict[str, Any], model_name: str) -> HttpResponse:
        entry = self._chat_model(model_name)
        provider = self.providers[entry.provider]
        codec = codec_for(call.protocol)
        stream = bool(call.options.get("stream", body.get("stream")))
        if provider.protocol == call.protocol and not call.options.get("json_array"):
            return self._passthrough(call, codec, body, entry, provider, stream)
        request = self._decode(codec, body, model_name, entry, provider)
        request.stream = stream
        reservation = self.meter.reserve(call, entry, request)
        if stream:
            return self._translated_stream(call, codec, request, entry, provider, reservation)
        try:
            response = provider.complete(request, entry)
        except GatewayError as error:
            self.meter.release(reservation, call, error)
            raise
        response.model = model_name
        response.created = response.created or int(time.time())
        cost = self.meter.settle(reservation, call, response.usage)
        response = SignatureTagger(provider.protocol, call.protocol).response(response)
        return json_response(codec.encode_response(response, request), cost)

    def count_tokens(self, call: Call, body: dict[str, Any], model_name: str) -> HttpResponse:
        entry = self._chat_model(model_name)
        provider = self.providers[entry.provider]
        codec = codec_for(call.protocol)
        request = self._decode(codec, body, model_name, entry, provider)
        count = provider.count_tokens(request, entry)
        return json_response(codec.encode_count(count))

    # --- images ----------------------------------------------------------------------------------

    def images(self, call: Call, body: dict[str, Any]) -> HttpResponse:
        entry = self.catalog.resolve(body.get("model") or "")
        if entry.kind != "image":
            raise invalid(f"`{entry.id}` is not an image model; see GET /v1/models", "model")
        provider = self.providers[entry.provider]
        request = openai_images.decode_request(body)
        reservation = self.meter.reserve(call, entry, None, images=request.n)
        try:
            if provider.protocol == tables.OPENAI_IMAGES:
                reply = provider.forward({**body, "model": entry.upstream_model}, entry, stream=False)
                raw = reply.read()
                usage = openai_images.decode_response(upstream_json(raw)).usage
            else:
                result = provider.generate_images(request, entry)
                raw, usage = _dump(openai_images.encode_response(result)), result.usage
        except GatewayError as error:
            self.meter.release(reservation, call, error)
            raise
        cost = self.meter.settle(reservation, call, usage)
        return raw_json_response(raw, cost)

    # --- models ----------------------------------------------------------------------------------

    def list_models(self, protocol: str) -> HttpResponse:
        return json_response(model_lists.encode_list(protocol, self.catalog.models))

    def get_model(self, protocol: str, name: str) -> HttpResponse:
        return json_response(model_lists.encode_one(protocol, self.catalog.resolve(name)))

    # --- the two paths -----------------------------------------------------------------------------

    def _passthrough(
        self,
        call: Call,
        codec: Codec,
        body: dict[str, Any],
        entry: ModelEntry,
        provider: Any,
        stream: bool,
    ) -> HttpResponse:
        request = self._decode_for_metering(codec, body, model_name=entry.id)
        reservation = self.meter.reserve(call, entry, request)
        upstream_body = codec.passthrough_body(body, entry.upstream_model)
        if call.tagged:
            admit_raw(codec, upstream_body)
        try:
            reply = provider.forward(upstream_body, entry, stream=stream, client_headers=call.headers)
            if not stream:
                raw = reply.read()
                usage = codec.decode_response(upstream_json(raw)).usage
        except GatewayError as error:
            self.meter.release(reservation, call, error)
            raise
        if not stream:
            return raw_json_response(raw, self.meter.settle(reservation, call, usage))
        events = _passthrough_events(codec, reply, body, call.protocol)
        return _stream_response(self._metered(events, call, reservation), "text/event-stream")

    def _translated_stream(
        self,
        call: Call,
        codec: Codec,
        request: Request,
        entry: ModelEntry,
        provider: Provider,
        reservation: Reservation,
    ) -> HttpResponse:
        events = provider.stream(request, entry)
        encoder = codec.stream_encoder(request, **call.options)
        try:
            first = next(events)  # an upstream refusal is still an HTTP error, not a stream
        except GatewayError as error:
            self.meter.release(reservation, call, error)
            raise
        except StopIteration:
            first = StreamError(GatewayError(ErrorKind.BAD_GATEWAY, "the upstream stream was empty"))
        model_name = request.model
        tagger = SignatureTagger(provider.protocol, call.protocol)

        def encoded() -> Iterator[tuple[bytes, list[StreamEvent]]]:
            for event in _chain(first, events):
                if isinstance(event, StreamStart):
                    event.model = model_name
                    event.created = event.created or int(time.time())
                yield b"".join(encoder.encode(shown) for shown in tagger.event(event)), [event]

        return _stream_response(self._metered(encoded(), call, reservation), encoder.media_type)

    def _metered(
        self,
        chunks: Iterator[tuple[bytes, list[StreamEvent]]],
        call: Call,
        reservation: Reservation,
    ) -> Iterator[bytes]:
        """Forward each chunk as it comes; settle on the usage the stream reported, however it
        ended: completed, failed mid-way, or abandoned by the client (the generator is closed)."""
        usage: Usage | None = None
        failure: GatewayError | None = None
        try:
            for data, events in chunks:
                for event in events:
                    if isinstance(event, StreamEnd | StreamStart):
                        usage = event.usage
                    elif isinstance(event, StreamError):
                        failure = event.error
                if data:
                    yield data
        finally:
            chunks.close()  # type: ignore[attr-defined]
            if usage is None:
                self.meter.release(reservation, call, failure)
            else:
                self.meter.settle(reservation, call, usage, failure)

    # --- helpers ---------------------------------------------------------------------------------

    def _chat_model(self, name: str) -> ModelEntry:
        entry = self.catalog.resolve(name)
        if entry.kind != "chat":
            raise invalid(f"`{entry.id}` is an image model; use POST /v1/images/generations", "model")
        return entry

    def _decode(
        self, codec: Codec, body: dict[str, Any], model_name: str, entry: ModelEntry, provider: Provider
    ) -> Request:
        request = codec.decode_request(body, model=model_name)
        request.model = model_name
        if request.max_tokens is None and provider.protocol in REQUIRES_MAX_TOKENS:
            request.max_tokens = entry.max_output_tokens
        return admit(request, codec.protocol, provider.protocol)

    def _decode_for_metering(self, codec: Codec, body: dict[str, Any], model_name: str) -> Request | None:
        """Passthrough carries what translation would refuse (server tools, say); the canonical
        form is then only a size estimate, and a body it cannot express is sized by its bytes."""
        try:
            return codec.decode_request(body, model=model_name)
        except GatewayError:
            return None


def _passthrough_events(
    codec: Codec, reply: Any, body: dict[str, Any], protocol: str
) -> Iterator[tuple[bytes, list[StreamEvent]]]:
    """The upstream's events re-framed (their data untouched), one upstream read at a time. Each
    is also decoded, so the call is billed on its usage and a stream cut short ends with the
    protocol's error event rather than silence."""
    sse, decoder = SSEDecoder(), codec.stream_decoder()
    relayed = 0
    try:
        for events in _sse_batches(reply, sse):
            frames: list[bytes] = []
            decoded: list[StreamEvent] = []
            for event in events:
                decoded.extend(decoder.feed(event))
                if decoded and isinstance(decoded[-1], StreamError):
                    frames.append(stream_error_event(protocol, decoded[-1].error, relayed))
                    yield b"".join(frames), decoded
                    return
                if codec.passthrough_visible(event, body):
                    frames.append(encode_event(event.data, event.event))
                relayed += 1
            yield b"".join(frames), decoded
        ending = decoder.close()
        failed = [e for e in ending if isinstance(e, StreamError)]
        yield (stream_error_event(protocol, failed[0].error, relayed) if failed else b""), ending
    except GatewayError as error:
        yield stream_error_event(protocol, error, relayed), [StreamError(error)]
    finally:
        reply.close()


def _sse_batches(reply: Any, sse: SSEDecoder) -> Iterator[list[Any]]:
    for chunk in reply.iter_bytes():
        yield sse.feed(chunk)
    yield sse.close()


def _chain(first: StreamEvent, rest: Iterator[StreamEvent]) -> Iterator[StreamEvent]:
    try:
        yield first
        yield from rest
    finally:
        rest.close()  # type: ignore[attr-defined]


def _stream_response(chunks: Iterator[bytes], media_type: str) -> HttpResponse:
    response = HttpResponse(chunks, mimetype=media_type, direct_passthrough=True)
    response.headers["cache-control"] = "no-cache"
    response.headers["x-accel-buffering"] = "no"
    return response


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(body: dict[str, Any], cost: int | None = None, status: int = 200) -> HttpResponse:
    return raw_json_response(_dump(body), cost, status)


def raw_json_response(raw: bytes, cost: int | None = None, status: int = 200) -> HttpResponse:
    response = HttpResponse(raw, status=status, mimetype=JSON)
    if cost is not None:
        response.headers["x-gateway-cost-micros"] = str(cost)
    return response
