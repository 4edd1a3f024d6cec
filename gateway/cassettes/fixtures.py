"""Inbound requests as data: what a client sends the gateway, in one protocol, for one cassette.

A fixture file (``fixtures/<provider>/<scenario>/<protocol>.json``) holds the protocol, the
gateway path (Gemini puts the model and the stream form in it) and the JSON body, so the same file
drives ``gateway record`` (send it to the real upstream) and the replay tests (send it to the
cassette). One scenario has one fixture per inbound protocol that can express it; they all reach
the upstream as the same request, which is what the cassette holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway import tables
from gateway.canonical import Request
from gateway.cassettes.matching import body_differences, normalized
from gateway.codecs import codec_for
from gateway.errors import GatewayError
from gateway.specs import SpecSet

__all__ = [
    "Fixture",
    "auth_headers",
    "fixture_from_canonical",
    "gateway_path",
    "load_fixture",
    "operation_id",
    "translate",
]

INBOUND = (*tables.PROTOCOLS, tables.OPENAI_IMAGES)

_PATHS = {
    tables.OPENAI_CHAT: "/v1/chat/completions",
    tables.OPENAI_RESPONSES: "/v1/responses",
    tables.OPENAI_IMAGES: "/v1/images/generations",
    tables.ANTHROPIC: "/v1/messages",
}


# The spec operation that serves a gateway path (see ``specs/``).
_OPERATIONS = (
    (":streamGenerateContent", "v1beta.streamGenerateContent"),
    (":generateContent", "v1beta.generateContent"),
    (":countTokens", "v1beta.countTokens"),
    ("/messages/count_tokens", "anthropic.countTokens"),
    ("/messages", "anthropic.createMessage"),
    ("/chat/completions", "openai.createChatCompletion"),
    ("/responses", "openai.createResponse"),
    ("/images/generations", "openai.createImage"),
)


@dataclass(slots=True)
class Fixture:
    protocol: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def stream(self) -> bool:
        return ":streamGenerateContent" in self.path or self.body.get("stream") is True

    @property
    def operation_id(self) -> str:
        return operation_id(self.path)

    def to_json(self) -> str:
        data: dict[str, Any] = {"protocol": self.protocol, "path": self.path}
        if self.headers:
            data["headers"] = self.headers
        data["body"] = self.body
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def gateway_path(protocol: str, model: str, *, stream: bool = False, json_array: bool = False) -> str:
    """The gateway route a client of ``protocol`` calls for ``model``."""
    if protocol == tables.GEMINI:
        if not stream:
            return f"/v1beta/models/{model}:generateContent"
        return f"/v1beta/models/{model}:streamGenerateContent" + ("" if json_array else "?alt=sse")
    return _PATHS[protocol]


def auth_headers(protocol: str, key: str) -> dict[str, str]:
    """The key in the style that protocol's SDKs send it."""
    if protocol == tables.ANTHROPIC:
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}
    if protocol == tables.GEMINI:
        return {"x-goog-api-key": key}
    return {"authorization": f"Bearer {key}"}


def fixture_from_canonical(
    protocol: str, request: Request, model: str, *, json_array: bool = False
) -> Fixture:
    """The body a client of ``protocol`` sends to ask ``request`` of ``model``; raises the codec's
    GatewayError when that protocol cannot express the request."""
    body = codec_for(protocol).encode_request(request, model)
    return Fixture(
        protocol, gateway_path(protocol, model, stream=request.stream, json_array=json_array), body
    )


def operation_id(path: str) -> str:
    """The spec operation (``specs/``) a gateway path is served by."""
    route = path.partition("?")[0]
    return next(op for suffix, op in _OPERATIONS if route.endswith(suffix))


def translate(request: Request, protocol: str, model: str, specs: SpecSet | None = None) -> Fixture | str:
    """The fixture a client of ``protocol`` sends to ask ``request`` of ``model``, or why that
    protocol cannot ask it: its codec refuses; what it writes reads back as another request (a
    thinking budget becomes an effort, a signature is dropped); or its spec refuses the body."""
    try:
        fixture = fixture_from_canonical(protocol, request, model)
        received = codec_for(protocol).decode_request(fixture.body, model=model)
    except GatewayError as refusal:
        return f"{protocol} cannot express it: {refusal.message}"
    lost = body_differences(normalized(received), normalized(request))
    if lost:
        return f"{protocol} cannot express it exactly: {'; '.join(lost[:3])}"
    problems = specs.validate_request_body(fixture.operation_id, fixture.body) if specs else []
    if problems:
        return f"{protocol}'s spec refuses it: {'; '.join(problems[:2])}"
    return fixture


def load_fixture(path: str | Path) -> Fixture:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    protocol = data["protocol"]
    if protocol not in INBOUND:
        raise ValueError(f"{path}: protocol must be one of {INBOUND}, not {protocol!r}")
    return Fixture(protocol, data["path"], data["body"], dict(data.get("headers") or {}))
