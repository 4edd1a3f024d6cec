"""The provider streams the streaming tests replay: real recorded streams, and where a provider's
answer was recorded only whole, that answer streamed in its provider's grammar."""

from __future__ import annotations

from dataclasses import dataclass

from translation.dialects import ANTHROPIC, CHAT, GEMINI, LOCATION, RESPONSES, Tool
from translation.fake_upstreams import Reply, recorded, recorded_json, recording
from translation.synthetic_streams import stream_of
from translation.whole_bodies import whole_body


@dataclass(frozen=True)
class Source:
    """A provider stream: the reply that sends it, its decoded bytes, and the tools it calls."""

    protocol: str
    reply: Reply
    raw: bytes
    tools: tuple[Tool, ...] = ()

    @property
    def whole(self) -> dict:
        """The same answer as the provider's non-streamed body."""
        return whole_body(self.protocol, self.raw)


def real(protocol: str, name: str, index: int = 0, tools: tuple[Tool, ...] = ()) -> Source:
    return Source(protocol, recorded(name, index), recording(name, index).response.body, tools)


def synthetic(protocol: str, name: str, index: int = 0, tools: tuple[Tool, ...] = ()) -> Source:
    raw = stream_of(protocol, recorded_json(name, index))
    return Source(protocol, Reply.sse(raw), raw, tools)


def _tools(*names: str) -> tuple[Tool, ...]:
    return tuple(Tool(name, f"The {name} tool", LOCATION) for name in names)


TEXT = {
    CHAT: lambda: real(CHAT, "openai/chat-stream__mirascope-gpt4o"),
    RESPONSES: lambda: real(RESPONSES, "openai/resp-stream__simonw-llm"),
    ANTHROPIC: lambda: real(ANTHROPIC, "anthropic/msg-stream__simonw"),
    GEMINI: lambda: real(GEMINI, "gemini/stream-sse__mirascope"),
}
PARALLEL_TOOLS = {
    CHAT: lambda: real(CHAT, "openai/chat-stream-parallel-tools__otel", tools=_tools("get_current_weather")),
    RESPONSES: lambda: synthetic(
        RESPONSES, "openai/resp-parallel-tools__traceloop", tools=_tools("get_weather")
    ),
    ANTHROPIC: lambda: real(
        ANTHROPIC, "anthropic/msg-stream-parallel-tools__arize", tools=_tools("get_weather", "get_time")
    ),
    GEMINI: lambda: real(
        GEMINI, "gemini/stream-parallel-tools__crewai", tools=_tools("get_current_temperature")
    ),
}
THINKING = {
    RESPONSES: lambda: real(RESPONSES, "openai/resp-reasoning-summary-stream__mirascope"),
    ANTHROPIC: lambda: real(ANTHROPIC, "anthropic/thinking-stream__simonw"),
    GEMINI: lambda: real(GEMINI, "gemini/thinking-stream__mirascope"),
}
TRUNCATED = {
    CHAT: lambda: synthetic(CHAT, "openai/chat-finish-length__mirascope"),
    RESPONSES: lambda: synthetic(RESPONSES, "openai/resp-incomplete-max-output__mirascope"),
    ANTHROPIC: lambda: real(ANTHROPIC, "anthropic/max-tokens-stream__mirascope"),
    GEMINI: lambda: synthetic(GEMINI, "gemini/max-tokens__mirascope"),
}
SCENARIOS = {"text": TEXT, "parallel_tools": PARALLEL_TOOLS, "thinking": THINKING, "truncated": TRUNCATED}
