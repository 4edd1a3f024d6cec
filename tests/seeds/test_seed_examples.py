"""Every Python and curl example in the seeds' docs runs against the gateway, with only the base
URL and the key changed.

The examples are kept verbatim in ``examples/`` (a test checks them against the seed files when
those are present), each under a header of comments: the seed it comes from, the base URL and the
key it uses (a literal ``key`` replaced in the text, or a ``key-env`` variable set to the gateway's
key), and what a correct run shows: ``shows`` is text its output holds, ``answer`` the start of the
answer a curl example's reply carries once read in its protocol (stream or whole body).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.checks import answer_of_body, check_stream, errors_only, fold
from gateway.settings import DEMO_KEY
from gateway.sse import SSEDecoder
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSES

from .conftest import one_page_pdf, small_png

EXAMPLES_DIR = Path(__file__).parent / "examples"
SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
HEADER = re.compile(r"# ([a-z-]+): (.*)")
# Which protocol a curl example speaks, from the path it calls.
PROTOCOLS = [
    ("/chat/completions", OPENAI_CHAT),
    ("/responses", OPENAI_RESPONSES),
    ("/messages", ANTHROPIC),
    (":generateContent", GEMINI),
]
# Provider credentials and endpoints the examples' SDKs would otherwise pick up from the environment.
SCRUBBED = re.compile(r"^(OPENAI|ANTHROPIC|GOOGLE|GEMINI|AI_GATEWAY|VERCEL)_")


@dataclass(frozen=True)
class Example:
    path: Path
    fields: dict[str, str]
    code: str

    @classmethod
    def load(cls, path: Path) -> Example:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        fields: dict[str, str] = {}
        while lines and (match := HEADER.fullmatch(lines[0].rstrip("\n"))):
            fields[match.group(1)] = match.group(2)
            lines.pop(0)
        return cls(path, fields, "".join(lines))

    def __str__(self) -> str:
        return self.path.name

    def against(self, gateway_url: str) -> tuple[str, dict[str, str]]:
        """The code pointed at the gateway, and the environment to run it in."""
        code = self.code.replace(self.fields["base-url"], gateway_url)
        if "key" in self.fields:
            code = code.replace(self.fields["key"], DEMO_KEY)
        assert self.fields["base-url"] not in code and "https://" not in code, "it would leave loopback"
        env = {name: value for name, value in os.environ.items() if not SCRUBBED.match(name)}
        if "key-env" in self.fields:
            env[self.fields["key-env"]] = DEMO_KEY
        return code, env


EXAMPLES = [Example.load(path) for path in sorted(EXAMPLES_DIR.iterdir())]
PYTHON = [e for e in EXAMPLES if e.path.suffix == ".py"]
CURL = [e for e in EXAMPLES if e.path.suffix == ".sh"]


def _run(command: list[str], workdir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**env, "PATH": f"{workdir / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    return done


@pytest.mark.parametrize("example", PYTHON, ids=str)
def test_python_example_runs_against_the_gateway(example: Example, gateway_url: str, workdir: Path) -> None:
    code, env = example.against(gateway_url)
    script = workdir / example.path.name
    script.write_text(code, encoding="utf-8")
    done = _run([sys.executable, str(script)], workdir, env)
    assert example.fields.get("shows", "") in done.stdout


@pytest.mark.parametrize("example", CURL, ids=str)
def test_curl_example_runs_against_the_gateway(example: Example, gateway_url: str, workdir: Path) -> None:
    code, env = example.against(gateway_url)
    script = workdir / example.path.name
    script.write_text(code, encoding="utf-8")
    output = _run(["bash", str(script)], workdir, env).stdout
    assert output.strip(), "curl printed nothing"
    assert example.fields.get("shows", "") in output
    if "answer" in example.fields:
        protocol = next(p for marker, p in PROTOCOLS if marker in code)
        assert _answer_text(protocol, output).startswith(example.fields["answer"])
    else:
        _json_reply(output)


def _answer_text(protocol: str, output: str) -> str:
    """The reply read the way its protocol's clients read it: an SSE stream (which must keep the
    protocol's grammar) or one JSON body (which must not be an error)."""
    if output.lstrip().startswith(("data:", "event:")):
        decoder = SSEDecoder()
        events = decoder.feed(output) + decoder.close()
        findings = errors_only(check_stream(protocol, events))
        assert not findings, "\n".join(map(str, findings))
        return fold(protocol, events).text
    return answer_of_body(protocol, _json_reply(output)).text


def _json_reply(output: str) -> dict:
    body = json.loads(output)
    assert isinstance(body, dict) and body.get("error") is None, output[:500]
    return body


# --- the examples are the seeds', all of them, as written ----------------------------------------


def _seeds_dir() -> Path:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"the seed documents are not present at {SEEDS_DIR}")
    return SEEDS_DIR


def _significant_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example_is_verbatim_from_its_seed(example: Example) -> None:
    seed = _significant_lines((_seeds_dir() / example.fields["seed"]).read_text(encoding="utf-8"))
    code = _significant_lines(example.code)
    starts = [i for i, line in enumerate(seed) if line == code[0]]
    assert any(seed[i : i + len(code)] == code for i in starts), f"{example} is not a copy of its seed's text"


def test_every_python_and_curl_example_of_the_seeds_is_here() -> None:
    """One curl command per curl example, one OpenAI or Anthropic SDK import per Python example."""
    found: Counter[tuple[str, str]] = Counter()
    for seed in sorted(_seeds_dir().glob("*.txt")):
        for line in seed.read_text(encoding="utf-8").splitlines():
            if line.startswith("curl "):
                found[seed.name, ".sh"] += 1
            elif line in ("from openai import OpenAI", "import anthropic"):
                found[seed.name, ".py"] += 1
    kept = Counter((e.fields["seed"], e.path.suffix) for e in EXAMPLES)
    assert kept == found


def test_the_local_files_the_examples_read_are_real() -> None:
    png = small_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    pdf = one_page_pdf("x")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    assert [pdf[offset:].split(b"\n")[0] for offset in offsets] == [b"%d 0 obj" % n for n in range(1, 6)]
