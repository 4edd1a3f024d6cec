from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.providers.mock.schema_values import value_for

CASES = yaml.safe_load((Path(__file__).parent / "schemas.yaml").read_text(encoding="utf-8"))


def json_schema_types(schema: Any) -> Any:
    """Gemini's upper-case type names in JSON Schema spelling, for jsonschema to check against."""
    if isinstance(schema, dict):
        return {
            key: value.lower() if key == "type" and isinstance(value, str) else json_schema_types(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [json_schema_types(item) for item in schema]
    return schema


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_generated_value_is_valid(case: dict[str, Any]) -> None:
    schema = json_schema_types(case["schema"])
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    validator.validate(value_for(case["schema"]))


def test_generation_is_deterministic() -> None:
    for case in CASES:
        assert value_for(case["schema"]) == value_for(case["schema"])


def test_required_properties_only() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert value_for(schema) == {"a": "mock"}


def test_recursion_without_an_exit_ends_in_null() -> None:
    assert value_for({"$ref": "#"}) is None


def test_huge_sizes_are_capped() -> None:
    value = value_for({"type": "array", "minItems": 10**9, "items": {"type": "string", "minLength": 10**9}})
    assert 0 < len(value) <= 10_000


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["type", "properties", "required", "items", "prefixItems", "enum", "const", "anyOf", "oneOf",
             "allOf", "$ref", "$defs", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
             "multipleOf", "minLength", "maxLength", "pattern", "format", "minItems", "maxItems",
             "minProperties", "additionalProperties", "contains", "object", "string", "#/$defs/a", "a"]
        ),
        children,
        max_size=5,
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_as_a_schema_never_raises(schema: Any) -> None:
    value_for(schema)


@pytest.mark.parametrize("bound", [-1, -(2**63) - 1])
def test_a_negative_max_items_gives_an_empty_array(bound):
    assert value_for({"type": "array", "maxItems": bound}) == []
