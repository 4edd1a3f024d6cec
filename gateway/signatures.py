"""Thinking and tool-call signatures: each is valid only at the provider that issued it.

Anthropic signs thinking blocks (``signature``, ``redacted_thinking.data``), OpenAI Responses
encrypts reasoning (``encrypted_content``), Gemini signs thoughts and function calls
(``thoughtSignature``). A client hands them back with its history and the issuing provider checks
them; any other provider refuses them or cannot read them. So in a translated call the gateway
marks what it hands out and sorts what comes back. The mock provider (no wire protocol) never
comes here: its signatures are stand-ins that it never checks.

Out (``SignatureTagger``): every signature given to a client is prefixed with a tag naming the
upstream protocol that issued it: ``gwsig1`` and a two-letter code (``gwsig1an…``; ``gf`` marks
a Gemini function call's signature). The tag is eight characters of the base64 alphabet, so a
tagged signature is still valid base64 and google-genai, which decodes ``thoughtSignature`` to
bytes and back, carries it intact.

In (``admit``): a request about to be translated to upstream protocol P keeps what P issued:
- tagged P: the tag is removed and P gets its own signature back, in its own base64 alphabet (a
  Gemini client may have rewritten it in the other one);
- tagged with another protocol: a thinking or redacted-thinking block is dropped (another
  provider's reasoning cannot be verified, and it was never meant as prompt text); a tool call
  keeps everything but its signature;
- untagged: presumed issued by the provider of the client's own protocol, since a raw signature
  reaches a client only through passthrough; kept only when that protocol is P.

Tool calls: only Gemini signs them (Gemini 3 refuses a function call sent back without its
signature), and only Gemini's wire format has a field for it. For the other clients the tagged
signature travels where each one keeps it and sends it back (``CALL_SIGNATURE_CARRIERS``):
- OpenAI chat and Anthropic: in the call id, ``<id>__gwsig1gf<URL-safe base64, unpadded>``
  (still ``[A-Za-z0-9_-]``, as Anthropic requires of ids), which returns with the call and its
  result;
- OpenAI Responses (whose ``call_id`` is limited to 64 characters): as a reasoning item with no
  summary just before the call, which Responses clients return as they return encrypted
  reasoning; it becomes the call's signature again on the way in.

Passthrough (``admit_raw``): a client's history normally goes untouched to the provider that
signed it. But a client that was given tagged signatures by a translated call and then switches
to a model of its own protocol sends them on: the same rules apply to the raw body, the client's
protocol being the upstream's (its own tags are removed, another's block dropped, a call's id
restored), and nothing else in it changes. Only bodies whose bytes contain ``MARKER`` are
looked at, so a passthrough costs nothing more in the common case.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gateway import tables
from gateway.canonical import (
    BlockStart,
    BlockStop,
    Part,
    RedactedThinking,
    Request,
    Response,
    SignatureDelta,
    StreamEvent,
    Thinking,
    ToolCall,
    ToolResult,
)

if TYPE_CHECKING:
    from gateway.codecs.base import Codec

__all__ = ["MARKER", "SignatureTagger", "admit", "admit_raw", "as_held_by", "issuer_of", "tag"]

VERSION = "gwsig1"
MARKER = VERSION.encode()  # in the bytes of any body holding a tagged signature or an id carrying one
CODES = {
    tables.OPENAI_CHAT: "oc",
    tables.OPENAI_RESPONSES: "or",
    tables.ANTHROPIC: "an",
    tables.GEMINI: "ge",
}
CALL_CODES = {tables.GEMINI: "gf"}  # a tool call's own signature
_DECODE = {code: (protocol, False) for protocol, code in CODES.items()} | {
    code: (protocol, True) for protocol, code in CALL_CODES.items()
}
TAG_LENGTH = len(VERSION) + 2

# The base64 alphabet each provider writes its signatures in (OpenAI's are Fernet tokens).
URL_SAFE = {tables.OPENAI_RESPONSES}
# Where a client of each protocol keeps a tool call's signature (see the module rules).
FIELD, ID, REASONING = "field", "id", "reasoning"
CALL_SIGNATURE_CARRIERS = {
    tables.GEMINI: FIELD,
    tables.OPENAI_CHAT: ID,
    tables.ANTHROPIC: ID,
    tables.OPENAI_RESPONSES: REASONING,
}
ID_SEPARATOR = "__"


def tag(signature: str, issuer: str, *, call: bool = False) -> str:
    """A signature marked with the protocol of the provider that issued it."""
    return VERSION + (CALL_CODES if call else CODES)[issuer] + signature


def issuer_of(signature: str) -> tuple[str | None, str, bool]:
    """(issuing protocol, raw signature, whether it is a tool call's) of a tagged signature;
    (None, it, False) when untagged."""
    found = _DECODE.get(signature[len(VERSION) : TAG_LENGTH]) if signature.startswith(VERSION) else None
    if found is None:
        return None, signature, False
    return found[0], signature[TAG_LENGTH:], found[1]


def _url_safe(signature: str) -> str:
    return signature.replace("+", "-").replace("/", "_")


def _standard(signature: str) -> str:
    return signature.replace("-", "+").replace("_", "/")


def _embed(call_id: str, tagged: str) -> str:
    """A tool call id carrying a tagged signature (URL-safe, unpadded: a valid id everywhere)."""
    return call_id + ID_SEPARATOR + _url_safe(tagged).rstrip("=")


def _split(call_id: str) -> tuple[str, str | None]:
    """(the original id, the tagged signature it carried, padded again, or None)."""
    position = call_id.find(ID_SEPARATOR + VERSION)
    if position < 0:
        return call_id, None
    carried = call_id[position + len(ID_SEPARATOR) :]
    return call_id[:position], carried + "=" * (-len(carried) % 4)


# --- out: what a client is given ------------------------------------------------------------------


class SignatureTagger:
    """Tags the signatures of one translated response or stream for a client of ``client``.

    In a stream a carried-apart call signature is a block of its own, so the blocks after it are
    renumbered to stay dense.
    """

    def __init__(self, upstream: str | None, client: str) -> None:
        self.active = upstream is not None and upstream != client
        self._issuer = upstream or ""
        self._carrier = CALL_SIGNATURE_CARRIERS[client]
        self._shift = 0  # blocks inserted so far
        self._signing: set[int] = set()  # stream blocks whose signature has begun (tag it once)
        self._calls: set[int] = set()  # stream blocks that are tool calls

    def response(self, response: Response) -> Response:
        if self.active:
            response.content = [shown for part in response.content for shown in self.parts(part)]
        return response

    def event(self, event: StreamEvent) -> list[StreamEvent]:
        """The events the client gets for one upstream event (none for a signature it cannot hold)."""
        if not self.active:
            return [event]
        match event:
            case BlockStart():
                return self._block_start(event)
            case SignatureDelta():
                return self._signature_delta(event)
        index = getattr(event, "index", None)
        return [event] if index is None or not self._shift else [replace(event, index=index + self._shift)]

    def _block_start(self, event: BlockStart) -> list[StreamEvent]:
        parts = self.parts(event.block)
        events: list[StreamEvent] = []
        for position, part in enumerate(parts):
            if position:  # a carrier went first
                events.append(BlockStop(event.index + self._shift))
                self._shift += 1
            events.append(BlockStart(event.index + self._shift, part))
        if isinstance(event.block, ToolCall):
            self._calls.add(event.index)
        if _signed(parts[-1]):
            self._signing.add(event.index)
        return events

    def _signature_delta(self, event: SignatureDelta) -> list[StreamEvent]:
        if event.index in self._calls and self._carrier != FIELD:
            return []  # its carrier has been sent already: a late call signature cannot join it
        index = event.index + self._shift
        if event.index in self._signing:
            return [replace(event, index=index)]
        self._signing.add(event.index)
        call = event.index in self._calls
        return [SignatureDelta(index, tag(event.signature, self._issuer, call=call))]

    def parts(self, part: Part) -> list[Part]:
        """What a client is given for one part: signatures tagged, a call's where it keeps it."""
        match part:
            case Thinking(signature=str() as signature) if signature:
                return [replace(part, signature=tag(signature, self._issuer))]
            case RedactedThinking():
                return [replace(part, data=tag(part.data, self._issuer))]
            case ToolCall(signature=str() as signature) if signature:
                tagged = tag(signature, self._issuer, call=True)
                if self._carrier == FIELD:
                    return [replace(part, signature=tagged)]
                if self._carrier == ID:
                    return [replace(part, id=_embed(part.id, tagged), signature=None)]
                return [Thinking("", tagged), replace(part, signature=None)]
        return [part]


def as_held_by(request: Request, issuer: str, client: str) -> Request:
    """``request`` with its history's signatures as a client of ``client`` holds them after the
    gateway handed them out from an ``issuer`` upstream (tagged, tool call ids carrying theirs):
    what a client request built from a provider's recorded request must carry to be realistic."""
    tagger = SignatureTagger(issuer, client)
    ids: dict[str, str] = {}
    for message in request.messages:
        content: list[Part] = []
        for part in message.content:
            if isinstance(part, ToolResult) and part.tool_call_id in ids:
                part = replace(part, tool_call_id=ids[part.tool_call_id])
            shown = tagger.parts(part) if tagger.active and message.role == "assistant" else [part]
            call = shown[-1]
            if isinstance(part, ToolCall) and isinstance(call, ToolCall):
                ids[part.id] = call.id
            content += shown
        message.content = content
    return request


def _signed(part: Part) -> bool:
    return isinstance(part, RedactedThinking) or bool(getattr(part, "signature", None))


# --- in: what a provider is given back ------------------------------------------------------------


def admit(request: Request, client: str, upstream: str | None) -> Request:
    """Keep the signatures ``upstream`` issued, restored; drop every other (see the module rules)."""
    if upstream is None:
        return request
    for message in request.messages:
        message.content = _admit_parts(message.content, client, upstream)
    return request


def _admit_parts(parts: list[Part], client: str, upstream: str) -> list[Part]:
    kept: list[Part] = []
    carried: str | None = None  # a call signature that came as a reasoning item before its call
    for part in parts:
        if isinstance(part, Thinking) and part.signature and issuer_of(part.signature)[2]:
            carried = part.signature
            continue
        admitted = _admit(part, client, upstream, carried)
        carried = None
        if admitted is not None:
            kept.append(admitted)
    return kept


def _admit(part: Part, client: str, upstream: str, carried: str | None) -> Part | None:
    match part:
        case Thinking(signature=str() as signature) if signature:
            restored = _restore(signature, client, upstream)
            return replace(part, signature=restored) if restored else None
        case RedactedThinking():
            restored = _restore(part.data, client, upstream)
            return replace(part, data=restored) if restored else None
        case ToolCall():
            call_id, in_id = _split(part.id)
            signature = in_id or carried or part.signature
            restored = _restore(signature, client, upstream) if signature else None
            return replace(part, id=call_id, signature=restored)
        case ToolResult():
            return replace(part, tool_call_id=_split(part.tool_call_id)[0])
    return part


def _restore(signature: str, client: str, upstream: str) -> str | None:
    """``upstream``'s own signature from what a client sent back, or None if it is not one."""
    issuer, raw, _ = issuer_of(signature)
    if (issuer or client) != upstream:
        return None
    if issuer is None:
        return raw
    return _url_safe(raw) if upstream in URL_SAFE else _standard(raw)


def admit_raw(codec: Codec, body: dict[str, Any]) -> None:
    """A passthrough body, edited in place: the signatures tagged for its own protocol restored,
    every other one dropped, call ids as the provider wrote them (see the module rules). The
    codec knows where its protocol keeps them; this says what becomes of each."""
    protocol = codec.protocol
    codec.edit_signatures(body, lambda signature: _restore(signature, protocol, protocol), _original_id)


def _original_id(call_id: str) -> str:
    return _split(call_id)[0]
