"""Administrator commands: ``gateway accounts ...``, ``gateway keys ...`` and ``gateway ledger ...``.

Each group takes the ledger from ``--ledger-url`` / ``GATEWAY_LEDGER_URL`` (and the table prefix
from ``--ledger-prefix`` / ``GATEWAY_LEDGER_PREFIX``) and creates the schema if it is missing.
Amounts are typed in dollars (``12.50``) and stored as exact micros.

``keys create`` prints the secret once, alone on stdout, so that it can be captured by a script;
everything else it says goes to stderr.
"""

from __future__ import annotations

from typing import Any

import click

from gateway.metering.errors import LedgerError
from gateway.metering.ledger import Ledger
from gateway.metering.records import KeyInfo
from gateway.metering.schema import DEFAULT_PREFIX
from gateway.money import format_usd, parse_usd
from gateway.settings import DEFAULT_LEDGER_URL


class Dollars(click.ParamType):
    """A dollar amount on the command line, converted to micros without a float."""

    name = "dollars"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return parse_usd(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DOLLARS = Dollars()


class _LedgerGroup(click.Group):
    """Reports a ledger refusal (an unknown id, ...) as a one-line error instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as exc:
            raise click.ClickException(str(exc)) from None


def _ledger_group(name: str, help_text: str) -> click.Group:
    """A command group whose commands receive an open ledger as ``ctx.obj``."""

    @click.group(name, cls=_LedgerGroup, help=help_text)
    @click.option("--ledger-url", envvar="GATEWAY_LEDGER_URL", default=DEFAULT_LEDGER_URL, show_default=True)
    @click.option(
        "--ledger-prefix", envvar="GATEWAY_LEDGER_PREFIX", default=DEFAULT_PREFIX, show_default=True
    )
    @click.pass_context
    def group(ctx: click.Context, ledger_url: str, ledger_prefix: str) -> None:
        ledger = Ledger(ledger_url, prefix=ledger_prefix, auth_cache_ttl=0)
        ctx.call_on_close(ledger.close)
        ledger.create_schema()
        ctx.obj = ledger

    return group


accounts = _ledger_group("accounts", "Create and list accounts (each has one balance).")
keys = _ledger_group("keys", "Create, list and revoke API keys; top up balances; set per-call caps.")
ledger_group = _ledger_group("ledger", "Maintain the ledger itself.")


@accounts.command("create")
@click.argument("name")
@click.option("--balance", type=DOLLARS, default="0", help="Opening balance in dollars.")
@click.pass_obj
def create_account(ledger: Ledger, name: str, balance: int) -> None:
    """Create an account and print its id."""
    click.echo(ledger.create_account(name, balance))


@accounts.command("list")
@click.pass_obj
def list_accounts(ledger: Ledger) -> None:
    """List accounts with their balances."""
    for account in ledger.list_accounts():
        click.echo(f"{account.id}\t{account.name}\t${format_usd(account.balance)}")


@keys.command("create")
@click.argument("account_id", type=int)
@click.option("--name", required=True, help="What the key is for, shown in listings.")
@click.option("--cap", "caps", multiple=True, metavar="MODEL=DOLLARS", help="Per-call cap; repeatable.")
@click.pass_obj
def create_key(ledger: Ledger, account_id: int, name: str, caps: tuple[str, ...]) -> None:
    """Create a key for ACCOUNT_ID and print its secret, which is shown this once only."""
    new_key = ledger.create_key(account_id, name, dict(_parse_cap(text) for text in caps))
    click.echo(f"created key {new_key.key_id} for account {account_id}; store this secret now:", err=True)
    click.echo(new_key.secret)


@keys.command("list")
@click.option("--account", "account_id", type=int, help="Only this account's keys.")
@click.pass_obj
def list_keys(ledger: Ledger, account_id: int | None) -> None:
    """List keys (hints only: secrets are never stored)."""
    for key in ledger.list_keys(account_id):
        click.echo(_key_line(key))


@keys.command("revoke")
@click.argument("key_id", type=int)
@click.pass_obj
def revoke_key(ledger: Ledger, key_id: int) -> None:
    """Revoke KEY_ID for good."""
    ledger.revoke_key(key_id)
    click.echo(f"revoked key {key_id}")


@keys.command("top-up")
@click.argument("account_id", type=int)
@click.argument("amount", type=DOLLARS)
@click.pass_obj
def top_up(ledger: Ledger, account_id: int, amount: int) -> None:
    """Add AMOUNT dollars to ACCOUNT_ID's balance."""
    if amount <= 0:
        raise click.BadParameter("must be positive", param_hint="AMOUNT")
    click.echo(f"account {account_id} balance: ${format_usd(ledger.top_up(account_id, amount))}")


@keys.command("cap")
@click.argument("key_id", type=int)
@click.argument("model_id")
@click.argument("amount", required=False, type=DOLLARS)
@click.pass_obj
def set_cap(ledger: Ledger, key_id: int, model_id: str, amount: int | None) -> None:
    """Cap what one call to MODEL_ID may cost with KEY_ID; without AMOUNT, remove the cap."""
    ledger.set_cap(key_id, model_id, amount)
    click.echo(f"key {key_id} cap for {model_id}: {'none' if amount is None else '$' + format_usd(amount)}")


@ledger_group.command("init")
@click.pass_obj
def init(ledger: Ledger) -> None:
    """Create the ledger's tables (every command does this when they are missing)."""
    click.echo("ledger schema ready")


@ledger_group.command("sweep")
@click.option("--older-than", type=click.IntRange(min=1), default=3600, show_default=True, help="Seconds.")
@click.pass_obj
def sweep(ledger: Ledger, older_than: int) -> None:
    """Release reservations left open longer than any request may take (a crashed process)."""
    click.echo(f"released {ledger.release_stale(older_than)} stale reservations")


def _parse_cap(text: str) -> tuple[str, int]:
    model_id, sep, dollars = text.rpartition("=")
    if not sep or not model_id:
        raise click.BadParameter(f"expected MODEL=DOLLARS, got {text!r}", param_hint="--cap")
    try:
        return model_id, parse_usd(dollars)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cap") from None


def _key_line(key: KeyInfo) -> str:
    state = "active" if key.revoked_ms is None else "revoked"
    caps = ",".join(f"{model}=${format_usd(micros)}" for model, micros in key.caps.items()) or "-"
    return f"{key.id}\taccount {key.account_id}\t{key.name}\t{key.hint}\t{state}\tcaps {caps}"
