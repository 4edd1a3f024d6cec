"""Reading a client's JSON body: size, media type, syntax, then the spec's schema.

Each failure a client can cause here is a 4xx with a message that says what to fix; nothing a
client sends reaches the handlers unless it is a JSON object valid against the operation's schema.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Request

from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.specs import SpecSet


def json_body(
    request: Request, specs: SpecSet, operation_id: str, max_bytes: int
) -> tuple[dict[str, Any], bytes]:
    """The body, and the bytes it was read from (for a cheap look at what they hold)."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise _too_large(max_bytes)
    media_type = request.mimetype
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise GatewayError(
            ErrorKind.UNSUPPORTED_MEDIA_TYPE,
            f"Unsupported Content-Type {media_type!r}: send the body as JSON with "
            "`Content-Type: application/json`.",
        )
    raw = request.get_data(cache=False)
    if len(raw) > max_bytes:
        raise _too_large(max_bytes)
    if not raw:
        raise invalid("The request body is empty: send a JSON object.")
    try:
        body = json.loads(raw, parse_float=_number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid(f"The request body is not valid JSON: {exc}.") from exc
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    problems = specs.validate_request_body(operation_id, body)
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise invalid(f"Invalid request: {shown}{more}", _param(problems[0]))
    return body, raw


def _number(text: str) -> int | float:
    """A JSON number written with a fraction or an exponent. JSON has one number type, so ``467.0``
    is the integer 467 to the spec's schemas, and the request path must read it as one (a token
    limit, a budget, a count): integral values become ints."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _too_large(max_bytes: int) -> GatewayError:
    return GatewayError(
        ErrorKind.REQUEST_TOO_LARGE,
        f"The request body is larger than the gateway's limit of {max_bytes} bytes.",
    )


def _param(problem: str) -> str | None:
    path = problem.split(":", 1)[0].strip()
    return path or None if " " not in path else None
