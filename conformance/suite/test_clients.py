"""Clients: the official SDKs complete a plain, a streamed and a tool-call request against the target.

The SDKs are the clients users have: if ``openai``, ``anthropic`` or ``google-genai`` raises on an
answer, or reads it as something else than was sent, the gateway is not usable whatever a schema
says. Each SDK talks through a recording transport, so a failure shows the exchange that caused
it; retries are off, so it shows the first one. Tool calls are forced (tool_choice required, any,
ANY): on this project's mock that gets a call with schema-valid arguments, on any target with a
tool-capable model it must.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import Answer, ToolCall
from conformance.checks.answer import parse_arguments
from conformance.checks.semantics import check_tool_call
from conformance.evidence import Recorder
from conformance.plugin import not_claimed
from conformance.profile import Profile
from conformance.scenarios import SCENARIOS, WEATHER
from conformance.suite.helpers import model_for
from conformance.surfaces import Surface, surface

pytestmark = pytest.mark.clients

PROMPT = SCENARIOS["plain"].user
TOOL_PROMPT = SCENARIOS["tool"].user
MAX_TOKENS = 128

# The auth style each SDK sends, and the SDK's module, by family.
SDK_AUTH = {"openai": "bearer", "anthropic": "x-api-key", "gemini": "x-goog-api-key"}
SDK_MODULE = {"openai": "openai", "anthropic": "anthropic", "gemini": "google.genai"}


def _cases() -> list[Any]:
    pairs = [
        (f"openai.{api}", mode) for api in ("chat", "responses") for mode in ("plain", "stream", "tools")
    ]
    pairs += [("anthropic.messages", mode) for mode in ("plain", "stream", "tools")]
    for version in ("v1beta", "v1"):
        pairs += [(f"gemini.{version}.generate", "plain"), (f"gemini.{version}.generate", "tools")]
        pairs.append((f"gemini.{version}.stream", "stream"))
    return [pytest.param(surface(sid), mode, id=f"{sid}-{mode}") for sid, mode in pairs]


@pytest.mark.parametrize(("surface", "mode"), _cases())
def test_sdk_completes(
    request: pytest.FixtureRequest,
    recorder: Recorder,
    conformance_profile: Profile,
    surface: Surface,
    mode: str,
) -> None:
    style = SDK_AUTH[surface.family]
    if style not in conformance_profile.auth_styles(surface.family):
        not_claimed(request, f"the {surface.family} SDK sends {style}, which the profile does not list")
    pytest.importorskip(SDK_MODULE[surface.family], reason="install the SDKs: pip install '.[test]'")
    model = model_for(conformance_profile, surface.family, "tools" if mode == "tools" else "text")
    call = CALLS[surface.protocol][mode]
    try:
        result = call(_client(recorder, surface), model)
    except Exception as exc:  # the SDK's own error is the finding
        recorder.fail(
            f"{surface.protocol}.client.{mode}",
            f"the {surface.family} SDK raised {type(exc).__name__}: {str(exc)[:500]}",
        )
        return
    if mode == "tools":
        recorder.check(check_tool_call(surface.protocol, result, WEATHER.name, WEATHER.parameters))
    elif not result.text:
        recorder.fail(
            f"{surface.protocol}.client.{mode}_text", f"the SDK read no text from the answer ({result})"
        )


def _client(recorder: Recorder, surface: Surface) -> Any:
    target = recorder.target
    if surface.family == "openai":
        import httpx
        import openai

        return openai.OpenAI(
            base_url=f"{target.url}/v1",
            api_key=target.key,
            http_client=recorder.http_client(httpx),
            max_retries=0,
        )
    if surface.family == "anthropic":
        import anthropic
        import httpx2

        return anthropic.Anthropic(
            base_url=target.url, api_key=target.key, http_client=recorder.http_client(httpx2), max_retries=0
        )
    import httpx
    from google import genai
    from google.genai import types

    options = types.HttpOptions(
        base_url=target.url,
        api_version=surface.version,
        httpx_client=recorder.http_client(httpx),
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    return genai.Client(api_key=target.key, http_options=options)


# --- OpenAI chat completions -----------------------------------------------------------------------

_CHAT_TOOL = {"type": "function", "function": {"name": WEATHER.name, "parameters": WEATHER.parameters}}


def _chat_plain(client: Any, model: str) -> Answer:
    reply = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": PROMPT}], max_completion_tokens=MAX_TOKENS
    )
    return Answer(text=reply.choices[0].message.content or "", stop_reason=reply.choices[0].finish_reason)


def _chat_stream(client: Any, model: str) -> Answer:
    chunks = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": PROMPT}],
        max_completion_tokens=MAX_TOKENS,
        stream=True,
        stream_options={"include_usage": True},
    )
    text, stop = [], None
    for chunk in chunks:
        for choice in chunk.choices:
            text.append(choice.delta.content or "")
            stop = choice.finish_reason or stop
    return Answer(text="".join(text), stop_reason=stop)


def _chat_tools(client: Any, model: str) -> Answer:
    reply = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": TOOL_PROMPT}],
        tools=[_CHAT_TOOL],
        tool_choice="required",
        max_completion_tokens=MAX_TOKENS,
    )
    message = reply.choices[0].message
    calls = [
        ToolCall(c.function.name, parse_arguments(c.function.arguments), c.id)
        for c in message.tool_calls or []
    ]
    return Answer(text=message.content or "", tool_calls=calls, stop_reason=reply.choices[0].finish_reason)


# --- OpenAI Responses ----------------------------------------------------------------------------------

_RESPONSES_TOOL = {"type": "function", "name": WEATHER.name, "parameters": WEATHER.parameters}


def _responses_plain(client: Any, model: str) -> Answer:
    reply = client.responses.create(model=model, input=PROMPT, max_output_tokens=MAX_TOKENS)
    return Answer(text=reply.output_text, stop_reason=reply.status)


def _responses_stream(client: Any, model: str) -> Answer:
    with client.responses.stream(model=model, input=PROMPT, max_output_tokens=MAX_TOKENS) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    return Answer(text=final.output_text, stop_reason=final.status)


def _responses_tools(client: Any, model: str) -> Answer:
    reply = client.responses.create(
        model=model,
        input=TOOL_PROMPT,
        tools=[_RESPONSES_TOOL],
        tool_choice="required",
        max_output_tokens=MAX_TOKENS,
    )
    calls = [
        ToolCall(item.name, parse_arguments(item.arguments), item.call_id)
        for item in reply.output
        if item.type == "function_call"
    ]
    return Answer(text=reply.output_text, tool_calls=calls, stop_reason=reply.status)


# --- Anthropic messages ----------------------------------------------------------------------------------

_ANTHROPIC_TOOL = {
    "name": WEATHER.name,
    "description": WEATHER.description,
    "input_schema": WEATHER.parameters,
}


def _anthropic_plain(client: Any, model: str) -> Answer:
    message = client.messages.create(
        model=model, max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": PROMPT}]
    )
    return _anthropic_answer(message)


def _anthropic_stream(client: Any, model: str) -> Answer:
    with client.messages.stream(
        model=model, max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": PROMPT}]
    ) as stream:
        for _ in stream.text_stream:
            pass
        return _anthropic_answer(stream.get_final_message())


def _anthropic_tools(client: Any, model: str) -> Answer:
    message = client.messages.create(
        model=model,
        max_tokens=MAX_TOKENS,
        messages=[{"role": "user", "content": TOOL_PROMPT}],
        tools=[_ANTHROPIC_TOOL],
        tool_choice={"type": "any"},
    )
    return _anthropic_answer(message)


def _anthropic_answer(message: Any) -> Answer:
    text = "".join(block.text for block in message.content if block.type == "text")
    calls = [ToolCall(b.name, b.input, b.id) for b in message.content if b.type == "tool_use"]
    return Answer(text=text, tool_calls=calls, stop_reason=message.stop_reason)


# --- Gemini (google-genai) --------------------------------------------------------------------------------


def _genai_config(tools: bool = False) -> Any:
    from google.genai import types

    if not tools:
        return types.GenerateContentConfig(max_output_tokens=MAX_TOKENS)
    declaration = types.FunctionDeclaration(
        name=WEATHER.name, description=WEATHER.description, parameters=WEATHER.parameters
    )
    return types.GenerateContentConfig(
        max_output_tokens=MAX_TOKENS,
        tools=[types.Tool(function_declarations=[declaration])],
        tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="ANY")),
    )


def _genai_plain(client: Any, model: str) -> Answer:
    reply = client.models.generate_content(model=model, contents=PROMPT, config=_genai_config())
    return Answer(text=reply.text or "", stop_reason=_finish(reply))


def _genai_stream(client: Any, model: str) -> Answer:
    text, stop = [], None
    for chunk in client.models.generate_content_stream(model=model, contents=PROMPT, config=_genai_config()):
        text.append(chunk.text or "")
        stop = _finish(chunk) or stop
    return Answer(text="".join(text), stop_reason=stop)


def _genai_tools(client: Any, model: str) -> Answer:
    reply = client.models.generate_content(
        model=model, contents=TOOL_PROMPT, config=_genai_config(tools=True)
    )
    calls = [ToolCall(call.name, call.args, call.id) for call in reply.function_calls or []]
    return Answer(tool_calls=calls, stop_reason=_finish(reply))


def _finish(reply: Any) -> str | None:
    candidates = reply.candidates or []
    reason = candidates[0].finish_reason if candidates else None
    return getattr(reason, "value", reason)


CALLS: dict[str, dict[str, Callable[[Any, str], Answer]]] = {
    "openai_chat": {"plain": _chat_plain, "stream": _chat_stream, "tools": _chat_tools},
    "openai_responses": {"plain": _responses_plain, "stream": _responses_stream, "tools": _responses_tools},
    "anthropic": {"plain": _anthropic_plain, "stream": _anthropic_stream, "tools": _anthropic_tools},
    "gemini": {"plain": _genai_plain, "stream": _genai_stream, "tools": _genai_tools},
}
