"""Every failure leaves as an error in the caller's protocol: its shape, status and headers.

A route sets ``g.protocol`` as soon as it knows the operation; before that (unknown path, wrong
method) the caller's dialect decides. An exception nobody anticipated is a gateway bug: it is
logged with the request id (never the request's secrets) and answered as a 500 in the right shape.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from gateway.codecs.errors import error_body, error_status
from gateway.errors import ErrorKind, GatewayError
from gateway.pipeline import json_response
from gateway.tables import error_kind_for_status
from gateway.web.dialect import error_protocol

log = logging.getLogger("gateway")

_HTTP_MESSAGES = {
    404: "Unknown path {method} {path}: see the gateway's specs for the routes it serves.",
    405: "Method {method} is not allowed on {path}.",
    413: "The request body is larger than the gateway's limit.",
}


def render(error: GatewayError) -> Response:
    protocol = g.get("protocol") or error_protocol(request)
    request_id = g.get("request_id")
    response = json_response(error_body(protocol, error, request_id), status=error_status(protocol, error))
    response.headers.update(error.headers)
    if request_id:
        response.headers["request-id"] = request_id
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    template = _HTTP_MESSAGES.get(status)
    message = template.format(method=request.method, path=request.path) if template else exc.description
    # RFC 9110: a 405 says which methods the path does allow.
    allowed = exc.valid_methods if isinstance(exc, MethodNotAllowed) else None
    headers = {"allow": ", ".join(allowed)} if allowed else None
    return render(
        GatewayError(error_kind_for_status(status), message or exc.name, status=status, headers=headers)
    )


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s (request %s)", request.method, request.path, g.get("request_id"))
    return render(GatewayError(ErrorKind.API_ERROR, "The gateway failed to handle this request."))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(GatewayError, render)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
