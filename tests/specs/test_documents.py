"""The documents are valid OpenAPI 3.1, carry our protocol decisions, and the tools can use them."""

from __future__ import annotations

import datetime
import json
from functools import cache
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import Case
from schemathesis.core import NOT_SET
from schemathesis.schemas import BaseSchema

from gateway.specs import SpecSet, load_specs

from .conftest import SPECS_DIR, Exchange, exchange_params

SPEC_FILES = sorted(SPECS_DIR.glob("*.json"))
PROTOCOLS = {"openai_chat", "openai_responses", "openai_images", "openai_models", "anthropic", "gemini"}
COMMON_ERRORS = {"400", "401", "402", "403", "404", "405", "413", "429", "500", "502", "503", "504"}
ERROR_STATUSES = {"anthropic": COMMON_ERRORS | {"529"}}
ERROR_SHAPES = {
    "openai": {"error": {"message": "m", "type": "invalid_request_error", "param": None, "code": None}},
    "anthropic": {"type": "error", "error": {"type": "not_found_error", "message": "m"}},
    "gemini": {"error": {"code": 404, "message": "m", "status": "NOT_FOUND"}},
}
SECURITY = {
    "openai": {("bearer", "authorization")},
    "anthropic": {("header", "x-api-key"), ("bearer", "authorization")},
    "gemini": {("header", "x-goog-api-key"), ("query", "key")},
}
EXPECTED_OPERATIONS = {
    "openai-chat": {"openai.createChatCompletion"},
    "openai-responses": {"openai.createResponse"},
    "openai-images": {"openai.createImage"},
    "openai-models": {"openai.listModels", "openai.retrieveModel"},
    "anthropic": {
        "anthropic.createMessage",
        "anthropic.countTokens",
        "anthropic.listModels",
        "anthropic.getModel",
    },
    "gemini": {
        f"{version}.{name}"
        for version in ("v1beta", "v1")
        for name in ("generateContent", "streamGenerateContent", "countTokens", "listModels", "getModel")
    },
}


def family(protocol: str) -> str:
    return protocol.split("_")[0]


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_document_is_valid_openapi_31(path: Path) -> None:
    doc = json.loads(path.read_text())
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/"}]


def test_operations_per_spec(specs: SpecSet) -> None:
    found: dict[str, set[str]] = {}
    for operation in specs.operations:
        found.setdefault(operation.spec, set()).add(operation.operation_id)
        assert operation.protocol in PROTOCOLS
        assert operation.path.startswith(("/v1/", "/v1beta/"))
    assert found == EXPECTED_OPERATIONS


def _without_operation_ids(path_item: dict) -> dict:
    return {method: {k: v for k, v in op.items() if k != "operationId"} for method, op in path_item.items()}


def test_gemini_serves_both_api_versions_with_the_same_schemas(specs: SpecSet) -> None:
    paths = specs.documents["gemini"]["paths"]
    v1beta = {
        p.removeprefix("/v1beta"): _without_operation_ids(i)
        for p, i in paths.items()
        if p.startswith("/v1beta/")
    }
    v1 = {p.removeprefix("/v1"): _without_operation_ids(i) for p, i in paths.items() if p.startswith("/v1/")}
    assert v1beta == v1
    assert len(v1) == 5


@pytest.mark.parametrize("operation_id", sorted(o.operation_id for o in load_specs(SPECS_DIR).operations))
def test_every_operation_answers_errors_in_its_protocols_shape(specs: SpecSet, operation_id: str) -> None:
    operation = specs.operation(operation_id)
    spec, path, method = operation.spec, operation.path, operation.method
    responses = specs.documents[spec]["paths"][path][method]["responses"]
    shape = family(operation.protocol)
    assert set(responses) - {"200"} == ERROR_STATUSES.get(shape, COMMON_ERRORS)
    for status in responses.keys() - {"200"}:
        assert specs.validate_response_body(operation_id, int(status), ERROR_SHAPES[shape]) == []
    other_shapes = [body for name, body in ERROR_SHAPES.items() if name != shape]
    assert all(specs.validate_response_body(operation_id, 400, body) for body in other_shapes)


@pytest.mark.parametrize("operation_id", sorted(o.operation_id for o in load_specs(SPECS_DIR).operations))
def test_every_operation_declares_its_protocols_auth(specs: SpecSet, operation_id: str) -> None:
    schemes = specs.security_schemes(operation_id)
    assert {(s.kind, s.name) for s in schemes} == SECURITY[family(specs.operation(operation_id).protocol)]


def test_gemini_alt_parameter_selects_sse(specs: SpecSet) -> None:
    (alt,) = [p for p in specs.query_parameters("v1beta.streamGenerateContent") if p.name == "alt"]
    assert alt.schema["enum"] == ["json", "sse"]


def test_anthropic_accepts_the_sdk_beta_query_flag(specs: SpecSet) -> None:
    assert "beta" in {p.name for p in specs.query_parameters("anthropic.createMessage")}


def test_streaming_operations_map_event_names_to_payloads(specs: SpecSet) -> None:
    streaming = {o.operation_id for o in specs.operations if o.streaming}
    assert streaming == {
        "openai.createChatCompletion",
        "openai.createResponse",
        "openai.createImage",
        "anthropic.createMessage",
        "v1beta.streamGenerateContent",
        "v1.streamGenerateContent",
    }
    assert set(specs.sse_event_names("anthropic.createMessage")) == {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    }
    assert {"response.created", "response.output_text.delta", "response.completed", "error"} <= set(
        specs.sse_event_names("openai.createResponse")
    )
    assert specs.sse_event_names("openai.createChatCompletion") == ()


def test_models_carry_the_pricing_extension(specs: SpecSet) -> None:
    model = specs.documents["openai-models"]["components"]["schemas"]["Model"]["properties"]
    for name in ("pricing", "context_window", "max_output_tokens", "aliases"):
        assert model[name]["x-gateway-extension"] is True
    listing = {
        "object": "list",
        "data": [
            {
                "id": "claude-sonnet-4-5",
                "object": "model",
                "created": 1,
                "owned_by": "anthropic",
                "pricing": {
                    "input": "3",
                    "output": "15.00",
                    "cache_read": "0.30",
                    "unit": "USD per 1M tokens",
                },
                "context_window": 200000,
                "max_output_tokens": 64000,
                "aliases": ["sonnet"],
            }
        ],
    }
    assert specs.validate_response_body("openai.listModels", 200, listing) == []
    listing["data"][0]["pricing"] = {"input": 3, "unit": "per token"}
    assert specs.validate_response_body("openai.listModels", 200, listing) == [
        "data[0].pricing: required property 'output' is missing",
        "data[0].pricing.input: 3 is not of type 'string'",
        "data[0].pricing.unit: 'per token' is not one of ['USD per 1M tokens']",
    ]


# -- schemathesis --------------------------------------------------------------------------------


@cache
def _schemathesis_schema(spec: str) -> BaseSchema:
    return schemathesis.openapi.from_path(str(SPECS_DIR / f"{spec}.json"))


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_schemathesis_loads_and_enumerates_operations(path: Path, specs: SpecSet) -> None:
    schema = schemathesis.openapi.from_path(str(path))
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == {f"{o.method.upper()} {o.path}" for o in specs.operations if o.spec == path.stem}


@pytest.mark.parametrize("operation_id", sorted(o.operation_id for o in load_specs(SPECS_DIR).operations))
def test_bodies_schemathesis_generates_pass_our_validator(specs: SpecSet, operation_id: str) -> None:
    """Positive-mode fuzzing of the gateway relies on schemathesis and us reading the schemas alike."""
    operation = specs.operation(operation_id)
    api_operation = _schemathesis_schema(operation.spec)[operation.path][operation.method.upper()]
    rejected: list[list[str]] = []

    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(api_operation.as_strategy())
    def generated(case: Case) -> None:
        body = None if case.body is NOT_SET else case.body
        if problems := specs.validate_request_body(operation_id, body):
            rejected.append(problems)

    generated()
    assert rejected == []


def _schemathesis_response(exchange: Exchange) -> httpx.Response:
    """The recorded response as schemathesis takes it. Google labels the JSON error bodies of
    ``alt=sse`` calls ``text/event-stream``; we label them by what they are."""
    recorded = exchange.interaction.response
    content_type = "text/event-stream" if exchange.is_sse and exchange.status < 300 else "application/json"
    request = httpx.Request(
        exchange.operation.method.upper(), f"http://gateway.test{exchange.interaction.path}"
    )
    response = httpx.Response(
        exchange.status, headers={"content-type": content_type}, content=recorded.body, request=request
    )
    response.elapsed = datetime.timedelta(0)
    return response


def _json_or_sse(exchange: Exchange) -> bool:
    return exchange.is_sse or exchange.interaction.response.body.lstrip()[:1] in (b"{", b"[")


@pytest.mark.parametrize("exchange", exchange_params(_json_or_sse))
def test_schemathesis_accepts_recorded_response(exchange: Exchange) -> None:
    operation = _schemathesis_schema(exchange.operation.spec)[exchange.operation.path][
        exchange.operation.method.upper()
    ]
    operation.validate_response(_schemathesis_response(exchange))
