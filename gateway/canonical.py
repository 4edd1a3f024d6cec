"""The canonical representation: the one shape every protocol codec decodes into and encodes from.

It is the union of what OpenAI Chat Completions, OpenAI Responses, Anthropic Messages and Gemini
can say, so that any inbound protocol can reach any upstream through two codecs and never through a
translator written for one pair. Field meanings are fixed here once; codecs own the spelling.

Conventions that every codec relies on:
- ``Usage.input_tokens`` excludes both cache buckets; ``output_tokens`` includes reasoning, and
  ``reasoning_tokens`` is the part of it spent thinking (billing never counts it twice).
- ``ToolCall.arguments`` is JSON text exactly as the model produced it (OpenAI sends a string and
  it may be invalid JSON); codecs that need an object parse it.
- System and developer messages stay in ``Request.messages`` at the position the client put them;
  an encoder whose protocol has a single system slot collects them there in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from gateway.errors import GatewayError

Role = Literal["system", "developer", "user", "assistant", "tool"]


class StopReason(StrEnum):
    END_TURN = "end_turn"
    STOP_SEQUENCE = "stop_sequence"
    MAX_TOKENS = "max_tokens"
    TOOL_USE = "tool_use"
    CONTENT_FILTER = "content_filter"
    PAUSE_TURN = "pause_turn"


# --- content parts -----------------------------------------------------------------------------


@dataclass(slots=True)
class Text:
    text: str
    cache_control: dict[str, Any] | None = None


@dataclass(slots=True)
class Image:
    """An image by URL (``url``, may be a data URL) or inline base64 (``data`` + ``media_type``)."""

    url: str | None = None
    data: str | None = None
    media_type: str | None = None
    detail: str | None = None
    file_id: str | None = None


@dataclass(slots=True)
class Document:
    """A file such as a PDF: inline base64, a URL, a provider file id, or plain text."""

    data: str | None = None
    url: str | None = None
    file_id: str | None = None
    text: str | None = None
    media_type: str = "application/pdf"
    filename: str | None = None
    title: str | None = None


@dataclass(slots=True)
class Audio:
    data: str
    format: str  # wav, mp3, ... (OpenAI spelling); codecs map to media types


@dataclass(slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str = ""
    signature: str | None = None  # Gemini thoughtSignature carried on a function call


@dataclass(slots=True)
class ToolResult:
    tool_call_id: str
    content: list[Part] = field(default_factory=list)
    is_error: bool = False
    name: str | None = None  # Gemini pairs results by function name, not by id


@dataclass(slots=True)
class Thinking:
    text: str = ""
    signature: str | None = None


@dataclass(slots=True)
class RedactedThinking:
    data: str


Part = Text | Image | Document | Audio | ToolCall | ToolResult | Thinking | RedactedThinking


@dataclass(slots=True)
class Message:
    role: Role
    content: list[Part]
    name: str | None = None


# --- request -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tool:
    name: str
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None
    # The Responses ``namespace`` tool it came in (Codex CLI groups tools so); other protocols
    # have no namespaces and see only the name, which is unique across namespaces.
    namespace: str | None = None
    # A Responses ``custom`` (freeform) tool, whose input the model writes as plain text: every
    # protocol sees a function whose one string argument, ``input``, holds that text.
    freeform: bool = False


@dataclass(slots=True)
class ToolChoice:
    mode: Literal["auto", "none", "required", "tool"]
    name: str | None = None


@dataclass(slots=True)
class ResponseFormat:
    type: Literal["text", "json_object", "json_schema"]
    schema: dict[str, Any] | None = None
    name: str | None = None
    strict: bool | None = None


@dataclass(slots=True)
class ThinkingConfig:
    """Extended thinking / reasoning. ``budget_tokens`` and ``effort`` are each optional."""

    enabled: bool = True
    budget_tokens: int | None = None
    effort: str | None = None  # minimal | low | medium | high


@dataclass(slots=True)
class Request:
    model: str
    messages: list[Message]
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    response_format: ResponseFormat | None = None
    thinking: ThinkingConfig | None = None
    stream: bool = False
    stream_usage: bool = False  # the client asked to see usage in the stream (OpenAI include_usage)
    user: str | None = None
    metadata: dict[str, Any] | None = None


# --- response ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0

    @property
    def prompt_tokens(self) -> int:
        """All input the model read: fresh input plus both cache buckets (OpenAI's prompt_tokens)."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.output_tokens


@dataclass(slots=True)
class Response:
    id: str
    model: str
    content: list[Part]
    stop_reason: StopReason = StopReason.END_TURN
    stop_sequence: str | None = None
    usage: Usage = field(default_factory=Usage)
    created: int = 0


# --- images --------------------------------------------------------------------------------------


@dataclass(slots=True)
class ImageRequest:
    model: str
    prompt: str
    n: int = 1
    size: str | None = None
    quality: str | None = None
    response_format: str | None = None  # url | b64_json
    output_format: str | None = None  # png | jpeg | webp
    user: str | None = None


@dataclass(slots=True)
class GeneratedImage:
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


@dataclass(slots=True)
class ImageResponse:
    created: int
    images: list[GeneratedImage]
    usage: Usage = field(default_factory=Usage)


# --- stream events -------------------------------------------------------------------------------
# A stream is: StreamStart, then blocks (BlockStart, deltas, BlockStop) with dense indices from 0,
# then StreamEnd -- or a StreamError at any point instead of the rest. Blocks do not interleave.


@dataclass(slots=True)
class StreamStart:
    id: str
    model: str
    created: int = 0
    usage: Usage = field(default_factory=Usage)  # what is known at the start (Anthropic: input)


@dataclass(slots=True)
class BlockStart:
    """A new content block. ``block`` is Text, Thinking, RedactedThinking or ToolCall, with the
    fields known at its start (a ToolCall's id and name; text and arguments normally empty)."""

    index: int
    block: Part


@dataclass(slots=True)
class TextDelta:
    index: int
    text: str


@dataclass(slots=True)
class ThinkingDelta:
    index: int
    text: str


@dataclass(slots=True)
class SignatureDelta:
    index: int
    signature: str


@dataclass(slots=True)
class ArgumentsDelta:
    index: int
    json: str


@dataclass(slots=True)
class BlockStop:
    index: int


@dataclass(slots=True)
class StreamEnd:
    stop_reason: StopReason
    usage: Usage
    stop_sequence: str | None = None


@dataclass(slots=True)
class StreamError:
    error: GatewayError


StreamEvent = (
    StreamStart
    | BlockStart
    | TextDelta
    | ThinkingDelta
    | SignatureDelta
    | ArgumentsDelta
    | BlockStop
    | StreamEnd
    | StreamError
)
