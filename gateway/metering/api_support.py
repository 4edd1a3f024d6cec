"""What both metering blueprints share: the JSON error shape, query-string paging, and ledger
records as JSON.

Errors are ``{"error": {"message", "type", "param", "code"}}``, the OpenAI shape that the seed
gateways use for their own endpoints.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Request, Response, jsonify

from gateway.metering.errors import LedgerError
from gateway.metering.records import Account, KeyInfo, UsageEntry
from gateway.money import format_usd

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class InvalidField(ValueError):
    """A request field or query parameter the endpoint cannot use; answered with 400 naming it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def error_response(
    status: int, message: str, *, type: str, code: str | None = None, param: str | None = None
) -> Response:
    response = jsonify({"error": {"message": message, "type": type, "param": param, "code": code}})
    response.status_code = status
    return response


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def invalid_field_response(exc: InvalidField) -> Response:
    return error_response(400, str(exc), type="invalid_request_error", param=exc.param)


def not_found_response(exc: LedgerError) -> Response:
    return error_response(404, str(exc), type="not_found_error", code="not_found")


def page_args(request: Request) -> tuple[int, int | None]:
    """``limit`` (1..100, default 20) and ``before`` (an entry id) from the query string."""
    limit = _query_int(request, "limit", DEFAULT_PAGE_SIZE)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidField("limit", f"limit must be between 1 and {MAX_PAGE_SIZE}")
    return limit, _query_int(request, "before", None)


def _query_int(request: Request, name: str, default: int | None) -> int | None:
    text = request.args.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()):
        raise InvalidField(name, f"{name} must be a non-negative integer")
    return int(text)


def account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "balance_micros": account.balance,
        "balance_usd": format_usd(account.balance),
        "created_ms": account.created_ms,
    }


def key_json(key: KeyInfo) -> dict[str, Any]:
    return {
        "id": key.id,
        "account_id": key.account_id,
        "name": key.name,
        "hint": key.hint,
        "caps": dict(key.caps),
        "created_ms": key.created_ms,
        "revoked_ms": key.revoked_ms,
    }


def usage_json(entry: UsageEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "request_id": entry.request_id,
        "key_id": entry.key_id,
        "model": entry.model_id,
        "protocol": entry.protocol,
        "state": entry.state,
        "status": entry.status,
        "reserved_micros": entry.reserved,
        "cost_micros": entry.cost,
        "cost_usd": format_usd(entry.cost),
        "usage": asdict(entry.usage),
        "latency_ms": entry.latency_ms,
        "created_ms": entry.created_ms,
        "settled_ms": entry.settled_ms,
    }


def usage_page_json(entries: list[UsageEntry], limit: int) -> dict[str, Any]:
    """A page of a usage log fetched with ``limit + 1`` rows: the extra row only says there is more."""
    page = entries[:limit]
    return {
        "object": "list",
        "data": [usage_json(entry) for entry in page],
        "has_more": len(entries) > limit,
        "next_before": page[-1].id if len(entries) > limit else None,
    }
