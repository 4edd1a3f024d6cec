"""The ``gateway`` command: serve the gateway, manage keys, record cassettes."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.metering.cli import accounts, keys, ledger_group
from gateway.settings import UPSTREAM_MODES, Settings, settings_from_env


@click.group()
def main() -> None:
    """A multi-protocol LLM API gateway: OpenAI, Anthropic and Gemini clients, one key, one balance."""


for _group in (keys, accounts, ledger_group):
    main.add_command(_group)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--catalog", "catalog_path", type=click.Path(exists=True, path_type=Path), help="Model catalog YAML."
)
@click.option(
    "--upstream", type=click.Choice(UPSTREAM_MODES), help="Who answers: mock (default), live or replay."
)
@click.option(
    "--replay", "replay_dir", type=click.Path(exists=True, path_type=Path), help="Cassettes to replay."
)
@click.option(
    "--scenarios", "scenario_path", type=click.Path(exists=True, path_type=Path), help="Mock script."
)
@click.option("--ledger-url", help="SQLAlchemy URL of the ledger (default: a SQLite file here).")
@click.option("--admin-token", help="Enables the admin API under /admin with this bearer token.")
def serve(host: str, port: int, replay_dir: Path | None, upstream: str | None, **options: object) -> None:
    """Serve the gateway (development server; see the README for the production recipe)."""
    from werkzeug.serving import run_simple

    from gateway.app import create_app

    if replay_dir is not None and upstream is None:
        upstream = "replay"
    settings = settings_from_env(replay_dir=replay_dir, upstream=upstream, **options)
    app = create_app(settings)
    _banner(settings, host, port)
    run_simple(host, port, app, threaded=True)


def _banner(settings: Settings, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    click.echo(f"gateway: upstream={settings.upstream} catalog={settings.catalog_path}")
    click.echo(f"  OpenAI base URL:    {base}/v1")
    click.echo(f"  Anthropic base URL: {base}")
    click.echo(f"  Gemini base URL:    {base}  (google-genai: http_options base_url)")
    if settings.demo_key:
        click.echo(f"  demo key:           {settings.demo_key}")
    click.echo(f"  ledger:             {settings.ledger_url}")
    if settings.upstream == "replay":
        click.echo(f"  cassettes:          {settings.replay_dir}")


@main.command()
@click.argument(
    "fixtures", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Cassette to write (default: cassettes/<provider>/<scenario>.yaml beside the fixtures/ tree).",
)
@click.option(
    "--catalog", "catalog_path", type=click.Path(exists=True, path_type=Path), help="Model catalog YAML."
)
@click.option("--force", is_flag=True, help="Overwrite an existing cassette.")
def record(fixtures: tuple[Path, ...], out: Path | None, catalog_path: Path | None, force: bool) -> None:
    """Send FIXTURES through the gateway to the real providers and write what they answered as one
    cassette. Keys come from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, as
    the catalog names them) and are scrubbed, with every other secret, before anything is written."""
    from gateway.cassettes import record as recorder
    from gateway.cassettes.fixtures import load_fixture
    from gateway.catalog import load_catalog

    out = out or recorder.cassette_path_for(fixtures[0])
    if out is None:
        raise click.UsageError("the fixture is not under fixtures/<provider>/<scenario>/: give --out")
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; pass --force to record it again")
    settings = settings_from_env(catalog_path=catalog_path)
    loaded = [load_fixture(path) for path in fixtures]
    missing = recorder.missing_keys(loaded, load_catalog(settings.catalog_path))
    if missing:
        raise click.UsageError(f"set {', '.join(missing)}: the fixtures' providers read their keys from it")
    for result in recorder.record(loaded, out, settings):
        click.echo(f"{result.status}  {result.fixture.protocol} {result.fixture.path}")
    click.echo(f"wrote {out}")
