"""Protocol codecs, one module per protocol; ``codec_for`` finds a protocol's codec by name."""

from __future__ import annotations

from importlib import import_module

from gateway.codecs.base import Codec

_MODULES = {
    "openai_chat": "gateway.codecs.openai_chat",
    "openai_responses": "gateway.codecs.openai_responses",
    "anthropic": "gateway.codecs.anthropic",
    "gemini": "gateway.codecs.gemini",
}
_CACHE: dict[str, Codec] = {}


def codec_for(protocol: str) -> Codec:
    """The codec singleton of a chat protocol (imported on first use)."""
    codec = _CACHE.get(protocol)
    if codec is None:
        codec = _CACHE[protocol] = import_module(_MODULES[protocol]).CODEC
    return codec
