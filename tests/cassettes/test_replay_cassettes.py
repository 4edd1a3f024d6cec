"""Every project cassette replays through the gateway for every fixture that pairs with it.

``fixtures/<provider>/<scenario>/<protocol>.json`` are the inbound requests; each must make the
gateway (on its default catalog) send the request ``cassettes/<provider>/<scenario>.yaml`` holds,
and the client's reply must validate against ``specs/`` and mean what the cassette's provider said.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.cassettes.fixtures import load_fixture
from gateway.cassettes.loader import load_recording
from gateway.specs import SpecSet

from .conftest import CASSETTES, FIXTURES
from .replaying import Upstream, meaning_problems, send, spec_problems


def _cases() -> list[Any]:
    return [
        pytest.param(path, id=f"{path.parent.parent.name}/{path.parent.name}->{path.stem}")
        for path in sorted(FIXTURES.glob("*/*/*.json"))
    ]


def _cassette_of(fixture: Path) -> Path:
    return CASSETTES / fixture.parent.parent.name / f"{fixture.parent.name}.yaml"


def test_every_cassette_has_its_fixtures_and_every_fixture_its_cassette() -> None:
    cassettes = {p.relative_to(CASSETTES).with_suffix("") for p in CASSETTES.rglob("*.yaml")}
    scenarios = {p.parent.relative_to(FIXTURES) for p in FIXTURES.glob("*/*/*.json")}
    assert cassettes == scenarios
    assert len(cassettes) >= 60


@pytest.mark.parametrize("fixture_path", _cases())
def test_cassette_replays_for_its_fixture(fixture_path: Path, replay_on: Any, specs: SpecSet) -> None:
    cassette = _cassette_of(fixture_path)
    client = replay_on(cassette)
    fixture = load_fixture(fixture_path)
    (interaction,) = load_recording(cassette)
    reply = send(client, fixture)
    problems = spec_problems(specs, fixture, reply) + meaning_problems(
        fixture, reply, Upstream.of(interaction)
    )
    assert problems == [], "\n".join(problems)
