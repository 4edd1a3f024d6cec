"""The key holder's own view: ``GET /v1/balance`` and ``GET /v1/usage``, authenticated by the key
itself, however the client's SDK presents it (``gateway.web.auth``, as for the model endpoints)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from gateway.errors import GatewayError
from gateway.metering.api_support import (
    InvalidField,
    error_response,
    invalid_field_response,
    page_args,
    usage_page_json,
)
from gateway.metering.ledger import Ledger
from gateway.money import format_usd
from gateway.web.auth import presented_key


def account_blueprint(ledger: Ledger) -> Blueprint:
    """The balance of the key's account and the key's own usage log, newest first."""
    account = Blueprint("metering_account", __name__, url_prefix="/v1")

    @account.before_request
    def require_key() -> Response | None:
        try:
            g.metering_key = ledger.authenticate(presented_key(request))
        except GatewayError:
            g.metering_key = None
        if g.metering_key is None:
            return error_response(
                401, "Incorrect or missing API key.", type="authentication_error", code="invalid_api_key"
            )
        return None

    account.register_error_handler(InvalidField, invalid_field_response)

    @account.get("/balance")
    def balance() -> Response:
        micros = ledger.balance(g.metering_key.account_id)
        return jsonify(
            {
                "object": "balance",
                "account_id": g.metering_key.account_id,
                "balance_micros": micros,
                "balance_usd": format_usd(micros),
            }
        )

    @account.get("/usage")
    def usage() -> Response:
        limit, before = page_args(request)
        entries = ledger.usage_log(key_id=g.metering_key.id, limit=limit + 1, before=before)
        return jsonify(usage_page_json(entries, limit))

    return account
