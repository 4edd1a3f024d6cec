"""Gemini ``models/{model}:generateContent`` and ``:streamGenerateContent`` <-> the canonical form.

The model is in the URL path, never in the body: the caller passes it to
``decode_request(body, model=...)`` and builds the upstream URL from the model it gives
``encode_request``. Clients spell fields in camelCase or snake_case (google-genai's own history
uses ``function_call``, ``thinking_budget``); both are read, camelCase is written. Base64 (inline
data, thought signatures) is read in either alphabet and kept in the standard one, so a signature
that went through google-genai (which writes the URL-safe alphabet) comes back byte-identical.

Decoding a client's request
- Refused with a 400: ``candidateCount`` > 1, logprobs, output modalities other than text,
  ``speechConfig``, ``cachedContent``, built-in tools (googleSearch, codeExecution, urlContext,
  fileSearch, googleMaps, computerUse, mcpServers...), video, a response MIME type other than
  JSON or text.
- Dropped: ``safetySettings`` (the target provider's own filters apply), ``labels``, executableCode
  and codeExecutionResult parts in the history. ``includeThoughts`` alone turns thinking on.
- Mode ANY with several ``allowedFunctionNames`` keeps only those tools and requires one of them.
- A function call without an id gets one derived from its turn and ordinal; a functionResponse
  without an id answers the earliest unanswered call of its name. A response object
  ``{"output": x}`` or ``{"error": x}`` becomes the result text x (flagged as an error for the
  latter); any other object becomes its JSON text.

Encoding a request for Gemini
- All system and developer messages go to ``systemInstruction`` in order; tool results become
  functionResponse parts in a user turn, named after the call with that id (or the result's own
  name), the response being the result text when it is a JSON object, else ``{"output": text}``
  (``{"error": text}`` for errors); consecutive turns of one role are merged; call ids are sent.
- Tool and response schemas go to ``parametersJsonSchema`` / ``responseJsonSchema`` (the API
  takes them beside the OpenAPI-style ``parameters``; the recordings show it), reduced to the
  JSON Schema subset Gemini documents (``_SCHEMA_KEYWORDS``): ``allOf`` members are merged into
  their parent, ``const`` becomes a one-value ``enum``, a type list becomes ``anyOf``, other
  keywords (``$schema``, ``default``, ``pattern``, ``strict``...) are dropped.
- Dropped: ``parallel_tool_calls`` (no such switch), ``user`` and ``metadata``, redacted thinking.
- Thinking: a budget becomes ``thinkingBudget`` (0 when disabled), else the effort becomes
  ``thinkingLevel``; ``includeThoughts`` is set so that thought summaries reach the client.

Responses and streams
- finishReason: a function call present -> tool use; the SAFETY family -> content filter;
  ``promptFeedback.blockReason`` with no candidate -> content filter.
- Usage: input = promptTokenCount - cachedContentTokenCount + toolUsePromptTokenCount, cache
  read = cachedContentTokenCount, output = candidates + thoughts, reasoning = thoughts. A cache
  write (an Anthropic bucket) is counted in promptTokenCount when encoding.
- Consecutive text parts make one text block, consecutive thought parts one thinking block until
  it is signed; a thoughtSignature on a plain text part becomes a thinking block with no text after
  it (the signature must go back with the history). A function call is one whole block.
- Streams (``alt=sse``) end at EOF with no terminator: StreamEnd comes from ``close()`` when a
  finishReason was seen. Generated images are kept in whole responses and dropped from streams.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

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
from gateway.codecs.errors import error_body, stream_error_event
from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.sse import SSEEvent

PROTOCOL = tables.GEMINI
_STOP = tables.STOP_REASONS[PROTOCOL]
_CHOICE = tables.TOOL_CHOICE[PROTOCOL]
_EFFORT = tables.EFFORT[PROTOCOL]

# The JSON Schema keywords Gemini documents for parametersJsonSchema / responseJsonSchema.
_SCHEMA_KEYWORDS = frozenset(
    {
        "$id",
        "$defs",
        "$ref",
        "$anchor",
        "type",
        "format",
        "title",
        "description",
        "enum",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "anyOf",
        "oneOf",
        "properties",
        "additionalProperties",
        "required",
        "propertyOrdering",
    }
)
_SCHEMA_MAPS = frozenset({"properties", "$defs", "defs"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "prefixItems"})
_SCHEMA_ONE = frozenset({"items", "additionalProperties"})


# --- spelling -----------------------------------------------------------------------------------


@cache
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@cache
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _get(obj: dict[str, Any], name: str, default: Any = None) -> Any:
    """``obj[name]`` under its camelCase or snake_case spelling."""
    value = obj.get(name)
    if value is None:
        value = obj.get(_snake(name))
    return default if value is None else value


# Fields holding a google.protobuf.Struct or Value, where null is a value rather than "not set".
_STRUCT_FIELDS = frozenset(
    {
        *("args", "response", "default", "example"),
        *("partMetadata", "part_metadata", "parametersJsonSchema", "parameters_json_schema"),
        *("responseJsonSchema", "response_json_schema", "_responseJsonSchema"),
    }
)


def _without_nulls(value: Any) -> Any:
    """Google's JSON parser reads a field set to ``null`` as a field not set: so does this codec."""
    if isinstance(value, dict):
        return {
            key: item if key in _STRUCT_FIELDS else _without_nulls(item)
            for key, item in value.items()
            if item is not None
        }
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _b64(value: str) -> str:
    """Base64 in the standard alphabet (google-genai writes bytes URL-safe)."""
    if "-" in value or "_" in value:
        return value.replace("-", "+").replace("_", "/")
    return value


def _edit_part_signature(part: Any, signature: SignatureEdit) -> bool:
    """Edit a part's thought signature in place (``edit_signatures``), under either spelling;
    False when the part must be dropped."""
    for key in ("thoughtSignature", "thought_signature"):
        value = part.get(key) if isinstance(part, dict) else None
        if not isinstance(value, str):
            continue
        edited = signature(value)
        if edited is None and part.get("thought"):
            return False
        if edited is None:
            del part[key]
        else:
            part[key] = edited
    return True


def _call_id(seed: str, ordinal: int, name: str) -> str:
    """A stable id for a function call that came without one."""
    return "call_" + hashlib.sha1(f"{seed}:{ordinal}:{name}".encode()).hexdigest()[:24]


# --- schemas ------------------------------------------------------------------------------------


def _json_schema(schema: Any) -> Any:
    """Gemini's OpenAPI-style Schema (``parameters``, ``responseSchema``) -> JSON Schema: type
    names in lower case, ``nullable`` as a type union, snake_case keywords in camelCase."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for raw_key, value in schema.items():
        key = _camel(raw_key)
        if key in ("nullable", "propertyOrdering", "example"):
            continue
        if key == "type" and isinstance(value, str):
            value = value.lower()
        elif key in _SCHEMA_MAPS:
            key, value = ("$defs" if key == "defs" else key), {n: _json_schema(s) for n, s in value.items()}
        elif key in _SCHEMA_LISTS:
            value = [_json_schema(s) for s in value]
        elif key in _SCHEMA_ONE:
            value = _json_schema(value)
        out[key] = value
    if schema.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def _split_types(node: dict[str, Any]) -> dict[str, Any]:
    """``type: [a, b]`` -> ``anyOf`` of one branch per type, each keeping the other keywords."""
    types = node.pop("type")
    if len(types) == 1:
        return {**node, "type": types[0]}
    shared = {key: node.pop(key) for key in ("title", "description") if key in node}
    branches = [{"type": "null"} if t == "null" else {**node, "type": t} for t in types]
    return {**shared, "anyOf": branches}


def _gemini_schema(schema: Any) -> Any:
    """JSON Schema -> the subset Gemini accepts (see the module rules)."""
    if not isinstance(schema, dict):
        return schema
    node = dict(schema)
    for member in node.pop("allOf", ()):
        for key, value in member.items():
            node.setdefault(key, value)
    if "const" in node:
        node.setdefault("enum", [node.pop("const")])
    if isinstance(node.get("type"), list):
        node = _split_types(node)
    return {key: _sub_schema(key, value) for key, value in node.items() if key in _SCHEMA_KEYWORDS}


def _sub_schema(key: str, value: Any) -> Any:
    if key in _SCHEMA_MAPS:
        return {name: _gemini_schema(s) for name, s in value.items()}
    if key in _SCHEMA_LISTS:
        return [_gemini_schema(s) for s in value]
    if key in _SCHEMA_ONE:
        return _gemini_schema(value)
    return value


# --- parts -> canonical -------------------------------------------------------------------------


class _Parts:
    """Gemini model parts -> canonical block events, under one set of rules for requests,
    responses and streams (see the module docstring)."""

    __slots__ = ("_calls", "_current", "_kind", "_next", "_seed", "_signed")

    def __init__(self, seed: str | None) -> None:
        self._seed = seed  # responseId or turn position; None: derive call ids from their args
        self._next = 0
        self._current: int | None = None
        self._kind: type | None = None
        self._signed = False
        self._calls = 0

    def feed(self, part: dict[str, Any]) -> list[StreamEvent]:
        """The events one part makes; [] for parts that are not model text or calls."""
        call = _get(part, "functionCall")
        if call is not None:
            return self._call(call, _signature(part))
        text = part.get("text")
        if text is None:
            return []
        if part.get("thought"):
            return self._thought(text, _signature(part))
        return self._text(text, _signature(part))

    def close(self) -> list[StreamEvent]:
        if self._current is None:
            return []
        stop = BlockStop(self._current)
        self._current, self._kind, self._signed = None, None, False
        return [stop]

    @property
    def _last(self) -> int:
        """The index of the block opened last (the open one, when a block is open)."""
        return self._next - 1

    def _start(self, block: Part) -> list[StreamEvent]:
        events = self.close()
        self._current, self._kind = self._next, type(block)
        self._next += 1
        events.append(BlockStart(self._current, block))
        return events

    def _text(self, text: str, signature: str | None) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if text:
            if self._kind is not Text:
                events += self._start(Text(""))
            events.append(TextDelta(self._last, text))
        if signature:
            events += self._start(Thinking(""))
            events.append(SignatureDelta(self._last, signature))
            events += self.close()
        return events

    def _thought(self, text: str, signature: str | None) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if self._kind is not Thinking or self._signed:
            events += self._start(Thinking(""))
        if text:
            events.append(ThinkingDelta(self._last, text))
        if signature:
            events.append(SignatureDelta(self._last, signature))
            self._signed = True
        return events

    def _call(self, call: dict[str, Any], signature: str | None) -> list[StreamEvent]:
        name = call.get("name", "")
        args = call.get("args") or {}
        call_id = call.get("id") or _call_id(self._seed or dumps(args), self._calls, name)
        self._calls += 1
        events = self._start(ToolCall(call_id, name, "", signature))
        events.append(ArgumentsDelta(self._last, dumps(args)))
        return events + self.close()


def _signature(part: dict[str, Any]) -> str | None:
    signature = _get(part, "thoughtSignature")
    return _b64(signature) if signature else None


def _fold(content: list[Part], events: list[StreamEvent]) -> None:
    """Apply block events to a content list (the whole-message view of the same rules)."""
    for event in events:
        match event:
            case BlockStart():
                content.append(event.block)
            case TextDelta() | ThinkingDelta():
                content[-1].text += event.text  # type: ignore[union-attr]
            case SignatureDelta():
                block = content[-1]
                block.signature = (block.signature or "") + event.signature  # type: ignore[union-attr]
            case ArgumentsDelta():
                content[-1].arguments += event.json  # type: ignore[union-attr]


def _media_part(mime: str, *, data: str | None = None, uri: str | None = None) -> Part:
    kind = mime.partition("/")[0]
    if kind == "image":
        return Image(url=uri, data=data, media_type=mime)
    if kind == "audio" and data is not None:
        return Audio(data, tables.AUDIO_MEDIA_TYPES.decode(mime, mime.partition("/")[2]))
    if kind in ("audio", "video"):
        raise invalid(f"{mime} input cannot be translated to another provider", "contents")
    return Document(data=data, url=uri, media_type=mime or "application/pdf")


def _media(part: dict[str, Any]) -> Part | None:
    inline = _get(part, "inlineData")
    if inline is not None:
        return _media_part(_get(inline, "mimeType", ""), data=_b64(inline.get("data") or ""))
    file = _get(part, "fileData")
    if file is not None:
        uri = _get(file, "fileUri")
        return _media_part(_get(file, "mimeType", "") or _named_type(uri), uri=uri)
    return None


def _named_type(uri: str | None) -> str:
    """The media type a URI's file name says (``.png``: an image), for a ``fileData`` sent
    without ``mimeType``; empty when it says none."""
    return mimetypes.guess_type(urlsplit(uri or "").path)[0] or ""


def _result_text(response: dict[str, Any]) -> tuple[str, bool]:
    """(text, is_error) of a functionResponse.response object (see the module rules)."""
    if len(response) == 1:
        ((key, value),) = response.items()
        if key in ("output", "error"):
            return (value if isinstance(value, str) else dumps(value)), key == "error"
    return dumps(response), False


class _Pairing:
    """Function responses -> the ids of the calls they answer (by id, else by name in order)."""

    __slots__ = ("_waiting",)

    def __init__(self) -> None:
        self._waiting: dict[str, list[str]] = {}

    def expect(self, content: list[Part]) -> None:
        for part in content:
            if isinstance(part, ToolCall):
                self._waiting.setdefault(part.name, []).append(part.id)

    def answer(self, name: str, call_id: str | None, fallback: str) -> str:
        waiting = self._waiting.get(name, [])
        if call_id:
            if call_id in waiting:
                waiting.remove(call_id)
            return call_id
        return waiting.pop(0) if waiting else fallback


def _tool_result(raw: dict[str, Any], call_id: str) -> ToolResult:
    text, is_error = _result_text(raw.get("response") or {})
    content: list[Part] = [Text(text)]
    content += [m for p in raw.get("parts") or [] if (m := _media(p)) is not None]
    return ToolResult(call_id, content, is_error, raw.get("name"))


def _decode_parts(parts: list[dict[str, Any]], seed: str | None, pairing: _Pairing | None) -> list[Part]:
    """One turn's parts -> canonical parts."""
    folder = _Parts(seed)
    content: list[Part] = []
    for part in parts:
        events = folder.feed(part)
        if events:
            _fold(content, events)
            continue
        other = _media(part)
        response = _get(part, "functionResponse")
        if response is not None and pairing is not None:
            name = response.get("name", "")
            fallback = _call_id(seed or "", len(content), name)
            other = _tool_result(response, pairing.answer(name, response.get("id"), fallback))
        if other is not None:
            _fold(content, folder.close())
            content.append(other)
    _fold(content, folder.close())
    return content


# --- request fields -> canonical ----------------------------------------------------------------

_REFUSED_CONFIG = {
    "responseLogprobs": "logprobs",
    "logprobs": "logprobs",
    "speechConfig": "audio output",
}


def _check_config(body: dict[str, Any], config: dict[str, Any]) -> None:
    if _get(body, "cachedContent"):
        raise invalid("cachedContent refers to a Gemini-side cache and cannot be translated", "cachedContent")
    if (_get(config, "candidateCount") or 1) > 1:
        raise invalid(
            "only one candidate can be generated (candidateCount > 1)", "generationConfig.candidateCount"
        )
    for name, what in _REFUSED_CONFIG.items():
        if _get(config, name):
            raise invalid(f"{what} cannot be translated to another provider", f"generationConfig.{name}")
    modalities = {m.upper() for m in _get(config, "responseModalities") or ()}
    if modalities - {"TEXT"}:
        raise invalid("only text output can be translated", "generationConfig.responseModalities")


def _system(raw: Any) -> list[Message]:
    if not raw:
        return []
    if isinstance(raw, str):
        return [Message("system", [Text(raw)])]
    return [Message("system", [Text(p["text"]) for p in raw.get("parts") or [] if p.get("text") is not None])]


def _declaration(raw: dict[str, Any]) -> Tool:
    schema = _get(raw, "parametersJsonSchema")
    if schema is None:
        schema = _json_schema(_get(raw, "parameters")) or {"type": "object", "properties": {}}
    if not isinstance(raw.get("name"), str):  # a snake_case `function_declarations` escapes the spec
        raise invalid("every function declaration needs a `name`", "tools")
    return Tool(raw["name"], raw.get("description") or None, schema)


def _tools(raw: list[dict[str, Any]] | None) -> list[Tool]:
    tools = []
    for entry in raw or []:
        for key, value in entry.items():
            if _camel(key) != "functionDeclarations":
                raise invalid(
                    f"Gemini built-in tool {key!r} cannot be translated to another provider", "tools"
                )
            tools += [_declaration(d) for d in value]
    return tools


def _tool_choice(body: dict[str, Any], tools: list[Tool]) -> tuple[ToolChoice | None, list[Tool]]:
    config = _get(_get(body, "toolConfig", {}), "functionCallingConfig", {})
    mode = _get(config, "mode")
    if mode in (None, "MODE_UNSPECIFIED"):
        return None, tools
    names = _get(config, "allowedFunctionNames") or []
    if mode == "ANY" and len(names) == 1:
        return ToolChoice("tool", names[0]), tools
    if mode == "ANY" and names:
        tools = [t for t in tools if t.name in names]
    return ToolChoice(_CHOICE.decode(mode)), tools


def _response_format(config: dict[str, Any]) -> ResponseFormat | None:
    mime = _get(config, "responseMimeType")
    if mime in (None, "text/plain"):
        return None
    if mime != "application/json":
        raise invalid(
            f"response MIME type {mime!r} cannot be translated", "generationConfig.responseMimeType"
        )
    schema = _get(config, "responseJsonSchema") or config.get("_responseJsonSchema")
    if schema is None and _get(config, "responseSchema") is not None:
        schema = _json_schema(_get(config, "responseSchema"))
    return ResponseFormat("json_schema", schema) if schema is not None else ResponseFormat("json_object")


def _thinking(config: dict[str, Any]) -> ThinkingConfig | None:
    raw = _get(config, "thinkingConfig")
    if not raw:
        return None
    budget = _get(raw, "thinkingBudget")
    level = _get(raw, "thinkingLevel")
    if budget == 0:
        return ThinkingConfig(enabled=False)
    if budget is None and level is None and not _get(raw, "includeThoughts"):
        return None
    effort = _EFFORT.decode(level.upper(), level.lower()) if level else None
    return ThinkingConfig(budget_tokens=budget if budget and budget > 0 else None, effort=effort)


# --- canonical -> request fields ----------------------------------------------------------------


def _args(call: ToolCall, kind: ErrorKind) -> dict[str, Any]:
    try:
        value = json.loads(call.arguments) if call.arguments else {}
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise GatewayError(kind, f"tool call arguments are not a JSON object: {call.arguments[:200]!r}")
    return value


def _inline(media_type: str, data: str) -> dict[str, Any]:
    return {"inlineData": {"mimeType": media_type, "data": data}}


def _linked(media_type: str | None, url: str | None) -> dict[str, Any]:
    file_data = {"fileUri": url}
    if media_type:
        file_data["mimeType"] = media_type
    return {"fileData": file_data}


def _media_json(part: Image | Document, default_type: str) -> dict[str, Any]:
    url = part.url or part.file_id
    inline = split_data_url(url) if url else None
    if inline is not None:
        return _inline(*inline)
    if part.data is not None:
        return _inline(part.media_type or default_type, part.data)
    return _linked(part.media_type, url)


def _function_call(call: ToolCall, kind: ErrorKind) -> dict[str, Any]:
    out: dict[str, Any] = {"functionCall": {"name": call.name, "args": _args(call, kind), "id": call.id}}
    if call.signature:
        out["thoughtSignature"] = call.signature
    return out


def _response_object(text: str, is_error: bool) -> dict[str, Any]:
    """functionResponse.response for a result text: a JSON object as itself, else wrapped."""
    if not is_error and text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    return {"error" if is_error else "output": text}


def _function_response(result: ToolResult, name: str) -> dict[str, Any]:
    texts = [p.text for p in result.content if isinstance(p, Text | Document) and p.text is not None]
    response = _response_object("\n".join(texts), result.is_error)
    out: dict[str, Any] = {"name": name, "id": result.tool_call_id, "response": response}
    media = [
        _media_json(p, "application/pdf")
        for p in result.content
        if isinstance(p, Image) or (isinstance(p, Document) and p.text is None)
    ]
    if any("fileData" in m for m in media):
        raise invalid("Gemini function responses carry inline media only, not links", "messages")
    if media:
        out["parts"] = media
    return {"functionResponse": out}


def _thought(thinking: Thinking) -> dict[str, Any] | None:
    if not thinking.text and not thinking.signature:
        return None
    out: dict[str, Any] = {"text": thinking.text, "thought": True}
    if thinking.signature:
        out["thoughtSignature"] = thinking.signature
    return out


def _part_json(part: Part, names: dict[str, str], kind: ErrorKind) -> dict[str, Any] | None:
    """One canonical part as a Gemini part; None for what is not sent (see the module rules)."""
    match part:
        case Text():
            return {"text": part.text} if part.text else None
        case Thinking():
            return _thought(part)
        case ToolCall():
            return _function_call(part, kind)
        case Image():
            return _media_json(part, "image/png")
        case Document():
            return {"text": part.text} if part.text is not None else _media_json(part, "application/pdf")
        case Audio():
            return _inline(tables.AUDIO_MEDIA_TYPES.encode(part.format), part.data)
        case ToolResult():
            name = names.get(part.tool_call_id) or part.name
            if not name:
                raise invalid(f"tool result {part.tool_call_id!r} answers no known tool call", "messages")
            return _function_response(part, name)
    return None  # redacted thinking: Gemini cannot take it back


def _encode_messages(messages: list[Message]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(systemInstruction parts, contents) with turns of one role merged."""
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for message in messages:
        if message.role in ("system", "developer"):
            system += [{"text": p.text} for p in message.content if isinstance(p, Text) and p.text]
            continue
        parts = []
        for part in message.content:
            if isinstance(part, ToolCall):
                names[part.id] = part.name
            encoded = _part_json(part, names, ErrorKind.INVALID_REQUEST)
            if encoded is not None:
                parts.append(encoded)
        role = "model" if message.role == "assistant" else "user"
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"] += parts
        else:
            contents.append({"role": role, "parts": parts})
    return system, contents


def _tool_config(choice: ToolChoice | None) -> dict[str, Any] | None:
    if choice is None:
        return None
    config: dict[str, Any] = {"mode": _CHOICE.encode(choice.mode)}
    if choice.mode == "tool":
        config["allowedFunctionNames"] = [choice.name]
    return {"functionCallingConfig": config}


def _thinking_config(thinking: ThinkingConfig) -> dict[str, Any]:
    if not thinking.enabled:
        return {"thinkingBudget": 0}
    if thinking.budget_tokens is not None:
        return {"thinkingBudget": thinking.budget_tokens, "includeThoughts": True}
    if thinking.effort:
        return {"thinkingLevel": _EFFORT.encode(thinking.effort), "includeThoughts": True}
    return {"includeThoughts": True}


def _generation_config(request: Request) -> dict[str, Any]:
    values = (
        ("maxOutputTokens", request.max_tokens),
        ("temperature", request.temperature),
        ("topP", request.top_p),
        ("topK", request.top_k),
        ("seed", request.seed),
        ("presencePenalty", request.presence_penalty),
        ("frequencyPenalty", request.frequency_penalty),
    )
    config: dict[str, Any] = {name: value for name, value in values if value is not None}
    if request.stop:
        limit = tables.STOP_SEQUENCE_LIMIT[PROTOCOL]
        if len(request.stop) > limit:
            raise invalid(f"Gemini accepts at most {limit} stop sequences", "stop")
        config["stopSequences"] = list(request.stop)
    response_format = request.response_format
    if response_format is not None and response_format.type != "text":
        config["responseMimeType"] = "application/json"
        if response_format.type == "json_schema" and response_format.schema is not None:
            config["responseJsonSchema"] = _gemini_schema(response_format.schema)
    if request.thinking is not None:
        config["thinkingConfig"] = _thinking_config(request.thinking)
    return config


# --- responses ----------------------------------------------------------------------------------


def _usage(raw: dict[str, Any]) -> Usage:
    prompt = _get(raw, "promptTokenCount", 0)
    cached = _get(raw, "cachedContentTokenCount", 0)
    thoughts = _get(raw, "thoughtsTokenCount", 0)
    return Usage(
        input_tokens=prompt - cached + _get(raw, "toolUsePromptTokenCount", 0),
        output_tokens=_get(raw, "candidatesTokenCount", 0) + thoughts,
        cache_read_tokens=cached,
        reasoning_tokens=thoughts,
    )


def _usage_json(usage: Usage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "promptTokenCount": usage.prompt_tokens,
        "candidatesTokenCount": usage.output_tokens - usage.reasoning_tokens,
        "totalTokenCount": usage.total_tokens,
    }
    if usage.cache_read_tokens:
        out["cachedContentTokenCount"] = usage.cache_read_tokens
    if usage.reasoning_tokens:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    return out


def _stop_reason(reason: str | None, called: bool, blocked: bool) -> StopReason:
    if reason is None:
        return StopReason.CONTENT_FILTER if blocked else StopReason.END_TURN
    stop = _STOP.decode(reason, StopReason.END_TURN)
    return StopReason.TOOL_USE if called and stop is StopReason.END_TURN else stop


def _blocked(body: dict[str, Any]) -> bool:
    return not body.get("candidates") and bool(_get(_get(body, "promptFeedback", {}), "blockReason"))


def _candidate(parts: list[dict[str, Any]], finish: StopReason | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish is not None:
        candidate["finishReason"] = _STOP.encode(finish)
    return candidate


def _upstream_error(raw: Any) -> GatewayError:
    raw = raw if isinstance(raw, dict) else {}
    code = raw.get("code")
    if isinstance(code, int):
        kind = tables.error_kind_for_status(code)
    else:
        kind = tables.GEMINI_ERROR.decode(raw.get("status"), ErrorKind.API_ERROR)
    return GatewayError(kind, raw.get("message") or "the upstream stream failed")


# --- the codec ----------------------------------------------------------------------------------


class GeminiCodec(Codec):
    protocol = PROTOCOL

    def decode_request(self, body: dict[str, Any], *, model: str | None = None) -> Request:
        """``model`` comes from the URL path; count-tokens bodies may wrap the request."""
        body = _without_nulls(body)
        body = _get(body, "generateContentRequest") or body
        config = _get(body, "generationConfig", {})
        _check_config(body, config)
        messages = _system(_get(body, "systemInstruction"))
        pairing = _Pairing()
        for position, content in enumerate(body.get("contents") or []):
            role = "assistant" if content.get("role") == "model" else "user"
            parts = _decode_parts(content.get("parts") or [], f"turn-{position}", pairing)
            if role == "assistant":
                pairing.expect(parts)
            messages.append(Message(role, parts))
        choice, tools = _tool_choice(body, _tools(body.get("tools")))
        top_k = _get(config, "topK")
        return Request(
            model=(model or body.get("model") or "").removeprefix("models/"),
            messages=messages,
            tools=tools,
            tool_choice=choice,
            max_tokens=_get(config, "maxOutputTokens"),
            temperature=_get(config, "temperature"),
            top_p=_get(config, "topP"),
            top_k=int(top_k) if top_k is not None else None,
            presence_penalty=_get(config, "presencePenalty"),
            frequency_penalty=_get(config, "frequencyPenalty"),
            seed=_get(config, "seed"),
            stop=list(_get(config, "stopSequences") or []),
            response_format=_response_format(config),
            thinking=_thinking(config),
        )

    def encode_request(self, request: Request, model: str) -> dict[str, Any]:
        system, contents = _encode_messages(request.messages)
        body: dict[str, Any] = {"contents": contents}
        if system:
            body["systemInstruction"] = {"parts": system}
        if request.tools:
            declarations = [
                {
                    "name": t.name,
                    "description": t.description or "",
                    "parametersJsonSchema": _gemini_schema(t.parameters),
                }
                for t in request.tools
            ]
            body["tools"] = [{"functionDeclarations": declarations}]
            tool_config = _tool_config(request.tool_choice)
            if tool_config is not None:
                body["toolConfig"] = tool_config
        config = _generation_config(request)
        if config:
            body["generationConfig"] = config
        return body

    def decode_response(self, body: dict[str, Any]) -> Response:
        candidates = body.get("candidates") or [{}]
        candidate = candidates[0]
        parts = (_get(candidate, "content") or {}).get("parts") or []
        content = _decode_parts(parts, body.get("responseId"), None)
        called = any(isinstance(p, ToolCall) for p in content)
        return Response(
            id=body.get("responseId", ""),
            model=body.get("modelVersion", ""),
            content=content,
            stop_reason=_stop_reason(_get(candidate, "finishReason"), called, _blocked(body)),
            usage=_usage(_get(body, "usageMetadata", {})),
        )

    def encode_response(self, response: Response, request: Request) -> dict[str, Any]:
        parts = [p for part in response.content if (p := _part_json(part, {}, ErrorKind.BAD_GATEWAY))]
        return {
            "candidates": [_candidate(parts, response.stop_reason)],
            "usageMetadata": _usage_json(response.usage),
            "modelVersion": response.model,
            "responseId": response.id,
        }

    def stream_decoder(self) -> GeminiStreamDecoder:
        return GeminiStreamDecoder()

    def passthrough_body(self, body: dict[str, Any], model: str) -> dict[str, Any]:
        """Unchanged: the model is in the URL, and Gemini streams always carry usage."""
        return body

    def edit_signatures(self, body: dict[str, Any], signature: SignatureEdit, call_id: CallIdEdit) -> None:
        """Any part may carry a ``thoughtSignature``: a thought whose signature is dropped goes
        whole, any other part (text, function call) loses only the signature. Call ids carry no
        signature here."""
        for content in body.get("contents") or []:
            parts = content.get("parts") if isinstance(content, dict) else None
            if isinstance(parts, list):
                content["parts"] = [part for part in parts if _edit_part_signature(part, signature)]

    def stream_encoder(self, request: Request, **options: Any) -> GeminiStreamEncoder:
        """``json_array=True``: the whole stream as one JSON array, for clients that call
        ``:streamGenerateContent`` without ``alt=sse``; otherwise data-only SSE."""
        return GeminiJsonArrayEncoder() if options.get("json_array") else GeminiStreamEncoder()

    def encode_count_request(self, request: Request, model: str) -> dict[str, Any]:
        """``:countTokens`` counts a whole generateContent request (system and tools included)
        when it is wrapped with its model."""
        return {"generateContentRequest": {"model": f"models/{model}", **self.encode_request(request, model)}}

    def decode_count(self, body: dict[str, Any]) -> int:
        return _get(body, "totalTokens", 0)

    def encode_count(self, count: int) -> dict[str, Any]:
        return {"totalTokens": count}


# --- streams ------------------------------------------------------------------------------------


class GeminiStreamDecoder(StreamDecoder):
    """Whole GenerateContentResponse chunks -> canonical events."""

    def __init__(self) -> None:
        self._parts: _Parts | None = None
        self._usage = Usage()
        self._reason: str | None = None
        self._called = False
        self._blocked = False

    def _decode(self, event: SSEEvent) -> list[StreamEvent]:
        chunk = json.loads(event.data)
        if "error" in chunk:
            raise _upstream_error(chunk["error"])
        return self._chunk(chunk)

    def _ending(self) -> list[StreamEvent]:
        """Gemini sends no terminator: the stream is whole if it said why it finished."""
        if self._parts is None or (self._reason is None and not self._blocked):
            raise GatewayError(ErrorKind.BAD_GATEWAY, "the Gemini stream ended without a finishReason")
        stop = _stop_reason(self._reason, self._called, self._blocked)
        return [*self._parts.close(), StreamEnd(stop, self._usage)]

    def _chunk(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        usage = _get(chunk, "usageMetadata")
        if usage:
            self._usage = _usage(usage)
        if self._parts is None:
            self._parts = _Parts(chunk.get("responseId"))
            start_usage = _usage(usage or {})
            events.append(
                StreamStart(chunk.get("responseId", ""), chunk.get("modelVersion", ""), usage=start_usage)
            )
        self._blocked = self._blocked or _blocked(chunk)
        for candidate in (chunk.get("candidates") or [])[:1]:
            for part in (_get(candidate, "content") or {}).get("parts") or []:
                self._called = self._called or _get(part, "functionCall") is not None
                events += self._parts.feed(part)
            reason = _get(candidate, "finishReason")
            if reason:
                self._reason = reason
                events += self._parts.close()
        return events


class GeminiStreamEncoder(StreamEncoder):
    """Canonical events -> one GenerateContentResponse per delta, as ``alt=sse`` data events.

    A function call has no partial form in Gemini: it is written whole when its block stops. A
    thinking block's signature is written as an empty thought part when the block stops.
    """

    media_type: ClassVar[str] = "text/event-stream"

    def __init__(self) -> None:
        self._id = ""
        self._model = ""
        self._calls: dict[int, ToolCall] = {}
        self._signatures: dict[int, str] = {}
        self._closed = False

    def encode(self, event: StreamEvent) -> bytes:
        if self._closed:
            return b""
        match event:
            case StreamStart():
                self._id, self._model = event.id, event.model
                return self._open()
            case BlockStart():
                return self._start(event.index, event.block)
            case TextDelta():
                return self._chunk([{"text": event.text}])
            case ThinkingDelta():
                return self._chunk([{"text": event.text, "thought": True}])
            case ArgumentsDelta():
                if event.index in self._calls:
                    self._calls[event.index].arguments += event.json
                return b""
            case SignatureDelta():
                self._sign(event.index, event.signature)
                return b""
            case BlockStop():
                return self._stop(event.index)
            case StreamEnd():
                self._closed = True
                usage = _usage_json(event.usage)
                return self._chunk([], event.stop_reason, usage) + self._end()
            case StreamError():
                self._closed = True
                return self._error(event.error)
        return b""

    def _start(self, index: int, block: Part) -> bytes:
        match block:
            case ToolCall():
                self._calls[index] = ToolCall(block.id, block.name, block.arguments, block.signature)
            case Thinking():
                if block.signature:
                    self._signatures[index] = block.signature
                if block.text:
                    return self._chunk([{"text": block.text, "thought": True}])
            case Text():
                if block.text:
                    return self._chunk([{"text": block.text}])
        return b""

    def _sign(self, index: int, signature: str) -> None:
        call = self._calls.get(index)
        if call is not None:
            call.signature = (call.signature or "") + signature
        else:
            self._signatures[index] = self._signatures.get(index, "") + signature

    def _stop(self, index: int) -> bytes:
        call = self._calls.pop(index, None)
        if call is not None:
            return self._chunk([_function_call(call, ErrorKind.BAD_GATEWAY)])
        signature = self._signatures.pop(index, None)
        if signature:
            return self._chunk([{"text": "", "thought": True, "thoughtSignature": signature}])
        return b""

    def _chunk(
        self,
        parts: list[dict[str, Any]],
        finish: StopReason | None = None,
        usage: dict[str, Any] | None = None,
    ) -> bytes:
        chunk: dict[str, Any] = {"candidates": [_candidate(parts, finish)]}
        if usage is not None:
            chunk["usageMetadata"] = usage
        chunk["modelVersion"] = self._model
        chunk["responseId"] = self._id
        return self._frame(dumps(chunk))

    # framing: data-only SSE with CRLF line ends, as Google writes it

    def _open(self) -> bytes:
        return b""

    def _frame(self, data: str) -> bytes:
        return b"data: " + data.encode() + b"\r\n\r\n"

    def _end(self) -> bytes:
        return b""

    def _error(self, error: GatewayError) -> bytes:
        return stream_error_event(PROTOCOL, error)


class GeminiJsonArrayEncoder(GeminiStreamEncoder):
    """The same chunks as one JSON array (``[``, chunks joined by ``,\\r\\n``, ``]``), which is
    what ``:streamGenerateContent`` returns without ``alt=sse``. An error becomes the array's last
    element, in Gemini's error shape."""

    media_type: ClassVar[str] = "application/json"

    def __init__(self) -> None:
        super().__init__()
        self._opened = False
        self._first = True

    def _open(self) -> bytes:
        if self._opened:
            return b""
        self._opened = True
        return b"["

    def _frame(self, data: str) -> bytes:
        head = self._open() + (b"" if self._first else b",\r\n")
        self._first = False
        return head + data.encode()

    def _end(self) -> bytes:
        return self._open() + b"]"

    def _error(self, error: GatewayError) -> bytes:
        return self._frame(dumps(error_body(PROTOCOL, error))) + b"]"


CODEC = GeminiCodec()
