"""A small JSON value generator: given a JSON Schema, one deterministic value that validates.

The mock uses it for tool call arguments and for answers in a JSON-schema response format, so a
client's own validation (an SDK's ``parse``, an agent framework's argument check) passes. It covers
what tool and output schemas use in practice: types (also Gemini's upper-case names), ``const``
and ``enum`` (the first value), objects with their required properties (and more to reach
``minProperties``), arrays of ``max(minItems, 1)`` items with ``prefixItems`` and ``contains``,
``anyOf``/``oneOf`` (the first branch), ``allOf`` and ``$ref`` siblings (merged), local ``$ref``
into ``$defs``/``definitions``, numeric bounds and ``multipleOf``, string lengths, common
``format`` values, and ``pattern`` by trying a few candidate strings. Beyond that (``uniqueItems``
with several items, patterns none of the candidates match, recursion with no way out, ``$ref`` to
other documents) it returns its best guess. It never raises: it runs on the request path.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Past this depth, anyOf/oneOf prefer a branch that ends the recursion; past the hard limit, null.
_SOFT_DEPTH = 8
_HARD_DEPTH = 32
# A client's schema may ask for huge values (minItems: 10**9); past this many values, null.
_MAX_VALUES = 10_000
_MAX_LENGTH = 100_000

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "duration": "PT1S",
    "email": "mock@example.com",
    "idn-email": "mock@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/mock",
    "uri-reference": "https://example.com/mock",
    "iri": "https://example.com/mock",
    "iri-reference": "https://example.com/mock",
    "url": "https://example.com/mock",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "regex": ".*",
    "json-pointer": "/mock",
}
_PATTERN_CANDIDATES = ("a", "A", "0", "1", "abc", "ABC", "123", "a1", "mock-1", "mock_1", "")
# The type of a schema that names none, from the keywords it uses.
_TYPE_KEYWORDS = (
    ("object", ("properties", "required", "additionalProperties", "minProperties", "patternProperties")),
    ("array", ("items", "prefixItems", "minItems", "maxItems", "contains")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)
_RECURSIVE_TYPES = ("object", "array")


def value_for(schema: Any) -> Any:
    """A value that validates against ``schema`` (best effort outside the covered keywords)."""
    return _Generator(schema).value(schema, 0)


class _Generator:
    """Holds the root schema, against which local ``$ref`` pointers resolve."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.made = 0

    def value(self, schema: Any, depth: int) -> Any:
        self.made += 1
        if schema is False or depth > _HARD_DEPTH or self.made > _MAX_VALUES:
            return None
        if not isinstance(schema, dict):
            return "mock"
        if "$ref" in schema:
            rest = {key: item for key, item in schema.items() if key != "$ref"}
            return self.value(_merge(self.resolve(schema["$ref"]), rest), depth + 1)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        if isinstance(schema.get("allOf"), list):
            rest = {key: item for key, item in schema.items() if key != "allOf"}
            return self.value(_merge_all([rest, *schema["allOf"]]), depth + 1)
        for keyword in ("anyOf", "oneOf"):
            if isinstance(schema.get(keyword), list) and schema[keyword]:
                rest = {key: item for key, item in schema.items() if key != keyword}
                return self.value(_merge(rest, _branch(schema[keyword], depth)), depth + 1)
        return self.typed(schema, _type_of(schema), depth)

    def typed(self, schema: dict[str, Any], kind: str, depth: int) -> Any:
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, depth)
        if kind in ("integer", "number"):
            return _number(schema, integer=kind == "integer")
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return _string(schema)

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = _dict(schema, "properties")
        names = list(dict.fromkeys(name for name in _list(schema, "required") if isinstance(name, str)))
        wanted = min(_int(schema, "minProperties", 0), _MAX_VALUES)
        names += [name for name in properties if name not in names][: max(wanted - len(names), 0)]
        extra = schema.get("additionalProperties")
        extra_schema = extra if isinstance(extra, dict) else {}
        if extra is not False:
            names += [f"mock_{index}" for index in range(max(wanted - len(names), 0))]
        return {name: self.value(properties.get(name, extra_schema), depth + 1) for name in names}

    def array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        prefix = _list(schema, "prefixItems") or _list(schema, "items")
        items = _dict(schema, "items")
        if "contains" in schema and not prefix:
            prefix = [_merge(items, schema["contains"])]
        count = min(max(_int(schema, "minItems", 0), 1), _MAX_VALUES)
        if "maxItems" in schema:
            count = max(min(count, _int(schema, "maxItems", count)), 0)
        schemas = [*prefix[:count], *[items] * (count - len(prefix[:count]))]
        return [self.value(item, depth + 1) for item in schemas]

    def resolve(self, pointer: Any) -> Any:
        """A local JSON pointer (``#``, ``#/$defs/Name``); anything else resolves to ``{}``."""
        if not isinstance(pointer, str) or not pointer.startswith("#"):
            return {}
        node = self.root
        for token in filter(None, pointer[1:].split("/")):
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return {}
        return node


def _merge(base: Any, extra: Any) -> dict[str, Any]:
    """Two schemas that must both hold, shallowly combined: properties and required are united."""
    if not isinstance(base, dict) or not isinstance(extra, dict):
        return extra if isinstance(extra, dict) else base if isinstance(base, dict) else {}
    merged = {**base, **extra}
    if isinstance(base.get("properties"), dict) and isinstance(extra.get("properties"), dict):
        merged["properties"] = {**base["properties"], **extra["properties"]}
    if isinstance(base.get("required"), list) and isinstance(extra.get("required"), list):
        names = [name for name in (*base["required"], *extra["required"]) if isinstance(name, str)]
        merged["required"] = list(dict.fromkeys(names))
    return merged


def _merge_all(schemas: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for schema in schemas:
        merged = _merge(merged, schema)
    return merged


def _branch(branches: list[Any], depth: int) -> Any:
    """The first branch; deep in a recursive schema, the first one that does not recurse."""
    if depth >= _SOFT_DEPTH:
        for branch in branches:
            if isinstance(branch, dict) and "$ref" not in branch and _type_of(branch) not in _RECURSIVE_TYPES:
                return branch
    return branches[0]


def _type_of(schema: dict[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        names = [name.lower() for name in declared if isinstance(name, str)]
        return next((name for name in names if name != "null"), "null" if names else "string")
    if isinstance(declared, str):
        return declared.lower()
    for kind, keywords in _TYPE_KEYWORDS:
        if any(keyword in schema for keyword in keywords):
            return kind
    return "string"


def _dict(schema: dict[str, Any], keyword: str) -> dict[str, Any]:
    value = schema.get(keyword)
    return value if isinstance(value, dict) else {}


def _list(schema: dict[str, Any], keyword: str) -> list[Any]:
    value = schema.get(keyword)
    return value if isinstance(value, list) else []


def _int(schema: dict[str, Any], keyword: str, default: int) -> int:
    value = schema.get(keyword)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _string(schema: dict[str, Any]) -> str:
    base = _FORMATS.get(schema.get("format"), "mock") if isinstance(schema.get("format"), str) else "mock"
    shortest, longest = _int(schema, "minLength", 0), _int(schema, "maxLength", -1)
    pattern = _compiled(schema.get("pattern"))
    for candidate in (base, *_PATTERN_CANDIDATES):
        fitted = _fit_length(candidate, shortest, longest)
        if pattern is None or pattern.search(fitted):
            return fitted
    return _fit_length(base, shortest, longest)


def _fit_length(text: str, shortest: int, longest: int) -> str:
    text = text.ljust(min(shortest, _MAX_LENGTH), "x")
    return text if longest < 0 else text[:longest]


def _compiled(pattern: Any) -> re.Pattern[str] | None:
    if not isinstance(pattern, str):
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    """The first of 0, 1, the bounds and their neighbours, and the midpoint that fits every limit."""
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
    step = schema["multipleOf"] if _is_number(schema.get("multipleOf")) and schema["multipleOf"] > 0 else None
    candidates: list[float] = [0, 1]
    for bound in (low, high):
        if bound is not None:
            candidates += [bound, bound + 1, bound - 1]
    if low is not None and high is not None:
        candidates.append((low + high) / 2)
    snapped = [_snap(candidate, step, integer) for candidate in candidates]
    fitting = [
        value for value in snapped if value is not None and _within(value, low, high, low_open, high_open)
    ]
    value = fitting[0] if fitting else 0
    return int(value) if float(value).is_integer() else value


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    """A lower or upper limit and whether it is open; draft 4's boolean exclusive form included."""
    open_value = schema.get(exclusive)
    if _is_number(open_value):
        return open_value, True
    closed = schema.get(inclusive)
    if not _is_number(closed):
        return None, False
    return closed, open_value is True


def _snap(value: float, step: float | None, integer: bool) -> float | None:
    """Round up to a multiple of ``step`` (and to an integer); None when the two cannot agree."""
    try:
        if integer:
            value = math.ceil(value)
        if step is not None:
            value = math.ceil(value / step) * step
    except OverflowError:
        return None
    if integer and not float(value).is_integer():
        return None
    return value


def _within(value: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> bool:
    above = low is None or value > low or (value == low and not low_open)
    below = high is None or value < high or (value == high and not high_open)
    return above and below


def _is_number(value: Any) -> bool:
    """A finite JSON number (Python's json module also accepts NaN and Infinity)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
