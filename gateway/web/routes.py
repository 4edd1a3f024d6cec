"""Flask routes built from the operations in ``specs/``: the specs decide what is served.

Each spec operation becomes a URL rule (``{model}`` becomes a ``path``-like converter, since gateway
model ids contain a slash) whose declared query parameters are checked (``gateway.web.query``).
Operations of different protocols on the same path and method — the models list — share one rule,
and the caller's dialect picks the operation. What an operation does is read from its path by
``HANDLERS``, so adding a surface to the specs and a row here is all routing needs.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.routing import PathConverter

from gateway import signatures, tables
from gateway.pipeline import Call, Gateway
from gateway.specs import Operation, SpecSet
from gateway.web import auth, dialect
from gateway.web.body import json_body
from gateway.web.query import QueryRules

Handler = Callable[[Gateway, Operation, Call, dict[str, str]], Response]

_PARAM = re.compile(r"\{([^}]+)\}")
_CONVERTER = "spec_param"
_CUSTOM_METHOD = re.compile(r"\}:(\w+)$")


def _generate(gateway: Gateway, op: Operation, call: Call, params: dict[str, str]) -> Response:
    body, raw = _read(op)
    call.tagged = signatures.MARKER in raw
    model = params.get("model") or body.get("model") or ""
    if op.protocol == tables.GEMINI:
        streaming = op.path.endswith(":streamGenerateContent")
        call.options = {"stream": streaming}
        if streaming and request.args.get("alt") != "sse":
            call.options["json_array"] = True
    return gateway.generate(call, body, model)


def _count_tokens(gateway: Gateway, op: Operation, call: Call, params: dict[str, str]) -> Response:
    body = _body(op)
    return gateway.count_tokens(call, body, params.get("model") or body.get("model") or "")


def _images(gateway: Gateway, op: Operation, call: Call, params: dict[str, str]) -> Response:
    return gateway.images(call, _body(op))


def _list_models(gateway: Gateway, op: Operation, call: Call, params: dict[str, str]) -> Response:
    return gateway.list_models(call.protocol)


def _get_model(gateway: Gateway, op: Operation, call: Call, params: dict[str, str]) -> Response:
    (name,) = params.values()
    return gateway.get_model(call.protocol, name)


# What an operation does, from the shape of its path (first match).
HANDLERS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r":(stream)?[gG]enerateContent$"), _generate),
    (re.compile(r"/(chat/completions|responses|messages)$"), _generate),
    (re.compile(r"(:countTokens|/count_tokens)$"), _count_tokens),
    (re.compile(r"/images/generations$"), _images),
    (re.compile(r"/models$"), _list_models),
    (re.compile(r"/models/\{[^}]+\}$"), _get_model),
]


def handler_for(path: str) -> Handler | None:
    return next((handler for pattern, handler in HANDLERS if pattern.search(path)), None)


def flask_rule(path: str) -> str:
    return _PARAM.sub(lambda m: f"<{_CONVERTER}:{m.group(1)}>", path)


def _param_converter(specs: SpecSet) -> type[PathConverter]:
    """A path parameter may hold slashes (gateway model ids do) but never ends with one of Google's
    custom methods (``models/x:countTokens``): that path is the method, not a model to look up, so
    ``GET`` on it is a 405 that allows only ``POST``."""
    verbs = sorted({m.group(1) for op in specs.operations if (m := _CUSTOM_METHOD.search(op.path))})

    class SpecParam(PathConverter):
        regex = PathConverter.regex + "".join(f"(?<!:{re.escape(verb)})" for verb in verbs)

    return SpecParam


def register_routes(app: Flask, specs: SpecSet) -> None:
    """One URL rule per spec path and method; several protocols on one rule share it by dialect."""
    app.url_map.converters[_CONVERTER] = _param_converter(specs)
    groups: dict[tuple[str, str], list[Operation]] = {}
    for op in specs.operations:
        if handler_for(op.path) is None:
            continue
        shape = _PARAM.sub("{}", op.path)
        groups.setdefault((shape, op.method), []).append(op)
    for (_, method), ops in sorted(groups.items()):
        app.add_url_rule(
            flask_rule(ops[0].path),
            endpoint=f"{method} {ops[0].path}",
            view_func=_view(ops, specs),
            methods=[method.upper()],
        )


def _view(ops: list[Operation], specs: SpecSet) -> Callable[..., Response]:
    by_family = {dialect.family(op.protocol): (op, handler_for(op.path)) for op in ops}
    fallback = by_family[dialect.family(ops[0].protocol)]
    queries = {op.operation_id: QueryRules(specs.query_parameters(op.operation_id)) for op in ops}

    def view(**params: str) -> Response:
        op, handler = by_family.get(dialect.caller_family(request), fallback)
        g.protocol = op.protocol
        gateway: Gateway = current_app.extensions["gateway"]
        key = gateway.meter.authenticate(auth.presented_key(request))
        queries[op.operation_id].check(request.args)
        call = Call(
            protocol=op.protocol,
            request_id=f"req_{uuid.uuid4().hex}",
            key=key,
            headers={k.lower(): v for k, v in request.headers.items() if k.lower() in _FORWARDABLE},
        )
        g.request_id = call.request_id
        return handler(gateway, op, call, params)

    return view


# Client headers a passthrough may forward (each provider forwards only its own protocol's).
_FORWARDABLE = {"anthropic-version", "anthropic-beta", "openai-beta"}


def _body(op: Operation) -> dict[str, Any]:
    return _read(op)[0]


def _read(op: Operation) -> tuple[dict[str, Any], bytes]:
    settings = current_app.config["GATEWAY_SETTINGS"]
    specs: SpecSet = current_app.extensions["gateway_specs"]
    return json_body(request, specs, op.operation_id, settings.max_body_bytes)
