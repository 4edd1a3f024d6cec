"""The official ``openai`` SDK against the gateway: chat, Responses, images and models.

The mock's rules (gateway/providers/mock/README.md) make every answer predictable: a plain answer
opens by quoting the last user text, a forced tool gets a call with schema-valid arguments, a tool
result gets an answer quoting it, ``max_tokens`` cuts to exactly that many tokens, usage is counted
with ``gateway.tokens``, and a stream carries the very answer the whole response carries.
"""

from __future__ import annotations

import base64
import json
import struct

import jsonschema
import openai
import pytest

from gateway.catalog import load_catalog
from gateway.money import format_usd
from gateway.settings import DEFAULT_CATALOG
from gateway.tokens import count_text

MODEL = "gpt-4o-mini"
PROMPT = "Name three colours of the sea"
WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit", "days"],
    "additionalProperties": False,
}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}]


def _user(text: str = PROMPT) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


# --- chat completions ----------------------------------------------------------------------------


def test_chat_answers_quoting_the_prompt_with_counted_usage(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(model=MODEL, messages=_user())
    choice = completion.choices[0]
    assert choice.message.content.startswith(f'Mock answer to "{PROMPT}". ')
    assert (choice.finish_reason, choice.message.role, completion.model) == ("stop", "assistant", MODEL)
    usage = completion.usage
    assert usage.completion_tokens == count_text(choice.message.content)
    assert usage.prompt_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    again = openai_client.chat.completions.create(model=MODEL, messages=_user())
    assert (again.id, again.choices[0].message.content) == (completion.id, choice.message.content)


def test_chat_max_tokens_cuts_to_exactly_that_many(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(model=MODEL, messages=_user(), max_tokens=5)
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 5 == count_text(completion.choices[0].message.content)


def test_chat_stream_carries_the_whole_answer_and_its_usage(openai_client: openai.OpenAI) -> None:
    whole = openai_client.chat.completions.create(model=MODEL, messages=_user())
    chunks = list(
        openai_client.chat.completions.create(
            model=MODEL, messages=_user(), stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert text == whole.choices[0].message.content
    assert finishes == ["stop"]
    assert len(chunks) > 10, "the answer should arrive in many chunks, not one"
    assert {c.id for c in chunks} == {whole.id}
    assert chunks[-1].choices == [] and chunks[-1].usage == whole.usage


def test_chat_stream_helper_builds_the_final_completion(openai_client: openai.OpenAI) -> None:
    whole = openai_client.chat.completions.create(model=MODEL, messages=_user())
    with openai_client.chat.completions.stream(model=MODEL, messages=_user()) as stream:
        deltas = [event.delta for event in stream if event.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == final.choices[0].message.content == whole.choices[0].message.content
    assert final.choices[0].finish_reason == "stop"


def test_chat_forced_tool_call_then_tool_result_gets_the_final_answer(openai_client: openai.OpenAI) -> None:
    messages: list[dict] = _user("What will the weather be in Lisbon?")
    forced = {"type": "function", "function": {"name": "get_weather"}}
    first = openai_client.chat.completions.create(
        model=MODEL, messages=messages, tools=TOOLS, tool_choice=forced
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather" and call.id
    jsonschema.validate(json.loads(call.function.arguments), WEATHER)

    messages += [
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
    ]
    final = openai_client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    answer = final.choices[0]
    assert answer.finish_reason == "stop" and not answer.message.tool_calls
    assert answer.message.content.startswith('The get_weather tool returned: "18 degrees and sunny".')


# --- Responses -----------------------------------------------------------------------------------


def test_responses_answers_quoting_the_input(openai_client: openai.OpenAI) -> None:
    response = openai_client.responses.create(model=MODEL, input="Write a haiku about gateways")
    assert response.status == "completed" and response.model == MODEL
    assert response.output_text.startswith('Mock answer to "Write a haiku about gateways". ')
    assert response.usage.output_tokens == count_text(response.output_text)
    assert [item.type for item in response.output] == ["message"]


def test_responses_stream_events_add_up_to_the_whole_response(openai_client: openai.OpenAI) -> None:
    whole = openai_client.responses.create(model=MODEL, input="Write a haiku about gateways")
    events = list(
        openai_client.responses.create(model=MODEL, input="Write a haiku about gateways", stream=True)
    )
    types = [event.type for event in events]
    assert types[0] == "response.created" and types[-1] == "response.completed"
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == whole.output_text == events[-1].response.output_text
    assert events[-1].response.usage == whole.usage
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_responses_stream_helper_gives_the_final_response(openai_client: openai.OpenAI) -> None:
    whole = openai_client.responses.create(model=MODEL, input="Hello")
    with openai_client.responses.stream(model=MODEL, input="Hello") as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == whole.output_text
    assert final.status == "completed"


# --- images --------------------------------------------------------------------------------------


def test_images_in_base64_are_pngs_of_the_requested_size(openai_client: openai.OpenAI) -> None:
    result = openai_client.images.generate(
        model="gpt-image-1", prompt="a red panda", size="1024x1536", n=2, response_format="b64_json"
    )
    images = [base64.b64decode(image.b64_json) for image in result.data]
    assert [_png_size(image) for image in images] == [(1024, 1536)] * 2
    assert images[0] != images[1], "two images of one request should differ"
    assert all(image.url is None for image in result.data)


def test_images_as_urls_are_data_urls_holding_pngs(openai_client: openai.OpenAI) -> None:
    result = openai_client.images.generate(
        model="gpt-image-1", prompt="a red panda", size="256x256", response_format="url"
    )
    (image,) = result.data
    prefix = "data:image/png;base64,"
    assert image.url.startswith(prefix) and image.b64_json is None
    assert _png_size(base64.b64decode(image.url.removeprefix(prefix))) == (256, 256)


# --- models --------------------------------------------------------------------------------------


def _catalog_pricing(model_id: str) -> dict[str, str]:
    prices = next(m for m in load_catalog(DEFAULT_CATALOG).models if m.id == model_id).prices
    pricing = {"input": format_usd(prices.input), "output": format_usd(prices.output)}
    if prices.cache_read:
        pricing["cache_read"] = format_usd(prices.cache_read)
    return {**pricing, "unit": "USD per 1M tokens"}


def test_models_list_every_catalog_model_with_its_prices(openai_client: openai.OpenAI) -> None:
    listed = {model.id: model for model in openai_client.models.list()}
    assert set(listed) == {m.id for m in load_catalog(DEFAULT_CATALOG).models}
    gpt4o = listed["openai/gpt-4o"]
    assert gpt4o.owned_by == "openai" and gpt4o.object == "model"
    assert (
        gpt4o.model_extra["pricing"]
        == _catalog_pricing("openai/gpt-4o")
        == {
            "input": "2.50",
            "output": "10.00",
            "cache_read": "1.25",
            "unit": "USD per 1M tokens",
        }
    )
    assert listed["openai/gpt-image-1"].model_extra["pricing"]["image"] == "0.04"


def test_models_retrieve_by_id_or_alias(openai_client: openai.OpenAI) -> None:
    by_alias = openai_client.models.retrieve("gpt-4o")
    by_id = openai_client.models.with_raw_response.retrieve("openai/gpt-4o")
    assert by_alias.id == by_id.parse().id == "openai/gpt-4o"
    assert json.loads(by_id.content)["pricing"]["output"] == "10.00"
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.models.retrieve("no-such-model")
    assert caught.value.body["code"] == "model_not_found"
