"""Claude Code, Codex CLI and Gemini CLI, the real programs, work through the gateway.

Each CLI runs headless against a gateway on loopback, in two cells:

- ``mock``: the gateway answers from the scripted mock (tests/clis/scenarios.yaml);
- ``translated``: the gateway's catalog sends the CLI's model to a provider of another protocol —
  Claude Code to an OpenAI chat upstream, Codex to an Anthropic one, Gemini CLI to an OpenAI chat
  one — played by a second gateway on the scripted mock, so both hops translate for real.

In each, a plain prompt must come back answered, and a file-reading turn must make the CLI call
its own tool on a file the test wrote, send the result back, and answer with the file's secret.
Codex on a model it knows (``gpt-5.5``) offers ``apply_patch`` as a freeform ``custom`` tool,
which the gateway translates to a function of one string: a turn asking for an edit must make
Codex apply the patch the model wrote, changing the file. The CLIs fail quietly (an empty answer,
exit code 0), so the answer is what is checked, and a failure shows what the gateway saw. No CLI
may try to reach any host but loopback.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clis.clients import CLIENTS, Run, run
from clis.traffic import LoggedGateway, OutboundTrap
from gateway import tables
from gateway.settings import DEMO_KEY, Settings


@dataclass(frozen=True, slots=True)
class Case:
    """A CLI, the model it is told to use (None: it picks its own), the name the gateway sees, and
    whether the embedded catalog serves that name (if not, the mock cell's catalog does)."""

    client: str
    model: str | None
    served_as: str
    in_default_catalog: bool = True


CASES = {
    "claude": Case("claude", "claude-sonnet-4-5", "claude-sonnet-4-5"),
    "claude-default-model": Case("claude", None, "claude-opus-5-5"),
    "codex": Case("codex", "gpt-5-codex", "gpt-5-codex"),
    # A model in Codex's own metadata: apply_patch is a freeform tool, and tool_search is offered.
    "codex-freeform": Case("codex", "gpt-5.5", "gpt-5.5", in_default_catalog=False),
    "gemini": Case("gemini", "gemini-2.5-flash", "gemini-2.5-flash"),
}
# The protocol of the provider each CLI's model is sent to in the translated cell, the path the
# upstream gateway serves it on, and a model that upstream knows.
TRANSLATED: dict[str, tuple[str, str, str]] = {
    "claude": (tables.OPENAI_CHAT, "/v1/chat/completions", "gpt-4o"),
    "codex": (tables.ANTHROPIC, "/v1/messages", "claude-sonnet-4-5"),
    "gemini": (tables.OPENAI_CHAT, "/v1/chat/completions", "gpt-4o"),
}
BASE_PATHS = {tables.OPENAI_CHAT: "/v1", tables.ANTHROPIC: ""}
CELLS = ("mock", "translated")


class Cell:
    """The gateway a CLI talks to in one cell, and (translated) the upstream gateway behind it."""

    def __init__(self, front: LoggedGateway, upstream: LoggedGateway | None = None) -> None:
        self.front = front
        self.upstream = upstream

    def report(self) -> str:
        text = f"  front gateway:\n{self.front.log.report()}"
        if self.upstream is not None:
            text += f"\n  upstream gateway:\n{self.upstream.log.report()}"
        return text


@pytest.fixture
def cell(
    logged_gateway: Callable[[Settings], LoggedGateway],
    scripted_settings: Callable[..., Settings],
    catalog_file: Callable[[dict[str, Any]], Path],
    upstream_key: str,
) -> Callable[[str, Case], Cell]:
    def make(name: str, case: Case) -> Cell:
        if name == "mock":
            own = {} if case.in_default_catalog else {"catalog_path": catalog_file(mock_catalog(case))}
            return Cell(logged_gateway(scripted_settings("front", **own)))
        upstream = logged_gateway(scripted_settings("upstream"))
        catalog = translated_catalog(case, upstream.url, upstream_key)
        front = scripted_settings("front", upstream="live", catalog_path=catalog_file(catalog))
        return Cell(logged_gateway(front), upstream)

    return make


def mock_catalog(case: Case) -> dict[str, Any]:
    """A catalog whose one model, under the name the CLI asks for, is answered by the mock."""
    model = {"id": f"mock/{case.served_as}", "aliases": [case.served_as]}
    return {"providers": {"mock": {"kind": "mock"}}, "models": [model]}


def translated_catalog(case: Case, upstream_url: str, key_variable: str) -> dict[str, Any]:
    """A catalog whose one model — under the name the CLI asks for — lives at the upstream."""
    kind, _, upstream_model = TRANSLATED[case.client]
    provider = {"kind": kind, "base_url": upstream_url + BASE_PATHS[kind], "api_key_env": key_variable}
    model = {
        "id": f"upstream/{upstream_model}",
        "upstream_model": upstream_model,
        "aliases": [case.served_as],
    }
    return {"providers": {"upstream": provider}, "models": [model]}


def drive(
    case: Case, prompt: str, cell: Cell, programs: dict[str, Path], trap: OutboundTrap, tmp_path: Path
) -> tuple[Run, str]:
    """Run the CLI once on the prompt; return the run and a report of everything it sent."""
    home, workspace = tmp_path / "home", tmp_path / "workspace"
    home.mkdir(exist_ok=True)
    workspace.mkdir(exist_ok=True)
    setup = CLIENTS[case.client].setup(home, workspace, cell.front.url, DEMO_KEY, prompt, case.model)
    result = run(programs[case.client], setup, home, workspace, trap.url)
    report = f"{result.describe()}\n{cell.report()}\n  outbound attempts: {trap.attempts}"
    return result, report


def assert_clean(cell: Cell, case: Case, trap: OutboundTrap, report: str) -> None:
    """The gateway was asked for the expected model and refused or failed nothing, translation
    really happened, and nothing tried to leave the machine."""
    assert cell.front.log.exchanges, report
    assert {exchange.model for exchange in cell.front.log.exchanges} == {case.served_as}, report
    assert not cell.front.log.errors(), report
    if cell.upstream is not None:
        _, path, _ = TRANSLATED[case.client]
        assert cell.upstream.log.exchanges, report
        assert all(exchange.path.split("?")[0] == path for exchange in cell.upstream.log.exchanges), report
        assert not cell.upstream.log.errors(), report
    assert trap.attempts == [], report


@pytest.mark.parametrize("cell_name", CELLS)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_a_plain_prompt_is_answered(
    case: Case,
    cell_name: str,
    cell: Callable[[str, Case], Cell],
    programs: dict[str, Path],
    trap: OutboundTrap,
    tmp_path: Path,
) -> None:
    word = secrets.token_hex(6)
    gateways = cell(cell_name, case)
    result, report = drive(
        case, f"Say the code word {word} and nothing else.", gateways, programs, trap, tmp_path
    )
    assert f"The code word is {word}." in result.answer, report
    assert_clean(gateways, case, trap, report)


@pytest.mark.parametrize("cell_name", CELLS)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_the_cli_reads_a_file_with_its_own_tool(
    case: Case,
    cell_name: str,
    cell: Callable[[str, Case], Cell],
    programs: dict[str, Path],
    trap: OutboundTrap,
    tmp_path: Path,
) -> None:
    secret = secrets.token_hex(12)
    notes = tmp_path / "workspace" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text(f"the secret is {secret}\n", encoding="utf-8")
    gateways = cell(cell_name, case)
    result, report = drive(case, f"Tell me the secret line in {notes}", gateways, programs, trap, tmp_path)
    assert f"{notes} holds:" in result.answer, report
    assert secret in result.answer, report
    assert_clean(gateways, case, trap, report)


@pytest.mark.parametrize("cell_name", CELLS)
def test_codex_edits_a_file_with_its_freeform_apply_patch_tool(
    cell_name: str,
    cell: Callable[[str, Case], Cell],
    programs: dict[str, Path],
    trap: OutboundTrap,
    tmp_path: Path,
) -> None:
    case = CASES["codex-freeform"]
    old, new = f"old{secrets.token_hex(6)}", f"new{secrets.token_hex(6)}"
    notes = tmp_path / "workspace" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text(f"{old}\n", encoding="utf-8")
    gateways = cell(cell_name, case)
    prompt = f"Change the word {old} to {new} in {notes}"
    result, report = drive(case, prompt, gateways, programs, trap, tmp_path)
    offered = gateways.front.log.exchanges[0].tools
    assert ("custom", "apply_patch") in offered, report
    assert notes.read_text(encoding="utf-8") == f"{new}\n", report
    assert f"Patched {notes}:" in result.answer, report
    assert_clean(gateways, case, trap, report)
