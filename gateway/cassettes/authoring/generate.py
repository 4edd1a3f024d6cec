"""Regenerate ``cassettes/`` and ``fixtures/`` from ``scenarios``: ``python -m gateway.cassettes.authoring``.

Each scenario's own-protocol request is recorded through the gateway (``gateway.cassettes.record``)
against an in-process upstream that answers with the scenario's wire bytes; then the request is
translated for every other inbound protocol that can express it exactly, and each becomes a
fixture. ``fixtures/INDEX.md`` lists, per scenario, the protocols that can ask it and why the
others cannot.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from gateway import tables
from gateway.cassettes.authoring import anthropic_wire, gemini_wire, openai_wire
from gateway.cassettes.authoring.answers import Answer, Failure, Stamp, Wire
from gateway.cassettes.authoring.media import png_base64
from gateway.cassettes.authoring.scenarios import SCENARIOS, Scenario
from gateway.cassettes.fixtures import Fixture, gateway_path, translate
from gateway.cassettes.loader import load_recording
from gateway.cassettes.record import record
from gateway.codecs import codec_for
from gateway.errors import GatewayError
from gateway.settings import DEFAULT_CATALOG, Settings
from gateway.specs import load_specs

EPOCH = 1_767_600_000  # 2026-01-05: the authored scenarios' clock starts here
# Keys the recorder sends and scrubs: placeholders, so the cassettes show where keys went.
PLACEHOLDER_KEYS = {
    "OPENAI_API_KEY": "sk-authoring-0000000000000000000000000000",
    "ANTHROPIC_API_KEY": "sk-ant-authoring-000000000000000000000000",
    "GEMINI_API_KEY": "AIzaAuthoring000000000000000000000000000",
}
_API = {tables.OPENAI_CHAT: "chat", tables.OPENAI_RESPONSES: "responses", tables.OPENAI_IMAGES: "images"}


def wire(scenario: Scenario, stamp: Stamp) -> Wire:
    """The bytes the scenario's provider answers with."""
    reply, protocol = scenario.reply, scenario.protocol
    if isinstance(reply, Failure):
        if protocol == tables.ANTHROPIC:
            return anthropic_wire.error(reply, stamp)
        if protocol == tables.GEMINI:
            return gemini_wire.error(reply, stamp)
        return openai_wire.error(reply, stamp, _API[protocol])
    return _answer_wire(scenario, reply, stamp)


def _answer_wire(scenario: Scenario, reply: Answer, stamp: Stamp) -> Wire:
    model, stream = scenario.model, scenario.stream
    match scenario.protocol:
        case tables.OPENAI_CHAT:
            return (openai_wire.chat_stream if stream else openai_wire.chat_completion)(reply, model, stamp)
        case tables.OPENAI_RESPONSES:
            write = openai_wire.response_stream if stream else openai_wire.response
            return write(reply, model, stamp, scenario.request)
        case tables.OPENAI_IMAGES:
            return openai_wire.image(png_base64(), scenario.request, stamp, reply.usage.input_tokens)
        case tables.ANTHROPIC:
            return (anthropic_wire.stream if stream else anthropic_wire.message)(reply, model, stamp)
        case _:
            write = gemini_wire.stream if stream else gemini_wire.generate
            return write(reply, model, stamp, scenario.image_tokens)


def own_fixture(scenario: Scenario) -> Fixture:
    path = gateway_path(scenario.protocol, scenario.client_model, stream=scenario.stream)
    return Fixture(scenario.protocol, path, scenario.request)


def other_fixtures(scenario: Scenario) -> tuple[list[Fixture], dict[str, str]]:
    """The scenario's request for every other inbound protocol that can express it, and why the
    rest cannot."""
    if scenario.protocol not in tables.PROTOCOLS:
        return [], {}
    try:
        request = codec_for(scenario.protocol).decode_request(scenario.request, model=scenario.client_model)
    except GatewayError as refusal:  # only its own protocol (passthrough) can carry it
        return [], dict.fromkeys(set(tables.PROTOCOLS) - {scenario.protocol}, refusal.message)
    request.stream = scenario.stream
    specs = load_specs()
    found, refused = [], {}
    for protocol in tables.PROTOCOLS:
        if protocol == scenario.protocol:
            continue
        fixture = translate(request, protocol, scenario.client_model, specs)
        if isinstance(fixture, Fixture):
            found.append(fixture)
        else:
            refused[protocol] = fixture
    return found, refused


@contextmanager
def _placeholder_keys() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in PLACEHOLDER_KEYS}
    os.environ.update(PLACEHOLDER_KEYS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _upstream(answer: Wire) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(answer.status, headers=answer.headers, stream=httpx.ByteStream(answer.body))

    return httpx.MockTransport(handle)


def generate(root: Path, only: set[str] | None = None) -> list[str]:
    """Write every scenario's cassette and fixtures under ``root`` (or those named in ``only``,
    as ``provider/name``); return the index lines."""
    settings = Settings(catalog_path=DEFAULT_CATALOG)
    index = ["| scenario | fixtures | not expressible |", "|---|---|---|"]
    with _placeholder_keys():
        for number, scenario in enumerate(SCENARIOS):
            if only is not None and f"{scenario.provider}/{scenario.name}" not in only:
                continue
            stamp = Stamp(f"{scenario.provider}/{scenario.name}", EPOCH + number * 5003)
            out = root / "cassettes" / scenario.provider / f"{scenario.name}.yaml"
            own = own_fixture(scenario)
            record([own], out, settings, _upstream(wire(scenario, stamp)))
            if len(load_recording(out)) != 1:
                raise RuntimeError(f"{out}: the gateway did not forward the scenario's request upstream")
            others, refused = other_fixtures(scenario)
            folder = root / "fixtures" / scenario.provider / scenario.name
            folder.mkdir(parents=True, exist_ok=True)
            for fixture in (own, *others):
                (folder / f"{fixture.protocol}.json").write_text(fixture.to_json(), encoding="utf-8")
            covered = ", ".join(f.protocol for f in (own, *others))
            reasons = "; ".join(f"{p}: {why}" for p, why in refused.items()).replace("|", "\\|")
            index.append(f"| `{scenario.provider}/{scenario.name}` | {covered} | {reasons} |")
    return index


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="Repository root (default: here).")
    args = parser.parse_args(argv)
    index = generate(args.root)
    header = [
        "# Fixtures",
        "",
        "Generated by `python -m gateway.cassettes.authoring`: for each cassette, the inbound requests",
        "(one file per protocol) that make the gateway send the request the cassette holds.",
        "",
    ]
    (args.root / "fixtures" / "INDEX.md").write_text("\n".join([*header, *index]) + "\n", encoding="utf-8")
    print(f"wrote {len(SCENARIOS)} cassettes and their fixtures under {args.root}")
