"""OpenAI Responses (``POST /v1/responses``, what Codex CLI speaks), at both edges.

The rules for what the canonical form cannot carry, applied when translating (a same-protocol call
is a passthrough and keeps everything):

- Refused with a 400, because the answer would differ: server-side state (``previous_response_id``,
  ``conversation``, ``prompt``, ``background``, ``context_management``, ``item_reference`` and
  ``compaction`` items), ``top_logprobs`` and the ``message.output_text.logprobs`` include, every
  tool but ``function``, ``custom``, ``namespace``, ``web_search`` and ``tool_search`` (built-in
  ones such as ``file_search``, ``local_shell``, ``shell``, ``apply_patch``, ``mcp``: their calls
  and outputs in ``input`` too), a ``tool_choice`` naming one, and two offered tools of one name.
  As an upstream body: stop sequences (Responses has none), an image in an assistant turn.
- A ``custom`` (freeform) tool, whose input the model writes as plain text (Codex CLI sends its
  ``apply_patch`` so, with a Lark grammar), is a canonical function tool with one required string
  argument, ``input``; its description says so and carries the tool's grammar when that is at
  most ``GRAMMAR_SHOWN_LIMIT`` characters long. A call to it is written back as a
  ``custom_tool_call`` whose ``input`` is that argument (the arguments as written if the model
  made them something else); streamed, its input comes in one ``custom_tool_call_input.delta``
  and a ``.done`` once the call is complete, since until then it is JSON-escaped text. In
  ``input``, a ``custom_tool_call`` is such a call (``{"input": <its text>}``) and a
  ``custom_tool_call_output`` a tool result. A ``{"type": "custom"}`` tool choice names the tool.
- A ``namespace`` tool (Codex CLI sends its sub-agent tools so) is flattened: each of its
  function tools is a canonical tool that remembers its namespace, and a call to it is written
  back as a ``function_call`` carrying that ``namespace``, as OpenAI writes it; an upstream
  Responses body gets the namespace tool back.
- ``web_search`` tools (OpenAI's hosted search, which Codex CLI offers on every turn) are dropped:
  no other provider runs them, and the model answers without searching. So is ``tool_search``
  (which loads tools marked ``defer_loading`` into the conversation, and whose calls and outputs
  carry tool definitions the canonical form has no place for): every offered tool is shown to
  the model from the start.
- Dropped, because they change nothing the client reads: ``store`` (the gateway never stores:
  upstream bodies say ``store: false``), ``include`` otherwise, ``prompt_cache_key`` /
  ``prompt_cache_retention`` / ``prompt_cache_options``, ``safety_identifier``, ``service_tier``,
  ``truncation``, ``max_tool_calls``, ``moderation``, ``stream_options``, ``reasoning.summary``,
  ``text.verbosity``, a json_schema's ``description``, item ids and statuses, a tool result's
  error flag, a Gemini signature on a tool call; going upstream also ``metadata``, ``seed``,
  ``top_k`` and the penalties, which Responses does not take, and a tool choice without tools.
- ``instructions`` is the first system message; the echoed ``instructions`` is the text of the
  leading system messages. Assistant items in a row (reasoning, message, function_call) form one
  canonical assistant turn; each ``function_call_output`` is one tool message.
- A reasoning item is a Thinking: its summary parts (joined by a blank line) are the text and its
  ``encrypted_content`` the signature; a Thinking is written back as one item with one summary
  part. A reasoning item with neither carries nothing and is dropped. Redacted thinking travels as
  a reasoning item with no summary whose ``encrypted_content`` is ``REDACTED_PREFIX`` + its data
  (clients return it verbatim), so it comes back as redacted thinking. Upstream, only signed
  thinking is sent (as ``encrypted_content``, with ``include: ["reasoning.encrypted_content"]``);
  unsigned or redacted thinking cannot be read by OpenAI and is left out.
- A canonical tool's ``strict`` left unset is sent as ``false`` (Responses would otherwise assume
  strict mode, which refuses schemas with optional properties).
- Every output item gets an id derived from the response id and its position (``msg_``, ``fc_``,
  ``ctc_``, ``rs_`` + a sha1 digest), so the same response is always written the same way; a
  refusal is read as text with the ``content_filter`` stop reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
    data_url,
    decode_parts,
    dumps,
    split_data_url,
    text_part,
)
from gateway.codecs.errors import stream_error_event
from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.sse import SSEEvent, encode_event

PROTOCOL = tables.OPENAI_RESPONSES
STOP_REASONS = tables.STOP_REASONS[PROTOCOL]
TOOL_CHOICE = tables.TOOL_CHOICE[PROTOCOL]
EFFORT = tables.EFFORT[PROTOCOL]
REDACTED_PREFIX = "redacted_thinking:"
SUMMARY_SEPARATOR = "\n\n"
ENCRYPTED_REASONING = "reasoning.encrypted_content"
DEFAULT_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
# Tools a tool choice can name; tools left out when translating (hosted web search, and the
# tool search that loads deferred tools: the model is offered every tool up front).
CALLABLE_TOOLS = ("function", "custom")
DROPPED_TOOLS = ("web_search", "tool_search")
# A custom (freeform) tool's canonical function: one string argument holding the model's text.
FREEFORM_INPUT = "input"
FREEFORM_INPUT_SCHEMA = {"type": "string", "description": "The tool's input, as plain text."}
GRAMMAR_SHOWN_LIMIT = 4000  # characters of a custom tool's grammar written into its description

# Request fields that need state or output the canonical form does not have: (field, refused when, why).
REFUSED: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("previous_response_id", bool, "`previous_response_id` needs OpenAI's stored state; send the full input"),
    ("conversation", bool, "`conversation` needs OpenAI's stored state; send the full input"),
    ("prompt", bool, "stored prompts live at OpenAI and cannot be translated"),
    ("background", bool, "background responses cannot be translated"),
    ("context_management", bool, "`context_management` (compaction) cannot be translated"),
    ("top_logprobs", bool, "`top_logprobs` cannot be translated to this model's provider"),
    (
        "include",
        lambda include: bool(include) and "message.output_text.logprobs" in include,
        "logprobs cannot be translated to this model's provider",
    ),
)


class OpenAIResponsesCodec(Codec):
    protocol = PROTOCOL

    def decode_request(self, body: dict[str, Any], *, model: str | None = None) -> Request:
        for name, refused, why in REFUSED:
            if refused(body.get(name)):
                raise invalid(why, name)
        tools = _decode_tools(body.get("tools") or [])
        tool_choice, tools = _decode_tool_choice(body.get("tool_choice"), tools)
        text = body.get("text") or {}
        return Request(
            model=body.get("model") or model or "",
            messages=_decode_input(body.get("instructions"), body.get("input")),
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=body.get("parallel_tool_calls"),
            max_tokens=body.get("max_output_tokens"),
            temperature=body.get("temperature"),
            top_p=body.get("top_p"),
            response_format=_decode_format(text.get("format")),
            thinking=_decode_reasoning_config(body.get("reasoning")),
            stream=bool(body.get("stream")),
            user=body.get("user"),
            metadata=body.get("metadata"),
        )

    def encode_request(self, request: Request, model: str) -> dict[str, Any]:
        if len(request.stop) > tables.STOP_SEQUENCE_LIMIT[PROTOCOL]:
            raise invalid("this model's provider (OpenAI Responses) takes no stop sequences", "stop")
        items = list(_encode_input(request.messages, Offered.by(request).namespaces))
        body: dict[str, Any] = {"model": model, "input": items, "store": False}
        if request.tools:  # a tool choice alone would be refused
            body["tools"] = _encode_tools(request.tools)
            if request.tool_choice is not None:
                body["tool_choice"] = _encode_tool_choice(request.tool_choice)
        reasoning = _encode_reasoning_config(request.thinking)
        optional = {
            "parallel_tool_calls": request.parallel_tool_calls,
            "max_output_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "text": _encode_text_config(request.response_format),
            "reasoning": reasoning,
            "user": request.user,
        }
        body.update((name, value) for name, value in optional.items() if value is not None)
        if reasoning is not None or any(item.get("type") == "reasoning" for item in items):
            body["include"] = [ENCRYPTED_REASONING]
        if request.stream:
            body["stream"] = True
        return body

    def decode_response(self, body: dict[str, Any]) -> Response:
        if body.get("status") == "failed":
            raise _failure(body.get("error"))
        content: list[Part] = []
        refused = False
        for item in body.get("output") or []:
            parts, item_refused = _decode_output_item(item)
            content.extend(parts)
            refused = refused or item_refused
        tool_used = any(isinstance(part, ToolCall) for part in content)
        return Response(
            id=body.get("id") or "",
            model=body.get("model") or "",
            content=content,
            stop_reason=_stop_reason(body, tool_used, refused),
            usage=decode_usage(body.get("usage")),
            created=int(body.get("created_at") or 0),
        )

    def encode_response(self, response: Response, request: Request) -> dict[str, Any]:
        offered = Offered.by(request)
        output = [
            _output_item(block, item_id(block, response.id, index, offered), complete=True, offered=offered)
            for index, block in enumerate(_output_blocks(response.content))
        ]
        return response_object(response.id, response.created, response.model, request, output, response)

    def stream_decoder(self) -> StreamDecoder:
        return ResponsesStreamDecoder()

    def edit_signatures(self, body: dict[str, Any], signature: SignatureEdit, call_id: CallIdEdit) -> None:
        """Only reasoning items are signed (``encrypted_content``, redacted thinking behind
        ``REDACTED_PREFIX``, a Gemini call's signature carried before its call): an item whose
        signature is dropped goes whole. Call ids carry no signature here."""
        items = body.get("input")
        if isinstance(items, list):
            body["input"] = [item for item in items if _edit_reasoning(item, signature)]

    def stream_encoder(self, request: Request, **options: Any) -> StreamEncoder:
        return ResponsesStreamEncoder(request)


# --- request decoding ------------------------------------------------------------------------------


def _decode_reasoning_config(reasoning: dict[str, Any] | None) -> ThinkingConfig | None:
    if reasoning is None:
        return None
    effort = reasoning.get("effort")
    if effort == "none":
        return ThinkingConfig(enabled=False)
    return ThinkingConfig(effort=EFFORT.decode(effort) if effort else None)


def _decode_format(spec: dict[str, Any] | None) -> ResponseFormat | None:
    if not spec:
        return None
    return ResponseFormat(
        type=spec["type"], schema=spec.get("schema"), name=spec.get("name"), strict=spec.get("strict")
    )


def _decode_tools(raw: list[dict[str, Any]]) -> list[Tool]:
    """Function and custom tools, those of a namespace flattened, web and tool search left out."""
    tools: list[Tool] = []
    for tool in raw:
        kind = tool.get("type") or ""
        if kind == "namespace":
            tools.extend(_decode_tool(member, tool["name"]) for member in tool.get("tools") or [])
        elif not kind.startswith(DROPPED_TOOLS):
            tools.append(_decode_tool(tool))
    seen: set[str] = set()
    for tool in tools:
        if tool.name in seen:
            raise invalid(f"two tools are named `{tool.name}` (namespaces are flattened here)", "tools")
        seen.add(tool.name)
    return tools


def _decode_tool(tool: dict[str, Any], namespace: str | None = None) -> Tool:
    kind = tool.get("type")
    if kind == "custom":
        return _decode_custom_tool(tool, namespace)
    if kind != "function":
        raise invalid(
            f"`{kind}` tools run only at OpenAI and cannot be translated; send function tools", "tools"
        )
    return Tool(
        name=tool["name"],
        description=tool.get("description"),
        parameters=tool.get("parameters") or dict(DEFAULT_PARAMETERS),
        strict=tool.get("strict"),
        namespace=namespace,
    )


def _decode_custom_tool(tool: dict[str, Any], namespace: str | None) -> Tool:
    """A freeform tool as a function of one string, ``input``, whose description tells the model
    the text it must write (the grammar itself where it is short enough to show)."""
    return Tool(
        name=tool["name"],
        description=_freeform_description(tool.get("description"), tool.get("format")),
        parameters={
            "type": "object",
            "properties": {FREEFORM_INPUT: dict(FREEFORM_INPUT_SCHEMA)},
            "required": [FREEFORM_INPUT],
            "additionalProperties": False,
        },
        namespace=namespace,
        freeform=True,
    )


def _freeform_description(description: str | None, text_format: dict[str, Any] | None) -> str:
    lines = [description] if description else []
    lines.append(f"Put the tool's whole input, as plain text (not JSON), in `{FREEFORM_INPUT}`.")
    text_format = text_format or {}
    if text_format.get("type") == "grammar":
        syntax, definition = text_format.get("syntax") or "", text_format.get("definition") or ""
        if len(definition) <= GRAMMAR_SHOWN_LIMIT:
            lines.append(f"The input must match this {syntax} grammar:\n{definition}")
        else:
            lines.append(f"The input must match the tool's {syntax} grammar.")
    return "\n\n".join(lines)


def _decode_tool_choice(choice: Any, tools: list[Tool]) -> tuple[ToolChoice | None, list[Tool]]:
    """The tool choice, and the tools the model may call (``allowed_tools`` narrows them)."""
    if choice is None:
        return None, tools
    if isinstance(choice, str):
        return ToolChoice(TOOL_CHOICE.decode(choice)), tools
    kind = choice.get("type")
    if kind in CALLABLE_TOOLS:
        return ToolChoice("tool", choice["name"]), tools
    if kind == "allowed_tools":
        names = {tool["name"] for tool in choice["tools"] if tool.get("type") in CALLABLE_TOOLS}
        return ToolChoice(TOOL_CHOICE.decode(choice["mode"])), [t for t in tools if t.name in names]
    raise invalid(f"a `{kind}` tool_choice cannot be translated", "tool_choice")


def _decode_input(instructions: str | None, items: str | list[dict[str, Any]] | None) -> list[Message]:
    messages: list[Message] = []
    if instructions:
        messages.append(Message("system", [Text(instructions)]))
    if isinstance(items, str):
        messages.append(Message("user", [Text(items)]))
        return messages
    call_names: dict[str, str] = {}  # call id -> function name, to name the results
    for item in items or []:
        kind = item.get("type") or "message"
        decode = ITEM_DECODERS.get(kind)
        if decode is None:
            raise invalid(f"input items of type `{kind}` cannot be translated", "input")
        decode(item, messages, call_names)
    return messages


def _assistant_turn(messages: list[Message]) -> list[Part]:
    """The content of the assistant turn being read: the last message if it is one."""
    if not messages or messages[-1].role != "assistant":
        messages.append(Message("assistant", []))
    return messages[-1].content


def _read_message(item: dict[str, Any], messages: list[Message], call_names: dict[str, str]) -> None:
    parts = _decode_content(item.get("content"))
    if item["role"] == "assistant":
        if parts:
            _assistant_turn(messages).extend(parts)
    elif parts:
        messages.append(Message(item["role"], parts))


def _read_function_call(item: dict[str, Any], messages: list[Message], call_names: dict[str, str]) -> None:
    call_names[item["call_id"]] = item["name"]
    call = ToolCall(id=item["call_id"], name=item["name"], arguments=item.get("arguments") or "")
    _assistant_turn(messages).append(call)


def _read_custom_call(item: dict[str, Any], messages: list[Message], call_names: dict[str, str]) -> None:
    call_names[item["call_id"]] = item["name"]
    call = ToolCall(id=item["call_id"], name=item["name"], arguments=dumps({FREEFORM_INPUT: item["input"]}))
    _assistant_turn(messages).append(call)


def _read_function_output(item: dict[str, Any], messages: list[Message], call_names: dict[str, str]) -> None:
    call_id = item["call_id"]
    result = ToolResult(call_id, _decode_content(item.get("output")), name=call_names.get(call_id))
    messages.append(Message("tool", [result]))


def _read_reasoning(item: dict[str, Any], messages: list[Message], call_names: dict[str, str]) -> None:
    thinking = decode_reasoning(item)
    if thinking is not None:
        _assistant_turn(messages).append(thinking)


ITEM_DECODERS: dict[str, Callable[[dict[str, Any], list[Message], dict[str, str]], None]] = {
    "message": _read_message,
    "function_call": _read_function_call,
    "function_call_output": _read_function_output,
    "custom_tool_call": _read_custom_call,
    "custom_tool_call_output": _read_function_output,
    "reasoning": _read_reasoning,
}


def decode_reasoning(item: dict[str, Any]) -> Thinking | RedactedThinking | None:
    """A reasoning item as canonical thinking; None when it carries neither text nor signature."""
    text = SUMMARY_SEPARATOR.join(part.get("text") or "" for part in item.get("summary") or [])
    signature = item.get("encrypted_content")
    if signature and signature.startswith(REDACTED_PREFIX) and not text:
        return RedactedThinking(signature[len(REDACTED_PREFIX) :])
    if not text and not signature:
        return None
    return Thinking(text=text, signature=signature or None)


def _edit_reasoning(item: Any, signature: SignatureEdit) -> bool:
    """Edit a reasoning item's signature in place (``edit_signatures``); False when the item must
    be dropped."""
    if not isinstance(item, dict) or item.get("type") != "reasoning":
        return True
    content = item.get("encrypted_content")
    if not isinstance(content, str):
        return True
    prefix = REDACTED_PREFIX if content.startswith(REDACTED_PREFIX) else ""
    edited = signature(content[len(prefix) :])
    if edited is not None:
        item["encrypted_content"] = prefix + edited
    return edited is not None


def _decode_content(content: str | list[dict[str, Any]] | None) -> list[Part]:
    return decode_parts(content, PART_DECODERS, "input")


def _decode_image(part: dict[str, Any]) -> Image:
    url = part.get("image_url")
    detail = part.get("detail")
    inline = split_data_url(url) if url else None
    if inline:
        return Image(media_type=inline[0], data=inline[1], detail=detail)
    return Image(url=url, file_id=part.get("file_id"), detail=detail)


def _decode_file(part: dict[str, Any]) -> Document:
    name = part.get("filename")
    if part.get("file_data"):
        inline = split_data_url(part["file_data"])
        media_type, data = inline or ("application/pdf", part["file_data"])
        return Document(data=data, media_type=media_type, filename=name)
    return Document(url=part.get("file_url"), file_id=part.get("file_id"), filename=name)


def _decode_audio(part: dict[str, Any]) -> Audio:
    return Audio(data=part["input_audio"]["data"], format=part["input_audio"]["format"])


PART_DECODERS: dict[str | None, Callable[[dict[str, Any]], Part | None]] = {
    "input_text": text_part,
    "output_text": text_part,
    "refusal": text_part,
    "input_image": _decode_image,
    "input_file": _decode_file,
    "input_audio": _decode_audio,
}


# --- request encoding ------------------------------------------------------------------------------


def _encode_reasoning_config(thinking: ThinkingConfig | None) -> dict[str, Any] | None:
    if thinking is None or not thinking.enabled:
        return None
    if thinking.effort:
        return {"effort": EFFORT.encode(thinking.effort)}
    if thinking.budget_tokens:
        return {"effort": EFFORT.encode(tables.effort_for_budget(thinking.budget_tokens))}
    return {}


def _encode_text_config(spec: ResponseFormat | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    if spec.type != "json_schema":
        return {"format": {"type": spec.type}}
    schema_format: dict[str, Any] = {"type": "json_schema", "name": spec.name or "response"}
    schema_format["schema"] = spec.schema or {}
    if spec.strict is not None:
        schema_format["strict"] = spec.strict
    return {"format": schema_format}


@dataclass(frozen=True, slots=True)
class Offered:
    """How the client offered its tools, so that a call is written back as it expects: with the
    namespace of its tool, and as a ``custom_tool_call`` when its tool is freeform."""

    namespaces: dict[str, str]  # tool name -> the namespace it was offered in
    freeform: frozenset[str]

    @classmethod
    def by(cls, request: Request) -> Offered:
        namespaces = {tool.name: tool.namespace for tool in request.tools if tool.namespace}
        return cls(namespaces, frozenset(tool.name for tool in request.tools if tool.freeform))

    def is_freeform(self, block: Part) -> bool:
        return isinstance(block, ToolCall) and block.name in self.freeform


def _encode_tools(tools: list[Tool]) -> list[dict[str, Any]]:
    """Function tools; those of one namespace gathered into a ``namespace`` tool where the first
    of them stood."""
    encoded: list[dict[str, Any]] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for tool in tools:
        if tool.namespace is None:
            encoded.append(_encode_tool(tool))
            continue
        members = groups.get(tool.namespace)
        if members is None:
            members = groups[tool.namespace] = []
            encoded.append({"type": "namespace", "name": tool.namespace, "description": "", "tools": members})
        members.append(_encode_tool(tool))
    return encoded


def _encode_tool(tool: Tool) -> dict[str, Any]:
    encoded: dict[str, Any] = {"type": "function", "name": tool.name}
    if tool.description is not None:
        encoded["description"] = tool.description
    encoded["parameters"] = tool.parameters
    encoded["strict"] = bool(tool.strict)
    return encoded


def _encode_tool_choice(choice: ToolChoice | None) -> str | dict[str, Any] | None:
    if choice is None:
        return None
    if choice.mode == "tool":
        return {"type": "function", "name": choice.name}
    return TOOL_CHOICE.encode(choice.mode)


def _encode_input(messages: list[Message], namespaces: dict[str, str]) -> Iterator[dict[str, Any]]:
    for message in messages:
        if message.role == "assistant":
            yield from _encode_assistant_turn(message.content, namespaces)
        else:
            yield from _encode_turn(message)


def _encode_assistant_turn(content: list[Part], namespaces: dict[str, str]) -> Iterator[dict[str, Any]]:
    for part in content:
        if isinstance(part, Text):
            yield {"type": "message", "role": "assistant", "content": part.text}
        elif isinstance(part, ToolCall):
            yield _function_call(part, namespaces)
        elif isinstance(part, Thinking) and part.signature:
            yield {"type": "reasoning", "summary": _summary(part.text), "encrypted_content": part.signature}
        elif not isinstance(part, Thinking | RedactedThinking):
            raise invalid(f"an assistant {type(part).__name__} cannot be sent to OpenAI Responses", "input")


def _encode_turn(message: Message) -> Iterator[dict[str, Any]]:
    """A system, developer, user or tool message, in order: tool results become
    ``function_call_output`` items, the parts between them message items."""
    role = "user" if message.role == "tool" else message.role
    pending: list[Part] = []
    for part in message.content:
        if isinstance(part, ToolResult):
            if pending:
                yield {"type": "message", "role": role, "content": _encode_content(pending)}
                pending = []
            yield {
                "type": "function_call_output",
                "call_id": part.tool_call_id,
                "output": _encode_output(part),
            }
        else:
            pending.append(part)
    if pending:
        yield {"type": "message", "role": role, "content": _encode_content(pending)}


def _encode_output(result: ToolResult) -> str | list[dict[str, Any]]:
    """A lone text is a string (as OpenAI sends it); anything else a parts list."""
    if len(result.content) == 1 and isinstance(result.content[0], Text):
        return result.content[0].text
    return _encode_content(result.content)


def _encode_content(parts: list[Part]) -> list[dict[str, Any]]:
    return [_encode_part(part) for part in parts]


def _encode_part(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, Image):
        return _encode_image(part)
    if isinstance(part, Document):
        return _encode_document(part)
    if isinstance(part, Audio):
        return {"type": "input_audio", "input_audio": {"data": part.data, "format": part.format}}
    raise invalid(f"a {type(part).__name__} part cannot be sent in an input message", "input")


def _encode_image(image: Image) -> dict[str, Any]:
    encoded: dict[str, Any] = {"type": "input_image", "detail": image.detail or "auto"}
    if image.file_id:
        encoded["file_id"] = image.file_id
    else:
        encoded["image_url"] = image.url or data_url(image.media_type or "image/png", image.data or "")
    return encoded


def _encode_document(document: Document) -> dict[str, Any]:
    if document.text is not None:
        return {"type": "input_text", "text": document.text}
    encoded: dict[str, Any] = {"type": "input_file"}
    if document.file_id:
        encoded["file_id"] = document.file_id
    elif document.url:
        encoded["file_url"] = document.url
    else:
        encoded["filename"] = document.filename or document.title or "document.pdf"
        encoded["file_data"] = data_url(document.media_type, document.data or "")
    return encoded


def _function_call(call: ToolCall, namespaces: dict[str, str]) -> dict[str, Any]:
    item = {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": call.arguments}
    if call.name in namespaces:
        item["namespace"] = namespaces[call.name]
    return item


def _summary(text: str) -> list[dict[str, str]]:
    return [{"type": "summary_text", "text": text}] if text else []


# --- responses -------------------------------------------------------------------------------------


def _decode_output_item(item: dict[str, Any]) -> tuple[list[Part], bool]:
    """An output item's canonical parts, and whether it is a refusal. Items of built-in tools
    (which the gateway never asks for) carry nothing a client of another protocol can use."""
    kind = item.get("type")
    if kind == "message":
        content = item.get("content") or []
        texts: list[Part] = [text for text in map(text_part, content) if text is not None]
        return texts, any(part.get("type") == "refusal" for part in content)
    if kind == "function_call":
        return [ToolCall(id=item["call_id"], name=item["name"], arguments=item.get("arguments") or "")], False
    if kind == "reasoning":
        thinking = decode_reasoning(item)
        return ([thinking] if thinking is not None else []), False
    return [], False


def _stop_reason(body: dict[str, Any], tool_used: bool, refused: bool) -> StopReason:
    if refused:
        return StopReason.CONTENT_FILTER
    if body.get("status") == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return STOP_REASONS.decode(reason, StopReason.MAX_TOKENS)
    return StopReason.TOOL_USE if tool_used else StopReason.END_TURN


def _failure(error: dict[str, Any] | None) -> GatewayError:
    error = error or {}
    message = error.get("message") or "the upstream response failed"
    return GatewayError(ErrorKind.API_ERROR, message, code=error.get("code"))


def _output_blocks(content: list[Part]) -> list[Part]:
    """The parts that become output items (one each); anything else has no place in an output."""
    return [part for part in content if isinstance(part, Text | ToolCall | Thinking | RedactedThinking)]


ITEM_PREFIXES: dict[type, str] = {Text: "msg", ToolCall: "fc", Thinking: "rs", RedactedThinking: "rs"}
CUSTOM_CALL_PREFIX = "ctc"


def item_id(block: Part, response_id: str, index: int, offered: Offered) -> str:
    """A stable output item id: the same response always gets the same ids."""
    digest = hashlib.sha1(f"{response_id}:{index}".encode()).hexdigest()[:32]
    prefix = CUSTOM_CALL_PREFIX if offered.is_freeform(block) else ITEM_PREFIXES[type(block)]
    return f"{prefix}_{digest}"


def _freeform_input(arguments: str) -> str:
    """The text of a call to a freeform tool: its ``input`` argument, or the arguments as the
    model wrote them when they are not the object asked for."""
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return arguments
    text = parsed.get(FREEFORM_INPUT) if isinstance(parsed, dict) else None
    return text if isinstance(text, str) else arguments


def _output_item(block: Part, identifier: str, *, complete: bool, offered: Offered) -> dict[str, Any]:
    """The output item of one block: in progress (as ``output_item.added`` shows it, empty) or
    complete (with its text, arguments or input, summary and encrypted content)."""
    status = "completed" if complete else "in_progress"
    if isinstance(block, Text):
        content = [_text_part(block.text)] if complete else []
        return {
            "id": identifier,
            "type": "message",
            "status": status,
            "content": content,
            "role": "assistant",
        }
    if isinstance(block, ToolCall):
        freeform = offered.is_freeform(block)
        call: dict[str, Any] = {
            "id": identifier,
            "type": "custom_tool_call" if freeform else "function_call",
            "status": status,
            "call_id": block.id,
            "name": block.name,
        }
        if freeform:
            call["input"] = _freeform_input(block.arguments) if complete else ""
        else:
            call["arguments"] = block.arguments if complete else ""
        if block.name in offered.namespaces:
            call["namespace"] = offered.namespaces[block.name]
        return call
    item: dict[str, Any] = {"id": identifier, "type": "reasoning", "summary": []}
    if complete and isinstance(block, Thinking):
        item["summary"] = _summary(block.text)
        if block.signature:
            item["encrypted_content"] = block.signature
    elif complete and isinstance(block, RedactedThinking):
        item["encrypted_content"] = REDACTED_PREFIX + block.data
    return item


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def response_object(
    response_id: str,
    created: int,
    model: str,
    request: Request,
    output: list[dict[str, Any]],
    response: Response | StreamEnd | None,
) -> dict[str, Any]:
    """The ``response`` object: in progress (``response`` None) or finished, echoing the request
    fields the SDK's ``Response`` type and the spec require."""
    status, incomplete = "in_progress", None
    if response is not None:
        reason = STOP_REASONS.encode(response.stop_reason)
        status = "completed" if reason is None else "incomplete"
        incomplete = None if reason is None else {"reason": reason}
        if incomplete and output and output[-1].get("status"):
            output[-1]["status"] = "incomplete"
    reasoning_config = _encode_reasoning_config(request.thinking)
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": _instructions(request.messages),
        "max_output_tokens": request.max_tokens,
        "model": model,
        "output": output,
        "parallel_tool_calls": request.parallel_tool_calls is not False,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None, **(reasoning_config or {})},
        "store": False,
        "temperature": request.temperature,
        "text": _encode_text_config(request.response_format) or {"format": {"type": "text"}},
        "tool_choice": _encode_tool_choice(request.tool_choice) or "auto",
        "tools": _encode_tools(request.tools),
        "top_p": request.top_p,
        "truncation": "disabled",
        "usage": None if response is None else encode_usage(response.usage),
        "user": request.user,
        "metadata": request.metadata or {},
    }


def _instructions(messages: list[Message]) -> str | None:
    texts = []
    for message in messages:
        if message.role != "system":
            break
        texts.extend(part.text for part in message.content if isinstance(part, Text))
    return SUMMARY_SEPARATOR.join(texts) if texts else None


def decode_usage(usage: dict[str, Any] | None) -> Usage:
    """``input_tokens`` holds every input token; the canonical input excludes both cache buckets."""
    if not usage:
        return Usage()
    details = usage.get("input_tokens_details") or {}
    read = details.get("cached_tokens") or 0
    written = details.get("cache_write_tokens") or 0
    return Usage(
        input_tokens=max((usage.get("input_tokens") or 0) - read - written, 0),
        output_tokens=usage.get("output_tokens") or 0,
        cache_read_tokens=read,
        cache_write_tokens=written,
        reasoning_tokens=(usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0,
    )


def encode_usage(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


# --- streams ---------------------------------------------------------------------------------------


class ResponsesStreamDecoder(StreamDecoder):
    """Responses events to canonical events: each output text part, function call and reasoning
    item is one block. A reasoning item opens its block only once it shows content (summary text
    or encrypted content), since most carry none; ``response.completed`` / ``.incomplete`` end
    the stream, ``error`` and ``response.failed`` fail it."""

    def __init__(self) -> None:
        self._started = False
        self._index = -1
        self._open: str | None = None  # kind of the open block: text, tool, thinking
        self._item_blocks = 0  # blocks the current output item has opened
        self._arguments = False  # the open tool call got its arguments
        self._tool_used = False
        self._refused = False

    def _decode(self, event: SSEEvent) -> list[StreamEvent]:
        if event.data.strip() == "[DONE]":
            return []
        return list(self._events(_parse_event(event.data)))

    def _ending(self) -> list[StreamEvent]:
        raise GatewayError(ErrorKind.BAD_GATEWAY, "the upstream stream ended before response.completed")

    def _events(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        kind = event.get("type")
        handler = self._HANDLERS.get(kind or "")
        if handler is not None:
            yield from handler(self, event)

    def _created(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        if not self._started:
            self._started = True
            response = event.get("response") or {}
            created = int(response.get("created_at") or 0)
            yield StreamStart(response.get("id") or "", response.get("model") or "", created)

    def _item_added(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        item = event.get("item") or {}
        kind = item.get("type")
        yield from self._close_block()
        self._item_blocks = 0
        if kind == "function_call":
            self._tool_used = True
            block = ToolCall(id=item.get("call_id") or "", name=item.get("name") or "")
            yield from self._open_block("tool", block)
            self._arguments = bool(item.get("arguments"))
            if self._arguments:
                yield ArgumentsDelta(self._index, item["arguments"])

    def _part_added(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        if (event.get("part") or {}).get("type") == "refusal":
            self._refused = True
        yield from self._open_block("text", Text(""))

    def _text_delta(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        if event.get("type") == "response.refusal.delta":
            self._refused = True
        if self._open != "text":
            yield from self._open_block("text", Text(""))
        if event.get("delta"):
            yield TextDelta(self._index, event["delta"])

    def _text_done(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        if self._open == "text":
            yield from self._close_block()

    def _arguments_delta(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        if self._open == "tool" and event.get("delta"):
            self._arguments = True
            yield ArgumentsDelta(self._index, event["delta"])

    def _summary_part(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        if self._open == "thinking" and event.get("summary_index"):
            yield ThinkingDelta(self._index, SUMMARY_SEPARATOR)

    def _summary_delta(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        if self._open != "thinking":
            yield from self._open_block("thinking", Thinking())
        if event.get("delta"):
            yield ThinkingDelta(self._index, event["delta"])

    def _item_done(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        item = event.get("item") or {}
        kind = item.get("type")
        if kind == "function_call" and self._open == "tool" and not self._arguments and item.get("arguments"):
            yield ArgumentsDelta(self._index, item["arguments"])
        elif kind == "reasoning":
            yield from self._reasoning_done(item)
        elif kind == "message" and not self._item_blocks:
            yield from self._whole_message(item)
        yield from self._close_block()

    def _reasoning_done(self, item: dict[str, Any]) -> Iterator[StreamEvent]:
        """The complete reasoning item: its signature, or the whole block if none was streamed."""
        thinking = decode_reasoning(item)
        if self._open == "thinking":
            if isinstance(thinking, Thinking) and thinking.signature:
                yield SignatureDelta(self._index, thinking.signature)
        elif isinstance(thinking, RedactedThinking):
            yield from self._open_block("thinking", thinking)
        elif thinking is not None:
            yield from self._open_block("thinking", Thinking())
            if thinking.text:
                yield ThinkingDelta(self._index, thinking.text)
            if thinking.signature:
                yield SignatureDelta(self._index, thinking.signature)

    def _whole_message(self, item: dict[str, Any]) -> Iterator[StreamEvent]:
        """A message item whose text came only in ``output_item.done``."""
        content = item.get("content") or []
        self._refused = self._refused or any(part.get("type") == "refusal" for part in content)
        for text in filter(None, map(text_part, content)):
            yield from self._open_block("text", Text(""))
            yield TextDelta(self._index, text.text)

    def _finished(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        response = event.get("response") or {}
        yield from self._close_block()
        stop = _stop_reason(response, self._tool_used, self._refused)
        yield StreamEnd(stop, decode_usage(response.get("usage")))

    def _failed(self, event: dict[str, Any]) -> Iterator[StreamEvent]:
        error = (
            (event.get("response") or {}).get("error") if event.get("type") == "response.failed" else event
        )
        raise _failure(error)

    def _open_block(self, kind: str, block: Part) -> Iterator[StreamEvent]:
        yield from self._close_block()
        if not self._started:
            raise GatewayError(
                ErrorKind.BAD_GATEWAY, "the upstream stream did not start with response.created"
            )
        self._index += 1
        self._item_blocks += 1
        self._open = kind
        yield BlockStart(self._index, block)

    def _close_block(self) -> Iterator[StreamEvent]:
        if self._open is not None:
            self._open = None
            yield BlockStop(self._index)

    _HANDLERS: ClassVar[
        dict[str, Callable[[ResponsesStreamDecoder, dict[str, Any]], Iterator[StreamEvent]]]
    ] = {
        "response.created": _created,
        "response.output_item.added": _item_added,
        "response.content_part.added": _part_added,
        "response.output_text.delta": _text_delta,
        "response.refusal.delta": _text_delta,
        "response.output_text.done": _text_done,
        "response.refusal.done": _text_done,
        "response.content_part.done": _text_done,
        "response.function_call_arguments.delta": _arguments_delta,
        "response.reasoning_summary_part.added": _summary_part,
        "response.reasoning_summary_text.delta": _summary_delta,
        "response.output_item.done": _item_done,
        "response.completed": _finished,
        "response.incomplete": _finished,
        "response.failed": _failed,
        "error": _failed,
    }


def _parse_event(data: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        raise GatewayError(ErrorKind.BAD_GATEWAY, "the upstream sent a malformed stream event")
    return event


@dataclass(slots=True)
class _Item:
    """The output item being streamed: its block as started, and what has come since."""

    block: Part
    id: str
    output_index: int
    pieces: list[str] = field(default_factory=list)  # text, arguments or summary deltas
    signature: str = ""

    def where(self) -> dict[str, Any]:
        """The fields that place a delta or done event: item, output index, part index."""
        where: dict[str, Any] = {"item_id": self.id, "output_index": self.output_index}
        if isinstance(self.block, Text):
            where["content_index"] = 0
        elif isinstance(self.block, Thinking):
            where["summary_index"] = 0
        return where

    def completed(self) -> Part:
        """The block as it ended: everything streamed into it."""
        streamed = "".join(self.pieces)
        if isinstance(self.block, Text):
            return Text(streamed)
        if isinstance(self.block, ToolCall):
            return ToolCall(self.block.id, self.block.name, streamed)
        if isinstance(self.block, Thinking):
            return Thinking(streamed, self.signature or None)
        return self.block


def _initial(block: Part) -> str:
    """What a block already holds when it starts (a whole Gemini call, say): sent as a delta."""
    if isinstance(block, ToolCall):
        return block.arguments
    return block.text if isinstance(block, Text | Thinking) else ""


class ResponsesStreamEncoder(StreamEncoder):
    """Canonical events to the Responses lifecycle: ``response.created``, ``response.in_progress``,
    per block an output item (added, its deltas and dones, then ``output_item.done`` with the
    complete item), and ``response.completed`` / ``response.incomplete`` with every item and
    the usage. ``event:`` names each event's type; ``sequence_number`` counts from 0."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._offered = Offered.by(request)
        self._sequence = 0
        self._id = ""
        self._created = 0
        self._model = ""
        self._item: _Item | None = None
        self._output: list[dict[str, Any]] = []
        self._closed = False

    def encode(self, event: StreamEvent) -> bytes:
        if self._closed:
            return b""
        match event:
            case StreamStart():
                self._id, self._created, self._model = event.id, event.created, event.model
                response = self._response(None)
                created = self._emit("response.created", response=response)
                return created + self._emit("response.in_progress", response=response)
            case BlockStart():
                return self._start(event.block)
            case TextDelta() | ThinkingDelta():
                return self._delta(event.text)
            case ArgumentsDelta():
                return self._delta(event.json)
            case SignatureDelta() if self._item is not None:
                self._item.signature += event.signature
            case BlockStop():
                return self._stop()
            case StreamEnd():
                self._closed = True
                finished = STOP_REASONS.encode(event.stop_reason) is None
                kind = "response.completed" if finished else "response.incomplete"
                return self._emit(kind, response=self._response(event))
            case StreamError():
                self._closed = True
                return stream_error_event(PROTOCOL, event.error, self._sequence)
        return b""

    def _emit(self, kind: str, **fields: Any) -> bytes:
        frame = encode_event(dumps({"type": kind, "sequence_number": self._sequence, **fields}), kind)
        self._sequence += 1
        return frame

    def _response(self, end: StreamEnd | None) -> dict[str, Any]:
        output = [] if end is None else self._output
        return response_object(self._id, self._created, self._model, self._request, output, end)

    def _start(self, block: Part) -> bytes:
        output_index = len(self._output)
        identifier = item_id(block, self._id, output_index, self._offered)
        item = self._item = _Item(block, identifier, output_index)
        if isinstance(block, Thinking) and block.signature:
            item.signature = block.signature
        added = _output_item(block, item.id, complete=False, offered=self._offered)
        frames = self._emit("response.output_item.added", output_index=output_index, item=added)
        if isinstance(block, Text):
            frames += self._emit("response.content_part.added", **item.where(), part=_text_part(""))
        return frames + self._delta(_initial(block))

    def _delta(self, text: str) -> bytes:
        item = self._item
        if item is None or not text:
            return b""
        frames = b""
        if isinstance(item.block, Thinking) and not item.pieces:
            part = {"type": "summary_text", "text": ""}
            frames = self._emit("response.reasoning_summary_part.added", **item.where(), part=part)
        item.pieces.append(text)
        if isinstance(item.block, Text):
            return self._emit("response.output_text.delta", **item.where(), delta=text, logprobs=[])
        if isinstance(item.block, Thinking):
            return frames + self._emit("response.reasoning_summary_text.delta", **item.where(), delta=text)
        if self._offered.is_freeform(item.block):
            return b""  # JSON text until the call is complete: its input is written out at the end
        return self._emit("response.function_call_arguments.delta", **item.where(), delta=text)

    def _stop(self) -> bytes:
        item = self._item
        if item is None:
            return b""
        self._item = None
        block, where = item.completed(), item.where()
        frames = b""
        if isinstance(block, Text):
            frames += self._emit("response.output_text.done", **where, text=block.text, logprobs=[])
            frames += self._emit("response.content_part.done", **where, part=_text_part(block.text))
        elif self._offered.is_freeform(block):
            frames += self._custom_input(where, _freeform_input(block.arguments))
        elif isinstance(block, ToolCall):
            done = {"name": block.name, "arguments": block.arguments}
            frames += self._emit("response.function_call_arguments.done", **where, **done)
        elif isinstance(block, Thinking) and item.pieces:
            part = {"type": "summary_text", "text": block.text}
            frames += self._emit("response.reasoning_summary_text.done", **where, text=block.text)
            frames += self._emit("response.reasoning_summary_part.done", **where, part=part)
        complete = _output_item(block, item.id, complete=True, offered=self._offered)
        self._output.append(complete)
        return frames + self._emit("response.output_item.done", output_index=item.output_index, item=complete)

    def _custom_input(self, where: dict[str, Any], text: str) -> bytes:
        """A freeform call's input, in one delta: the canonical arguments are the JSON object that
        holds it, and its text is known only once that object is complete."""
        delta = self._emit("response.custom_tool_call_input.delta", **where, delta=text) if text else b""
        return delta + self._emit("response.custom_tool_call_input.done", **where, input=text)


CODEC = OpenAIResponsesCodec()
