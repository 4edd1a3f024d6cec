"""The committed ``cassettes/`` and ``fixtures/`` are exactly what the generator writes.

A sample of scenarios (one per API and form: streams, gzip, reasoning, images) is regenerated into
a scratch directory, recorded through the gateway as the generator always does, and compared byte
for byte with the committed files, so hand edits and a stale generator both show.
"""

from __future__ import annotations

from pathlib import Path

from gateway.cassettes.authoring.generate import generate

from .conftest import CASSETTES, FIXTURES

SAMPLE = {
    "openai/chat-stream-tools",
    "openai/responses-reasoning-stream",
    "openai/images-generate",
    "anthropic/plain",
    "gemini/thinking-stream",
    "gemini/err429",
}


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    generate(tmp_path, SAMPLE)
    for scenario in SAMPLE:
        provider, name = scenario.split("/")
        cassette = tmp_path / "cassettes" / provider / f"{name}.yaml"
        assert cassette.read_bytes() == (CASSETTES / provider / f"{name}.yaml").read_bytes(), scenario
        written = sorted(p.name for p in (tmp_path / "fixtures" / provider / name).iterdir())
        assert written == sorted(p.name for p in (FIXTURES / provider / name).iterdir()), scenario
        for fixture in written:
            assert (tmp_path / "fixtures" / provider / name / fixture).read_bytes() == (
                FIXTURES / provider / name / fixture
            ).read_bytes()
