"""Placeholders in scripted replies: ``{name}`` is replaced by a variable, ``{{name}}`` is literal.

Variables are the named groups of the scenario's ``user_regex`` and the built-ins below. Only
``{identifier}`` is a placeholder, so JSON written as text (``{"path": "{path}"}``) needs no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

BUILTIN_VARIABLES = ("tool_result", "user_text")

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}|\{(\w+)\}")


def placeholders(template: str) -> set[str]:
    """The variable names a template uses."""
    return {match.group(2) for match in _PLACEHOLDER.finditer(template) if match.group(2)}


def render(template: str, variables: Mapping[str, str]) -> str:
    """The template with its placeholders replaced; a variable that matched nothing is empty."""
    return _PLACEHOLDER.sub(lambda match: _replacement(match, variables), template)


def render_value(value: Any, variables: Mapping[str, str]) -> Any:
    """A YAML value with every string in it rendered (mapping keys are left as written)."""
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, dict):
        return {key: render_value(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [render_value(item, variables) for item in value]
    return value


def template_strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string in a YAML value with its location, for checking placeholders at load time."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from template_strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from template_strings(item, f"{where}[{index}]")


def _replacement(match: re.Match[str], variables: Mapping[str, str]) -> str:
    literal, name = match.groups()
    return "{" + literal + "}" if literal else variables.get(name, "")
