"""What a check reports: one finding per broken rule, readable on its own in a certificate.

A finding names the rule it broke by a stable dotted id (``<protocol>.<family>.<rule>``) so that a
report can be grouped, counted and compared across runs, and says in plain words what was seen and
what was expected, so that nobody needs the checker's source to understand it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ERROR", "WARNING", "Finding", "Report", "errors_only", "short"]

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule: ``where`` is an event number or a JSON path; ``data`` the offending raw data."""

    rule: str
    message: str
    where: str = ""
    severity: Severity = ERROR
    data: str | None = None

    def __str__(self) -> str:
        place = f" at {self.where}" if self.where else ""
        return f"[{self.severity}] {self.rule}{place}: {self.message}"


@dataclass(slots=True)
class Report:
    """Collects findings under one rule prefix, so a check names only its own short rule."""

    prefix: str
    findings: list[Finding] = field(default_factory=list)

    def error(self, rule: str, message: str, where: str = "", data: str | None = None) -> None:
        self.findings.append(Finding(f"{self.prefix}.{rule}", message, where, ERROR, data))

    def warn(self, rule: str, message: str, where: str = "", data: str | None = None) -> None:
        self.findings.append(Finding(f"{self.prefix}.{rule}", message, where, WARNING, data))


def errors_only(findings: list[Finding]) -> list[Finding]:
    """The findings that fail a check; warnings are reported but never fail one."""
    return [finding for finding in findings if finding.severity == ERROR]


def short(value: Any, limit: int = 80) -> str:
    """A value as a message quotes it: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
