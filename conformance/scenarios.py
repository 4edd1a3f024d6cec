"""Scenarios: one thing to ask, written once, and its request in each protocol's terms.

The streaming, semantics, errors and replay families all ask the same few things (a plain
question, a forced tool call, a token limit, a system prompt, thinking, an image) through every
surface a target claims; writing each scenario once and encoding it per protocol here is what
makes "the same question through each protocol" literally the same question.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from conformance.http import Request
from conformance.surfaces import Surface
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSES

__all__ = [
    "SCENARIOS",
    "WEATHER",
    "Scenario",
    "Tool",
    "count_request",
    "images_request",
    "models_request",
    "request_for",
    "surface_headers",
    "without_system",
]

ANTHROPIC_VERSION = {"anthropic-version": "2023-06-01"}
# An 8x8 red PNG: small enough for any limit, a real image for any vision model.
RED_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR42mP4z8CAFTEMLQkAKP8/wc53yE8AAAAASUVORK5CYII="
)
DEFAULT_MAX_TOKENS = 256


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]


WEATHER = Tool(
    "get_weather",
    "The current weather in a city.",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city's name."},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "unit"],
    },
)


@dataclass(frozen=True)
class Scenario:
    """What to ask, in no protocol's terms. ``tool`` is offered and forced (the model must call
    it); ``ending`` is how the answer must end (a key of ``conformance.checks.semantics.ENDING``)."""

    name: str
    user: str
    ending: str = "end_turn"
    system: str | None = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    tool: Tool | None = None
    thinking: bool = False
    image: bool = False
    capability: str = "text"


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("plain", "Say hello in one short sentence."),
        Scenario(
            "tool",
            "What is the weather in Paris? Use get_weather.",
            ending="tool_use",
            tool=WEATHER,
            capability="tools",
        ),
        Scenario(
            "truncated", "Write a long story about a lighthouse keeper.", ending="max_tokens", max_tokens=16
        ),
        Scenario("system", "Say hello.", system="You are a terse assistant: answer in at most five words."),
        Scenario(
            "thinking",
            "What is 17 times 23? Think first.",
            max_tokens=4096,
            thinking=True,
            capability="thinking",
        ),
        Scenario("vision", "What colour is this image? Answer in one word.", image=True, capability="vision"),
    )
}


def without_system(scenario: Scenario) -> Scenario:
    return replace(scenario, name=f"{scenario.name}-without-system", system=None)


def request_for(surface: Surface, scenario: Scenario, model: str, stream: bool = False) -> Request:
    """The scenario as a request to ``surface`` (a generate or stream surface) for ``model``."""
    encode = ENCODERS[surface.protocol]
    body = encode(scenario, model, stream)
    if surface.protocol == GEMINI:
        return _gemini_request(surface, model, body, stream)
    return Request("POST", PATHS[surface.protocol], body, headers=surface_headers(surface))


def count_request(surface: Surface, scenario: Scenario, model: str) -> Request:
    """The scenario's prompt as a count_tokens request."""
    if surface.protocol == GEMINI:
        # generateContentRequest, not bare contents: only it can carry the system instruction.
        whole = {"model": f"models/{model}", **_gemini(scenario, model, stream=False)}
        return Request(
            "POST", f"/{surface.version}/models/{model}:countTokens", {"generateContentRequest": whole}
        )
    body = _anthropic(scenario, model, stream=False)
    return Request(
        "POST",
        "/v1/messages/count_tokens",
        {key: body[key] for key in ("model", "messages", "system", "tools") if key in body},
        headers=ANTHROPIC_VERSION,
    )


def models_request(surface: Surface, model: str | None = None) -> Request:
    """The models list, or one model when ``model`` is given."""
    prefix = f"/{surface.version}" if surface.protocol == GEMINI else "/v1"
    path = f"{prefix}/models" + (f"/{model}" if model else "")
    return Request("GET", path, headers=surface_headers(surface))


def images_request(model: str) -> Request:
    return Request("POST", "/v1/images/generations", {"model": model, "prompt": "A red square.", "n": 1})


def surface_headers(surface: Surface) -> dict[str, str]:
    """Headers every request to the surface carries whatever it asks (Anthropic's API version)."""
    return dict(ANTHROPIC_VERSION) if surface.family == "anthropic" else {}


def _gemini_request(surface: Surface, model: str, body: dict[str, Any], stream: bool) -> Request:
    if surface.kind == "stream":
        query = {"alt": "sse"} if stream else {}
        return Request("POST", f"/{surface.version}/models/{model}:streamGenerateContent", body, query)
    return Request("POST", f"/{surface.version}/models/{model}:generateContent", body)


def _openai_chat(scenario: Scenario, model: str, stream: bool) -> dict[str, Any]:
    content: Any = scenario.user
    if scenario.image:
        content = [
            {"type": "text", "text": scenario.user},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{RED_PNG}"}},
        ]
    messages = [{"role": "system", "content": scenario.system}] if scenario.system else []
    body: dict[str, Any] = {
        "model": model,
        "messages": [*messages, {"role": "user", "content": content}],
        "max_completion_tokens": scenario.max_tokens,
    }
    if scenario.tool:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": scenario.tool.name,
                    "description": scenario.tool.description,
                    "parameters": scenario.tool.parameters,
                },
            }
        ]
        body["tool_choice"] = "required"
    if scenario.thinking:
        body["reasoning_effort"] = "low"
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return body


def _openai_responses(scenario: Scenario, model: str, stream: bool) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "input_text", "text": scenario.user}]
    if scenario.image:
        content.append({"type": "input_image", "image_url": f"data:image/png;base64,{RED_PNG}"})
    body: dict[str, Any] = {
        "model": model,
        "input": [{"role": "user", "content": content}],
        "max_output_tokens": scenario.max_tokens,
    }
    if scenario.system:
        body["instructions"] = scenario.system
    if scenario.tool:
        body["tools"] = [
            {
                "type": "function",
                "name": scenario.tool.name,
                "description": scenario.tool.description,
                "parameters": scenario.tool.parameters,
            }
        ]
        body["tool_choice"] = "required"
    if scenario.thinking:
        body["reasoning"] = {"effort": "low", "summary": "auto"}
    if stream:
        body["stream"] = True
    return body


def _anthropic(scenario: Scenario, model: str, stream: bool) -> dict[str, Any]:
    content: Any = scenario.user
    if scenario.image:
        content = [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": RED_PNG}},
            {"type": "text", "text": scenario.user},
        ]
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": scenario.max_tokens,
        "messages": [{"role": "user", "content": content}],
    }
    if scenario.system:
        body["system"] = scenario.system
    if scenario.tool:
        body["tools"] = [
            {
                "name": scenario.tool.name,
                "description": scenario.tool.description,
                "input_schema": scenario.tool.parameters,
            }
        ]
        body["tool_choice"] = {"type": "any"}
    if scenario.thinking:
        body["thinking"] = {"type": "enabled", "budget_tokens": scenario.max_tokens // 2}
    if stream:
        body["stream"] = True
    return body


def _gemini_contents(scenario: Scenario) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": scenario.user}]
    if scenario.image:
        parts.append({"inlineData": {"mimeType": "image/png", "data": RED_PNG}})
    return [{"role": "user", "parts": parts}]


def _gemini(scenario: Scenario, model: str, stream: bool) -> dict[str, Any]:
    config: dict[str, Any] = {"maxOutputTokens": scenario.max_tokens}
    if scenario.thinking:
        config["thinkingConfig"] = {"thinkingBudget": scenario.max_tokens // 2, "includeThoughts": True}
    body: dict[str, Any] = {"contents": _gemini_contents(scenario), "generationConfig": config}
    if scenario.system:
        body["systemInstruction"] = {"parts": [{"text": scenario.system}]}
    if scenario.tool:
        body["tools"] = [
            {
                "functionDeclarations": [
                    {
                        "name": scenario.tool.name,
                        "description": scenario.tool.description,
                        "parameters": scenario.tool.parameters,
                    }
                ]
            }
        ]
        body["toolConfig"] = {"functionCallingConfig": {"mode": "ANY"}}
    return body


ENCODERS = {
    OPENAI_CHAT: _openai_chat,
    OPENAI_RESPONSES: _openai_responses,
    ANTHROPIC: _anthropic,
    GEMINI: _gemini,
}
PATHS = {OPENAI_CHAT: "/v1/chat/completions", OPENAI_RESPONSES: "/v1/responses", ANTHROPIC: "/v1/messages"}
