"""schemathesis over every document in ``specs/``, against the gateway on its mock defaults.

Every operation is fuzzed with schema-valid and schema-breaking requests (the examples and fuzzing
phases, a bounded number of cases each). The operations without a request body (the models lists
and lookups) also get the coverage phase: every boundary value, missing and ill-typed parameter,
and the methods a path does not serve. For operations with a body that phase enumerates every
boundary of the request schema, tens of thousands of requests, so they have the fuzzing phase only.

The documents are used as published but for one narrowing: where a request names a model (body
``model``, path ``{model}``) the schema-valid requests name one of the catalog's, so that they get
past the model lookup and reach translation, the mock and the encoders, streams included; the
schema-breaking ones still name anything.

Each response must pass schemathesis's checks — never a 5xx, a declared status, the declared
content type, a body valid against the response schema, schema-breaking input refused with a
4xx — and, when it is a stream, each SSE event must be valid against its event schema
(``SpecSet.validate_stream_event``) and the stream must follow its protocol's grammar
(``conformance.checks``). One check is left out: ``positive_data_acceptance`` wants every
schema-valid request to succeed, but a provider refuses schema-valid requests on grounds no schema
states (audio output from a text model, an output limit above the model's), and so does the gateway.

Fuzzed conversation bodies are mostly refused on such grounds, so few of them stream; a last test
sends every streaming operation the requests clients really stream (plain text, a forced tool,
thinking, structured output, a cut at the output limit) under the same checks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from conformance.checks import check_gemini_json_array, check_stream, errors_only
from gateway.app import create_app
from gateway.catalog import load_catalog
from gateway.resources import resource_dir
from gateway.serving import start_server
from gateway.settings import DEFAULT_CATALOG, DEMO_KEY, settings_from_env
from gateway.specs import load_specs
from gateway.sse import SSEDecoder, SSEEvent

SPECS_DIR = resource_dir("specs")
FUZZ_EXAMPLES = 20
# schemathesis stops reading a stream after 20 events by default; the mock's streams are longer
# (and finite), and the grammar can only be judged on a whole stream.
MAX_STREAM_EVENTS = 10_000
# The demo key, the way each protocol's SDK sends it (which also picks the /v1/models dialect).
AUTH = {
    "openai": {"Authorization": f"Bearer {DEMO_KEY}"},
    "anthropic": {"x-api-key": DEMO_KEY, "anthropic-version": "2023-06-01"},
    "gemini": {"x-goog-api-key": DEMO_KEY},
}


def _catalog_names(kind: str) -> list[str]:
    """Model names the default catalog serves, without a slash (they also go into paths)."""
    entries = load_catalog(DEFAULT_CATALOG).models
    return sorted(name for m in entries if m.kind == kind for name in (m.id, *m.aliases) if "/" not in name)


def _with_catalog_models(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each request's model (path parameter or body field) one the gateway serves."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            names = {"enum": _catalog_names("image" if "Image" in operation["operationId"] else "chat")}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"] in ("model", "model_id"):
                    parameter["schema"] = {"type": "string", **names}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body and _has_model_field(document, body["schema"]):
                body["schema"] = {"allOf": [body["schema"], {"properties": {"model": names}}]}
    return document


def _has_model_field(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether ``model`` is a property the body's schema (or one of its allOf parts) declares."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "model" in schema.get("properties", {}):
        return True
    return any(_has_model_field(document, part) for part in schema.get("allOf", []))


def _load(document: dict[str, Any]) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_dict(document)
    schema.config.max_stream_events = MAX_STREAM_EVENTS
    return schema


def _schemas(phases: list[str], method: str | None = None) -> dict[str, Any]:
    found = {}
    for path in sorted(SPECS_DIR.glob("*.json")):
        schema = _load(_with_catalog_models(json.loads(path.read_text(encoding="utf-8"))))
        if method:
            schema = schema.include(method=method)
        schema.config.phases.update(phases=phases)
        if any(True for _ in schema.get_all_operations()):
            found[path.stem] = schema
    return found


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ledger = tmp_path_factory.mktemp("schemathesis") / "ledger.sqlite3"
    with start_server(create_app(settings_from_env({}, ledger_url=f"sqlite:///{ledger}"))) as server:
        yield server.url


def _raw(case: schemathesis.Case) -> dict[str, Any]:
    return case.operation.definition.raw


def stream_events_conform(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A 200 stream: every event valid against the operation's event schemas, and the protocol's
    grammar (order, terminator, usage) respected."""
    if response.status_code != 200:
        return
    raw = _raw(case)
    protocol, operation_id = raw["x-gateway-protocol"], raw["operationId"]
    media_type = response.headers.get("content-type", [""])[0].split(";")[0]
    request = case.body if isinstance(case.body, dict) else None
    if media_type == "text/event-stream":
        events = _events(response.content)
        problems = [
            f"event {number} ({event.event or 'data'}): {problem}"
            for number, event in enumerate(events)
            for problem in load_specs().validate_stream_event(operation_id, event.event, event.data)
        ]
        if not response.stream_cut_short:
            problems += [str(f) for f in errors_only(check_stream(protocol, events, request))]
    elif operation_id.endswith("streamGenerateContent"):
        problems = [str(f) for f in errors_only(check_gemini_json_array(response.content, request))]
    else:
        return
    assert not problems, "the stream breaks its spec:\n" + "\n".join(problems[:10])


def _events(body: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return decoder.feed(body) + decoder.close()


def _family(case: schemathesis.Case) -> str:
    protocol = _raw(case)["x-gateway-protocol"]
    return "openai" if protocol.startswith("openai") else protocol


def _call_and_validate(case: schemathesis.Case, base_url: str) -> schemathesis.Response:
    return case.call_and_validate(
        base_url=base_url,
        headers=AUTH[_family(case)],
        additional_checks=[stream_events_conform],
        excluded_checks=[positive_data_acceptance],
        timeout=30,
    )


BOUNDED = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schemathesis.pytest.parametrize(**_schemas(["examples", "fuzzing"]))
@BOUNDED
def test_fuzzed_requests_get_answers_that_keep_the_spec(case: schemathesis.Case, base_url: str) -> None:
    _call_and_validate(case, base_url)


@schemathesis.pytest.parametrize(**_schemas(["coverage"], method="GET"))
@BOUNDED
def test_boundary_requests_get_answers_that_keep_the_spec(case: schemathesis.Case, base_url: str) -> None:
    _call_and_validate(case, base_url)


# --- streams, with what clients really ask for --------------------------------------------------------

# What clients stream, per streaming operation (see the module docstring).
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CHAT_TOOL = [{"type": "function", "function": {"name": "weather", "parameters": WEATHER}}]
RESPONSES_TOOL = [{"type": "function", "name": "weather", "parameters": WEATHER}]
ANTHROPIC_TOOL = [{"name": "weather", "input_schema": WEATHER}]
GEMINI_TOOL = [
    {"functionDeclarations": [{"name": "weather", "description": "Weather", "parametersJsonSchema": WEATHER}]}
]
SAY = [{"role": "user", "content": "Say hello to the harbour"}]
GEMINI_SAY = [{"role": "user", "parts": [{"text": "Say hello to the harbour"}]}]
STREAMS = {
    ("openai-chat", "/v1/chat/completions"): [
        {"model": "gpt-4o-mini", "messages": SAY, "stream": True, "stream_options": {"include_usage": True}},
        {
            "model": "gpt-4o-mini",
            "messages": SAY,
            "stream": True,
            "tools": CHAT_TOOL,
            "tool_choice": "required",
        },
        {
            "model": "gpt-4o-mini",
            "messages": SAY,
            "stream": True,
            "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": WEATHER}},
        },
        {"model": "gpt-4o-mini", "messages": SAY, "stream": True, "max_tokens": 3},
    ],
    ("openai-responses", "/v1/responses"): [
        {"model": "gpt-4o-mini", "input": "Say hello", "stream": True},
        {
            "model": "gpt-4o-mini",
            "input": "Say hello",
            "stream": True,
            "tools": RESPONSES_TOOL,
            "tool_choice": "required",
        },
        {
            "model": "gpt-5",
            "input": "Say hello",
            "stream": True,
            "reasoning": {"effort": "low", "summary": "auto"},
        },
        {"model": "gpt-4o-mini", "input": "Say hello", "stream": True, "max_output_tokens": 16},
    ],
    ("anthropic", "/v1/messages"): [
        {"model": "claude-haiku-4-5", "max_tokens": 300, "messages": SAY, "stream": True},
        {
            "model": "claude-haiku-4-5",
            "max_tokens": 300,
            "messages": SAY,
            "stream": True,
            "tools": ANTHROPIC_TOOL,
            "tool_choice": {"type": "tool", "name": "weather"},
        },
        {
            "model": "claude-haiku-4-5",
            "max_tokens": 3000,
            "messages": SAY,
            "stream": True,
            "thinking": {"type": "enabled", "budget_tokens": 1024},
        },
        {"model": "claude-haiku-4-5", "max_tokens": 4, "messages": SAY, "stream": True},
    ],
    **{
        ("gemini", f"/{version}/models/{{model}}:streamGenerateContent"): [
            {"contents": GEMINI_SAY},
            {
                "contents": GEMINI_SAY,
                "tools": GEMINI_TOOL,
                "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
            },
            {"contents": GEMINI_SAY, "generationConfig": {"thinkingConfig": {"includeThoughts": True}}},
            {
                "contents": GEMINI_SAY,
                "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": WEATHER},
            },
        ]
        for version in ("v1", "v1beta")
    },
}


@pytest.mark.parametrize(
    ("spec", "path", "body"),
    [(spec, path, body) for (spec, path), bodies in STREAMS.items() for body in bodies],
)
def test_streams_of_every_streaming_operation_keep_the_spec(
    base_url: str, spec: str, path: str, body: dict[str, Any]
) -> None:
    operation = _load(json.loads((SPECS_DIR / f"{spec}.json").read_text(encoding="utf-8")))[path]["POST"]
    gemini = spec == "gemini"
    case = operation.Case(
        body=body,
        path_parameters={"model": "gemini-2.5-flash"} if gemini else None,
        query={"alt": "sse"} if gemini else None,
    )
    response = _call_and_validate(case, base_url)
    assert response.status_code == 200, response.text
    assert not response.stream_cut_short
    assert response.headers["content-type"][0].startswith("text/event-stream")


def test_every_streaming_operation_is_streamed_above() -> None:
    """All but images, which the gateway answers whole even when asked to stream (the spec allows
    the JSON reply too, and the fuzzing above checks it)."""
    streaming = {(op.spec, op.path) for op in load_specs().operations if op.streaming}
    assert streaming - {("openai-images", "/v1/images/generations")} == set(STREAMS)
