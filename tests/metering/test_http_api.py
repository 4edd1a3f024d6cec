"""The admin API (admin token) and the key holder's balance and usage endpoints (own key)."""

from __future__ import annotations

import pytest
from flask import Flask

from gateway.canonical import Usage
from gateway.metering import Ledger
from gateway.metering.account_api import account_blueprint
from gateway.metering.admin_api import admin_blueprint

ADMIN_TOKEN = "admin-token-for-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def client(ledger: Ledger):
    app = Flask(__name__)
    app.register_blueprint(admin_blueprint(ledger, ADMIN_TOKEN))
    app.register_blueprint(account_blueprint(ledger))
    return app.test_client()


def _assert_error(response, status: int, error_type: str, param: str | None = None) -> None:
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["param"]) == (error_type, param)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_TOKEN}])
def test_admin_routes_need_the_admin_token(client, headers):
    _assert_error(client.get("/admin/accounts", headers=headers), 401, "authentication_error")
    _assert_error(
        client.post("/admin/accounts", json={"name": "x"}, headers=headers), 401, "authentication_error"
    )


def test_an_empty_admin_token_is_refused(ledger):
    with pytest.raises(ValueError):
        admin_blueprint(ledger, "")


def test_admin_manages_accounts_keys_and_caps(client, ledger):
    created = client.post(
        "/admin/accounts", json={"name": "acme", "balance_micros": 1_000_000}, headers=ADMIN
    )
    assert created.status_code == 201
    account_id = created.get_json()["id"]
    topped = client.post(
        f"/admin/accounts/{account_id}/top-up", json={"amount_micros": 500_000}, headers=ADMIN
    )
    assert topped.get_json()["balance_micros"] == 1_500_000 and topped.get_json()["balance_usd"] == "1.50"

    new_key = client.post(
        "/admin/keys",
        json={"account_id": account_id, "name": "laptop", "caps": {"openai/gpt-4o": 9}},
        headers=ADMIN,
    )
    assert new_key.status_code == 201
    body = new_key.get_json()
    secret, key_id = body["secret"], body["id"]
    assert ledger.authenticate(secret).id == key_id and body["caps"] == {"openai/gpt-4o": 9}

    capped = client.put(
        f"/admin/keys/{key_id}/caps/openai/gpt-4o", json={"max_micros_per_call": 70}, headers=ADMIN
    )
    assert capped.get_json() == {"key_id": key_id, "model": "openai/gpt-4o", "max_micros_per_call": 70}
    client.put(f"/admin/keys/{key_id}/caps/gemini/flash", json={"max_micros_per_call": 5}, headers=ADMIN)
    client.delete(f"/admin/keys/{key_id}/caps/gemini/flash", headers=ADMIN)
    [listed] = client.get(f"/admin/keys?account_id={account_id}", headers=ADMIN).get_json()["data"]
    assert listed["caps"] == {"openai/gpt-4o": 70} and "secret" not in listed and secret not in str(listed)

    assert client.post(f"/admin/keys/{key_id}/revoke", headers=ADMIN).get_json() == {
        "id": key_id,
        "revoked": True,
    }
    assert ledger.authenticate(secret) is None
    assert client.get(f"/admin/keys/{key_id}/usage", headers=ADMIN).get_json()["data"] == []


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/admin/accounts", {"name": ""}, "name"),
        ("/admin/accounts", {"name": "x", "balance_micros": 1.5}, "balance_micros"),
        ("/admin/accounts", {"name": "x", "balance_micros": 1.0}, "balance_micros"),
        ("/admin/accounts", {"name": "x", "balance_micros": True}, "balance_micros"),
        ("/admin/keys", {"account_id": "1", "name": "x"}, "account_id"),
        ("/admin/keys", {"account_id": 1, "name": "x", "caps": {"m": -1}}, "m"),
        ("/admin/keys", {"account_id": 1, "name": "x", "caps": []}, "caps"),
        ("/admin/accounts/1/top-up", {"amount_micros": 0}, "amount_micros"),
        ("/admin/accounts/1/top-up", None, "body"),
    ],
)
def test_admin_refuses_malformed_fields_naming_them(client, ledger, path, body, param):
    ledger.create_account("acme")
    _assert_error(client.post(path, json=body, headers=ADMIN), 400, "invalid_request_error", param)


def test_admin_answers_404_for_unknown_ids(client):
    _assert_error(client.get("/admin/accounts/999", headers=ADMIN), 404, "not_found_error")
    _assert_error(client.post("/admin/keys/999/revoke", headers=ADMIN), 404, "not_found_error")
    _assert_error(
        client.post("/admin/keys", json={"account_id": 999, "name": "x"}, headers=ADMIN),
        404,
        "not_found_error",
    )
    _assert_error(client.get("/admin/accounts/999/usage", headers=ADMIN), 404, "not_found_error")


@pytest.fixture
def holder(ledger: Ledger):
    """An account with one settled and one released call on its key; returns (account, key, secret)."""
    account = ledger.create_account("acme", balance=2_000_000)
    key_id, secret = ledger.create_key(account, "laptop")
    key = ledger.authenticate(secret)
    settled = ledger.reserve(key, "openai/gpt-4o", 50_000, "req-1")
    ledger.settle(
        settled, 12_345, Usage(100, 20, 5, 0, 8), protocol="openai_chat", status="ok", latency_ms=321
    )
    failed = ledger.reserve(key, "openai/gpt-4o", 50_000, "req-2")
    ledger.release(failed, protocol="anthropic", status="upstream_error", latency_ms=9)
    return account, key_id, secret


@pytest.mark.parametrize(
    "how",
    [
        lambda s: ({"Authorization": f"Bearer {s}"}, ""),
        lambda s: ({"x-api-key": s}, ""),
        lambda s: ({"x-goog-api-key": s}, ""),
        lambda s: ({}, f"?key={s}"),
    ],
    ids=["bearer", "x-api-key", "x-goog-api-key", "query"],
)
def test_a_key_holder_sees_the_balance_with_the_key_however_it_is_sent(client, holder, how):
    account, _, secret = holder
    headers, query = how(secret)
    body = client.get(f"/v1/balance{query}", headers=headers).get_json()
    assert body == {
        "object": "balance",
        "account_id": account,
        "balance_micros": 1_987_655,
        "balance_usd": "1.987655",
    }


def test_a_key_holder_pages_through_their_usage(client, holder):
    _, key_id, secret = holder
    auth = {"Authorization": f"Bearer {secret}"}
    first = client.get("/v1/usage?limit=1", headers=auth).get_json()
    assert first["has_more"] is True
    [entry] = first["data"]
    assert (entry["request_id"], entry["state"], entry["status"], entry["cost_micros"]) == (
        "req-2",
        "released",
        "upstream_error",
        0,
    )
    rest = client.get(f"/v1/usage?limit=1&before={first['next_before']}", headers=auth).get_json()
    [entry] = rest["data"]
    assert rest["has_more"] is False and rest["next_before"] is None
    assert entry["key_id"] == key_id and entry["cost_usd"] == "0.012345" and entry["latency_ms"] == 321
    assert entry["usage"] == {
        "input_tokens": 100,
        "output_tokens": 20,
        "cache_read_tokens": 5,
        "cache_write_tokens": 0,
        "reasoning_tokens": 8,
        "images": 0,
    }


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "before=-1"])
def test_usage_paging_arguments_are_checked(client, holder, query):
    _, _, secret = holder
    response = client.get(f"/v1/usage?{query}", headers={"Authorization": f"Bearer {secret}"})
    _assert_error(response, 400, "invalid_request_error", query.partition("=")[0])


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer gw-nope"}, {"x-api-key": ""}])
def test_key_holder_routes_need_a_live_key(client, headers):
    _assert_error(client.get("/v1/balance", headers=headers), 401, "authentication_error")
    _assert_error(client.get("/v1/usage", headers=headers), 401, "authentication_error")


def test_a_revoked_key_sees_nothing(client, ledger, holder):
    _, key_id, secret = holder
    ledger.revoke_key(key_id)
    _assert_error(client.get("/v1/balance", headers={"x-api-key": secret}), 401, "authentication_error")
