"""The administrator's HTTP API under ``/admin``: accounts, keys, top-ups, caps and usage.

Every route requires ``Authorization: Bearer <admin token>``, compared in constant time. Amounts
are integer micro-USD in fields named ``*_micros``; a float is refused rather than rounded. The
secret of a new key is in the response that creates it and nowhere else, ever.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, jsonify, request

from gateway.metering.api_support import (
    InvalidField,
    account_json,
    bearer_token,
    error_response,
    invalid_field_response,
    key_json,
    not_found_response,
    page_args,
    usage_page_json,
)
from gateway.metering.errors import UnknownAccount, UnknownKey
from gateway.metering.ledger import Ledger


def admin_blueprint(ledger: Ledger, admin_token: str) -> Blueprint:
    """The ``/admin`` routes over ``ledger``; an empty admin token is refused, so that a missing
    setting can never open the API to anyone."""
    if not admin_token:
        raise ValueError("the admin API needs a non-empty admin token")
    expected = admin_token.encode()
    admin = Blueprint("metering_admin", __name__, url_prefix="/admin")

    @admin.before_request
    def require_admin_token() -> Response | None:
        token = bearer_token(request)
        if token is None or not hmac.compare_digest(token.encode(), expected):
            return error_response(
                401,
                "A valid admin token is required.",
                type="authentication_error",
                code="invalid_admin_token",
            )
        return None

    admin.register_error_handler(InvalidField, invalid_field_response)
    admin.register_error_handler(UnknownAccount, not_found_response)
    admin.register_error_handler(UnknownKey, not_found_response)

    @admin.post("/accounts")
    def create_account() -> tuple[Response, int]:
        body = _json_body()
        account_id = ledger.create_account(_str_field(body, "name"), _int_field(body, "balance_micros", 0))
        return jsonify(account_json(ledger.account(account_id))), 201

    @admin.get("/accounts")
    def list_accounts() -> Response:
        return jsonify({"object": "list", "data": [account_json(a) for a in ledger.list_accounts()]})

    @admin.get("/accounts/<int:account_id>")
    def show_account(account_id: int) -> Response:
        return jsonify(account_json(ledger.account(account_id)))

    @admin.post("/accounts/<int:account_id>/top-up")
    def top_up(account_id: int) -> Response:
        amount = _int_field(_json_body(), "amount_micros")
        if amount == 0:
            raise InvalidField("amount_micros", "amount_micros must be positive")
        ledger.top_up(account_id, amount)
        return jsonify(account_json(ledger.account(account_id)))

    @admin.get("/accounts/<int:account_id>/usage")
    def account_usage(account_id: int) -> Response:
        ledger.account(account_id)
        limit, before = page_args(request)
        return jsonify(
            usage_page_json(ledger.usage_log(account_id=account_id, limit=limit + 1, before=before), limit)
        )

    @admin.post("/keys")
    def create_key() -> tuple[Response, int]:
        body = _json_body()
        account_id = _int_field(body, "account_id")
        name = _str_field(body, "name")
        caps = _caps_field(body)
        new_key = ledger.create_key(account_id, name, caps)
        return jsonify({**key_json(ledger.key(new_key.key_id)), "secret": new_key.secret}), 201

    @admin.get("/keys")
    def list_keys() -> Response:
        account_id = request.args.get("account_id", type=int)
        return jsonify({"object": "list", "data": [key_json(k) for k in ledger.list_keys(account_id)]})

    @admin.post("/keys/<int:key_id>/revoke")
    def revoke_key(key_id: int) -> Response:
        ledger.revoke_key(key_id)
        return jsonify({"id": key_id, "revoked": True})

    @admin.get("/keys/<int:key_id>/usage")
    def key_usage(key_id: int) -> Response:
        ledger.key(key_id)
        limit, before = page_args(request)
        return jsonify(
            usage_page_json(ledger.usage_log(key_id=key_id, limit=limit + 1, before=before), limit)
        )

    @admin.put("/keys/<int:key_id>/caps/<path:model_id>")
    def set_cap(key_id: int, model_id: str) -> Response:
        micros = _int_field(_json_body(), "max_micros_per_call")
        ledger.set_cap(key_id, model_id, micros)
        return jsonify({"key_id": key_id, "model": model_id, "max_micros_per_call": micros})

    @admin.delete("/keys/<int:key_id>/caps/<path:model_id>")
    def remove_cap(key_id: int, model_id: str) -> Response:
        ledger.set_cap(key_id, model_id, None)
        return jsonify({"key_id": key_id, "model": model_id, "max_micros_per_call": None})

    return admin


_MISSING: Any = object()


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidField("body", "the request body must be a JSON object")
    return body


def _str_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(name, f"{name} must be a non-empty string")
    return value


def _int_field(body: dict[str, Any], name: str, default: int = _MISSING) -> int:
    """A non-negative integer (micros, an id); JSON floats such as ``1.5`` or ``1.0`` are refused, not rounded."""
    value = body.get(name, default)
    if type(value) is not int or value < 0:
        raise InvalidField(name, f"{name} must be a non-negative integer")
    return value


def _caps_field(body: dict[str, Any]) -> dict[str, int]:
    caps = body.get("caps")
    if caps is None:
        return {}
    if not isinstance(caps, dict):
        raise InvalidField("caps", "caps must be an object mapping model ids to max_micros_per_call")
    return {model: _int_field(caps, model) for model in caps}
