"""The real recorded answers the tests give as each provider's reply, named by what they show."""

from __future__ import annotations

from typing import Any

from translation.dialects import ANTHROPIC, CHAT, GEMINI, RESPONSES
from translation.fake_upstreams import recorded_json, recording
from translation.whole_bodies import whole_body

# A plain text answer from each provider (gzip-encoded on the wire where it was sent so).
PLAIN = {
    CHAT: "openai/chat-plain__logfire-gzip",
    RESPONSES: "openai/resp-plain__simonw-llm",
    ANTHROPIC: "anthropic/msg-plain__mirascope",
    GEMINI: "gemini/gen-plain__crewai",
}
# Anthropic thinking with its signature.
ANTHROPIC_THINKING = "anthropic/thinking__crewai"
# A Gemini 3 tool loop: #0 calls ``multiply`` with a thoughtSignature, #1 answers the result
# (recorded as JSON-array streams; used whole, or streamed again in Gemini's SSE grammar).
GEMINI_3_LOOP = "gemini/thought-signatures-g3__simonw"


def anthropic_thinking_signature() -> str:
    return next(
        b["signature"] for b in recorded_json(ANTHROPIC_THINKING)["content"] if b["type"] == "thinking"
    )


def gemini_3_turn(index: int) -> dict[str, Any]:
    """One turn of the Gemini 3 tool loop as a whole generateContent body."""
    return whole_body(GEMINI, recording(GEMINI_3_LOOP, index).response.body)


def gemini_3_signature() -> str:
    """The thoughtSignature Gemini 3 put on its function call (it must come back with the call)."""
    return gemini_3_turn(0)["candidates"][0]["content"]["parts"][0]["thoughtSignature"]


def signatures_sent_with_calls(gemini_body: dict[str, Any]) -> list[str | None]:
    """The thoughtSignature of every functionCall part a Gemini request carries."""
    return [
        part.get("thoughtSignature")
        for content in gemini_body["contents"]
        for part in content["parts"]
        if "functionCall" in part
    ]
