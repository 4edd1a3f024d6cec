"""Requests generated from ``specs/`` by schemathesis: valid ones (positive) and invalid ones
(negative), a bounded and repeatable number per operation.

schemathesis draws cases from each operation's schemas (hypothesis underneath); this module only
bends them to what a certification needs: the same cases on every run (derandomized, no example
database), the target's own model id where the spec allows any string, token limits and image
counts small enough to answer quickly (the vLLM project keeps its fuzzed bodies plausible the same
way), and credentials left to the suite. A valid case that this bending would make invalid is
dropped, never sent as "valid". A negative case counts only if its body is what was made invalid:
an unknown query parameter or a wrong header is something a gateway may rightly ignore.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Mapping
from functools import cache
from typing import Any

from conformance.http import Request
from gateway.resources import resource_dir
from gateway.specs import Operation, load_specs

__all__ = ["generated_requests"]

# Token limits and counts above these only make a fuzzed request slow, never more telling.
CAPS = {"max_tokens": 64, "max_completion_tokens": 64, "max_output_tokens": 64, "maxOutputTokens": 64, "n": 2}
CREDENTIAL_QUERY = ("key",)
MODEL_PARAMETERS = ("model", "model_id")


def generated_requests(
    operation: Operation, negative: bool, count: int, model: str | None, headers: Mapping[str, str]
) -> list[Request]:
    """Up to ``count`` requests for ``operation``: valid ones, or ones with an invalid body.

    ``model`` replaces the generated model id (path parameter or body field) of valid requests;
    ``headers`` are the surface's own (the Anthropic version), sent instead of generated ones.
    """
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable
    from schemathesis.core.errors import UnsupportedSchema

    _quiet_hypothesis()
    api_operation = _schema(operation.spec)[operation.path][operation.method.upper()]
    mode = schemathesis.GenerationMode.NEGATIVE if negative else schemathesis.GenerationMode.POSITIVE
    path = {name: model for name in operation.path_parameters if name in MODEL_PARAMETERS} if model else None
    if negative:
        # Parameters held fixed cannot be negated, so generation spends its examples on bodies.
        fixed = {p.location: {} for p in load_specs().parameters(operation.operation_id)}
        for parameter in load_specs().parameters(operation.operation_id):
            if parameter.location != "path":
                fixed[parameter.location][parameter.name] = _some_value(parameter.schema)
        strategy = api_operation.as_strategy(
            generation_mode=mode, path_parameters=path, query=fixed.get("query"), headers=fixed.get("header")
        ).filter(_body_negated)
    else:
        strategy = api_operation.as_strategy(generation_mode=mode, path_parameters=path)
    cases: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data: Any) -> None:
        # A draw schemathesis cannot make (a `not` it cannot complement) costs one example, not all.
        try:
            cases.append(data.draw(strategy))
        except UnsupportedSchema:
            return

    try:
        collect()
    except Unsatisfiable:  # nothing to negate (an operation without a body): no invalid case
        return []
    specs = load_specs()
    requests = []
    for case in cases[:count]:
        request = _request(case, headers, negative, operation.streaming)
        if not negative and isinstance(request.body, dict):
            request = request.with_body(_plausible(request.body, model))
            if specs.validate_request_body(operation.operation_id, request.body):
                continue
        requests.append(request)
    return requests


@cache
def _schema(spec: str) -> Any:
    """The spec loaded by schemathesis, without generated credentials (the suite sends its own)."""
    import schemathesis

    schema = schemathesis.openapi.from_path(resource_dir("specs") / f"{spec}.json")
    schema.config.generation.update(with_security_parameters=False)
    return schema


def _some_value(schema: Mapping[str, Any]) -> Any:
    """A valid value for a simple parameter schema (an enum's first value, else by type)."""
    if schema.get("enum"):
        return schema["enum"][0]
    return {"boolean": True, "integer": 1}.get(schema.get("type"), "x")


@cache
def _quiet_hypothesis() -> None:
    """Keep hypothesis's files out of the caller's working directory."""
    from hypothesis.configuration import set_hypothesis_home_dir

    home = tempfile.mkdtemp(prefix="conformance-hypothesis-")
    atexit.register(shutil.rmtree, home, True)
    set_hypothesis_home_dir(home)


def _body_negated(case: Any) -> bool:
    from schemathesis import GenerationMode
    from schemathesis.core.parameters import ParameterLocation

    component = case.meta.components.get(ParameterLocation.BODY) if case.meta else None
    return component is not None and component.mode == GenerationMode.NEGATIVE


def _request(case: Any, headers: Mapping[str, str], negative: bool, streaming: bool) -> Request:
    """The case as the suite sends it: generated credentials and headers dropped; generated query
    parameters kept for a valid case only (an invalid case is invalid by its body alone), but for
    Gemini's ``alt`` on a method that does not stream, whose effect there no document states."""
    kwargs = case.as_transport_kwargs(base_url="")
    sent = {k.lower(): v for k, v in kwargs["headers"].items() if k.lower() == "content-type"}
    dropped = CREDENTIAL_QUERY if streaming else (*CREDENTIAL_QUERY, "alt")
    generated = kwargs.get("params") or {}
    query = {} if negative else {k: str(v) for k, v in generated.items() if k not in dropped}
    if "json" in kwargs:
        body: Any = kwargs["json"] if not negative else json.dumps(kwargs["json"]).encode()
    else:
        body = kwargs.get("data")
        body = body.encode() if isinstance(body, str) else body
    return Request(case.method.upper(), case.formatted_path, body, query, {**sent, **headers})


def _plausible(body: dict[str, Any], model: str | None) -> dict[str, Any]:
    """A valid body made answerable: the target's model, small limits (recursively)."""
    bent = _capped(body)
    if model is not None and "model" in bent:
        bent["model"] = model
    return bent


def _capped(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: min(item, CAPS[key]) if key in CAPS and _is_int(item) else _capped(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_capped(item) for item in value]
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
