"""The four protocols as a test speaks them: one conversation written once, spelled per protocol.

A client side (``request_body``, ``send``) turns a neutral conversation into the body a client of
that protocol sends; an upstream side (``UpstreamView``) reads back, in neutral terms, what a
provider of that protocol received. Both are written from the providers' documentation, not from
the gateway's codecs, so the tests check the codecs against an independent reading.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway import tables

CHAT, RESPONSES, ANTHROPIC, GEMINI = (
    tables.OPENAI_CHAT,
    tables.OPENAI_RESPONSES,
    tables.ANTHROPIC,
    tables.GEMINI,
)
PROTOCOLS = tables.PROTOCOLS
CELLS = [(inbound, upstream) for inbound in PROTOCOLS for upstream in PROTOCOLS]
TRANSLATED = [(i, u) for i, u in CELLS if i != u]
CLIENT_KEY = "gw-demo-key"

# Protocols whose requests can carry a system message anywhere in the conversation.
SYSTEM_ANYWHERE = (CHAT, RESPONSES)

# --- a neutral conversation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Result:
    call_id: str
    name: str
    text: str


@dataclass(frozen=True)
class ImageUrl:
    url: str


@dataclass(frozen=True)
class ImageData:
    media_type: str
    data: str


@dataclass(frozen=True)
class Pdf:
    data: str


Part = str | Call | Result | ImageUrl | ImageData | Pdf


@dataclass(frozen=True)
class Turn:
    role: str  # system | user | assistant | tool
    parts: tuple[Part, ...]


def system(text: str) -> Turn:
    return Turn("system", (text,))


def user(*parts: Part) -> Turn:
    return Turn("user", parts)


def assistant(*parts: Part) -> Turn:
    return Turn("assistant", parts)


def tool(*results: Result) -> Turn:
    return Turn("tool", results)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]


LOCATION = {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}


@dataclass
class Ask:
    """A request in neutral terms; ``None`` means the client leaves the field out."""

    turns: list[Turn]
    tools: list[Tool] = field(default_factory=list)
    tool_choice: str | None = None  # auto | none | required | a tool's name
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    stream: bool = False
    include_usage: bool = False  # OpenAI chat stream_options.include_usage


def data_url(media_type: str, data: str) -> str:
    return f"data:{media_type};base64,{data}"


# --- client bodies ---------------------------------------------------------------------------------


def request_body(protocol: str, model: str, ask: Ask) -> dict[str, Any]:
    """The body a client of ``protocol`` sends for ``ask`` (Gemini's model is in the URL)."""
    return BODIES[protocol](model, ask)


def _texts(parts: tuple[Part, ...]) -> list[str]:
    return [part for part in parts if isinstance(part, str)]


def _chat_part(part: Part) -> dict[str, Any]:
    match part:
        case str():
            return {"type": "text", "text": part}
        case ImageUrl():
            return {"type": "image_url", "image_url": {"url": part.url}}
        case ImageData():
            return {"type": "image_url", "image_url": {"url": data_url(part.media_type, part.data)}}
        case Pdf():
            file = {"filename": "paper.pdf", "file_data": data_url("application/pdf", part.data)}
            return {"type": "file", "file": file}
    raise AssertionError(part)


def _chat_messages(turns: list[Turn]) -> Iterator[dict[str, Any]]:
    for turn in turns:
        if turn.role == "tool":
            for result in turn.parts:
                assert isinstance(result, Result)
                yield {"role": "tool", "tool_call_id": result.call_id, "content": result.text}
        elif turn.role == "assistant":
            message: dict[str, Any] = {"role": "assistant", "content": "".join(_texts(turn.parts)) or None}
            calls = [p for p in turn.parts if isinstance(p, Call)]
            if calls:
                message["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                    }
                    for c in calls
                ]
            yield message
        elif len(turn.parts) == 1 and isinstance(turn.parts[0], str):
            yield {"role": turn.role, "content": turn.parts[0]}
        else:
            yield {"role": turn.role, "content": [_chat_part(p) for p in turn.parts]}


def _chat(model: str, ask: Ask) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": list(_chat_messages(ask.turns))}
    if ask.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.schema},
            }
            for t in ask.tools
        ]
    if ask.tool_choice is not None:
        known = ("auto", "none", "required")
        body["tool_choice"] = (
            ask.tool_choice
            if ask.tool_choice in known
            else {"type": "function", "function": {"name": ask.tool_choice}}
        )
    if ask.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = ask.parallel_tool_calls
    if ask.max_tokens is not None:
        body["max_completion_tokens"] = ask.max_tokens
    if ask.stop is not None:
        body["stop"] = ask.stop
    if ask.stream:
        body["stream"] = True
        if ask.include_usage:
            body["stream_options"] = {"include_usage": True}
    return body


def _responses_part(part: Part) -> dict[str, Any]:
    match part:
        case str():
            return {"type": "input_text", "text": part}
        case ImageUrl():
            return {"type": "input_image", "image_url": part.url, "detail": "auto"}
        case ImageData():
            return {
                "type": "input_image",
                "image_url": data_url(part.media_type, part.data),
                "detail": "auto",
            }
        case Pdf():
            return {
                "type": "input_file",
                "filename": "paper.pdf",
                "file_data": data_url("application/pdf", part.data),
            }
    raise AssertionError(part)


def _responses_items(turns: list[Turn]) -> Iterator[dict[str, Any]]:
    for turn in turns:
        if turn.role == "tool":
            for result in turn.parts:
                assert isinstance(result, Result)
                yield {"type": "function_call_output", "call_id": result.call_id, "output": result.text}
        elif turn.role == "assistant":
            for part in turn.parts:
                if isinstance(part, Call):
                    arguments = json.dumps(part.arguments)
                    yield {
                        "type": "function_call",
                        "call_id": part.id,
                        "name": part.name,
                        "arguments": arguments,
                    }
                else:
                    content = [{"type": "output_text", "text": part, "annotations": []}]
                    yield {"type": "message", "role": "assistant", "content": content}
        else:
            yield {"type": "message", "role": turn.role, "content": [_responses_part(p) for p in turn.parts]}


def _responses(model: str, ask: Ask) -> dict[str, Any]:
    assert ask.stop is None, "a Responses client has no way to send stop sequences"
    body: dict[str, Any] = {"model": model, "input": list(_responses_items(ask.turns))}
    if ask.tools:
        body["tools"] = [
            {"type": "function", "name": t.name, "description": t.description, "parameters": t.schema}
            for t in ask.tools
        ]
    if ask.tool_choice is not None:
        known = ("auto", "none", "required")
        body["tool_choice"] = (
            ask.tool_choice if ask.tool_choice in known else {"type": "function", "name": ask.tool_choice}
        )
    if ask.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = ask.parallel_tool_calls
    if ask.max_tokens is not None:
        body["max_output_tokens"] = ask.max_tokens
    if ask.stream:
        body["stream"] = True
    return body


ANTHROPIC_CLIENT_MAX_TOKENS = 1024  # an Anthropic client must always send max_tokens


def _anthropic_block(part: Part) -> dict[str, Any]:
    match part:
        case str():
            return {"type": "text", "text": part}
        case ImageUrl():
            return {"type": "image", "source": {"type": "url", "url": part.url}}
        case ImageData():
            return {
                "type": "image",
                "source": {"type": "base64", "media_type": part.media_type, "data": part.data},
            }
        case Pdf():
            source = {"type": "base64", "media_type": "application/pdf", "data": part.data}
            return {"type": "document", "source": source}
        case Call():
            return {"type": "tool_use", "id": part.id, "name": part.name, "input": part.arguments}
        case Result():
            return {"type": "tool_result", "tool_use_id": part.call_id, "content": part.text}
    raise AssertionError(part)


def _anthropic(model: str, ask: Ask) -> dict[str, Any]:
    systems = [t for t in ask.turns if t.role == "system"]
    messages = [
        {
            "role": "assistant" if t.role == "assistant" else "user",
            "content": [_anthropic_block(p) for p in t.parts],
        }
        for t in ask.turns
        if t.role != "system"
    ]
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": ask.max_tokens or ANTHROPIC_CLIENT_MAX_TOKENS,
        "messages": messages,
    }
    if systems:
        body["system"] = [{"type": "text", "text": text} for t in systems for text in _texts(t.parts)]
    if ask.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.schema} for t in ask.tools
        ]
    choice: dict[str, Any] | None = None
    if ask.tool_choice is not None:
        kinds = {"auto": "auto", "none": "none", "required": "any"}
        kind = kinds.get(ask.tool_choice, "tool")
        choice = {"type": kind} if kind != "tool" else {"type": "tool", "name": ask.tool_choice}
    if ask.parallel_tool_calls is False:
        choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
    if choice is not None:
        body["tool_choice"] = choice
    if ask.stop is not None:
        body["stop_sequences"] = ask.stop
    if ask.stream:
        body["stream"] = True
    return body


def _gemini_part(part: Part) -> dict[str, Any]:
    match part:
        case str():
            return {"text": part}
        case ImageUrl():
            return {"fileData": {"mimeType": "image/jpeg", "fileUri": part.url}}
        case ImageData():
            return {"inlineData": {"mimeType": part.media_type, "data": part.data}}
        case Pdf():
            return {"inlineData": {"mimeType": "application/pdf", "data": part.data}}
        case Call():
            return {"functionCall": {"name": part.name, "args": part.arguments}}
        case Result():
            return {"functionResponse": {"name": part.name, "response": {"output": part.text}}}
    raise AssertionError(part)


def _gemini(model: str, ask: Ask) -> dict[str, Any]:
    systems = [text for t in ask.turns if t.role == "system" for text in _texts(t.parts)]
    contents = [
        {"role": "model" if t.role == "assistant" else "user", "parts": [_gemini_part(p) for p in t.parts]}
        for t in ask.turns
        if t.role != "system"
    ]
    body: dict[str, Any] = {"contents": contents}
    if systems:
        body["systemInstruction"] = {"parts": [{"text": text} for text in systems]}
    if ask.tools:
        declarations = [
            {"name": t.name, "description": t.description, "parametersJsonSchema": t.schema}
            for t in ask.tools
        ]
        body["tools"] = [{"functionDeclarations": declarations}]
    if ask.tool_choice is not None:
        modes = {"auto": "AUTO", "none": "NONE", "required": "ANY"}
        config: dict[str, Any] = {"mode": modes.get(ask.tool_choice, "ANY")}
        if ask.tool_choice not in modes:
            config["allowedFunctionNames"] = [ask.tool_choice]
        body["toolConfig"] = {"functionCallingConfig": config}
    generation: dict[str, Any] = {}
    if ask.max_tokens is not None:
        generation["maxOutputTokens"] = ask.max_tokens
    if ask.stop is not None:
        generation["stopSequences"] = ask.stop
    if generation:
        body["generationConfig"] = generation
    return body


BODIES = {CHAT: _chat, RESPONSES: _responses, ANTHROPIC: _anthropic, GEMINI: _gemini}


# --- sending ---------------------------------------------------------------------------------------

OPERATIONS = {
    CHAT: "openai.createChatCompletion",
    RESPONSES: "openai.createResponse",
    ANTHROPIC: "anthropic.createMessage",
    GEMINI: "v1beta.generateContent",
}
STREAM_OPERATIONS = {**OPERATIONS, GEMINI: "v1beta.streamGenerateContent"}


def endpoint(protocol: str, model: str, stream: bool) -> str:
    if protocol == GEMINI:
        return (
            f"/v1beta/models/{model}:streamGenerateContent?alt=sse"
            if stream
            else f"/v1beta/models/{model}:generateContent"
        )
    return {CHAT: "/v1/chat/completions", RESPONSES: "/v1/responses", ANTHROPIC: "/v1/messages"}[protocol]


def client_headers(protocol: str) -> dict[str, str]:
    """How each protocol's SDK presents its key."""
    if protocol == ANTHROPIC:
        return {"x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"}
    if protocol == GEMINI:
        return {"x-goog-api-key": CLIENT_KEY}
    return {"authorization": f"Bearer {CLIENT_KEY}"}


# One pooled client for every call a test makes (a new client per call costs an SSL context).
HTTP = httpx.Client(timeout=10.0)


def send(base_url: str, protocol: str, model: str, body: dict[str, Any]) -> httpx.Response:
    """A client's body, sent as is (a stream is read whole)."""
    url = base_url + endpoint(protocol, model, bool(body.get("stream")))
    return HTTP.post(url, json=body, headers=client_headers(protocol))


def ask(base_url: str, protocol: str, model: str, question: Ask) -> httpx.Response:
    """Send ``question`` as a client of ``protocol`` would."""
    return send(base_url, protocol, model, request_body(protocol, model, question))


# --- what an upstream received, read back in neutral terms -----------------------------------------


@dataclass(frozen=True)
class SeenCall:
    id: str | None
    name: str
    arguments: dict[str, Any]
    signature: str | None = None


@dataclass(frozen=True)
class SeenResult:
    id: str | None  # Gemini pairs by name (and the id the gateway adds)
    name: str | None
    text: str


class UpstreamView:
    """A provider request body read back: system texts, limits, tools and the conversation."""

    def __init__(self, protocol: str, body: dict[str, Any]) -> None:
        self.protocol = protocol
        self.body = body

    # -- settings --

    @property
    def max_tokens(self) -> int | None:
        body = self.body
        return {
            CHAT: body.get("max_completion_tokens", body.get("max_tokens")),
            RESPONSES: body.get("max_output_tokens"),
            ANTHROPIC: body.get("max_tokens"),
            GEMINI: (body.get("generationConfig") or {}).get("maxOutputTokens"),
        }[self.protocol]

    @property
    def stop(self) -> list[str] | None:
        body = self.body
        value = {
            CHAT: body.get("stop"),
            RESPONSES: body.get("stop"),
            ANTHROPIC: body.get("stop_sequences"),
            GEMINI: (body.get("generationConfig") or {}).get("stopSequences"),
        }[self.protocol]
        return [value] if isinstance(value, str) else value

    @property
    def tool_choice(self) -> str | None:
        """auto | none | required | the named tool, or None when not sent."""
        body = self.body
        if self.protocol == GEMINI:
            config = (body.get("toolConfig") or {}).get("functionCallingConfig")
            if not config:
                return None
            names = config.get("allowedFunctionNames") or []
            if config["mode"] == "ANY" and len(names) == 1:
                return names[0]
            return {"AUTO": "auto", "NONE": "none", "ANY": "required"}[config["mode"]]
        choice = body.get("tool_choice")
        if choice is None or isinstance(choice, str):
            return choice
        if self.protocol == ANTHROPIC:
            return {"auto": "auto", "none": "none", "any": "required"}.get(choice["type"], choice.get("name"))
        return choice["function"]["name"] if self.protocol == CHAT else choice["name"]

    @property
    def parallel_tool_calls(self) -> bool | None:
        if self.protocol == ANTHROPIC:
            choice = self.body.get("tool_choice") or {}
            return False if choice.get("disable_parallel_tool_use") else None
        return self.body.get("parallel_tool_calls")

    @property
    def tool_schemas(self) -> dict[str, Any]:
        tools = self.body.get("tools") or []
        if self.protocol == CHAT:
            return {t["function"]["name"]: t["function"]["parameters"] for t in tools}
        if self.protocol == RESPONSES:
            return {t["name"]: t["parameters"] for t in tools}
        if self.protocol == ANTHROPIC:
            return {t["name"]: t["input_schema"] for t in tools}
        return {
            d["name"]: d.get("parametersJsonSchema", d.get("parameters"))
            for t in tools
            for d in t.get("functionDeclarations", [])
        }

    # -- the conversation --

    @property
    def systems(self) -> list[str]:
        """Every system/developer text, in order."""
        body = self.body
        if self.protocol == ANTHROPIC:
            raw = body.get("system") or []
            return [raw] if isinstance(raw, str) else [b["text"] for b in raw]
        if self.protocol == GEMINI:
            return [p["text"] for p in (body.get("systemInstruction") or {}).get("parts", [])]
        texts = [body["instructions"]] if body.get("instructions") else []
        for message in self.messages:
            if message.get("role") in ("system", "developer"):
                content = message.get("content")
                texts += [content] if isinstance(content, str) else [part["text"] for part in content]
        return texts

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation items in the protocol's own shape."""
        return {
            CHAT: lambda b: b["messages"],
            RESPONSES: lambda b: (
                b["input"] if isinstance(b["input"], list) else [{"role": "user", "content": b["input"]}]
            ),
            ANTHROPIC: lambda b: b["messages"],
            GEMINI: lambda b: b["contents"],
        }[self.protocol](self.body)

    @property
    def roles(self) -> list[str]:
        """The role of each conversation item (Responses function items are named by type)."""
        return [m.get("role") or m.get("type") for m in self.messages]

    @property
    def calls(self) -> list[SeenCall]:
        found = []
        for message in self.messages:
            if self.protocol == CHAT:
                for call in message.get("tool_calls") or []:
                    args = json.loads(call["function"]["arguments"] or "{}")
                    found.append(SeenCall(call["id"], call["function"]["name"], args))
            elif self.protocol == RESPONSES:
                if message.get("type") == "function_call":
                    found.append(
                        SeenCall(
                            message["call_id"], message["name"], json.loads(message["arguments"] or "{}")
                        )
                    )
            elif self.protocol == ANTHROPIC:
                found += [
                    SeenCall(b["id"], b["name"], b["input"])
                    for b in _blocks(message)
                    if b.get("type") == "tool_use"
                ]
            else:
                found += [
                    SeenCall(
                        p["functionCall"].get("id"),
                        p["functionCall"]["name"],
                        p["functionCall"].get("args") or {},
                        p.get("thoughtSignature"),
                    )
                    for p in message.get("parts", [])
                    if "functionCall" in p
                ]
        return found

    @property
    def results(self) -> list[SeenResult]:
        found = []
        for message in self.messages:
            if self.protocol == CHAT and message.get("role") == "tool":
                found.append(SeenResult(message["tool_call_id"], None, _plain(message["content"])))
            elif self.protocol == RESPONSES and message.get("type") == "function_call_output":
                found.append(SeenResult(message["call_id"], None, _plain(message["output"])))
            elif self.protocol == ANTHROPIC:
                found += [
                    SeenResult(b["tool_use_id"], None, _plain(b.get("content")))
                    for b in _blocks(message)
                    if b.get("type") == "tool_result"
                ]
            elif self.protocol == GEMINI:
                for part in message.get("parts", []):
                    if "functionResponse" in part:
                        response = part["functionResponse"]
                        text = response["response"].get("output", json.dumps(response["response"]))
                        found.append(SeenResult(response.get("id"), response["name"], text))
        return found

    def contents_of(self, position: int) -> list[dict[str, Any]]:
        """The content parts/blocks of one conversation item, as a list."""
        message = self.messages[position]
        if self.protocol == GEMINI:
            return message["parts"]
        content = message.get("content")
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        return list(content or [])


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])


def _plain(content: Any) -> str:
    """The text of a string or a list of text parts/blocks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)
