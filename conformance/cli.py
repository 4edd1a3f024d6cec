"""The ``conformance`` command: run the suite against a gateway and write its certificate.

``conformance run`` is pytest underneath (the suite in ``conformance/suite`` with this package's
plugin), so anything pytest can do with a run (``-k``, ``-x``, ``-v``) passes through after ``--``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from conformance.certificate import FAMILIES
from conformance.profile import ProfileError, load_profile

SUITE = Path(__file__).parent / "suite"


@click.group()
def main() -> None:
    """Certify a multi-protocol LLM API gateway: OpenAI, Anthropic and Gemini surfaces."""


@main.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--target", help="Base URL of the gateway to certify; default: this project's gateway, in-process."
)
@click.option("--key", envvar="CONFORMANCE_KEY", help="The API key the target accepts (or $CONFORMANCE_KEY).")
@click.option(
    "--profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Target profile YAML: claimed surfaces, models, auth styles (default: this gateway's).",
)
@click.option(
    "--report", type=click.Path(file_okay=False, path_type=Path), help="Write the certificate here."
)
@click.option(
    "-m",
    "--family",
    "families",
    multiple=True,
    type=click.Choice(list(FAMILIES)),
    help="Run only this check family (repeatable).",
)
@click.option(
    "--examples", type=click.IntRange(min=1), help="Schema family: requests per operation and mode."
)
@click.option(
    "--replay-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Replay family: a directory with cassettes/ and fixtures/ (default: this project's).",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(
    target: str | None,
    key: str | None,
    profile: Path | None,
    report: Path | None,
    families: tuple[str, ...],
    examples: int | None,
    replay_dir: Path | None,
    pytest_args: tuple[str, ...],
) -> None:
    """Run the suite; exit non-zero when a claimed check fails."""
    import pytest

    if target and not key:
        raise click.UsageError("--target needs --key (or $CONFORMANCE_KEY)")
    try:
        load_profile(profile)  # a broken profile is a usage error, said once, before any test
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from exc
    args = [str(SUITE), "-c", str(SUITE / "pytest.ini"), "--rootdir", str(SUITE), "-q"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "conformance.plugin"]  # otherwise loaded once, by its entry point
    given = {
        "--target": target,
        "--key": key,
        "--profile": profile,
        "--report": report,
        "--replay-dir": replay_dir,
    }
    for option, value in given.items():
        if value is not None:
            args += [option, str(value)]
    if examples is not None:
        args += ["--examples", str(examples)]
    if families:
        args += ["-m", " or ".join(families)]
    sys.exit(int(pytest.main([*args, *pytest_args])))
