"""The official ``google-genai`` SDK against the gateway, on ``/v1beta`` and on the SDK's default ``/v1``.

Each test runs under both API versions (the ``api_version`` fixture) and checks, from the requests
the SDK really sent, that it used that version and its own key header (``x-goog-api-key``). What
the mock answers follows its rules (gateway/providers/mock/README.md).
"""

from __future__ import annotations

import jsonschema
import pytest
from google import genai
from google.genai import errors as gerrors
from google.genai import types as gtypes

from gateway.catalog import load_catalog
from gateway.settings import DEFAULT_CATALOG
from gateway.tokens import count_text

MODEL = "gemini-2.5-flash"
PROMPT = "Describe a quiet harbour"
FORECAST = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "maximum": 5}},
    "required": ["city", "days"],
}


def test_generate_content_quotes_the_prompt_with_counted_usage(
    genai_client: genai.Client, sent, api_prefix: str
) -> None:
    response = genai_client.models.generate_content(model=MODEL, contents=PROMPT)
    assert response.text.startswith(f'Mock answer to "{PROMPT}". ')
    assert response.candidates[0].finish_reason == gtypes.FinishReason.STOP
    usage = response.usage_metadata
    assert usage.candidates_token_count == count_text(response.text)
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert sent.paths == [f"{api_prefix}models/{MODEL}:generateContent"]
    sent.assert_from_the_sdk(api_prefix)


def test_max_output_tokens_stops_at_exactly_that_many(genai_client: genai.Client) -> None:
    config = gtypes.GenerateContentConfig(max_output_tokens=6)
    response = genai_client.models.generate_content(model=MODEL, contents=PROMPT, config=config)
    assert response.candidates[0].finish_reason == gtypes.FinishReason.MAX_TOKENS
    assert response.usage_metadata.candidates_token_count == 6 == count_text(response.text)


def test_generate_content_stream_adds_up_to_the_whole_answer(
    genai_client: genai.Client, sent, api_prefix: str
) -> None:
    whole = genai_client.models.generate_content(model=MODEL, contents=PROMPT)
    chunks = list(genai_client.models.generate_content_stream(model=MODEL, contents=PROMPT))
    assert len(chunks) > 10, "the answer should arrive in many chunks"
    assert "".join(chunk.text or "" for chunk in chunks) == whole.text
    assert chunks[-1].candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert chunks[-1].usage_metadata.candidates_token_count == whole.usage_metadata.candidates_token_count
    stream_path = sent.paths[-1]
    assert stream_path == f"{api_prefix}models/{MODEL}:streamGenerateContent"
    assert sent.requests[-1].url.params["alt"] == "sse"
    sent.assert_from_the_sdk(api_prefix)


def test_function_calling_then_function_response_gets_the_final_answer(genai_client: genai.Client) -> None:
    tool = gtypes.Tool(
        function_declarations=[
            gtypes.FunctionDeclaration(
                name="forecast", description="Weather", parameters_json_schema=FORECAST
            )
        ]
    )
    forced = gtypes.ToolConfig(function_calling_config=gtypes.FunctionCallingConfig(mode="ANY"))
    config = gtypes.GenerateContentConfig(
        tools=[tool],
        tool_config=forced,
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
    )
    asked = gtypes.Content(role="user", parts=[gtypes.Part(text="Forecast for Oslo")])
    first = genai_client.models.generate_content(model=MODEL, contents=[asked], config=config)
    (call,) = first.function_calls
    assert call.name == "forecast"
    jsonschema.validate(call.args, FORECAST)

    answered = gtypes.Content(
        role="user",
        parts=[gtypes.Part.from_function_response(name="forecast", response={"output": "snow all week"})],
    )
    config.tool_config = None
    final = genai_client.models.generate_content(
        model=MODEL, contents=[asked, first.candidates[0].content, answered], config=config
    )
    assert not final.function_calls
    assert final.text.startswith('The forecast tool returned: "snow all week".')


def test_count_tokens_counts_what_generation_bills(genai_client: genai.Client, sent, api_prefix: str) -> None:
    counted = genai_client.models.count_tokens(model=MODEL, contents=PROMPT)
    generated = genai_client.models.generate_content(model=MODEL, contents=PROMPT)
    assert counted.total_tokens == generated.usage_metadata.prompt_token_count > 0
    assert sent.paths[0] == f"{api_prefix}models/{MODEL}:countTokens"
    sent.assert_from_the_sdk(api_prefix)


def test_models_list_and_get(genai_client: genai.Client, sent, api_prefix: str) -> None:
    catalog = load_catalog(DEFAULT_CATALOG).models
    listed = list(genai_client.models.list())
    assert [model.name for model in listed] == [f"models/{m.id}" for m in catalog]
    one = genai_client.models.get(model=MODEL)
    entry = next(m for m in catalog if MODEL in m.aliases)
    assert one.name == f"models/{entry.id}"
    assert (one.input_token_limit, one.output_token_limit) == (entry.context_window, entry.max_output_tokens)
    assert "generateContent" in one.supported_actions
    with pytest.raises(gerrors.ClientError) as caught:
        genai_client.models.get(model="gemini-none")
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    sent.assert_from_the_sdk(api_prefix)
