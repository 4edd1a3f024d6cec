"""The one error type the gateway raises, whatever the protocol; codecs render it in their shape.

A client never sees a Python exception: every failure on the request path becomes a GatewayError
with a kind (what went wrong, in protocol-neutral terms) and the inbound codec writes it the way
that protocol's SDKs parse errors. The kind-to-wire tables live in ``gateway.tables``.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID_REQUEST = "invalid_request"
    AUTHENTICATION = "authentication"
    BILLING = "billing"
    PERMISSION = "permission"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    REQUEST_TOO_LARGE = "request_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMIT = "rate_limit"
    API_ERROR = "api_error"
    BAD_GATEWAY = "bad_gateway"
    OVERLOADED = "overloaded"
    TIMEOUT = "timeout"


class GatewayError(Exception):
    """A failure with everything a codec needs to render it.

    ``status`` defaults to the kind's status for the inbound protocol (see ``tables.error_status``);
    set it only to keep an upstream's status that the kind alone would not reproduce.
    ``headers`` carries what the client must see, such as ``retry-after``.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.param = param
        self.code = code
        self.headers = headers or {}

    def __repr__(self) -> str:
        return f"GatewayError({self.kind.value!r}, {self.message!r}, status={self.status!r})"


def invalid(message: str, param: str | None = None) -> GatewayError:
    """The common case: the client sent something this request cannot be served with."""
    return GatewayError(ErrorKind.INVALID_REQUEST, message, param=param)
