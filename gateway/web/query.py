"""Query parameters: the ones a spec declares are checked against their schemas, the rest pass.

Real SDKs add parameters of their own (the Anthropic SDK's ``?beta=true``) and the Gemini key may
travel as ``?key=``, so an undeclared parameter is never an error. A declared one with a value its
schema refuses (``prettyPrint=maybe``, ``alt=xml``, ``limit=0``) is a 400 naming the parameter, as
the providers answer it, rather than a value the gateway silently ignores.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema_rs
from werkzeug.datastructures import MultiDict

from gateway.errors import invalid
from gateway.specs import Parameter

_INTEGER = re.compile(r"-?[0-9]+")
_BOOLEANS = {"true": True, "false": False}
# OpenAPI's integer formats, which JSON Schema validators leave unchecked.
_FORMAT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class QueryRules:
    """The declared query parameters of one operation, their validators compiled once."""

    def __init__(self, parameters: Sequence[Parameter]) -> None:
        self._rules = [
            (p, jsonschema_rs.validator_for(_bounded(p.schema))) for p in parameters if p.location == "query"
        ]

    def check(self, args: MultiDict[str, str]) -> None:
        """Raises a 400 for the first declared parameter that is missing or ill-typed."""
        for parameter, validator in self._rules:
            values = args.getlist(parameter.name)
            if not values and parameter.required:
                raise invalid(f"The query parameter `{parameter.name}` is required.", parameter.name)
            for raw in values:
                if not validator.is_valid(_typed(raw, parameter.schema)):
                    raise invalid(
                        f"Invalid value {raw!r} for the query parameter `{parameter.name}`: "
                        f"expected {_expected(parameter.schema)}.",
                        parameter.name,
                    )


def _bounded(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with its integer format's range made explicit (``int32`` is at most 2**31 - 1)."""
    low, high = _FORMAT_RANGES.get(schema.get("format", ""), (None, None))
    bounds = {"minimum": low, "maximum": high} if low is not None else {}
    return {**bounds, **schema}


def _typed(raw: str, schema: Mapping[str, Any]) -> Any:
    """The value as the schema's type reads it; a text that is no such value stays text (and fails)."""
    kind = schema.get("type")
    if kind == "boolean":
        return _BOOLEANS.get(raw, raw)
    if kind == "integer" and _INTEGER.fullmatch(raw):
        return int(raw)
    return raw


def _expected(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if schema.get("type") == "boolean":
        return "true or false"
    if schema.get("type") == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"an integer from {low} to {high}"
        return "an integer"
    return f"a {schema.get('type', 'value')}"
