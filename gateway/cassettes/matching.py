"""When a replayed upstream request is "the same" as a recorded one: compared by meaning, not bytes.

Between recording and replay many things legitimately change: header order and values, JSON key
order, the model alias the client used (the catalog maps it to one upstream model), ids that each
client mints (tool-call ids), the usage flag the gateway adds to every stream, whether Gemini's
stream was asked for as SSE or as a JSON array. What must not change is what was asked: the
endpoint, the model, streamed or not, and the request's canonical form (messages, tools, limits,
sampling) as the upstream protocol's own codec decodes it.

Rules, each one a reason a byte comparison would be wrong:
- Bodies are decoded with the upstream codec into ``gateway.canonical.Request``; bodies the codec
  cannot decode (server tools, count-tokens wrappers, endpoints the gateway does not translate) are
  compared as JSON with the model left out.
- Tool-call ids are compared by position (the first id seen is ``id#0`` wherever it appears), so a
  conversation pairs calls and results the same way without minting the same ids.
- A conversation is compared as turns: consecutive parts of one role, tool results being the
  ``tool`` role wherever a protocol puts them (OpenAI: tool messages; Anthropic: user blocks), and
  ``system`` and ``developer`` being one role (every protocol but OpenAI has one instruction slot).
- Labels are left out where one protocol requires them and another has none: a tool result's
  function name (derivable from its call), a document's file name, a JSON schema's name, and the
  media type of media given by URL (the provider reads it from the resource).
- ``stream_usage``, ``user``, ``metadata`` and ``cache_control`` are left out: the gateway adds
  the first to every stream, and the others tag or cache a request without changing its answer.
- A recording made without an output limit answers any limit (Anthropic clients must send one).
- A tool's ``strict`` left unset is not strict and an empty description is none (the codecs write
  them so); an image's ``detail`` of ``auto`` is OpenAI's default, the same as none.
- Models are equal when they are the same name or the catalog resolves both to the same entry.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from gateway import tables
from gateway.canonical import Request
from gateway.catalog import Catalog
from gateway.codecs import codec_for

__all__ = [
    "Meaning",
    "body_differences",
    "differences",
    "make_matcher",
    "meaning_of",
    "model_names",
    "normalized",
]

_IGNORED_FIELDS = ("model", "stream", "stream_usage", "user", "metadata")
# Part fields that cache or name a part without changing what is asked (see the rules above).
_PART_LABELS = ("cache_control", "filename")


@dataclass(frozen=True, slots=True)
class Meaning:
    """What an upstream request asks for, in comparable form."""

    method: str
    host: str
    operation: str  # a protocol name, or "<protocol>.count", or "other:<path>"
    model: str | None
    stream: bool
    body: Any

    def describe(self) -> str:
        stream = " stream" if self.stream else ""
        return f"{self.method} {self.host} {self.operation} model={self.model}{stream}"


def _operation(path: str) -> tuple[str, str | None]:
    """The operation a path names and the model in it (Gemini puts the model in the URL)."""
    if "/models/" in path and ":" in path.rsplit("/", 1)[-1]:
        model, _, verb = path.split("/models/", 1)[1].partition(":")
        if verb in ("generateContent", "streamGenerateContent"):
            return tables.GEMINI, unquote(model)
        if verb == "countTokens":
            return f"{tables.GEMINI}.count", unquote(model)
        return f"other:{verb}", unquote(model)
    for suffix, operation in (
        ("/messages/count_tokens", f"{tables.ANTHROPIC}.count"),
        ("/chat/completions", tables.OPENAI_CHAT),
        ("/responses", tables.OPENAI_RESPONSES),
        ("/images/generations", tables.OPENAI_IMAGES),
        ("/v1/messages", tables.ANTHROPIC),
    ):
        if path.endswith(suffix):
            return operation, None
    return f"other:{path}", None


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body


@lru_cache(maxsize=4096)
def meaning_of(method: str, uri: str, body: bytes) -> Meaning:
    """The meaning of one upstream request (cached: recorded requests are compared many times)."""
    parts = urlsplit(uri)
    operation, model = _operation(parts.path)
    parsed = _json(body)
    fields = parsed if isinstance(parsed, dict) else {}
    model = model or fields.get("model")
    stream = parts.path.endswith(":streamGenerateContent") or fields.get("stream") is True
    return Meaning(
        method.upper(),
        (parts.hostname or "").lower(),
        operation,
        model if isinstance(model, str) else None,
        stream,
        _canonical_body(operation, parsed, model),
    )


def _canonical_body(operation: str, parsed: Any, model: str | None) -> Any:
    protocol = operation.removesuffix(".count")
    if isinstance(parsed, dict) and protocol in tables.PROTOCOLS:
        try:
            request = codec_for(protocol).decode_request(parsed, model=model)
        except Exception:  # refused (GatewayError) or malformed (not spec-checked): compare the JSON
            return _raw(parsed)
        return normalized(request)
    return _raw(parsed)


def _raw(parsed: Any) -> Any:
    if isinstance(parsed, dict):
        return {k: v for k, v in parsed.items() if k not in ("model", "stream_options")}
    return parsed


def normalized(request: Request) -> dict[str, Any]:
    """A canonical request as the matcher compares it (see the module's rules)."""
    data = dataclasses.asdict(request)
    ids: dict[str, str] = {}

    def ordinal(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return ids.setdefault(value, f"id#{len(ids)}")

    def part(raw: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in raw.items() if k not in _PART_LABELS}
        if "arguments" in out and "name" in out:  # a tool call: arguments compared as JSON
            out["id"] = ordinal(out["id"])
            out["arguments"] = _json(out["arguments"].encode()) if out["arguments"] else {}
        if "tool_call_id" in out:
            out["tool_call_id"] = ordinal(out["tool_call_id"])
            out["content"] = [part(p) for p in out["content"]]
            out.pop("name")
        if out.get("url") and not out.get("data"):
            out.pop("media_type", None)
        if out.get("detail") == "auto":  # OpenAI's default image detail
            out["detail"] = None
        return out

    turns: list[dict[str, Any]] = []
    for message in data["messages"]:
        for raw in message["content"]:
            role = "tool" if "tool_call_id" in raw else message["role"]
            role = "system" if role == "developer" else role
            if not turns or turns[-1]["role"] != role:
                turns.append({"role": role, "content": []})
            turns[-1]["content"].append(part(raw))
    data["messages"] = turns
    for tool in data["tools"]:
        tool["description"] = tool["description"] or None
        tool["strict"] = bool(tool["strict"])
    if data["response_format"]:
        data["response_format"].pop("name")
    return {k: v for k, v in data.items() if k not in _IGNORED_FIELDS}


def model_names(catalog: Catalog | None) -> Callable[[str | None, str | None], bool]:
    """Model equality under a catalog: same name, or names of one catalog entry (id, alias or
    upstream model)."""
    entries: dict[str, set[str]] = {}
    for model in catalog.models if catalog else ():
        for name in (model.id, *model.aliases, model.upstream_model):
            entries.setdefault(name, set()).add(model.id)

    def same(ours: str | None, recorded: str | None) -> bool:
        if ours == recorded:
            return True
        if ours is None or recorded is None:
            return False
        return bool(entries.get(ours.removeprefix("models/"), set()) & entries.get(recorded, set()))

    return same


def differences(
    ours: Meaning, recorded: Meaning, same_model: Callable[[str | None, str | None], bool]
) -> list[str]:
    """What separates a request from a recorded one, most telling first; empty when they match."""
    found = [
        f"{name}: {mine!r} != recorded {theirs!r}"
        for name, mine, theirs in (
            ("method", ours.method, recorded.method),
            ("host", ours.host, recorded.host),
            ("endpoint", ours.operation, recorded.operation),
            ("stream", ours.stream, recorded.stream),
        )
        if mine != theirs
    ]
    if not same_model(ours.model, recorded.model):
        found.append(f"model: {ours.model!r} != recorded {recorded.model!r}")
    return found + body_differences(ours.body, recorded.body)


def body_differences(mine: Any, theirs: Any) -> list[str]:
    """Where two normalized bodies differ, as ``path: ours != recorded`` lines."""
    found: list[str] = []
    _diff(mine, theirs, "body", found)
    return found


def _diff(mine: Any, theirs: Any, path: str, found: list[str]) -> None:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in sorted(set(mine) | set(theirs), key=str):
            if key == "max_tokens" and path == "body" and theirs.get(key) is None:
                continue  # recorded without a limit: any limit is the same request
            _diff(mine.get(key), theirs.get(key), f"{path}.{key}", found)
    elif isinstance(mine, list) and isinstance(theirs, list):
        if len(mine) != len(theirs):
            found.append(f"{path}: {len(mine)} items != recorded {len(theirs)}")
        for index, (a, b) in enumerate(zip(mine, theirs, strict=False)):
            _diff(a, b, f"{path}[{index}]", found)
    elif mine != theirs:
        found.append(f"{path}: {_short(mine)} != recorded {_short(theirs)}")


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def make_matcher(catalog: Catalog | None = None) -> Callable[[Any, Any], None]:
    """A vcrpy matcher (``match_on=[make_matcher(catalog)]``): raises AssertionError listing the
    differences when two vcrpy requests do not mean the same thing."""
    same_model = model_names(catalog)

    def upstream_meaning(r1: Any, r2: Any) -> None:
        found = differences(request_meaning(r1), request_meaning(r2), same_model)
        if found:
            raise AssertionError("; ".join(found[:5]))

    return upstream_meaning


def request_meaning(request: Any) -> Meaning:
    """The meaning of a vcrpy ``Request``."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    return meaning_of(request.method, request.uri, bytes(body))
