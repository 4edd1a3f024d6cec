"""Every surface the gateway serves, with one valid request and the ways to spoil it.

A surface is one operation as a client calls it: its protocol (which decides the error shape), the
key header its SDK sends, a valid body, and bodies that miss a required field, hold an ill-typed
one, or name an unknown model. GET surfaces have no body, so the body cases skip them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.settings import DEMO_KEY
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT

Body = dict[str, Any]
CHAT = [{"role": "user", "content": "hi"}]
GEMINI_CONTENTS = [{"role": "user", "parts": [{"text": "hi"}]}]
# What each SDK sends besides the key (it tells the dialect of a shared path like /v1/models).
ANTHROPIC_VERSION = {"anthropic-version": "2023-06-01"}
GOOGLE_CLIENT = {"x-goog-api-client": "google-genai-sdk/1.0 gl-python/3.11"}


@dataclass(frozen=True)
class Surface:
    name: str
    protocol: str  # whose error shape the answers must have
    method: str
    path: str
    body: Body | None = None
    missing_field: Body | None = None
    ill_typed: Body | None = None
    unknown_model: tuple[str, Body | None] | None = None  # (path, body)
    headers: dict[str, str] = field(default_factory=dict)  # what its SDK sends besides the key

    def __str__(self) -> str:
        return self.name


def key_header(protocol: str, key: str = DEMO_KEY) -> dict[str, str]:
    """The key the way this protocol's SDK sends it."""
    if protocol == ANTHROPIC:
        return {"x-api-key": key}
    if protocol == GEMINI:
        return {"x-goog-api-key": key}
    return {"authorization": f"Bearer {key}"}


def _gemini(version: str) -> list[Surface]:
    base = f"/{version}/models"
    model = f"{base}/gemini-2.5-flash"
    generate: Body = {"contents": GEMINI_CONTENTS}
    return [
        Surface(
            f"gemini {version} generateContent",
            GEMINI,
            "POST",
            f"{model}:generateContent",
            generate,
            missing_field={"generationConfig": {"temperature": 0.5}},
            ill_typed={"contents": "hi"},
            unknown_model=(f"{base}/gemini-none:generateContent", generate),
            headers=GOOGLE_CLIENT,
        ),
        Surface(
            f"gemini {version} streamGenerateContent",
            GEMINI,
            "POST",
            f"{model}:streamGenerateContent?alt=sse",
            generate,
            missing_field={"generationConfig": {"temperature": 0.5}},
            ill_typed={"contents": [{"parts": "hi"}]},
            unknown_model=(f"{base}/gemini-none:streamGenerateContent?alt=sse", generate),
            headers=GOOGLE_CLIENT,
        ),
        Surface(
            f"gemini {version} countTokens",
            GEMINI,
            "POST",
            f"{model}:countTokens",
            generate,
            ill_typed={"contents": 5},
            unknown_model=(f"{base}/gemini-none:countTokens", generate),
            headers=GOOGLE_CLIENT,
        ),
        Surface(f"gemini {version} models.list", GEMINI, "GET", base, headers=GOOGLE_CLIENT),
        Surface(
            f"gemini {version} models.get",
            GEMINI,
            "GET",
            model,
            unknown_model=(f"{base}/gemini-none", None),
            headers=GOOGLE_CLIENT,
        ),
    ]


SURFACES: list[Surface] = [
    Surface(
        "openai chat",
        OPENAI_CHAT,
        "POST",
        "/v1/chat/completions",
        {"model": "gpt-4o-mini", "messages": CHAT},
        missing_field={"model": "gpt-4o-mini"},
        ill_typed={"model": "gpt-4o-mini", "messages": CHAT, "temperature": "hot"},
        unknown_model=("/v1/chat/completions", {"model": "gpt-none", "messages": CHAT}),
    ),
    Surface(
        "openai responses",
        OPENAI_CHAT,
        "POST",
        "/v1/responses",
        {"model": "gpt-4o-mini", "input": "hi"},
        missing_field={"input": "hi"},
        ill_typed={"model": "gpt-4o-mini", "input": "hi", "max_output_tokens": "many"},
        unknown_model=("/v1/responses", {"model": "gpt-none", "input": "hi"}),
    ),
    Surface(
        "openai images",
        OPENAI_CHAT,
        "POST",
        "/v1/images/generations",
        {"model": "gpt-image-1", "prompt": "a red panda", "size": "256x256"},
        missing_field={"model": "gpt-image-1"},
        ill_typed={"model": "gpt-image-1", "prompt": "a red panda", "n": "two"},
        unknown_model=("/v1/images/generations", {"model": "painter-none", "prompt": "a red panda"}),
    ),
    Surface("openai models.list", OPENAI_CHAT, "GET", "/v1/models"),
    Surface(
        "openai models.retrieve",
        OPENAI_CHAT,
        "GET",
        "/v1/models/gpt-4o",
        unknown_model=("/v1/models/gpt-none", None),
    ),
    Surface(
        "anthropic messages",
        ANTHROPIC,
        "POST",
        "/v1/messages",
        {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": CHAT},
        missing_field={"model": "claude-haiku-4-5", "messages": CHAT},
        ill_typed={"model": "claude-haiku-4-5", "max_tokens": "fifty", "messages": CHAT},
        unknown_model=("/v1/messages", {"model": "claude-none", "max_tokens": 50, "messages": CHAT}),
        headers=ANTHROPIC_VERSION,
    ),
    Surface(
        "anthropic count_tokens",
        ANTHROPIC,
        "POST",
        "/v1/messages/count_tokens",
        {"model": "claude-haiku-4-5", "messages": CHAT},
        missing_field={"model": "claude-haiku-4-5"},
        ill_typed={"model": "claude-haiku-4-5", "messages": "hi"},
        unknown_model=("/v1/messages/count_tokens", {"model": "claude-none", "messages": CHAT}),
        headers=ANTHROPIC_VERSION,
    ),
    Surface("anthropic models.list", ANTHROPIC, "GET", "/v1/models", headers=ANTHROPIC_VERSION),
    Surface(
        "anthropic models.get",
        ANTHROPIC,
        "GET",
        "/v1/models/claude-haiku-4-5",
        unknown_model=("/v1/models/claude-none", None),
        headers=ANTHROPIC_VERSION,
    ),
    *_gemini("v1beta"),
    *_gemini("v1"),
]
WITH_BODY = [s for s in SURFACES if s.body is not None]
