"""The caller's key, in whichever of the four documented styles its SDK sends it.

OpenAI SDKs and Claude Code (``ANTHROPIC_AUTH_TOKEN``) send ``Authorization: Bearer``, the
Anthropic SDK ``x-api-key``, Gemini SDKs ``x-goog-api-key`` or the ``key`` query parameter. Any
style is accepted on any route: one key, one balance, whatever the client. The key itself never
appears in an error message or a log line.
"""

from __future__ import annotations

from flask import Request

from gateway.errors import ErrorKind, GatewayError

_MISSING = (
    "No API key provided. Send it as `Authorization: Bearer <key>`, `x-api-key: <key>`, "
    "`x-goog-api-key: <key>` or the `key` query parameter."
)


def presented_key(request: Request) -> str:
    """The key the caller sent; 401 when there is none."""
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer " and authorization[7:].strip():
        return authorization[7:].strip()
    for header in ("x-api-key", "x-goog-api-key"):
        value = request.headers.get(header, "").strip()
        if value:
            return value
    value = request.args.get("key", "").strip()
    if value:
        return value
    raise GatewayError(ErrorKind.AUTHENTICATION, _MISSING)


def invalid_key() -> GatewayError:
    return GatewayError(ErrorKind.AUTHENTICATION, "Invalid API key: it is unknown or has been revoked.")
