"""The models list in each protocol's dialect, built from the catalog.

``GET /v1/models`` is the same path for OpenAI, Anthropic and Gemini clients; the web layer picks
the dialect from the caller's headers and this module writes it. OpenAI-form entries carry the
gateway's pricing extension (decimal USD strings per million tokens, per image for images).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from gateway import tables
from gateway.catalog import ModelEntry
from gateway.money import format_usd


def encode_list(protocol: str, models: Sequence[ModelEntry]) -> dict[str, Any]:
    if protocol == tables.ANTHROPIC:
        items = [_anthropic(m) for m in models]
        return {
            "data": items,
            "has_more": False,
            "first_id": items[0]["id"] if items else None,
            "last_id": items[-1]["id"] if items else None,
        }
    if protocol == tables.GEMINI:
        return {"models": [_gemini(m) for m in models]}
    return {"object": "list", "data": [_openai(m) for m in models]}


def encode_one(protocol: str, model: ModelEntry) -> dict[str, Any]:
    if protocol == tables.ANTHROPIC:
        return _anthropic(model)
    if protocol == tables.GEMINI:
        return _gemini(model)
    return _openai(model)


def _pricing(model: ModelEntry) -> dict[str, str]:
    """Token prices are always given (``unit`` is theirs); ``image`` is per image, as the spec says."""
    prices = model.prices
    pricing = {"input": format_usd(prices.input), "output": format_usd(prices.output)}
    if prices.cache_read:
        pricing["cache_read"] = format_usd(prices.cache_read)
    if prices.cache_write:
        pricing["cache_write"] = format_usd(prices.cache_write)
    if model.kind == "image":
        pricing["image"] = format_usd(prices.image)
    pricing["unit"] = "USD per 1M tokens"
    return pricing


def _openai(model: ModelEntry) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": model.id,
        "object": "model",
        "created": model.created,
        "owned_by": model.owned_by,
        "pricing": _pricing(model),
        "aliases": list(model.aliases),
    }
    if model.kind == "chat":
        entry["context_window"] = model.context_window
        entry["max_output_tokens"] = model.max_output_tokens
    return entry


def _anthropic(model: ModelEntry) -> dict[str, Any]:
    """The limits are required (null when unknown); capabilities are not described, so null."""
    created = datetime.fromtimestamp(model.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    chat = model.kind == "chat"
    return {
        "type": "model",
        "id": model.id,
        "display_name": model.display_name,
        "created_at": created,
        "capabilities": None,
        "max_input_tokens": model.context_window if chat else None,
        "max_tokens": model.max_output_tokens if chat else None,
    }


def _gemini(model: ModelEntry) -> dict[str, Any]:
    methods = ["generateContent", "streamGenerateContent", "countTokens"] if model.kind == "chat" else []
    return {
        "name": f"models/{model.id}",
        "version": "001",
        "displayName": model.display_name,
        "inputTokenLimit": model.context_window,
        "outputTokenLimit": model.max_output_tokens,
        "supportedGenerationMethods": methods,
    }
