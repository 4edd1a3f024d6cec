"""Which scenario answers a request: the first whose every condition holds."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from gateway.canonical import Request
from gateway.catalog import ModelEntry
from gateway.providers.mock.conversation import ToolOutput, tool_outputs, turn, user_text
from gateway.providers.mock.scenarios import Match, Scenario


def find_scenario(
    scenarios: Sequence[Scenario], request: Request, model: ModelEntry
) -> tuple[Scenario, dict[str, str]] | None:
    """The first matching scenario and the template variables its match produced."""
    if not scenarios:
        return None
    text = user_text(request)
    outputs = tool_outputs(request)
    for scenario in scenarios:
        groups = _groups(scenario.match, request, model, text, outputs)
        if groups is not None:
            last_result = outputs[-1].text if outputs else ""
            return scenario, {**groups, "user_text": text, "tool_result": last_result}
    return None


def _groups(
    match: Match, request: Request, model: ModelEntry, text: str, outputs: list[ToolOutput]
) -> dict[str, str] | None:
    """The regex's named groups when every condition holds (empty without a regex), else None."""
    if not _conditions_hold(match, request, model, text, outputs):
        return None
    if match.user_regex is None:
        return {}
    found = match.user_regex.search(text)
    if found is None:
        return None
    return {name: value or "" for name, value in found.groupdict().items()}


def _conditions_hold(
    match: Match, request: Request, model: ModelEntry, text: str, outputs: list[ToolOutput]
) -> bool:
    offered = {tool.name for tool in request.tools}
    return (
        (match.model is None or fnmatchcase(request.model, match.model) or fnmatchcase(model.id, match.model))
        and (match.user_contains is None or match.user_contains in text)
        and (match.last_is_tool_result is None or match.last_is_tool_result == bool(outputs))
        and (
            match.tool_result_name is None or any(output.name == match.tool_result_name for output in outputs)
        )
        and offered.issuperset(match.tools_offered)
        and (match.turn is None or match.turn == turn(request))
        and (match.stream is None or match.stream == request.stream)
    )
