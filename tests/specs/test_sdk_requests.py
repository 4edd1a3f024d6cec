"""Whatever the official Python SDKs send must pass request validation.

Each SDK is pointed at an in-process transport that records the request and answers with an error
(so no SDK ever waits or retries); the recorded body is then validated against the operation the
gateway would route it to. The calls exercise the features clients really use: tools, images,
documents, structured output, reasoning, streaming, beta flags.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import suppress
from types import ModuleType
from typing import Any

import anthropic
import httpx
import httpx2
import openai
import pytest
from google import genai
from google.genai import types as gtypes
from pydantic import BaseModel

from gateway.specs import SpecSet

from .conftest import SPECS_BY_HOST, match_operation, reference_accepts_request

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF").decode()
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
HOSTS = {
    "openai": "api.openai.com",
    "anthropic": "api.anthropic.com",
    "gemini": "generativelanguage.googleapis.com",
}


class Answer(BaseModel):
    city: str
    celsius: float


class Recorder:
    """An httpx transport that keeps every request and fails it with a 400. `http` is the httpx
    package the SDK is built on (the Anthropic SDK ships its own fork, httpx2)."""

    def __init__(self, http: ModuleType = httpx) -> None:
        self.http = http
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.http.Response(
            400, json={"error": {"message": "recorded", "type": "invalid_request_error"}}
        )

    def client(self) -> httpx.Client:
        return self.http.Client(transport=self.http.MockTransport(self))


def openai_calls(client: openai.OpenAI) -> Iterator[Callable[[], Any]]:
    tool = {"type": "function", "function": {"name": "weather", "parameters": WEATHER_SCHEMA, "strict": True}}
    messages: list[Any] = [
        {"role": "developer", "content": "Be terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"}},
                {
                    "type": "file",
                    "file": {"filename": "a.pdf", "file_data": f"data:application/pdf;base64,{PDF}"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    yield lambda: client.chat.completions.create(
        model="gpt-4o", messages=messages, tools=[tool], tool_choice="auto"
    )
    yield lambda: client.chat.completions.create(
        model="gpt-5",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
        reasoning_effort="low",
        max_completion_tokens=100,
        stop=["\n"],
        seed=1,
        logprobs=True,
        top_logprobs=2,
        n=1,
        user="u1",
        metadata={"k": "v"},
        store=False,
        parallel_tool_calls=False,
    )
    yield lambda: client.chat.completions.parse(
        model="gpt-4o", messages=[{"role": "user", "content": "Paris?"}], response_format=Answer
    )
    yield lambda: client.responses.create(
        model="gpt-4o", input="hi", instructions="Be terse.", max_output_tokens=50
    )
    yield lambda: client.responses.create(
        model="o4-mini",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Describe"},
                    {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}", "detail": "auto"},
                ],
            },
            {"type": "function_call", "call_id": "c1", "name": "weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        ],
        tools=[{"type": "function", "name": "weather", "parameters": WEATHER_SCHEMA, "strict": True}],
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
        stream=True,
    )
    yield lambda: client.responses.parse(model="gpt-4o", input="Paris?", text_format=Answer)
    yield lambda: client.images.generate(
        model="dall-e-3", prompt="a red panda", size="1024x1024", quality="hd", n=1
    )
    yield lambda: client.images.generate(
        model="gpt-image-1",
        prompt="a red panda",
        background="transparent",
        output_format="webp",
        moderation="low",
    )
    yield lambda: client.models.list()
    yield lambda: client.models.retrieve("gpt-4o")


def anthropic_calls(client: anthropic.Anthropic) -> Iterator[Callable[[], Any]]:
    tools: list[Any] = [{"name": "weather", "description": "Weather", "input_schema": WEATHER_SCHEMA}]
    messages: list[Any] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look", "cache_control": {"type": "ephemeral"}},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "x"}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "sunny"}]},
    ]
    system: list[Any] = [
        {"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    ]
    yield lambda: client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=1024,
        system=system,
        messages=messages,
        tools=tools,
        tool_choice={"type": "auto"},
    )
    yield lambda: client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=2048,
        messages=[{"role": "user", "content": "hi"}],
        thinking={"type": "enabled", "budget_tokens": 1024},
        stop_sequences=["END"],
        metadata={"user_id": "u1"},
        stream=True,
    )
    yield lambda: client.messages.count_tokens(model="claude-sonnet-4-6", messages=messages, tools=tools)
    yield lambda: client.beta.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=1024,
        messages=[{"role": "user", "content": "hi"}],
        betas=["context-management-2025-06-27"],
        context_management={"edits": [{"type": "clear_tool_uses_20250919"}]},
    )
    yield lambda: client.beta.messages.count_tokens(
        model="claude-sonnet-4-6", messages=[{"role": "user", "content": "hi"}]
    )
    yield lambda: client.models.list()
    yield lambda: client.models.retrieve("claude-sonnet-4-6")


def gemini_calls(client: genai.Client) -> Iterator[Callable[[], Any]]:
    weather = gtypes.FunctionDeclaration(
        name="weather", description="Weather", parameters_json_schema=WEATHER_SCHEMA
    )
    config = gtypes.GenerateContentConfig(
        system_instruction="Be terse.",
        temperature=0.2,
        max_output_tokens=100,
        stop_sequences=["END"],
        tools=[gtypes.Tool(function_declarations=[weather])],
        thinking_config=gtypes.ThinkingConfig(thinking_budget=512, include_thoughts=True),
        safety_settings=[
            gtypes.SafetySetting(category="HARM_CATEGORY_HARASSMENT", threshold="BLOCK_ONLY_HIGH")
        ],
    )
    contents: list[Any] = [
        gtypes.Content(
            role="user",
            parts=[
                gtypes.Part.from_text(text="Look"),
                gtypes.Part.from_bytes(data=base64.b64decode(PNG), mime_type="image/png"),
            ],
        ),
        gtypes.Content(
            role="model", parts=[gtypes.Part.from_function_call(name="weather", args={"city": "x"})]
        ),
        gtypes.Content(
            role="user",
            parts=[gtypes.Part.from_function_response(name="weather", response={"result": "sunny"})],
        ),
    ]
    structured = gtypes.GenerateContentConfig(response_mime_type="application/json", response_schema=Answer)
    yield lambda: client.models.generate_content(model="gemini-2.5-flash", contents=contents, config=config)
    yield lambda: client.models.generate_content(
        model="gemini-2.5-flash", contents="Paris?", config=structured
    )
    yield lambda: list(
        client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi", config=config)
    )
    yield lambda: client.models.count_tokens(model="gemini-2.5-flash", contents=contents)
    yield lambda: list(client.models.list())
    yield lambda: client.models.get(model="gemini-2.5-flash")


def captured(provider: str) -> tuple[int, list[httpx.Request]]:
    """(number of SDK calls made, requests they sent)."""
    recorder = Recorder(httpx2 if provider == "anthropic" else httpx)
    if provider == "openai":
        calls = openai_calls(openai.OpenAI(api_key="k", http_client=recorder.client(), max_retries=0))
    elif provider == "anthropic":
        calls = anthropic_calls(
            anthropic.Anthropic(api_key="k", http_client=recorder.client(), max_retries=0)
        )
    else:
        options = gtypes.HttpOptions(httpx_client=recorder.client())
        calls = gemini_calls(genai.Client(api_key="k", http_options=options))
    made = 0
    for call in calls:
        made += 1
        with suppress(Exception):
            call()
    return made, recorder.requests


class _Sent:
    """Just enough of a recorded interaction for the operation matcher."""

    def __init__(self, request: httpx.Request) -> None:
        self.method = request.method
        self.host = request.url.host
        self.path = request.url.path


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_sdk_requests_validate(specs: SpecSet, provider: str) -> None:
    made, requests = captured(provider)
    assert len(requests) == made
    results = {}
    for request in requests:
        assert request.url.host == HOSTS[provider] and request.url.host in SPECS_BY_HOST
        operation = match_operation(specs, _Sent(request))  # type: ignore[arg-type]
        assert operation is not None, f"{request.method} {request.url.path} matches no operation"
        body = json.loads(request.content) if request.content else None
        problems = specs.validate_request_body(operation.operation_id, body)
        assert reference_accepts_request(operation, body) == (problems == [])
        results[f"{request.method} {request.url}"] = problems
    assert {call: problems for call, problems in results.items() if problems} == {}
