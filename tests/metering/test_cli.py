"""The admin CLI: ``accounts``, ``keys`` and ``ledger`` groups over the same ledger."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gateway.metering import Ledger
from gateway.metering.cli import accounts, keys, ledger_group


@pytest.fixture
def run(ledger: Ledger, ledger_url: str, ledger_prefix: str):
    """Invokes a CLI group against the test's ledger, failing the test on a non-zero exit."""
    env = {"GATEWAY_LEDGER_URL": ledger_url, "GATEWAY_LEDGER_PREFIX": ledger_prefix}

    def invoke(group, *args: str, exit_code: int = 0):
        result = CliRunner().invoke(group, list(args), env=env)
        assert result.exit_code == exit_code, result.output
        return result

    return invoke


def test_create_an_account_and_a_key_then_spend_with_it(run, ledger):
    account_id = int(run(accounts, "create", "acme", "--balance", "5.25").stdout)
    created = run(keys, "create", str(account_id), "--name", "laptop", "--cap", "openai/gpt-4o=0.50")
    secret = created.stdout.strip()
    assert secret.startswith("gw-") and "shown" not in created.stdout
    assert "store this secret now" in created.stderr
    record = ledger.authenticate(secret)
    assert record.account_id == account_id and dict(record.caps) == {"openai/gpt-4o": 500_000}
    assert ledger.balance(account_id) == 5_250_000
    assert "acme\t$5.25" in run(accounts, "list").stdout


def test_list_shows_hints_never_secrets(run, ledger):
    account_id = ledger.create_account("acme")
    key_id, secret = ledger.create_key(account_id, "laptop")
    listing = run(keys, "list", "--account", str(account_id)).stdout
    assert f"{key_id}\taccount {account_id}\tlaptop\tgw-...{secret[-4:]}\tactive" in listing
    assert secret not in listing


def test_revoke_top_up_and_cap(run, ledger):
    account_id = ledger.create_account("acme")
    key_id, secret = ledger.create_key(account_id, "laptop")
    assert "$12.50" in run(keys, "top-up", str(account_id), "12.5").stdout
    run(keys, "cap", str(key_id), "anthropic/claude-sonnet-4-5", "0.25")
    assert dict(ledger.key(key_id).caps) == {"anthropic/claude-sonnet-4-5": 250_000}
    run(keys, "cap", str(key_id), "anthropic/claude-sonnet-4-5")
    assert dict(ledger.key(key_id).caps) == {}
    run(keys, "revoke", str(key_id))
    assert ledger.authenticate(secret) is None
    assert "revoked" in run(keys, "list").stdout
    assert ledger.balance(account_id) == 12_500_000


def test_refusals_are_one_line_errors(run, ledger):
    assert "no account 999" in run(keys, "create", "999", "--name", "x", exit_code=1).output
    assert "no key 999" in run(keys, "revoke", "999", exit_code=1).output
    assert "whole number of micro-dollars" in run(keys, "top-up", "1", "0.0000001", exit_code=2).output
    assert "must be positive" in run(keys, "top-up", "1", "0", exit_code=2).output
    assert (
        "MODEL=DOLLARS" in run(keys, "create", "1", "--name", "x", "--cap", "nodollars", exit_code=2).output
    )


def test_ledger_init_and_sweep(run):
    assert "ready" in run(ledger_group, "init").stdout
    assert "released 0 stale reservations" in run(ledger_group, "sweep", "--older-than", "60").stdout
