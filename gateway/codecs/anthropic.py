"""Anthropic Messages (``POST /v1/messages``, also what Claude Code speaks) <-> the canonical form.

Rules where the two differ, kept short on purpose:

Decoding a client's request
- ``system`` (a string or text blocks) becomes one system message first. ``cache_control`` is
  kept on text blocks (system and messages) and dropped from other blocks.
- A ``system`` message inside ``messages`` (Claude Code's per-turn control) is a system message
  where it stands; its own ``output_config`` (an effort for the turns after it) is dropped.
- Refused with a 400, because no other provider can run them or hold them: server and built-in
  tools (any ``tools[].type`` other than ``custom``: web_search, web_fetch, bash, text_editor,
  computer, code_execution, memory, tool_search...), ``mcp_servers``, and content blocks the
  canonical form has no part for (``search_result``, ``container_upload``, a ``content`` document).
- Dropped: server tool blocks in the history (``server_tool_use``, ``mcp_tool_use`` and every
  ``*_tool_result``; what they found is in the assistant text that follows), ``citations``,
  top-level ``cache_control``, ``service_tier``, ``inference_geo``, ``speed``, ``container``,
  ``context_management``, ``diagnostics``, ``user_profile_id``, ``safeguards`` and thinking
  ``display``.
- ``max_tokens`` may be absent: count_tokens bodies are decoded by the same function.
- The beta ``output_format`` is read like ``output_config.format`` (and written that way).

Encoding a request for Anthropic
- Every system and developer message, wherever it stood, goes to ``system`` in order.
- Tool results become ``tool_result`` blocks in a user turn; consecutive turns of one role are
  merged and tool results lead their turn, as the API requires.
- Never sent: empty text blocks; thinking without a signature (another provider's reasoning:
  Anthropic only takes back its own signed thinking); ``json_object`` response format (Anthropic
  has no JSON mode without a schema); ``parallel_tool_calls`` without tools. Audio input is a 400.
- Thinking with a budget is ``enabled``; without one it is ``adaptive``; effort goes to
  ``output_config.effort``.
- ``max_tokens`` is required: the caller puts the catalog's output limit in the request; when it
  is still missing the request is refused rather than given an invented small default.

Responses and streams
- Server tool blocks (web search calls and results), citations and block types the canonical
  form has no part for are dropped when translating; same-protocol calls pass through untouched.
- ``usage.input_tokens`` excludes both cache buckets, exactly as the canonical form counts.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from gateway import tables
from gateway.canonical import (
    ArgumentsDelta,
    Audio,
    BlockStart,
    BlockStop,
    Document,
    Image,
    Message,
    Part,
    RedactedThinking,
    Request,
    Response,
    ResponseFormat,
    SignatureDelta,
    StopReason,
    StreamEnd,
    StreamError,
    StreamEvent,
    StreamStart,
    Text,
    TextDelta,
    Thinking,
    ThinkingConfig,
    ThinkingDelta,
    Tool,
    ToolCall,
    ToolChoice,
    ToolResult,
    Usage,
)
from gateway.codecs.base import (
    CallIdEdit,
    Codec,
    SignatureEdit,
    StreamDecoder,
    StreamEncoder,
    dumps,
    split_data_url,
)
from gateway.codecs.errors import stream_error_event
from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.sse import SSEEvent, encode_event

PROTOCOL = tables.ANTHROPIC
_STOP = tables.STOP_REASONS[PROTOCOL]
_CHOICE = tables.TOOL_CHOICE[PROTOCOL]
_EFFORT = tables.EFFORT[PROTOCOL]

# Usage fields on the wire and where the canonical Usage keeps them.
_USAGE_FIELDS = (
    ("input_tokens", "input_tokens"),
    ("output_tokens", "output_tokens"),
    ("cache_read_input_tokens", "cache_read_tokens"),
    ("cache_creation_input_tokens", "cache_write_tokens"),
)


def _is_server_block(kind: str) -> bool:
    """Blocks of tools that ran inside Anthropic: dropped when translating."""
    return kind in ("server_tool_use", "mcp_tool_use") or kind.endswith("_tool_result")


# --- decoding content ---------------------------------------------------------------------------

_IMAGE_SOURCES = {
    "base64": lambda s: Image(data=s["data"], media_type=s.get("media_type")),
    "url": lambda s: Image(url=s["url"]),
    "file": lambda s: Image(file_id=s["file_id"]),
}
_DOCUMENT_SOURCES = {
    "base64": lambda s: Document(data=s["data"], media_type=s.get("media_type") or "application/pdf"),
    "url": lambda s: Document(url=s["url"]),
    "text": lambda s: Document(text=s["data"], media_type=s.get("media_type") or "text/plain"),
    "file": lambda s: Document(file_id=s["file_id"]),
}


def _source(table: dict[str, Any], block: dict[str, Any]) -> Any:
    source = block["source"]
    build = table.get(source.get("type"))
    if build is None:
        raise invalid(f"{block['type']} source {source.get('type')!r} cannot be translated", "messages")
    return build(source)


def _document(block: dict[str, Any]) -> Document:
    document = _source(_DOCUMENT_SOURCES, block)
    document.title = block.get("title")
    return document


def _tool_result(block: dict[str, Any]) -> ToolResult:
    return ToolResult(
        block["tool_use_id"],
        _decode_blocks(block.get("content") or [], strict=True),
        bool(block.get("is_error")),
    )


# Block types of model output: responses, streams and assistant turns.
_OUTPUT_BLOCKS = {
    "text": lambda b: Text(b["text"], b.get("cache_control")),
    "tool_use": lambda b: ToolCall(b["id"], b["name"], dumps(b.get("input") or {})),
    "thinking": lambda b: Thinking(b.get("thinking", ""), b.get("signature") or None),
    "redacted_thinking": lambda b: RedactedThinking(b["data"]),
}
_REQUEST_BLOCKS = {
    **_OUTPUT_BLOCKS,
    "image": lambda b: _source(_IMAGE_SOURCES, b),
    "document": _document,
    "tool_result": _tool_result,
}


def _decode_blocks(content: str | list[dict[str, Any]], *, strict: bool) -> list[Part]:
    """Content blocks -> parts. ``strict`` (client requests) refuses blocks the canonical form
    cannot hold; otherwise (upstream answers) they are dropped. Server tool blocks are dropped."""
    if isinstance(content, str):
        return [Text(content)]
    decoders = _REQUEST_BLOCKS if strict else _OUTPUT_BLOCKS
    parts: list[Part] = []
    for block in content:
        kind = block.get("type", "")
        decode = decoders.get(kind)
        if decode is not None:
            parts.append(decode(block))
        elif strict and not _is_server_block(kind):
            raise invalid(
                f"content blocks of type {kind!r} cannot be translated to another provider", "messages"
            )
    return parts


def _merge_usage(usage: Usage, raw: dict[str, Any]) -> Usage:
    """Overwrite ``usage`` with the fields ``raw`` carries (message_delta usage is cumulative)."""
    for wire, attr in _USAGE_FIELDS:
        value = raw.get(wire)
        if value is not None:
            setattr(usage, attr, value)
    details = raw.get("output_tokens_details") or {}
    if details.get("thinking_tokens") is not None:
        usage.reasoning_tokens = details["thinking_tokens"]
    return usage


# --- decoding request fields --------------------------------------------------------------------


def _system(system: str | list[dict[str, Any]] | None) -> list[Message]:
    if not system:
        return []
    if isinstance(system, str):
        return [Message("system", [Text(system)])]
    return [Message("system", [Text(b["text"], b.get("cache_control")) for b in system])]


def _tools(raw: list[dict[str, Any]] | None) -> list[Tool]:
    tools = []
    for tool in raw or []:
        if tool.get("type") not in (None, "custom"):
            raise invalid(
                f"Anthropic server tool {tool.get('type')!r} ({tool.get('name')}) runs inside Anthropic "
                "and cannot be translated to another provider",
                "tools",
            )
        tools.append(
            Tool(tool["name"], tool.get("description"), tool.get("input_schema") or {}, tool.get("strict"))
        )
    return tools


def _tool_choice(raw: dict[str, Any] | None) -> tuple[ToolChoice | None, bool | None]:
    if not raw:
        return None, None
    choice = ToolChoice(_CHOICE.decode(raw["type"]), raw.get("name"))
    return choice, (False if raw.get("disable_parallel_tool_use") else None)


def _thinking(raw: dict[str, Any] | None, output_config: dict[str, Any]) -> ThinkingConfig | None:
    effort = output_config.get("effort")
    effort = _EFFORT.decode(effort, effort) if effort else None
    if not raw:
        return ThinkingConfig(effort=effort) if effort else None
    kind = raw.get("type")
    if kind == "disabled":
        return ThinkingConfig(enabled=False, effort=effort)
    return ThinkingConfig(
        budget_tokens=raw.get("budget_tokens") if kind == "enabled" else None, effort=effort
    )


def _response_format(body: dict[str, Any], output_config: dict[str, Any]) -> ResponseFormat | None:
    raw = output_config.get("format") or body.get("output_format")
    if not raw:
        return None
    return ResponseFormat("json_schema", raw.get("schema"))


# --- encoding requests --------------------------------------------------------------------------


def _json_object(arguments: str, kind: ErrorKind) -> dict[str, Any]:
    """Tool arguments as the object Anthropic wants; canonical arguments are JSON text."""
    try:
        value = json.loads(arguments) if arguments else {}
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise GatewayError(kind, f"tool call arguments are not a JSON object: {arguments[:200]!r}")
    return value


def _text_block(text: Text) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": text.text}
    if text.cache_control:
        block["cache_control"] = text.cache_control
    return block


def _image_source(image: Image) -> dict[str, Any]:
    inline = split_data_url(image.url) if image.url else None
    if inline is not None:
        return {"type": "base64", "media_type": inline[0], "data": inline[1]}
    if image.data is not None:
        return {"type": "base64", "media_type": image.media_type or "image/png", "data": image.data}
    if image.url is not None:
        return {"type": "url", "url": image.url}
    return {"type": "file", "file_id": image.file_id}


def _document_source(document: Document) -> dict[str, Any]:
    inline = split_data_url(document.url) if document.url else None
    media_type, data = inline or (document.media_type, document.data)
    if data is not None and media_type.startswith("text/"):
        # Anthropic's base64 source takes PDFs only; text travels as a plain-text source.
        try:
            return {"type": "text", "media_type": "text/plain", "data": base64.b64decode(data).decode()}
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise invalid(f"text document is not base64 UTF-8: {exc}", "messages") from None
    if data is not None:
        return {"type": "base64", "media_type": media_type, "data": data}
    if document.text is not None:
        return {"type": "text", "media_type": "text/plain", "data": document.text}
    if document.url is not None:
        return {"type": "url", "url": document.url}
    return {"type": "file", "file_id": document.file_id}


def _document_block(document: Document) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "document", "source": _document_source(document)}
    if document.title:
        block["title"] = document.title
    return block


def _tool_use(call: ToolCall, error: ErrorKind) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": call.id,
        "name": call.name,
        "input": _json_object(call.arguments, error),
    }


def _tool_result_block(result: ToolResult) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": result.tool_call_id}
    content = [b for part in result.content if (b := _result_content(part)) is not None]
    if content:
        block["content"] = content
    if result.is_error:
        block["is_error"] = True
    return block


def _result_content(part: Part) -> dict[str, Any] | None:
    if not isinstance(part, Text | Image | Document):
        raise invalid(f"a tool result cannot hold {type(part).__name__} content for Anthropic", "messages")
    return _request_block(part)


def _request_block(part: Part) -> dict[str, Any] | None:
    """One part of a user or assistant turn; None for what is not sent (see the module rules)."""
    match part:
        case Text():
            return _text_block(part) if part.text else None
        case Image():
            return {"type": "image", "source": _image_source(part)}
        case Document():
            return _document_block(part)
        case ToolCall():
            return _tool_use(part, ErrorKind.INVALID_REQUEST)
        case ToolResult():
            return _tool_result_block(part)
        case Thinking():
            return (
                {"type": "thinking", "thinking": part.text, "signature": part.signature}
                if part.signature
                else None
            )
        case RedactedThinking():
            return {"type": "redacted_thinking", "data": part.data}
        case Audio():
            raise invalid("Anthropic models take no audio input", "messages")
    raise invalid(f"{type(part).__name__} content cannot be sent to Anthropic", "messages")


def _system_blocks(message: Message) -> list[dict[str, Any]]:
    blocks = []
    for part in message.content:
        if not isinstance(part, Text):
            raise invalid("Anthropic system prompts hold text only", "messages")
        if part.text:
            blocks.append(_text_block(part))
    return blocks


def _encode_messages(messages: list[Message]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system blocks, turns): system and developer messages collected in order, the rest merged
    into alternating turns with tool results leading their user turn."""
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role in ("system", "developer"):
            system.extend(_system_blocks(message))
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = [b for part in message.content if (b := _request_block(part)) is not None]
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        if turn["role"] == "user":
            turn["content"].sort(key=lambda b: b["type"] != "tool_result")  # stable: results first
    return system, turns


def _encode_tool(tool: Tool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": tool.name, "input_schema": tool.parameters}
    if tool.description:
        out["description"] = tool.description
    if tool.strict:
        out["strict"] = True
    return out


def _encode_tool_choice(request: Request) -> dict[str, Any] | None:
    choice = request.tool_choice
    if choice is None and request.parallel_tool_calls is not False:
        return None
    out: dict[str, Any] = {"type": _CHOICE.encode(choice.mode if choice else "auto")}
    if choice is not None and choice.mode == "tool":
        out["name"] = choice.name
    if request.parallel_tool_calls is False and out["type"] != "none":
        out["disable_parallel_tool_use"] = True
    return out


def _encode_thinking(body: dict[str, Any], thinking: ThinkingConfig) -> None:
    if not thinking.enabled:
        body["thinking"] = {"type": "disabled"}
    elif thinking.budget_tokens is not None:
        body["thinking"] = {"type": "enabled", "budget_tokens": thinking.budget_tokens}
    else:
        body["thinking"] = {"type": "adaptive"}
    if thinking.effort:
        body.setdefault("output_config", {})["effort"] = _EFFORT.encode(thinking.effort)


# What /v1/messages/count_tokens takes of a messages body.
_COUNT_FIELDS = frozenset(
    {"model", "messages", "system", "tools", "tool_choice", "thinking", "output_config"}
)


def _encode_body(request: Request, model: str) -> dict[str, Any]:
    limit = tables.STOP_SEQUENCE_LIMIT[PROTOCOL]
    if len(request.stop) > limit:
        raise invalid(f"Anthropic accepts at most {limit} stop sequences", "stop")
    system, turns = _encode_messages(request.messages)
    body: dict[str, Any] = {"model": model, "messages": turns}
    for name in ("max_tokens", "temperature", "top_p", "top_k"):
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    if system:
        body["system"] = system
    if request.stop:
        body["stop_sequences"] = list(request.stop)
    if request.tools:
        body["tools"] = [_encode_tool(t) for t in request.tools]
        choice = _encode_tool_choice(request)
        if choice is not None:
            body["tool_choice"] = choice
    if request.thinking is not None:
        _encode_thinking(body, request.thinking)
    if request.response_format is not None and request.response_format.type == "json_schema":
        output_format = {"type": "json_schema", "schema": request.response_format.schema}
        body.setdefault("output_config", {})["format"] = output_format
    if request.user:
        body["metadata"] = {"user_id": request.user}
    if request.stream:
        body["stream"] = True
    return body


# --- encoding responses -------------------------------------------------------------------------


def _usage_json(usage: Usage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": usage.output_tokens,
    }
    if usage.reasoning_tokens:
        out["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
    return out


def _response_block(part: Part) -> dict[str, Any] | None:
    match part:
        case Text():
            return {"type": "text", "text": part.text} if part.text else None
        case ToolCall():
            return _tool_use(part, ErrorKind.BAD_GATEWAY)
        case Thinking():
            return {"type": "thinking", "thinking": part.text, "signature": part.signature or ""}
        case RedactedThinking():
            return {"type": "redacted_thinking", "data": part.data}
    return None  # Anthropic has no output block for it (an image a Gemini model drew)


def _message(response: Response, content: list[dict[str, Any]], stopped: bool) -> dict[str, Any]:
    stop_sequence = response.stop_sequence if response.stop_reason is StopReason.STOP_SEQUENCE else None
    return {
        "id": response.id,
        "type": "message",
        "role": "assistant",
        "model": response.model,
        "content": content,
        "stop_reason": _STOP.encode(response.stop_reason) if stopped else None,
        "stop_sequence": stop_sequence if stopped else None,
        "stop_details": None,
        "usage": _usage_json(response.usage),
    }


# --- the codec ----------------------------------------------------------------------------------


class AnthropicCodec(Codec):
    protocol = PROTOCOL

    def decode_request(self, body: dict[str, Any], *, model: str | None = None) -> Request:
        """``model`` is in the body for Anthropic; count_tokens bodies have no ``max_tokens``."""
        if body.get("mcp_servers"):
            raise invalid("MCP servers run inside Anthropic and cannot be translated", "mcp_servers")
        output_config = body.get("output_config") or {}
        choice, parallel = _tool_choice(body.get("tool_choice"))
        messages = _system(body.get("system"))
        for message in body["messages"]:
            messages.append(Message(message["role"], _decode_blocks(message["content"], strict=True)))
        stream = bool(body.get("stream"))
        return Request(
            model=body["model"],
            messages=messages,
            tools=_tools(body.get("tools")),
            tool_choice=choice,
            parallel_tool_calls=parallel,
            max_tokens=body.get("max_tokens"),
            temperature=body.get("temperature"),
            top_p=body.get("top_p"),
            top_k=body.get("top_k"),
            stop=list(body.get("stop_sequences") or []),
            response_format=_response_format(body, output_config),
            thinking=_thinking(body.get("thinking"), output_config),
            stream=stream,
            stream_usage=stream,
            user=(body.get("metadata") or {}).get("user_id"),
        )

    def encode_request(self, request: Request, model: str) -> dict[str, Any]:
        if request.max_tokens is None:
            raise invalid(
                "max_tokens is required by Anthropic and no output limit is known for this model",
                "max_tokens",
            )
        return _encode_body(request, model)

    def decode_response(self, body: dict[str, Any]) -> Response:
        return Response(
            id=body.get("id", ""),
            model=body.get("model", ""),
            content=_decode_blocks(body.get("content") or [], strict=False),
            stop_reason=_STOP.decode(body.get("stop_reason"), StopReason.END_TURN),
            stop_sequence=body.get("stop_sequence"),
            usage=_merge_usage(Usage(), body.get("usage") or {}),
        )

    def encode_response(self, response: Response, request: Request) -> dict[str, Any]:
        content = [b for part in response.content if (b := _response_block(part)) is not None]
        return _message(response, content, stopped=True)

    def stream_decoder(self) -> AnthropicStreamDecoder:
        return AnthropicStreamDecoder()

    def stream_encoder(self, request: Request, **options: Any) -> AnthropicStreamEncoder:
        return AnthropicStreamEncoder()

    def edit_signatures(self, body: dict[str, Any], signature: SignatureEdit, call_id: CallIdEdit) -> None:
        """Thinking and redacted thinking blocks are signed; ``tool_use`` and ``tool_result``
        ids may carry a call's signature."""
        for message in body.get("messages") or []:
            content = message.get("content")
            if isinstance(content, list):
                message["content"] = [block for block in content if _edit_block(block, signature, call_id)]

    def encode_count_request(self, request: Request, model: str) -> dict[str, Any]:
        body = _encode_body(request, model)
        return {name: value for name, value in body.items() if name in _COUNT_FIELDS}

    def decode_count(self, body: dict[str, Any]) -> int:
        return body["input_tokens"]

    def encode_count(self, count: int) -> dict[str, Any]:
        """The real API answers count_tokens with this one field."""
        return {"input_tokens": count}


# --- streams ------------------------------------------------------------------------------------

_DELTAS = {
    "text_delta": (TextDelta, "text"),
    "input_json_delta": (ArgumentsDelta, "partial_json"),
    "thinking_delta": (ThinkingDelta, "thinking"),
    "signature_delta": (SignatureDelta, "signature"),
}


def _start_block(block: dict[str, Any]) -> Part | None:
    """The canonical block a content_block_start opens; a tool call's input arrives as deltas,
    so its arguments start empty unless the start already carries some."""
    if block["type"] == "tool_use":
        return ToolCall(block["id"], block["name"], dumps(block["input"]) if block.get("input") else "")
    decode = _OUTPUT_BLOCKS.get(block["type"])
    return decode(block) if decode is not None else None


class AnthropicStreamDecoder(StreamDecoder):
    """Anthropic events -> canonical events. Dropped blocks (server tools) leave no index gap."""

    def __init__(self) -> None:
        self._indices: dict[int, int] = {}
        self._next_index = 0
        self._no_arguments: set[int] = set()  # tool calls whose input has not arrived yet
        self._usage = Usage()
        self._stop = StopReason.END_TURN
        self._stop_sequence: str | None = None

    def _decode(self, event: SSEEvent) -> list[StreamEvent]:
        data = json.loads(event.data)
        handler = self._handlers.get(data.get("type"))
        return handler(self, data) if handler is not None else []

    def _ending(self) -> list[StreamEvent]:
        raise GatewayError(ErrorKind.BAD_GATEWAY, "the Anthropic stream ended before message_stop")

    def _message_start(self, data: dict[str, Any]) -> list[StreamEvent]:
        message = data["message"]
        _merge_usage(self._usage, message.get("usage") or {})
        return [StreamStart(message.get("id", ""), message.get("model", ""), usage=replace(self._usage))]

    def _block_start(self, data: dict[str, Any]) -> list[StreamEvent]:
        block = _start_block(data["content_block"])
        if block is None:
            return []
        index = self._indices[data["index"]] = self._next_index
        self._next_index += 1
        if isinstance(block, ToolCall) and not block.arguments:
            self._no_arguments.add(index)
        return [BlockStart(index, block)]

    def _block_delta(self, data: dict[str, Any]) -> list[StreamEvent]:
        index = self._indices.get(data["index"])
        delta = data["delta"]
        kind = _DELTAS.get(delta["type"])
        if index is None or kind is None:
            return []  # a dropped block, or a citation (its text arrives as text deltas)
        event_type, field = kind
        value = delta[field]
        if value and event_type is ArgumentsDelta:
            self._no_arguments.discard(index)
        return [event_type(index, value)] if value else []

    def _block_stop(self, data: dict[str, Any]) -> list[StreamEvent]:
        """A tool call that got no input is a call with no arguments: ``{}``, as a whole message
        says it (``input: {}``), never an empty string no client can parse."""
        index = self._indices.get(data["index"])
        if index is None:
            return []
        if index in self._no_arguments:
            self._no_arguments.discard(index)
            return [ArgumentsDelta(index, "{}"), BlockStop(index)]
        return [BlockStop(index)]

    def _message_delta(self, data: dict[str, Any]) -> list[StreamEvent]:
        delta = data.get("delta") or {}
        if delta.get("stop_reason"):
            self._stop = _STOP.decode(delta["stop_reason"], StopReason.END_TURN)
        self._stop_sequence = delta.get("stop_sequence")
        _merge_usage(self._usage, data.get("usage") or {})
        return []

    def _message_stop(self, data: dict[str, Any]) -> list[StreamEvent]:
        return [StreamEnd(self._stop, self._usage, self._stop_sequence)]

    def _error(self, data: dict[str, Any]) -> list[StreamEvent]:
        error = data.get("error") or {}
        kind = tables.ANTHROPIC_ERROR.decode(error.get("type"), ErrorKind.API_ERROR)
        raise GatewayError(kind, error.get("message") or "the upstream stream failed")

    _handlers: ClassVar[dict[str, Callable[..., list[StreamEvent]]]] = {
        "message_start": _message_start,
        "content_block_start": _block_start,
        "content_block_delta": _block_delta,
        "content_block_stop": _block_stop,
        "message_delta": _message_delta,
        "message_stop": _message_stop,
        "error": _error,
    }


def _frame(payload: dict[str, Any]) -> bytes:
    """One event whose ``event:`` line equals its data ``type``, as the SDKs dispatch on it."""
    return encode_event(dumps(payload), payload["type"])


def _block_frames(index: int, block: Part) -> bytes:
    """content_block_start for a canonical block, plus a delta for content it already carries."""
    match block:
        case Text():
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block.text} if block.text else None
        case Thinking():
            start = {"type": "thinking", "thinking": "", "signature": ""}
            delta = {"type": "thinking_delta", "thinking": block.text} if block.text else None
        case ToolCall():
            start = {"type": "tool_use", "id": block.id, "name": block.name, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": block.arguments} if block.arguments else None
        case RedactedThinking():
            start, delta = {"type": "redacted_thinking", "data": block.data}, None
        case _:
            return b""
    out = _frame({"type": "content_block_start", "index": index, "content_block": start})
    if delta is not None:
        out += _frame({"type": "content_block_delta", "index": index, "delta": delta})
    return out


class AnthropicStreamEncoder(StreamEncoder):
    """Canonical events -> the Anthropic event grammar the SDK's stream helper accumulates.

    A thinking block's signature is written as one ``signature_delta`` just before its
    ``content_block_stop``, where the SDK and Claude Code expect it, whenever it arrived.
    """

    def __init__(self) -> None:
        self._wire: dict[int, int] = {}
        self._signatures: dict[int, str] = {}
        self._closed = False

    def encode(self, event: StreamEvent) -> bytes:
        if self._closed:
            return b""
        match event:
            case StreamStart():
                response = Response(event.id, event.model, [], usage=event.usage)
                start = _frame({"type": "message_start", "message": _message(response, [], stopped=False)})
                return start + _frame({"type": "ping"})
            case BlockStart():
                return self._start(event)
            case TextDelta():
                return self._delta(event.index, {"type": "text_delta", "text": event.text})
            case ThinkingDelta():
                return self._delta(event.index, {"type": "thinking_delta", "thinking": event.text})
            case ArgumentsDelta():
                return self._delta(event.index, {"type": "input_json_delta", "partial_json": event.json})
            case SignatureDelta():
                self._signatures[event.index] = self._signatures.get(event.index, "") + event.signature
                return b""
            case BlockStop():
                return self._stop(event.index)
            case StreamEnd():
                self._closed = True
                return self._end(event)
            case StreamError():
                self._closed = True
                return stream_error_event(PROTOCOL, event.error)
        return b""

    def _start(self, event: BlockStart) -> bytes:
        index = len(self._wire)
        frames = _block_frames(index, event.block)
        if frames:
            self._wire[event.index] = index
            if isinstance(event.block, Thinking) and event.block.signature:
                self._signatures[event.index] = event.block.signature
        return frames

    def _delta(self, index: int, delta: dict[str, Any]) -> bytes:
        wire = self._wire.get(index)
        if wire is None:
            return b""
        return _frame({"type": "content_block_delta", "index": wire, "delta": delta})

    def _stop(self, index: int) -> bytes:
        wire = self._wire.get(index)
        if wire is None:
            return b""
        out = b""
        signature = self._signatures.pop(index, None)
        if signature:
            out = _frame(
                {
                    "type": "content_block_delta",
                    "index": wire,
                    "delta": {"type": "signature_delta", "signature": signature},
                }
            )
        return out + _frame({"type": "content_block_stop", "index": wire})

    def _end(self, event: StreamEnd) -> bytes:
        stop_sequence = event.stop_sequence if event.stop_reason is StopReason.STOP_SEQUENCE else None
        delta = {"stop_reason": _STOP.encode(event.stop_reason), "stop_sequence": stop_sequence}
        message_delta = {"type": "message_delta", "delta": delta, "usage": _usage_json(event.usage)}
        return _frame(message_delta) + _frame({"type": "message_stop"})


# Where each kind of content block keeps its signature, and its call id.
SIGNED_FIELDS = {"thinking": "signature", "redacted_thinking": "data"}
CALL_ID_FIELDS = {"tool_use": "id", "tool_result": "tool_use_id"}


def _edit_block(block: Any, signature: SignatureEdit, call_id: CallIdEdit) -> bool:
    """Edit one block's signature or call id in place (``edit_signatures``); False when the block
    must be dropped."""
    kind = block.get("type") if isinstance(block, dict) else None
    field = SIGNED_FIELDS.get(kind) or CALL_ID_FIELDS.get(kind)
    if field is None or not isinstance(block.get(field), str):
        return True
    if kind in CALL_ID_FIELDS:
        block[field] = call_id(block[field])
        return True
    edited = signature(block[field])
    if edited is not None:
        block[field] = edited
    return edited is not None


CODEC = AnthropicCodec()
