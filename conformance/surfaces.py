"""The surfaces a gateway may claim: one row of the certificate each, with the spec operations
behind it.

A surface is what a client sees as one API: OpenAI's chat completions, Anthropic's count_tokens,
Gemini's streamGenerateContent under ``/v1beta``. Gemini is served under two versions that SDKs
choose between, so each of its surfaces exists once per version.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSES

__all__ = ["FAMILIES", "GEMINI_VERSIONS", "SURFACES", "Surface", "surface"]

FAMILIES = ("openai", "anthropic", "gemini")
GEMINI_VERSIONS = ("v1beta", "v1")


@dataclass(frozen=True, slots=True)
class Surface:
    """``kind`` says what it does (generate, stream, count_tokens, images, models); ``protocol``
    is the wire protocol of its bodies and errors, as ``conformance.checks`` names them."""

    id: str
    family: str
    kind: str
    protocol: str
    operations: tuple[str, ...]
    version: str | None = None

    @property
    def name(self) -> str:
        """The surface's name inside its family, as a profile lists it (``messages``)."""
        return self.id.rsplit(".", 1)[1]

    @property
    def streams(self) -> bool:
        """A surface whose answers can be streamed as SSE."""
        return self.kind == "stream" or (self.kind == "generate" and self.protocol != GEMINI)


def _gemini(version: str) -> list[Surface]:
    return [
        Surface(
            f"gemini.{version}.generate",
            "gemini",
            "generate",
            GEMINI,
            (f"{version}.generateContent",),
            version,
        ),
        Surface(
            f"gemini.{version}.stream",
            "gemini",
            "stream",
            GEMINI,
            (f"{version}.streamGenerateContent",),
            version,
        ),
        Surface(
            f"gemini.{version}.count_tokens",
            "gemini",
            "count_tokens",
            GEMINI,
            (f"{version}.countTokens",),
            version,
        ),
        Surface(
            f"gemini.{version}.models",
            "gemini",
            "models",
            GEMINI,
            (f"{version}.listModels", f"{version}.getModel"),
            version,
        ),
    ]


SURFACES: tuple[Surface, ...] = (
    Surface("openai.chat", "openai", "generate", OPENAI_CHAT, ("openai.createChatCompletion",)),
    Surface("openai.responses", "openai", "generate", OPENAI_RESPONSES, ("openai.createResponse",)),
    Surface("openai.images", "openai", "images", OPENAI_CHAT, ("openai.createImage",)),
    Surface("openai.models", "openai", "models", OPENAI_CHAT, ("openai.listModels", "openai.retrieveModel")),
    Surface("anthropic.messages", "anthropic", "generate", ANTHROPIC, ("anthropic.createMessage",)),
    Surface("anthropic.count_tokens", "anthropic", "count_tokens", ANTHROPIC, ("anthropic.countTokens",)),
    Surface(
        "anthropic.models", "anthropic", "models", ANTHROPIC, ("anthropic.listModels", "anthropic.getModel")
    ),
    *(s for version in GEMINI_VERSIONS for s in _gemini(version)),
)


def surface(surface_id: str) -> Surface:
    """The surface with this id; KeyError lists the ids there are."""
    for candidate in SURFACES:
        if candidate.id == surface_id:
            return candidate
    raise KeyError(f"unknown surface {surface_id!r}; expected one of {[s.id for s in SURFACES]}")
