"""OpenAI Chat Completions (``POST /v1/chat/completions``), at both edges.

The rules for what the canonical form cannot carry, applied when translating (a same-protocol call
is a passthrough and keeps everything):

- Refused with a 400, because dropping them would change the answer: ``n`` > 1, ``logprobs`` /
  ``top_logprobs``, ``logit_bias``, audio output (``audio``, ``modalities`` with audio, an assistant
  ``audio`` reference), ``web_search_options``, custom (freeform) tools and a ``tool_choice`` that
  names one. As an upstream body: an image given only by file id, a document given by URL, and
  more stop sequences than ``tables.STOP_SEQUENCE_LIMIT`` allows.
- Dropped, because they change nothing the client reads: ``store``, ``service_tier``,
  ``prompt_cache_key`` / ``prompt_cache_retention`` / ``prompt_cache_options``,
  ``prompt_cache_breakpoint`` on parts, ``safety_identifier``, ``verbosity``, ``prediction``,
  ``moderation``, ``stream_options.include_obfuscation``, a json_schema's ``description``, text
  ``cache_control``, a tool result's error flag, a Gemini signature on a tool call; going upstream
  also ``metadata`` (OpenAI keeps it only with stored completions) and ``top_k``, and a tool choice
  or ``parallel_tool_calls`` without tools (OpenAI refuses them alone).
- Thinking has no place in Chat Completions. The gateway shows thinking text as the
  ``reasoning_content`` field (``message.reasoning_content``, ``delta.reasoning_content``), the
  spelling several OpenAI-compatible servers use, and reads it back from assistant messages and
  upstream replies. Signatures and redacted thinking are dropped; OpenAI itself never sends thinking,
  so thinking in the history is not sent upstream.
- A ``refusal`` becomes text with the ``content_filter`` stop reason; the encoder never writes one.
- A tool result's images or files cannot sit in a ``tool`` message: they follow the tool messages
  as one ``user`` message.
- Messages left with no content (``""``, ``null``) are dropped; text beside tool calls is kept.
- ``reasoning_effort`` is the canonical effort (``none`` = thinking disabled); going upstream an
  effort is sent only when the request has one or a thinking budget (``tables.effort_for_budget``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

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
    Request,
    Response,
    ResponseFormat,
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
    data_url,
    decode_parts,
    dumps,
    split_data_url,
    text_part,
)
from gateway.codecs.errors import stream_error_event
from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.sse import SSEEvent, encode_event

PROTOCOL = tables.OPENAI_CHAT
STOP_REASONS = tables.STOP_REASONS[PROTOCOL]
TOOL_CHOICE = tables.TOOL_CHOICE[PROTOCOL]
EFFORT = tables.EFFORT[PROTOCOL]
DONE = "[DONE]"
DEFAULT_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}

# Request fields the canonical form cannot carry without changing the answer: (field, refused when, why).
REFUSED: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("n", lambda n: n is not None and n > 1, "several choices (`n` > 1) cannot be translated"),
    ("logprobs", bool, "`logprobs` cannot be translated to this model's provider"),
    ("top_logprobs", bool, "`top_logprobs` cannot be translated to this model's provider"),
    ("logit_bias", bool, "`logit_bias` cannot be translated to this model's provider"),
    ("audio", lambda audio: audio is not None, "audio output cannot be translated"),
    ("modalities", lambda modes: bool(modes) and "audio" in modes, "audio output cannot be translated"),
    (
        "web_search_options",
        lambda options: options is not None,
        "web search is an OpenAI built-in tool and cannot be translated",
    ),
)


class OpenAIChatCodec(Codec):
    protocol = PROTOCOL

    def decode_request(self, body: dict[str, Any], *, model: str | None = None) -> Request:
        for name, refused, why in REFUSED:
            if refused(body.get(name)):
                raise invalid(why, name)
        tools = _decode_tools(body)
        tool_choice, tools = _decode_tool_choice(body.get("tool_choice", body.get("function_call")), tools)
        options = body.get("stream_options") or {}
        return Request(
            model=body.get("model") or model or "",
            messages=_decode_messages(body["messages"]),
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=body.get("parallel_tool_calls"),
            max_tokens=_first_given(body.get("max_completion_tokens"), body.get("max_tokens")),
            temperature=body.get("temperature"),
            top_p=body.get("top_p"),
            presence_penalty=body.get("presence_penalty"),
            frequency_penalty=body.get("frequency_penalty"),
            seed=body.get("seed"),
            stop=_decode_stop(body.get("stop")),
            response_format=_decode_response_format(body.get("response_format")),
            thinking=_decode_effort(body.get("reasoning_effort")),
            stream=bool(body.get("stream")),
            stream_usage=bool(options.get("include_usage")),
            user=body.get("user"),
            metadata=body.get("metadata"),
        )

    def encode_request(self, request: Request, model: str) -> dict[str, Any]:
        limit = tables.STOP_SEQUENCE_LIMIT[PROTOCOL]
        if len(request.stop) > limit:
            raise invalid(f"this model's provider accepts at most {limit} stop sequences", "stop")
        body: dict[str, Any] = {"model": model, "messages": _encode_messages(request.messages)}
        if request.tools:  # OpenAI refuses a tool choice or parallel_tool_calls without tools
            body["tools"] = [_encode_tool(tool) for tool in request.tools]
            if request.tool_choice is not None:
                body["tool_choice"] = _encode_tool_choice(request.tool_choice)
            if request.parallel_tool_calls is not None:
                body["parallel_tool_calls"] = request.parallel_tool_calls
        optional = {
            "max_completion_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "presence_penalty": request.presence_penalty,
            "frequency_penalty": request.frequency_penalty,
            "seed": request.seed,
            "stop": request.stop or None,
            "response_format": _encode_response_format(request.response_format),
            "reasoning_effort": _encode_effort(request.thinking),
            "user": request.user,
        }
        body.update((name, value) for name, value in optional.items() if value is not None)
        if request.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def decode_response(self, body: dict[str, Any]) -> Response:
        choices = body.get("choices") or [{}]
        message = choices[0].get("message") or {}
        content = _decode_assistant(message, body.get("id") or "")
        stop = STOP_REASONS.decode(choices[0].get("finish_reason"), StopReason.END_TURN)
        if message.get("refusal"):
            stop = StopReason.CONTENT_FILTER
        return Response(
            id=body.get("id") or "",
            model=body.get("model") or "",
            content=content,
            stop_reason=stop,
            usage=decode_usage(body.get("usage")),
            created=int(body.get("created") or 0),
        )

    def encode_response(self, response: Response, request: Request) -> dict[str, Any]:
        message = _encode_assistant(response.content)
        if message["content"] is None and "tool_calls" not in message:
            message["content"] = ""
        message["refusal"] = None
        return {
            "id": response.id,
            "object": "chat.completion",
            "created": response.created,
            "model": response.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": STOP_REASONS.encode(response.stop_reason),
                }
            ],
            "usage": encode_usage(response.usage),
        }

    def stream_decoder(self) -> StreamDecoder:
        return ChatStreamDecoder()

    def stream_encoder(self, request: Request, **options: Any) -> StreamEncoder:
        return ChatStreamEncoder(include_usage=request.stream_usage)

    def passthrough_body(self, body: dict[str, Any], model: str) -> dict[str, Any]:
        """Streams always carry usage upstream (the call is billed on it)."""
        upstream = {**body, "model": model}
        if body.get("stream"):
            upstream["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        return upstream

    def edit_signatures(self, body: dict[str, Any], signature: SignatureEdit, call_id: CallIdEdit) -> None:
        """Chat carries no signature but in a call id: an assistant's ``tool_calls`` and a tool
        message's ``tool_call_id``."""
        for message in body.get("messages") or []:
            for call in message.get("tool_calls") or []:
                if isinstance(call.get("id"), str):
                    call["id"] = call_id(call["id"])
            if isinstance(message.get("tool_call_id"), str):
                message["tool_call_id"] = call_id(message["tool_call_id"])

    def passthrough_visible(self, event: SSEEvent, body: dict[str, Any]) -> bool:
        """The usage-only chunk (``choices: []``) reaches only a client that asked for it."""
        if (body.get("stream_options") or {}).get("include_usage"):
            return True
        data = event.data
        if '"choices":[]' not in data and '"choices": []' not in data:
            return True
        try:
            chunk = json.loads(data)
        except ValueError:
            return True
        return not (isinstance(chunk, dict) and chunk.get("choices") == [] and chunk.get("usage"))


# --- request decoding ------------------------------------------------------------------------------


def _first_given(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _decode_stop(stop: str | list[str] | None) -> list[str]:
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else list(stop)


def _decode_effort(effort: str | None) -> ThinkingConfig | None:
    if effort is None:
        return None
    if effort == "none":
        return ThinkingConfig(enabled=False)
    return ThinkingConfig(effort=EFFORT.decode(effort))


def _decode_response_format(spec: dict[str, Any] | None) -> ResponseFormat | None:
    if not spec:
        return None
    schema = spec.get("json_schema") or {}
    return ResponseFormat(
        type=spec["type"], schema=schema.get("schema"), name=schema.get("name"), strict=schema.get("strict")
    )


def _decode_tools(body: dict[str, Any]) -> list[Tool]:
    """``tools`` (function tools only) or the legacy ``functions``."""
    tools = []
    for tool in body.get("tools") or []:
        if tool.get("type") != "function":
            raise invalid(f"`{tool.get('type')}` tools cannot be translated; use function tools", "tools")
        tools.append(_decode_function(tool["function"]))
    tools.extend(_decode_function(function) for function in body.get("functions") or [])
    return tools


def _decode_function(function: dict[str, Any]) -> Tool:
    return Tool(
        name=function["name"],
        description=function.get("description"),
        parameters=function.get("parameters") or dict(DEFAULT_PARAMETERS),
        strict=function.get("strict"),
    )


def _decode_tool_choice(choice: Any, tools: list[Tool]) -> tuple[ToolChoice | None, list[Tool]]:
    """The tool choice, and the tools the model may call (``allowed_tools`` narrows them)."""
    if choice is None:
        return None, tools
    if isinstance(choice, str):
        return ToolChoice(TOOL_CHOICE.decode(choice)), tools
    if "name" in choice:  # legacy function_call: {"name": ...}
        return ToolChoice("tool", choice["name"]), tools
    kind = choice.get("type")
    if kind == "function":
        return ToolChoice("tool", choice["function"]["name"]), tools
    if kind == "allowed_tools":
        allowed = choice["allowed_tools"]
        names = {tool["function"]["name"] for tool in allowed["tools"] if tool.get("type") == "function"}
        return ToolChoice(TOOL_CHOICE.decode(allowed["mode"])), [t for t in tools if t.name in names]
    raise invalid(f"a `{kind}` tool_choice cannot be translated", "tool_choice")


def _decode_messages(messages: list[dict[str, Any]]) -> list[Message]:
    decoded: list[Message] = []
    call_names: dict[str, str] = {}  # tool call id -> function name, to name the results
    for position, message in enumerate(messages):
        role = message["role"]
        name = message.get("name")
        if role == "assistant":
            if message.get("audio"):
                raise invalid("an assistant audio reference cannot be translated", "messages")
            content = _decode_assistant(message, f"call_{position}")
            call_names.update((part.id, part.name) for part in content if isinstance(part, ToolCall))
        elif role in ("tool", "function"):  # a function message's name is the function's
            content, role, name = [_decode_tool_result(message, position, call_names)], "tool", None
        else:
            content = _decode_content(message.get("content"))
        if content:
            decoded.append(Message(role=role, content=content, name=name))
    return decoded


def _decode_tool_result(message: dict[str, Any], position: int, call_names: dict[str, str]) -> ToolResult:
    if message["role"] == "function":  # legacy: paired by name with the last call of that name
        name = message["name"]
        call_id = next((cid for cid, n in reversed(call_names.items()) if n == name), f"call_{position}")
    else:
        call_id = message["tool_call_id"]
        name = call_names.get(call_id)
    return ToolResult(tool_call_id=call_id, content=_decode_content(message.get("content")), name=name)


def _decode_assistant(message: dict[str, Any], legacy_id: str) -> list[Part]:
    """An assistant message (request history or response): thinking, text, then tool calls."""
    parts: list[Part] = []
    if message.get("reasoning_content"):
        parts.append(Thinking(text=message["reasoning_content"]))
    parts.extend(_decode_content(message.get("content")))
    if message.get("refusal"):
        parts.append(Text(message["refusal"]))
    for call in message.get("tool_calls") or []:
        if "function" not in call:
            raise invalid(
                f"a `{call.get('type')}` tool call cannot be translated; use function tools", "messages"
            )
        parts.append(_decode_call(call["id"], call["function"]))
    if message.get("function_call"):
        parts.append(_decode_call(legacy_id, message["function_call"]))
    return parts


def _decode_call(call_id: str, function: dict[str, Any]) -> ToolCall:
    return ToolCall(id=call_id, name=function["name"], arguments=function.get("arguments") or "")


def _decode_content(content: str | list[dict[str, Any]] | None) -> list[Part]:
    return decode_parts(content, PART_DECODERS, "messages")


def _decode_image(part: dict[str, Any]) -> Image:
    image = part["image_url"]
    url = image["url"]
    inline = split_data_url(url)
    detail = image.get("detail")
    if inline:
        return Image(media_type=inline[0], data=inline[1], detail=detail)
    return Image(url=url, detail=detail)


def _decode_audio(part: dict[str, Any]) -> Audio:
    return Audio(data=part["input_audio"]["data"], format=part["input_audio"]["format"])


def _decode_file(part: dict[str, Any]) -> Document:
    """OpenAI's ``file_data`` data URL, a ``file_id``, or the ``data`` + ``media_type`` form some
    OpenAI-compatible gateways document (raw base64 beside its media type)."""
    file = part["file"]
    name = file.get("filename")
    if file.get("file_id"):
        return Document(file_id=file["file_id"], filename=name)
    raw = file.get("file_data") or file.get("data") or ""
    inline = split_data_url(raw)
    if inline:
        return Document(media_type=inline[0], data=inline[1], filename=name)
    return Document(media_type=file.get("media_type") or "application/pdf", data=raw, filename=name)


PART_DECODERS: dict[str | None, Callable[[dict[str, Any]], Part | None]] = {
    "text": text_part,
    "refusal": text_part,
    "image_url": _decode_image,
    "input_audio": _decode_audio,
    "file": _decode_file,
}


# --- request encoding ------------------------------------------------------------------------------


def _encode_effort(thinking: ThinkingConfig | None) -> str | None:
    if thinking is None or not thinking.enabled:
        return None
    if thinking.effort:
        return EFFORT.encode(thinking.effort)
    if thinking.budget_tokens:
        return EFFORT.encode(tables.effort_for_budget(thinking.budget_tokens))
    return None


def _encode_response_format(spec: ResponseFormat | None) -> dict[str, Any] | None:
    if spec is None or spec.type != "json_schema":
        return None if spec is None else {"type": spec.type}
    schema: dict[str, Any] = {"name": spec.name or "response", "schema": spec.schema or {}}
    if spec.strict is not None:
        schema["strict"] = spec.strict
    return {"type": "json_schema", "json_schema": schema}


def _encode_tool(tool: Tool) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    function["parameters"] = tool.parameters
    if tool.strict is not None:
        function["strict"] = tool.strict
    return {"type": "function", "function": function}


def _encode_tool_choice(choice: ToolChoice) -> str | dict[str, Any]:
    if choice.mode == "tool":
        return {"type": "function", "function": {"name": choice.name}}
    return TOOL_CHOICE.encode(choice.mode)


def _encode_messages(messages: list[Message]) -> list[dict[str, Any]]:
    encoded: list[dict[str, Any]] = []
    for message in messages:
        if message.role != "assistant":
            encoded.extend(_encode_turn(message))
            continue
        assistant = _encode_history_assistant(message.content)
        if "content" in assistant:  # thinking alone is not sent (OpenAI takes none back)
            encoded.append(_named(assistant, message))
    return encoded


def _named(body: dict[str, Any], message: Message) -> dict[str, Any]:
    if message.name:
        body["name"] = message.name
    return body


def _encode_turn(message: Message) -> Iterator[dict[str, Any]]:
    """A system, developer, user or tool message: tool results become ``tool`` messages first
    (their images and files, which a tool message cannot hold, ride in the user message after)."""
    rest: list[Part] = []
    for part in message.content:
        if isinstance(part, ToolResult):
            texts = [p for p in part.content if isinstance(p, Text)]
            rest.extend(p for p in part.content if not isinstance(p, Text))
            yield {"role": "tool", "tool_call_id": part.tool_call_id, "content": _encode_text(texts)}
        else:
            rest.append(part)
    if rest:
        role = "user" if message.role == "tool" else message.role
        yield _named({"role": role, "content": _encode_content(rest)}, message)


def _encode_text(texts: list[Text]) -> str | list[dict[str, Any]]:
    if len(texts) == 1:
        return texts[0].text
    if not texts:
        return ""
    return [{"type": "text", "text": text.text} for text in texts]


def _encode_content(parts: list[Part]) -> str | list[dict[str, Any]]:
    """A lone text stays a string (as most clients send it); anything else is a parts list."""
    if len(parts) == 1 and isinstance(parts[0], Text):
        return parts[0].text
    return [_encode_part(part) for part in parts]


def _encode_part(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "text", "text": part.text}
    if isinstance(part, Image):
        return {"type": "image_url", "image_url": _encode_image(part)}
    if isinstance(part, Document):
        return _encode_document(part)
    if isinstance(part, Audio):
        return {"type": "input_audio", "input_audio": {"data": part.data, "format": part.format}}
    raise invalid(f"a {type(part).__name__} part cannot be sent in a chat message", "messages")


def _encode_image(image: Image) -> dict[str, Any]:
    if image.url:
        url = image.url
    elif image.data:
        url = data_url(image.media_type or "image/png", image.data)
    else:
        raise invalid("OpenAI chat takes images by URL or inline data, not by file id", "messages")
    return {"url": url, "detail": image.detail} if image.detail else {"url": url}


def _encode_document(document: Document) -> dict[str, Any]:
    if document.text is not None:
        return {"type": "text", "text": document.text}
    if document.file_id:
        return {"type": "file", "file": {"file_id": document.file_id}}
    if document.data is None:
        raise invalid("OpenAI chat takes files inline or by file id, not by URL", "messages")
    file = {
        "filename": document.filename or document.title or "document.pdf",
        "file_data": data_url(document.media_type, document.data),
    }
    return {"type": "file", "file": file}


def _encode_assistant(content: list[Part]) -> dict[str, Any]:
    """The assistant message of a response: its text parts joined in order, thinking text as
    ``reasoning_content``, tool calls beside them."""
    message: dict[str, Any] = {"role": "assistant"}
    texts = [part.text for part in content if isinstance(part, Text)]
    message["content"] = "".join(texts) if texts else None
    reasoning = [part.text for part in content if isinstance(part, Thinking) and part.text]
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    _add_calls(message, content)
    return message


def _encode_history_assistant(content: list[Part]) -> dict[str, Any]:
    """An assistant message of the history sent upstream: text parts kept apart (a list when
    there are several), tool calls beside them, no thinking (OpenAI takes none back)."""
    message: dict[str, Any] = {"role": "assistant"}
    texts = [part for part in content if isinstance(part, Text)]
    if texts:
        message["content"] = _encode_text(texts)
    _add_calls(message, content)
    return message


def _add_calls(message: dict[str, Any], content: list[Part]) -> None:
    calls = [_encode_call(part) for part in content if isinstance(part, ToolCall)]
    if calls:
        message["tool_calls"] = calls
        message.setdefault("content", None)


def _encode_call(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


# --- usage -----------------------------------------------------------------------------------------


def decode_usage(usage: dict[str, Any] | None) -> Usage:
    """``prompt_tokens`` holds every input token; the canonical input excludes both cache buckets."""
    if not usage:
        return Usage()
    prompt = usage.get("prompt_tokens_details") or {}
    completion = usage.get("completion_tokens_details") or {}
    read = prompt.get("cached_tokens") or 0
    written = prompt.get("cache_write_tokens") or 0
    return Usage(
        input_tokens=max((usage.get("prompt_tokens") or 0) - read - written, 0),
        output_tokens=usage.get("completion_tokens") or 0,
        cache_read_tokens=read,
        cache_write_tokens=written,
        reasoning_tokens=completion.get("reasoning_tokens") or 0,
    )


def encode_usage(usage: Usage) -> dict[str, Any]:
    prompt = {"cached_tokens": usage.cache_read_tokens}
    if usage.cache_write_tokens:
        prompt["cache_write_tokens"] = usage.cache_write_tokens
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": prompt,
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }


# --- streams ---------------------------------------------------------------------------------------


class ChatStreamDecoder(StreamDecoder):
    """Chunks to canonical events. Text, thinking and each tool call become blocks in the order
    they appear; the stream ends once both the finish reason and the usage chunk (which OpenAI
    sends after it) have arrived, or at ``[DONE]``."""

    def __init__(self) -> None:
        self._started = False
        self._open: Any = None  # "text", "thinking" or ("tool", openai index) of the open block
        self._index = -1
        self._tools: set[int] = set()
        self._refused = False
        self._stop: StopReason | None = None
        self._usage: Usage | None = None

    def _decode(self, event: SSEEvent) -> list[StreamEvent]:
        return list(self._events(event.data))

    def _ending(self) -> list[StreamEvent]:
        raise GatewayError(ErrorKind.BAD_GATEWAY, "the upstream stream ended before [DONE]")

    def _events(self, data: str) -> Iterator[StreamEvent]:
        if data.strip() == DONE:
            yield from self._finish()
            return
        chunk = _parse_chunk(data)
        if not self._started:
            self._started = True
            yield StreamStart(chunk.get("id") or "", chunk.get("model") or "", int(chunk.get("created") or 0))
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) == 0:
                yield from self._choice(choice, chunk.get("id") or "")
        if chunk.get("usage"):
            self._usage = decode_usage(chunk["usage"])
        if self._stop is not None and self._usage is not None:
            yield from self._end()

    def _choice(self, choice: dict[str, Any], chunk_id: str) -> Iterator[StreamEvent]:
        delta = choice.get("delta") or {}
        if delta.get("reasoning_content"):
            yield from self._text("thinking", delta["reasoning_content"])
        if delta.get("content"):
            yield from self._text("text", delta["content"])
        if delta.get("refusal"):
            self._refused = True
            yield from self._text("text", delta["refusal"])
        for call in delta.get("tool_calls") or []:
            yield from self._tool_call(call)
        if delta.get("function_call"):
            yield from self._tool_call(
                {"index": 0, "id": f"{chunk_id}_call", "function": delta["function_call"]}
            )
        finish = choice.get("finish_reason")
        if finish:
            yield from self._close_block()
            stop = STOP_REASONS.decode(finish, StopReason.END_TURN)
            self._stop = StopReason.CONTENT_FILTER if self._refused else stop

    def _text(self, kind: str, text: str) -> Iterator[StreamEvent]:
        if self._open != kind:
            yield from self._open_block(kind, Text("") if kind == "text" else Thinking(""))
        yield TextDelta(self._index, text) if kind == "text" else ThinkingDelta(self._index, text)

    def _tool_call(self, call: dict[str, Any]) -> Iterator[StreamEvent]:
        position = call.get("index", 0)
        function = call.get("function") or {}
        if position not in self._tools:
            self._tools.add(position)
            block = ToolCall(id=call.get("id") or f"call_{position}", name=function.get("name") or "")
            yield from self._open_block(("tool", position), block)
        elif self._open != ("tool", position):
            raise GatewayError(
                ErrorKind.BAD_GATEWAY, "the upstream interleaved the arguments of two tool calls"
            )
        if function.get("arguments"):
            yield ArgumentsDelta(self._index, function["arguments"])

    def _open_block(self, key: Any, block: Part) -> Iterator[StreamEvent]:
        yield from self._close_block()
        self._index += 1
        self._open = key
        yield BlockStart(self._index, block)

    def _close_block(self) -> Iterator[StreamEvent]:
        if self._open is not None:
            self._open = None
            yield BlockStop(self._index)

    def _end(self) -> Iterator[StreamEvent]:
        yield from self._close_block()
        yield StreamEnd(self._stop or StopReason.END_TURN, self._usage or Usage())

    def _finish(self) -> Iterator[StreamEvent]:
        """``[DONE]``: the end, whatever has not come (a finish reason, the usage)."""
        if not self._started:
            raise GatewayError(ErrorKind.BAD_GATEWAY, "the upstream stream carried no chunk")
        if self._stop is None and self._tools:
            self._stop = StopReason.TOOL_USE
        yield from self._end()


def _parse_chunk(data: str) -> dict[str, Any]:
    """One chunk's JSON; a malformed chunk or an error event fails the stream."""
    try:
        chunk = json.loads(data)
    except ValueError:
        chunk = None
    if not isinstance(chunk, dict):
        raise GatewayError(ErrorKind.BAD_GATEWAY, "the upstream sent a malformed stream event")
    error = chunk.get("error")
    if error:
        error = error if isinstance(error, dict) else {"message": str(error)}
        message = error.get("message") or "the upstream stream failed"
        raise GatewayError(ErrorKind.API_ERROR, message, code=error.get("code"))
    return chunk


class ChatStreamEncoder(StreamEncoder):
    """Canonical events to ``chat.completion.chunk`` frames. Every chunk has the same id, created
    and model; the role rides on the first; each tool call has a stable index with its id and
    name on its first delta only; one chunk has the finish reason; then, when the client asked,
    the usage chunk with ``choices: []``; then ``[DONE]``."""

    def __init__(self, *, include_usage: bool) -> None:
        self._include_usage = include_usage
        self._head = ""  # the JSON text every chunk starts with
        self._calls: dict[int, int] = {}  # canonical block index -> tool call index
        self._closed = False

    def encode(self, event: StreamEvent) -> bytes:
        if self._closed:
            return b""
        match event:
            case StreamStart():
                head = {"id": event.id, "object": "chat.completion.chunk", "created": event.created}
                self._head = dumps({**head, "model": event.model})[:-1] + ","
                return self._chunk({"role": "assistant", "content": ""})
            case BlockStart(block=ToolCall() as call):
                self._calls[event.index] = len(self._calls)
                return self._chunk(
                    {"tool_calls": [{"index": self._calls[event.index], **_encode_call(call)}]}
                )
            case TextDelta() if event.text:
                return self._chunk({"content": event.text})
            case ThinkingDelta() if event.text:
                return self._chunk({"reasoning_content": event.text})
            case ArgumentsDelta() if event.json:
                call = {"index": self._calls[event.index], "function": {"arguments": event.json}}
                return self._chunk({"tool_calls": [call]})
            case StreamEnd():
                self._closed = True
                return self._end(event)
            case StreamError():
                self._closed = True
                return stream_error_event(PROTOCOL, event.error)
        return b""

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return encode_event(f'{self._head}"choices":[{dumps(choice)}]}}')

    def _end(self, end: StreamEnd) -> bytes:
        frames = [self._chunk({}, STOP_REASONS.encode(end.stop_reason))]
        if self._include_usage:
            frames.append(
                encode_event(f'{self._head}"choices":[],"usage":{dumps(encode_usage(end.usage))}}}')
            )
        frames.append(encode_event(DONE))
        return b"".join(frames)


CODEC = OpenAIChatCodec()
