"""Which protocol a caller speaks, for the paths several protocols share and for errors.

``GET /v1/models`` is called by OpenAI, Anthropic and Gemini SDKs alike, and a request to an unknown
path still deserves an error its SDK can parse. Each SDK always sends something the others do not:
Gemini its ``x-goog-api-key`` header or ``key`` parameter and ``x-goog-api-client``, Anthropic its
``anthropic-version`` header or ``x-api-key``.
"""

from __future__ import annotations

from flask import Request

from gateway import tables

OPENAI = "openai"


def family(protocol: str) -> str:
    """openai_chat, openai_responses, openai_images and openai_models share one family."""
    return OPENAI if protocol.startswith("openai") else protocol


def caller_family(request: Request) -> str:
    """Headers first (each SDK's own), then the path: a model id may contain a colon."""
    headers = request.headers
    if "x-goog-api-key" in headers or "x-goog-api-client" in headers or "key" in request.args:
        return tables.GEMINI
    if "anthropic-version" in headers or "x-api-key" in headers:
        return tables.ANTHROPIC
    path = request.path
    if path.startswith("/v1beta/") or ":" in path.rsplit("/", 1)[-1]:
        return tables.GEMINI
    if path.startswith("/v1/messages"):
        return tables.ANTHROPIC
    return OPENAI


def error_protocol(request: Request) -> str:
    """The protocol whose error shape to use when no route decided it."""
    caller = caller_family(request)
    return tables.OPENAI_CHAT if caller == OPENAI else caller
