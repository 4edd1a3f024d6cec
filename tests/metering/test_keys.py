"""API keys: shown once, stored only as a hash, revocable, carrying per-model caps."""

from __future__ import annotations

import hashlib
import time

import pytest
import sqlalchemy as sa

from gateway.metering import KeyExists, KeyRevoked, Ledger, UnknownAccount, UnknownKey


@pytest.fixture
def account(ledger: Ledger) -> int:
    return ledger.create_account("acme", balance=1_000)


def _every_stored_value(url: str, prefix: str) -> list[object]:
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine, only=lambda name, _: name.startswith(prefix))
        with engine.connect() as conn:
            return [
                value
                for table in metadata.tables.values()
                for row in conn.execute(sa.select(table))
                for value in row
            ]
    finally:
        engine.dispose()


def test_a_secret_is_random_prefixed_and_stored_only_as_its_hash(ledger, account, ledger_url, ledger_prefix):
    key_id, secret = ledger.create_key(account, "laptop")
    other_key_id, other_secret = ledger.create_key(account, "ci")
    assert secret.startswith("gw-") and len(secret) >= 3 + 43
    assert secret != other_secret and key_id != other_key_id
    stored = _every_stored_value(ledger_url, ledger_prefix)
    assert hashlib.sha256(secret.encode()).digest() in [
        bytes(v) for v in stored if isinstance(v, bytes | memoryview)
    ]
    assert not any(secret in str(value) or secret[3:] in str(value) for value in stored)


def test_the_secret_is_never_in_a_listing_or_a_repr(ledger, account):
    new_key = ledger.create_key(account, "laptop")
    [listed] = ledger.list_keys(account)
    assert new_key.secret not in repr(listed) and new_key.secret not in repr(new_key)
    assert listed.hint == f"gw-...{new_key.secret[-4:]}"
    assert new_key.secret not in repr(ledger.authenticate(new_key.secret))


def test_authenticate_finds_live_keys_only(ledger, account):
    key_id, secret = ledger.create_key(account, "laptop", caps={"m": 5})
    record = ledger.authenticate(secret)
    assert (record.id, record.account_id, record.name, dict(record.caps)) == (
        key_id,
        account,
        "laptop",
        {"m": 5},
    )
    assert ledger.authenticate(secret + "x") is None
    assert ledger.authenticate("") is None


def test_a_revoked_key_no_longer_authenticates_and_is_listed_as_revoked(ledger, account):
    key_id, secret = ledger.create_key(account, "laptop")
    assert ledger.authenticate(secret) is not None
    ledger.revoke_key(key_id)
    ledger.revoke_key(key_id)
    assert ledger.authenticate(secret) is None
    [listed] = ledger.list_keys(account)
    assert listed.revoked_ms is not None
    with pytest.raises(UnknownKey):
        ledger.revoke_key(key_id + 100)


def test_a_revocation_by_another_instance_stops_spending_at_once_and_auth_within_the_ttl(
    ledger, account, ledger_url, ledger_prefix
):
    key_id, secret = ledger.create_key(account, "laptop")
    with Ledger(ledger_url, prefix=ledger_prefix, auth_cache_ttl=0.2) as gateway:
        cached = gateway.authenticate(secret)
        ledger.revoke_key(key_id)
        assert gateway.authenticate(secret) == cached
        with pytest.raises(KeyRevoked):
            gateway.reserve(cached, "m", 1, "req-1")
        time.sleep(0.25)
        assert gateway.authenticate(secret) is None
    assert ledger.balance(account) == 1_000


def test_caps_are_set_replaced_and_removed(ledger, account):
    key_id, secret = ledger.create_key(account, "laptop", caps={"a/x": 100})
    ledger.set_cap(key_id, "a/x", 250)
    ledger.set_cap(key_id, "b/y", 0)
    assert dict(ledger.authenticate(secret).caps) == {"a/x": 250, "b/y": 0}
    ledger.set_cap(key_id, "a/x", None)
    assert dict(ledger.key(key_id).caps) == {"b/y": 0}
    with pytest.raises(UnknownKey):
        ledger.set_cap(key_id + 100, "a/x", 1)
    with pytest.raises(UnknownKey):
        ledger.set_cap(key_id + 100, "a/x", None)
    with pytest.raises(TypeError):
        ledger.set_cap(key_id, "a/x", 0.5)


def test_keys_belong_to_existing_accounts(ledger, account):
    with pytest.raises(UnknownAccount):
        ledger.create_key(account + 1, "orphan")
    with pytest.raises(ValueError):
        ledger.create_key(account, "bad cap", caps={"m": -1})
    assert ledger.list_keys() == []


def test_list_keys_filters_by_account(ledger, account):
    other = ledger.create_account("other")
    ledger.create_key(account, "one")
    ledger.create_key(other, "two")
    assert [k.name for k in ledger.list_keys(account)] == ["one"]
    assert [k.name for k in ledger.list_keys()] == ["one", "two"]


def test_a_chosen_secret_can_be_registered_once(ledger, account):
    key_id, secret = ledger.create_key(account, "demo", secret="gw-demo-secret")
    assert secret == "gw-demo-secret" and ledger.authenticate(secret).id == key_id
    with pytest.raises(KeyExists) as refused:
        ledger.create_key(account, "again", secret="gw-demo-secret")
    assert "gw-demo-secret" not in str(refused.value)
    assert len(ledger.list_keys()) == 1
