"""Replay: the project's cassette corpus through every inbound protocol (this project's gateway only).

The cassettes hold what real providers answered; the fixtures are the inbound requests, one per
protocol that can ask for each cassette. A second gateway, built like the target but with its
upstream served from the cassettes, must turn each recorded answer into a valid answer in the
caller's protocol: a success as a well-formed body or stream with consistent usage, a recorded
failure as an error in the caller's shape. Only a gateway the suite serves itself can have its
upstream swapped, so a target at a URL skips this family, saying so.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from conformance.checks import check_error_body, check_gemini_json_array
from conformance.checks.replies import check_success
from conformance.checks.spec import check_spec_answer
from conformance.checks.usage import check_usage
from conformance.evidence import Recorder
from conformance.http import Request, Target
from conformance.plugin import not_claimed
from conformance.profile import Profile
from conformance.suite.helpers import answer
from conformance.surfaces import Surface, surface
from gateway.resources import resource_dir
from gateway.specs import load_specs

pytestmark = pytest.mark.replay

RECORDED_ERROR = re.compile(r"(^|-)err\d{3}")
INBOUND_SURFACES = {
    "openai_chat": "openai.chat",
    "openai_responses": "openai.responses",
    "openai_images": "openai.images",
    "anthropic": "anthropic.messages",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One case per fixture file (provider/scenario/protocol), from ``--replay-dir`` or the project."""
    if "fixture_path" not in metafunc.fixturenames:
        return
    from gateway.cassettes.fixtures import load_fixture

    root = _replay_dir(metafunc.config, "fixtures")
    params = []
    for path in sorted(root.rglob("*.json")) if root.is_dir() else []:
        fixture = load_fixture(path)
        case_id = str(path.relative_to(root).with_suffix(""))
        params.append(pytest.param(_surface_of(fixture.protocol, fixture.path), path, id=case_id))
    if not params:
        params = [pytest.param(None, None, marks=pytest.mark.skip(reason=f"no fixtures under {root}"))]
    metafunc.parametrize(("surface", "fixture_path"), params)


def _replay_dir(config: pytest.Config, name: str) -> Path:
    chosen = config.getoption("conformance_replay_dir")
    return Path(chosen) / name if chosen else resource_dir(name)


def _surface_of(protocol: str, path: str) -> Surface:
    """The surface a fixture calls: by protocol, and for Gemini by the path's version and method."""
    if protocol == "gemini":
        version = path.split("/")[1]
        return surface(f"gemini.{version}.{'stream' if ':streamGenerateContent' in path else 'generate'}")
    return surface(INBOUND_SURFACES[protocol])


@pytest.fixture(scope="module")
def replay_target(
    pytestconfig: pytest.Config, conformance_target: Target, conformance_profile: Profile
) -> Iterator[Target]:
    """This project's gateway again, its upstream answered from ``cassettes/``."""
    if not conformance_target.in_process:
        pytest.skip(
            "replay needs this project's gateway served by the suite: a target at a URL cannot have its upstream swapped"
        )
    from gateway.app import create_app
    from gateway.serving import start_server
    from gateway.settings import DEMO_KEY, settings_from_env

    with tempfile.TemporaryDirectory(prefix="conformance-replay-") as scratch:
        settings = settings_from_env(
            {},
            upstream="replay",
            replay_dir=_replay_dir(pytestconfig, "cassettes"),
            ledger_url=f"sqlite:///{Path(scratch) / 'ledger.sqlite3'}",
            demo_key=DEMO_KEY,
        )
        with start_server(create_app(settings)) as server:
            target = Target(server.url, DEMO_KEY, conformance_profile, in_process=True)
            yield target
            target.close()


def test_cassette_replays(
    request: pytest.FixtureRequest,
    recorder: Recorder,
    conformance_profile: Profile,
    surface: Surface,
    fixture_path: Path,
) -> None:
    from gateway.cassettes.fixtures import load_fixture

    if not conformance_profile.replay:
        not_claimed(request, "the profile does not claim replay (replay: true)")
    # The evidence is of the replaying gateway's exchanges.
    recorder.target = request.getfixturevalue("replay_target")
    fixture = load_fixture(fixture_path)
    url = urlsplit(fixture.path)
    request = Request("POST", url.path, fixture.body, dict(parse_qsl(url.query)), fixture.headers)
    reply = recorder.send(request, surface.family)
    if RECORDED_ERROR.search(fixture_path.parent.name):
        if reply.status < 400:
            recorder.fail(
                f"{surface.protocol}.replay.error_kept",
                f"the upstream failed, but the client got {reply.status}",
            )
        else:
            recorder.check(check_error_body(surface.protocol, reply.status, reply.body, reply.headers))
    else:
        _check_success(recorder, surface, request, reply)


def _check_success(recorder: Recorder, surface: Surface, request: Request, reply: Any) -> None:
    sse = "alt" in request.query or bool(isinstance(request.body, dict) and request.body.get("stream"))
    json_array = surface.kind == "stream" and not sse
    if recorder.check(check_success(surface.protocol, reply.status, reply.headers, reply.body, sse)):
        return
    if json_array:
        recorder.check(check_gemini_json_array(reply.body, request.body))
        return
    if not sse:
        operation = surface.operations[0]
        recorder.check(
            check_spec_answer(
                load_specs(), operation, surface.protocol, reply.status, reply.headers, reply.body
            )
        )
    if surface.kind != "images":
        result = answer(recorder, surface, request, reply, stream=sse)
        recorder.check(check_usage(surface.protocol, result.usage))
