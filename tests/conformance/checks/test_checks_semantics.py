"""One scenario, every protocol: endings, forced tool calls, token limits, counted system prompts."""

from __future__ import annotations

import pytest

from conformance.checks import Answer, ToolCall
from conformance.checks.semantics import (
    ENDING,
    check_ending,
    check_output_within,
    check_system_counted,
    check_tool_call,
)
from conformance.scenarios import WEATHER
from gateway.tables import PROTOCOLS

from .support import rules


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("ending", sorted(ENDING))
def test_each_ending_has_its_spelling_in_each_protocol(protocol: str, ending: str) -> None:
    assert check_ending(protocol, Answer(stop_reason=ENDING[ending][protocol]), ending) == []
    wrong = check_ending(protocol, Answer(stop_reason="something_else"), ending)
    assert rules(wrong) == {f"{protocol}.semantics.stop_reason_{ending}"}


def test_a_forced_call_must_name_the_tool_with_schema_valid_arguments() -> None:
    good = Answer(tool_calls=[ToolCall("get_weather", {"city": "Paris", "unit": "celsius"})])
    assert check_tool_call("anthropic", good, WEATHER.name, WEATHER.parameters) == []
    cases = {
        "anthropic.semantics.tool_call_present": Answer(text="It is sunny."),
        "anthropic.semantics.tool_call_name": Answer(
            tool_calls=[ToolCall("get_time", {"city": "P", "unit": "celsius"})]
        ),
        "anthropic.semantics.arguments_object": Answer(tool_calls=[ToolCall("get_weather", '{"city": "Par')]),
        "anthropic.semantics.arguments_valid": Answer(
            tool_calls=[ToolCall("get_weather", {"city": "Paris", "unit": "kelvin"})]
        ),
    }
    for rule, answer in cases.items():
        assert rules(check_tool_call("anthropic", answer, WEATHER.name, WEATHER.parameters)) == {rule}


def test_output_must_stay_within_the_limit_and_be_reported() -> None:
    assert check_output_within("gemini", Answer(usage={"candidatesTokenCount": 16}), 16) == []
    assert rules(check_output_within("gemini", Answer(usage={"candidatesTokenCount": 17}), 16)) == {
        "gemini.semantics.output_within_limit"
    }
    assert rules(check_output_within("openai_chat", Answer(), 16)) == {
        "openai_chat.semantics.output_tokens_reported"
    }


def test_a_system_prompt_must_add_input_tokens() -> None:
    more, fewer = Answer(usage={"prompt_tokens": 28}), Answer(usage={"prompt_tokens": 15})
    assert check_system_counted("openai_chat", more, fewer) == []
    assert rules(check_system_counted("openai_chat", fewer, fewer)) == {
        "openai_chat.semantics.system_prompt_counted"
    }
    assert rules(check_system_counted("openai_chat", Answer(), fewer)) == {
        "openai_chat.semantics.system_prompt_counted"
    }
