"""The official ``anthropic`` SDK against the gateway: messages, streams, tool use, count_tokens and models.

What the mock answers is fixed by its rules (gateway/providers/mock/README.md): the prompt quoted,
a forced tool called with schema-valid input, a tool result quoted in the final answer, usage
counted with ``gateway.tokens``, a stream folding into the whole message.
"""

from __future__ import annotations

import anthropic
import jsonschema
import pytest

from gateway.catalog import load_catalog
from gateway.settings import DEFAULT_CATALOG
from gateway.tokens import count_text

MODEL = "claude-haiku-4-5"
PROMPT = "Say something about lighthouses"
LOOKUP = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "when": {"type": "string", "enum": ["today", "tomorrow"]},
    },
    "required": ["city", "when"],
}
TOOLS = [{"name": "get_weather", "description": "The weather in a city", "input_schema": LOOKUP}]


def _user(text: str = PROMPT) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_messages_answer_quoting_the_prompt_with_counted_usage(anthropic_client: anthropic.Anthropic) -> None:
    message = anthropic_client.messages.create(model=MODEL, max_tokens=200, messages=_user())
    (block,) = message.content
    assert block.type == "text" and block.text.startswith(f'Mock answer to "{PROMPT}". ')
    assert (message.stop_reason, message.role, message.model) == ("end_turn", "assistant", MODEL)
    assert message.usage.output_tokens == count_text(block.text)
    assert message.usage.input_tokens > 0


def test_messages_max_tokens_stops_at_exactly_that_many(anthropic_client: anthropic.Anthropic) -> None:
    message = anthropic_client.messages.create(model=MODEL, max_tokens=7, messages=_user())
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 7 == count_text(message.content[0].text)


def test_messages_stream_folds_into_the_whole_message(anthropic_client: anthropic.Anthropic) -> None:
    whole = anthropic_client.messages.create(model=MODEL, max_tokens=200, messages=_user())
    with anthropic_client.messages.stream(model=MODEL, max_tokens=200, messages=_user()) as stream:
        events = list(stream)
        final = stream.get_final_message()
    kinds = [event.type for event in events if event.type not in ("text", "thinking", "signature")]
    deltas = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert kinds.count("content_block_start") == kinds.count("content_block_stop") == 1
    assert kinds.count("content_block_delta") > 10, "the text should arrive in many deltas"
    assert deltas == whole.content[0].text
    assert final.content[0].text == whole.content[0].text
    assert (final.id, final.stop_reason, final.usage.output_tokens) == (
        whole.id,
        "end_turn",
        whole.usage.output_tokens,
    )


def test_messages_forced_tool_use_then_result_gets_the_final_answer(
    anthropic_client: anthropic.Anthropic,
) -> None:
    messages = _user("Will it rain in Porto?")
    first = anthropic_client.messages.create(
        model=MODEL,
        max_tokens=300,
        messages=messages,
        tools=TOOLS,
        tool_choice={"type": "tool", "name": "get_weather"},
    )
    assert first.stop_reason == "tool_use"
    (use,) = [block for block in first.content if block.type == "tool_use"]
    assert use.name == "get_weather" and use.id
    jsonschema.validate(use.input, LOOKUP)

    messages += [
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "light rain"}],
        },
    ]
    final = anthropic_client.messages.create(model=MODEL, max_tokens=300, messages=messages, tools=TOOLS)
    assert final.stop_reason == "end_turn"
    assert [block.type for block in final.content] == ["text"]
    assert final.content[0].text.startswith('The get_weather tool returned: "light rain".')


def test_count_tokens_counts_what_the_message_would_bill(anthropic_client: anthropic.Anthropic) -> None:
    counted = anthropic_client.messages.count_tokens(model=MODEL, messages=_user())
    message = anthropic_client.messages.create(model=MODEL, max_tokens=50, messages=_user())
    assert counted.input_tokens == message.usage.input_tokens > 0
    longer = anthropic_client.messages.count_tokens(model=MODEL, messages=_user(PROMPT * 10))
    assert longer.input_tokens > counted.input_tokens


def test_models_list_and_get(anthropic_client: anthropic.Anthropic) -> None:
    catalog = {m.id: m for m in load_catalog(DEFAULT_CATALOG).models}
    listed = list(anthropic_client.models.list(limit=1000))
    assert [model.id for model in listed] == list(catalog)
    assert all(model.type == "model" and model.display_name for model in listed)
    one = anthropic_client.models.retrieve("claude-sonnet-4-5")
    entry = catalog["anthropic/claude-sonnet-4-5"]
    assert (one.id, one.max_input_tokens, one.max_tokens) == (
        entry.id,
        entry.context_window,
        entry.max_output_tokens,
    )
    with pytest.raises(anthropic.NotFoundError) as caught:
        anthropic_client.models.retrieve("claude-none")
    assert caught.value.body["error"]["type"] == "not_found_error"
