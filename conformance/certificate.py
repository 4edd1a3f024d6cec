"""The certificate: what a run found, surface by surface and family by family, with evidence.

Each test of the suite is one outcome in one cell of the matrix (surface x check family): passed,
failed, skipped (with its reason) or not claimed (the profile does not claim the surface or the
auth style, so nothing was asked). A cell is never "passed" for what was not tried. Every failure
keeps the exchange that shows it, so the certificate can be read without rerunning anything.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.evidence import Failure, scrub
from conformance.profile import Profile
from conformance.surfaces import SURFACES

__all__ = ["FAMILIES", "STATUSES", "Certificate", "Outcome"]

# The check families, in the order the matrix shows them; each is a pytest marker of the suite.
FAMILIES: dict[str, str] = {
    "schema": "requests generated from specs/ (schemathesis): valid ones get spec-valid answers, invalid ones a 4xx",
    "streaming": "stream grammar per protocol, and a stream equal to the whole answer to the same request",
    "semantics": "one scenario through every protocol means the same: tool calls, stop reasons, usage",
    "errors": "auth styles, and every client mistake refused with the protocol's status and error shape",
    "clients": "the official openai, anthropic and google-genai SDKs complete their calls",
    "replay": "the cassette corpus through every inbound protocol (this project's gateway only)",
}
STATUSES = ("passed", "failed", "skipped", "not-claimed")
NO_SURFACE = "(target)"


@dataclass
class Outcome:
    """One test's result: ``reason`` says why it was skipped or not claimed."""

    test: str
    family: str
    surface: str
    status: str = "passed"
    reason: str = ""
    failures: list[Failure] = field(default_factory=list)
    notes: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "family": self.family,
            "surface": self.surface,
            "status": self.status,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "failures": [failure.rule for failure in self.failures],  # in full under "failures"
            "notes": [{"rule": note.rule, "message": note.message} for note in self.notes],
        }


@dataclass
class Certificate:
    target: str
    profile: Profile
    in_process: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    families: tuple[str, ...] = tuple(FAMILIES)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    @property
    def failed(self) -> bool:
        return any(outcome.status == "failed" for outcome in self.outcomes)

    def matrix(self) -> dict[str, dict[str, dict[str, int]]]:
        """surface -> family -> status -> count, for every surface and family (empty cells too)."""
        rows = [s.id for s in SURFACES]
        rows += sorted({o.surface for o in self.outcomes} - set(rows))
        counts: dict[tuple[str, str], Counter[str]] = {}
        for outcome in self.outcomes:
            counts.setdefault((outcome.surface, outcome.family), Counter())[outcome.status] += 1
        return {
            row: {
                family: {status: counts.get((row, family), Counter())[status] for status in STATUSES}
                for family in self.families
            }
            for row in rows
        }

    def totals(self) -> dict[str, int]:
        counted = Counter(outcome.status for outcome in self.outcomes)
        return {status: counted[status] for status in STATUSES}

    def failures(self) -> list[dict[str, Any]]:
        """Every broken rule, flat, with the test, surface and family it was found in."""
        return [
            {"test": o.test, "surface": o.surface, "family": o.family, **failure.to_dict()}
            for o in self.outcomes
            for failure in o.failures
        ]

    def notes(self) -> list[dict[str, Any]]:
        """Warnings: what is worth knowing but breaks no rule (real providers do it too)."""
        return [
            {"test": o.test, "surface": o.surface, "family": o.family, "rule": n.rule, "message": n.message}
            for o in self.outcomes
            for n in o.notes
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "verdict": "fail" if self.failed else "pass",
            "target": {"url": self.target, "in_process": self.in_process},
            "profile": self.profile.summary(),
            "families": {family: FAMILIES[family] for family in self.families},
            "totals": self.totals(),
            "matrix": self.matrix(),
            "failures": self.failures(),
            "notes": self.notes(),
            "tests": [outcome.to_dict() for outcome in self.outcomes],
        }

    def write(self, directory: Path, secret: str) -> list[Path]:
        """certificate.json, certificate.md and certificate.html in ``directory``; ``secret`` (the
        target's key) is masked once more in each file, whatever produced the text."""
        from conformance.render import render_html, render_markdown

        data = self.to_dict()
        directory.mkdir(parents=True, exist_ok=True)
        files = {
            "certificate.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
            "certificate.md": render_markdown(data),
            "certificate.html": render_html(data),
        }
        written = []
        for name, text in files.items():
            path = directory / name
            path.write_text(scrub(text, secret), encoding="utf-8")
            written.append(path)
        return written
